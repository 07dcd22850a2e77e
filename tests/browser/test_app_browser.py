"""The app as a person uses it, in headless Debian Chromium: pick the keeper role, record a receipt, see the
balance change, open every page (Chinese text and the map render, no exception), one screenshot per page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import RECENT

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
    page.wait_for_timeout(150)
    page.wait_for_function(IDLE, timeout=60_000)


def choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Open a selectbox and pick an option; a rerun that closes the list on a cold first run is retried."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_label(label, exact=False).first
    box.wait_for()
    idle(page)
    for attempt in range(3):
        box.click()
        opt = page.get_by_role("option", name=option).first
        try:
            opt.wait_for(timeout=10_000)
            opt.click()
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            idle(page)
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


@pytest.fixture(scope="module")
def keeper(browser, app_url):  # type: ignore[no-untyped-def]
    """One browser session for the keeper's tests: opened once, the 保管员 role picked in the sidebar."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)  # the first run of a fresh checkout is slow (cold caches)
    pg.goto(app_url)
    pg.wait_for_selector('[data-testid="stSidebar"]')
    idle(pg)
    choose(pg, "角色", "保管员")
    assert "保管员" in pg.locator('[data-testid="stSidebar"]').inner_text()
    yield pg
    ctx.close()


def test_keeper_records_a_receipt_and_sees_the_balance_change(keeper, shots):  # type: ignore[no-untyped-def]
    """A keeper receives 7 tents at the county depot and the balance shown grows by exactly 7."""
    page = keeper
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


def test_every_keeper_page_opens_and_is_screenshotted(keeper, shots):  # type: ignore[no-untyped-def]
    """Every page a keeper sees renders in Chinese without an exception; the home map draws its canvas."""
    page = keeper
    for i, title in enumerate(KEEPER_PAGES):
        open_page(page, title)
        if title == "批量导入":
            page.locator('[data-testid="stFileUploaderDropzone"]').first.wait_for()
        if title == "应急一张图":
            page.locator("canvas").first.wait_for()
            page.wait_for_timeout(1500)  # let deck.gl draw the labels
        no_exception(page)
        page.screenshot(path=str(shots / f"{i:02d}-{title}.png"), full_page=True)


def test_keeper_imports_a_csv_in_the_browser(keeper, shots, tmp_path):  # type: ignore[no-untyped-def]
    """Upload (through XSRF protection) → preview → 校验并导入 → success, in a real browser."""
    page = keeper
    open_page(page, "批量导入")
    csv = tmp_path / "入库.csv"
    csv.write_text(
        f"业务类型,库点编码,物资编码,批次号,数量,有效期至,发生时间\n入库,XJK,1010101,CSV-1,3,,{RECENT}\n"
    )
    page.locator('input[type="file"]').set_input_files(str(csv))
    page.get_by_text("预览（共 1 行").first.wait_for()
    idle(page)
    page.get_by_role("button", name="校验并导入").click()
    page.get_by_text("导入成功").first.wait_for()
    no_exception(page)
    page.screenshot(path=str(shots / "import-done.png"), full_page=True)


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
