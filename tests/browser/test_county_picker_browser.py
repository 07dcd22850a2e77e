"""A province install in headless Debian Chromium: one app over two counties (each its own database, named by
RELIEF_COUNTIES_FILE). The province reader logs in with the login form, sees 甲县's stock, picks 乙县 in the
sidebar and then sees 乙县's name and stock, and 甲县's lot nowhere on the page."""

from __future__ import annotations

import pytest

from tests.browser.test_app_browser import choose, idle, no_exception
from tests.support.province_app import PROVINCE_PASSWORD, province_registry
from tests.support.streamlit_app import CHROMIUM, serve_app
from tests.support.streamlit_app import skip_or_fail as _skip_or_fail

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def province_url(tmp_path_factory):  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    base = tmp_path_factory.mktemp("province-browser")
    env = {
        "RELIEF_COUNTIES_FILE": str(province_registry(base)),
        "RELIEF_COUNTY": "",
        "DATABASE_URL": "",
        "RELIEF_ROLE_PICKER": "0",
        "RELIEF_TILE_URL": "",
        "RELIEF_ORS_ENABLED": "0",
    }
    with serve_app(base, env) as url:
        yield url


def _stock_page(page, lot: str) -> str:  # type: ignore[no-untyped-def]
    """Open 库存总览 from the sidebar and wait until its grid shows `lot` (the county's run has finished, not the
    previous county's table still on screen); the page's text, the tables' cells included (the grid draws on a
    canvas; its cells are in the accessible table behind it)."""
    from playwright.sync_api import expect

    page.locator('[data-testid="stSidebarNavLink"]:has(span[label="库存总览"])').first.click()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_contain_text(lot, timeout=60_000)
    idle(page)
    no_exception(page)
    grids = page.locator('[data-testid="stDataFrame"]')
    cells = " ".join(str(grids.nth(i).text_content()) for i in range(grids.count()))
    main = page.locator('[data-testid="stMain"]').inner_text()
    return f"{main} {cells}"


def test_the_province_reader_picks_the_second_county(browser, province_url, shots):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(province_url)
        page.get_by_label("用户名").first.wait_for()
        idle(page)
        page.get_by_label("用户名").first.fill("prov")
        page.get_by_label("密码").first.fill(PROVINCE_PASSWORD)
        page.get_by_role("button", name="登录").first.click()
        page.get_by_text("选择县（本账号已获授权的县）").first.wait_for()
        idle(page)
        no_exception(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "当前县：甲县" in sidebar.inner_text()
        first = _stock_page(page, "LOT-A")
        assert "LOT-A" in first and "LOT-B" not in first
        choose(page, "选择县", "乙县")
        page.get_by_text("当前县：乙县").first.wait_for()
        idle(page)
        no_exception(page)
        second = _stock_page(page, "LOT-B")
        page.screenshot(path=str(shots / "county-picker.png"), full_page=True)
        assert "LOT-B" in second and "LOT-A" not in second
        assert "当前县：甲县" not in sidebar.inner_text()
    finally:
        ctx.close()
