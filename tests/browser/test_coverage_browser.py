"""The coverage page in headless Debian Chromium against `streamlit run app.py` on a temp copy of the demo county.

Own minimal fixture (the app area owns tests/browser/conftest.py). Skips when /usr/bin/chromium or playwright is
missing, unless REQUIRE_BROWSER=1. Never runs `playwright install`. Screenshot: tests/browser/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _skip_or_fail(why: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required (REQUIRE_BROWSER=1) but {why}")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def coverage_app(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free 127.0.0.1 port, DATABASE_URL = a temp copy of the demo database."""
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} is missing")
    pytest.importorskip("playwright.sync_api") if os.environ.get("REQUIRE_BROWSER") != "1" else None
    tmp = tmp_path_factory.mktemp("coverage-browser")
    shutil.copy(demo_url.removeprefix("sqlite:///"), tmp / "demo.db")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
        "RELIEF_ROLE_PICKER": "1",
        "RELIEF_ORS_ENABLED": "0",
        "RELIEF_MATRIX_CACHE_DIR": str(tmp / "cache"),
    }
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
        "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with (tmp / "streamlit.log").open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}")
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.mark.browser
def test_coverage_page_renders_in_headless_chromium(coverage_app: str, browser) -> None:  # type: ignore[no-untyped-def]
    """The page draws its title, figures, the offline map canvas and the uncovered table, with no exception."""
    SHOTS.mkdir(exist_ok=True)
    if True:  # one Playwright per test session: the shared `browser` fixture (tests/browser/conftest.py)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        try:
            page.goto(f"{coverage_app}/coverage", wait_until="domcontentloaded")
            page.get_by_text("1小时保障圈（按库存测算）").first.wait_for(timeout=60_000)
            page.get_by_text("未覆盖的村和避难场所").first.wait_for(timeout=60_000)
            page.locator("canvas").first.wait_for(state="attached", timeout=30_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(SHOTS / "coverage.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.get_by_text("需保障点").count() >= 1
        finally:
            page.close()
