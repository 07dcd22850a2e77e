"""Chromium (issue 19): with the demo county's road network imported, the coverage map draws the roads and the
reachable areas along them, and the dispatch map draws each vehicle's route along the roads with a legend.

Own app fixture: a temp copy of the demo database plus the demo network (written and imported as `relief demo`
does) in RELIEF_ROAD_GRAPH_FILE. Screenshots: tests/browser/screenshots/roads-*.png. Skipped when Chromium is
missing unless REQUIRE_BROWSER=1.
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

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.read.road_sites import county_places
from stockpile.adapters.travel.roads import SpeedTable, import_extract
from stockpile.demo.roads import write_demo_network
from stockpile.resources import resource

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def roads_app(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium required (REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("Chromium not installed")
    pytest.importorskip("playwright.sync_api")
    tmp = tmp_path_factory.mktemp("roads-browser")
    db = tmp / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    url_db = f"sqlite:///{db}"
    graph = tmp / "roads" / "county-roads.npz"
    pbf = write_demo_network(url_db, tmp / "roads" / "demo-county.osm.pbf")
    import_extract(
        pbf,
        graph,
        SpeedTable.from_toml(resource("road_speeds.toml")),
        sites=county_places(make_engine(url_db)),
    )
    env = {
        **os.environ,
        "DATABASE_URL": url_db,
        "RELIEF_ROAD_GRAPH_FILE": str(graph),
        "RELIEF_ROLE_PICKER": "1",
        "RELIEF_CURRENT_ROLE": "dispatcher",
        "RELIEF_SOLVE_TIME_LIMIT_S": "2",
        "RELIEF_ORS_ENABLED": "0",
        "RELIEF_TILE_URL": "",
        "RELIEF_MATRIX_CACHE_DIR": str(tmp / "cache"),
    }
    port = _free_port()
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


def test_coverage_map_draws_the_roads_and_says_the_times_are_road_times(roads_app: str, browser) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    try:
        page.goto(f"{roads_app}/coverage", wait_until="domcontentloaded")
        page.get_by_text("1小时保障圈（按库存测算）").first.wait_for(timeout=60_000)
        page.get_by_text("路网（本县 OpenStreetMap 路网，离线计算）").first.wait_for(timeout=60_000)
        canvas = page.locator("canvas").first
        canvas.wait_for(state="attached", timeout=30_000)
        canvas.scroll_into_view_if_needed()
        page.wait_for_timeout(2500)
        page.screenshot(path=str(SHOTS / "roads-coverage.png"))
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("估算（直线距离×系数）").count() == 0
    finally:
        page.close()


def test_dispatch_map_draws_routes_along_the_roads_with_a_legend(roads_app: str, browser) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    try:
        page.goto(f"{roads_app}/dispatch")
        expect(page.get_by_role("heading", name="调度方案").first).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="生成方案").click()
        expect(page.get_by_text("校验器：通过")).to_be_visible(timeout=90_000)
        legend = page.locator('[data-testid="stMarkdownContainer"]', has_text="车辆图例")
        expect(legend).to_contain_text("XJK-01")  # one colour per vehicle, named under the map
        expect(legend).to_contain_text("FXK-01")
        assert page.locator("canvas").count() >= 1
        assert page.get_by_text("路线为直线示意").count() == 0
        deck = page.locator('[data-testid="stDeckGlJsonChart"]').first
        deck.scroll_into_view_if_needed()
        page.mouse.move(700, 300)
        page.mouse.wheel(0, 600)  # the map and the legend under it into view (Streamlit scrolls its own pane)
        page.wait_for_timeout(3000)
        page.screenshot(path=str(SHOTS / "roads-dispatch.png"))
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
