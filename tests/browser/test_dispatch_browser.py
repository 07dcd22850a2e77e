"""Chromium: the dispatcher plans the demo flood drill in a real browser and sees KPIs, the map and routes.

Starts `streamlit run app.py` on a free port with a temporary demo database; headless Debian Chromium via
Playwright (never `playwright install`). Skipped when Chromium is missing unless REQUIRE_BROWSER=1.
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
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("streamlit exited early")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, demo_url) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium required (REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("Chromium not installed")
    pytest.importorskip("playwright.sync_api")
    db = tmp_path_factory.mktemp("browser") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "RELIEF_SOLVE_TIME_LIMIT_S": "2",
        "RELIEF_CURRENT_ROLE": "dispatcher",
        "RELIEF_ROLE_PICKER": "1",  # demo mode: act as the dispatcher's demo account
    }
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


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
            assert page.locator("canvas").count() >= 1  # the pydeck map
        finally:
            page.close()
