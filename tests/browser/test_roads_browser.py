"""Chromium (issue 19): with the demo county's road network imported, the coverage map draws the roads and the
reachable areas along them, and the dispatch map draws each vehicle's route along the roads with a legend.

Own app fixture: a temp copy of the demo database plus the demo network (written and imported as `relief demo`
does) in RELIEF_ROAD_GRAPH_FILE. Screenshots: roads-*.png in the `shots` test output. Skipped when Chromium is
missing unless REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.read.road_sites import county_places
from stockpile.adapters.travel.roads import SpeedTable, import_extract
from stockpile.demo.roads import write_demo_network
from stockpile.resources import resource
from tests.support.streamlit_app import require_browser, serve_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def roads_app(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
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
        "DATABASE_URL": url_db,
        "RELIEF_ROAD_GRAPH_FILE": str(graph),
        "RELIEF_ROLE_PICKER": "1",
        "RELIEF_CURRENT_ROLE": "dispatcher",
        "RELIEF_SOLVE_TIME_LIMIT_S": "2",
        "RELIEF_ORS_ENABLED": "0",
        "RELIEF_TILE_URL": "",
        "RELIEF_MATRIX_CACHE_DIR": str(tmp / "cache"),
    }
    with serve_app(tmp, env) as url:
        yield url


def test_coverage_map_draws_the_roads_and_says_the_times_are_road_times(
    roads_app: str, browser, shots: Path
) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1800})
    try:
        page.goto(f"{roads_app}/coverage", wait_until="domcontentloaded")
        page.get_by_text("1小时保障圈（按库存测算）").first.wait_for(timeout=60_000)
        page.get_by_text("路网（本县 OpenStreetMap 路网，离线计算）").first.wait_for(timeout=60_000)
        canvas = page.locator("canvas").first
        canvas.wait_for(state="attached", timeout=30_000)
        canvas.scroll_into_view_if_needed()
        page.wait_for_timeout(2500)
        page.screenshot(path=str(shots / "roads-coverage.png"))
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_text("估算（直线距离×系数）").count() == 0
    finally:
        page.close()


def test_dispatch_map_draws_routes_along_the_roads_with_a_legend(
    roads_app: str, browser, shots: Path
) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    try:
        page.goto(f"{roads_app}/dispatch")
        expect(page.get_by_role("heading", name="调度方案").first).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="生成方案").click()
        expect(page.get_by_text("校验器：通过")).to_be_visible(timeout=90_000)
        legend = page.locator('[data-testid="stMarkdownContainer"]', has_text="车辆图例")
        expect(legend).to_contain_text(
            "县库厢式货车1"
        )  # one colour per vehicle, by name under the map (XJK-01)
        expect(legend).to_contain_text("防汛库货车")  # FXK-01
        page.locator("canvas").first.wait_for(state="attached", timeout=30_000)
        assert page.get_by_text("路线为直线示意").count() == 0
        deck = page.locator('[data-testid="stDeckGlJsonChart"]').first
        deck.scroll_into_view_if_needed()
        page.mouse.move(700, 300)
        page.mouse.wheel(0, 600)  # the map and the legend under it into view (Streamlit scrolls its own pane)
        page.wait_for_timeout(3000)
        page.screenshot(path=str(shots / "roads-dispatch.png"))
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        page.close()
