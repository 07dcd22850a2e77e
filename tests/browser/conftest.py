"""A real `streamlit run app.py` on 127.0.0.1 against a temp copy of the demo county, driven by Debian Chromium.

Skips when /usr/bin/chromium or playwright is missing, unless REQUIRE_BROWSER=1 (CI), where that is a failure.
Never runs `playwright install`: the browser is the Debian package. Screenshots: the `shots` directory under
pytest's basetemp (e.g. `pytest --basetemp=out` keeps them in out/screenshots).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.streamlit_app import CHROMIUM, serve_app, skip_or_fail

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def app_url(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free port with DATABASE_URL = a temp copy of the demo database."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("browser")
    shutil.copy(demo_url.removeprefix("sqlite:///"), tmp / "demo.db")
    # demo mode: the suite picks roles in the sidebar ("log in or pick the role"); login has its own tests
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}", "RELIEF_TILE_URL": "", "RELIEF_ROLE_PICKER": "1"}
    with serve_app(tmp, env) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)  # the first run of a fresh checkout is slow (cold caches)
    pg.goto(app_url)
    pg.wait_for_selector('[data-testid="stSidebar"]')
    yield pg
    ctx.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots go to the test output (under pytest's basetemp), never into the repository."""
    return tmp_path_factory.mktemp("screenshots", numbered=False)
