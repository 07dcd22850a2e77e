"""Chromium: the dispatcher plans the demo flood drill in a real browser and sees KPIs, the map and routes.

Starts `streamlit run app.py` on a free port with a temporary demo database; headless Debian Chromium via
Playwright (never `playwright install`). Skipped when Chromium is missing unless REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.support.streamlit_app import require_browser, serve_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, demo_url) -> Iterator[str]:
    require_browser()
    tmp = tmp_path_factory.mktemp("dispatch-browser")
    shutil.copy(demo_url.removeprefix("sqlite:///"), tmp / "demo.db")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
        "RELIEF_SOLVE_TIME_LIMIT_S": "2",
        "RELIEF_CURRENT_ROLE": "dispatcher",
        "RELIEF_ROLE_PICKER": "1",  # demo mode: act as the dispatcher's demo account
    }
    with serve_app(tmp, env) as url:
        yield url


def test_dispatcher_plans_the_flood_drill_in_chromium(app_url, browser):  # type: ignore[no-untyped-def]
    """In a real browser the dispatcher runs a plan and sees the checker verdict, KPIs, map and route table."""
    from playwright.sync_api import expect

    if True:  # one Playwright per test session: the shared `browser` fixture (tests/browser/conftest.py)
        page = browser.new_page()
        try:
            page.goto(app_url + "/dispatch")
            expect(page.get_by_role("heading", name="调度方案").first).to_be_visible(timeout=60_000)
            page.get_by_role("button", name="生成方案").click()
            expect(page.get_by_text("校验器：通过")).to_be_visible(timeout=90_000)
            expect(page.get_by_text("优先需求 60 分钟内送达")).to_be_visible()
            expect(page.get_by_role("heading", name="车辆路线")).to_be_visible()
            page.locator("canvas").first.wait_for(state="attached", timeout=30_000)  # the pydeck map
        finally:
            page.close()
