"""The planner's pages in headless Debian Chromium: pick the 规划审查 role, open every planner page, no
exception, one screenshot each."""

from __future__ import annotations

import pytest

from tests.browser.test_app_browser import choose, idle, no_exception

pytestmark = pytest.mark.browser

PLANNER_PAGES = ["协议储备", "储备定额与缺口", "轮换计划", "近效期看板", "年度储备计划审查", "保障圈与选址"]


def test_every_planner_page_opens_in_chromium(browser, app_url, shots):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(app_url)
        page.wait_for_selector('[data-testid="stSidebar"]')
        idle(page)
        choose(page, "角色", "规划审查")
        for i, title in enumerate(PLANNER_PAGES):
            page.locator(f'[data-testid="stSidebarNavLink"]:has(span[label="{title}"])').first.click()
            page.locator("h1").first.wait_for()
            idle(page)
            no_exception(page)
            assert page.locator("h1").first.inner_text().strip()
            page.screenshot(path=str(shots / f"planner-{i:02d}-{title}.png"), full_page=True)
    finally:
        ctx.close()
