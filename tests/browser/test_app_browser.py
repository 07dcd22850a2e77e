"""The app as a person uses it, in headless Debian Chromium: pick the keeper role, record a receipt, see the
balance change, open every page (Chinese text and the map render, no exception), one screenshot per page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

KEEPER_PAGES = [
    "应急一张图",
    "验收入库",
    "出库",
    "调拨",
    "盘点",
    "报废",
    "批量导入",
    "库存总览",
    "货位卡",
    "导出与打印",
]


IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-stale="true"]')"""


def idle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run finished: no running indicator and no stale (greyed) element."""
    page.wait_for_timeout(250)
    page.wait_for_function(IDLE, timeout=30_000)


def choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label(label, exact=False).first.click()
    page.get_by_role("option", name=option).first.click()
    idle(page)


def open_page(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(f'[data-testid="stSidebarNavLink"]:has(span[label="{title}"])').first.click()
    page.get_by_role("heading", name=title).first.wait_for()
    idle(page)


def metric(page, label: str) -> int:  # type: ignore[no-untyped-def]
    box = page.locator('[data-testid="stMetric"]', has_text=label).first
    return int(box.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def no_exception(page) -> None:  # type: ignore[no-untyped-def]
    assert page.locator('[data-testid="stException"]').count() == 0


def test_keeper_records_a_receipt_and_sees_the_balance_change(page, shots):  # type: ignore[no-untyped-def]
    """A keeper picks the role, receives 7 tents at the county depot and the balance grows by exactly 7."""
    idle(page)
    choose(page, "角色", "保管员")
    assert page.get_by_text("当前用户").first.is_visible()
    open_page(page, "验收入库")
    choose(page, "储备库（点）", "示范县救灾物资储备库（XJK）")
    before = metric(page, "该库点当前结存")
    page.get_by_label("批次号").fill("BROWSER-001")
    qty = page.get_by_label(re.compile("验收合格数量"))
    qty.fill("7")
    qty.press("Tab")
    idle(page)
    page.get_by_role("button", name="确认入库").click()
    page.get_by_text("已入库").first.wait_for()
    idle(page)
    no_exception(page)
    assert metric(page, "该库点当前结存") == before + 7
    page.screenshot(path=str(shots / "receive-posted.png"), full_page=True)


def test_every_keeper_page_opens_and_is_screenshotted(page, shots):  # type: ignore[no-untyped-def]
    """Every page a keeper sees renders in Chinese without an exception; the home map draws its canvas."""
    idle(page)
    choose(page, "角色", "保管员")
    for i, title in enumerate(KEEPER_PAGES):
        open_page(page, title)
        if title == "应急一张图":
            page.locator("canvas").first.wait_for()
            page.wait_for_timeout(1500)  # let deck.gl draw the labels
        no_exception(page)
        page.screenshot(path=str(shots / f"{i:02d}-{title}.png"), full_page=True)


def test_english_switch_translates_the_navigation(page, shots):  # type: ignore[no-untyped-def]
    """The language switch turns the whole app English."""
    idle(page)
    page.get_by_text("English").click()
    idle(page)
    page.get_by_role("heading", name="County emergency map").first.wait_for()
    page.locator("canvas").first.wait_for()
    page.wait_for_timeout(1500)
    no_exception(page)
    assert "Current user: admin (Admin)" in page.locator('[data-testid="stSidebar"]').inner_text()
    page.screenshot(path=str(shots / "home-en.png"), full_page=True)
