"""The coverage page in headless Debian Chromium against `streamlit run app.py` on a temp copy of the demo county.

Own minimal fixture (the app area owns tests/browser/conftest.py). Skips when /usr/bin/chromium or playwright is
missing, unless REQUIRE_BROWSER=1. Never runs `playwright install`. Screenshot: the `shots` test output.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.streamlit_app import require_browser, serve_app


@pytest.fixture(scope="module")
def coverage_app(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free 127.0.0.1 port, DATABASE_URL = a temp copy of the demo database."""
    require_browser()
    tmp = tmp_path_factory.mktemp("coverage-browser")
    shutil.copy(demo_url.removeprefix("sqlite:///"), tmp / "demo.db")
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
        "RELIEF_ROLE_PICKER": "1",
        "RELIEF_ORS_ENABLED": "0",
        "RELIEF_MATRIX_CACHE_DIR": str(tmp / "cache"),
    }
    with serve_app(tmp, env) as url:
        yield url


@pytest.mark.browser
def test_coverage_page_renders_in_headless_chromium(coverage_app: str, browser, shots: Path) -> None:  # type: ignore[no-untyped-def]
    """The page draws its title, figures, the offline map canvas and the uncovered table, with no exception."""
    from playwright.sync_api import expect

    if True:  # one Playwright per test session: the shared `browser` fixture (tests/browser/conftest.py)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        try:
            page.goto(f"{coverage_app}/coverage", wait_until="domcontentloaded")
            page.get_by_text("1小时保障圈（按库存测算）").first.wait_for(timeout=60_000)
            page.get_by_text("未覆盖的村和避难场所").first.wait_for(timeout=60_000)
            page.locator("canvas").first.wait_for(state="attached", timeout=30_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(shots / "coverage.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
            expect(page.get_by_text("需保障点").first).to_be_visible(timeout=60_000)
        finally:
            page.close()
