"""The demo county's synthetic road network (issue 19): written as a PBF, imported through the real importer,
and the FLOOD-DEMO drill's closed bridge pushing villages across the river out of the 1-hour circle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.read.road_sites import county_places
from stockpile.adapters.travel.roads import RoadGraphProvider, SpeedTable, import_extract, load_graph
from stockpile.cli.main import app
from stockpile.demo.roads import BRIDGE_CLOSED, BRIDGES, closed_bridge_geojson, east_bank, write_demo_network
from stockpile.ports.travel import UNREACHABLE, AvoidAreas, LonLat
from stockpile.resources import resource
from tests.support.cli import login_as

runner = CliRunner()
XJK = LonLat(115.905, 29.595)  # the county depot, west of the river


@pytest.fixture(scope="module")
def demo_roads(demo_url: str, tmp_path_factory) -> RoadGraphProvider:
    folder = tmp_path_factory.mktemp("demo-roads")
    pbf = write_demo_network(demo_url, folder / "demo-county.osm.pbf")
    rep = import_extract(
        pbf,
        folder / "g.npz",
        SpeedTable.from_toml(resource("road_speeds.toml")),
        sites=county_places(make_engine(demo_url)),
    )
    assert rep.far_sites == () and rep.dropped_segments == 0  # every place sits on the network
    return RoadGraphProvider(load_graph(folder / "g.npz"))


def test_the_demo_network_has_county_township_and_village_roads_and_three_bridges(
    demo_roads: RoadGraphProvider,
):
    g = demo_roads.graph
    classes = {g.classes[c] for c in np.unique(g.seg_class)}
    assert {"secondary", "tertiary", "unclassified", "service"} <= classes
    assert {b[0] for b in BRIDGES} <= set(g.seg_way.tolist())
    assert 150 < g.n_nodes < 2000 and 400 < float(g.seg_len_m.sum()) / 1000 < 2000


def test_closing_the_middle_bridge_slows_the_villages_across_the_river(
    demo_url: str, demo_roads: RoadGraphProvider
):
    from sqlalchemy import text

    with make_engine(demo_url).connect() as c:
        rows = c.execute(text("SELECT lon, lat FROM admin_area WHERE level = 'village'")).all()
    east = [LonLat(lon, lat) for lon, lat in rows if east_bank(lon, lat)]
    west = [LonLat(lon, lat) for lon, lat in rows if not east_bank(lon, lat)]
    assert len(east) > 20 and len(west) > 100
    flood = AvoidAreas.from_rings("FLOOD-DEMO", [closed_bridge_geojson()["coordinates"]])
    closed = demo_roads.closed_segments(flood)
    assert set(demo_roads.graph.seg_way[closed].tolist()) == {BRIDGE_CLOSED}
    before = np.array(demo_roads.matrix([XJK], east + west, "driving-hgv").duration_s[0])
    after = np.array(demo_roads.matrix([XJK], east + west, "driving-hgv", flood).duration_s[0])
    assert UNREACHABLE not in after  # around by the other bridges
    e, w = len(east), len(west)
    assert np.all(after >= before - 1)
    assert np.count_nonzero(after[:e] > before[:e] + 600) > e // 3  # a 10-minute detour or more for many
    assert np.count_nonzero(after[e:] > before[e:] + 60) < w // 10  # this bank hardly notices
    out = (before[:e] <= 3600) & (after[:e] > 3600)
    assert out.sum() > 0  # villages across the river leave the 1-hour circle from the county depot


def test_relief_demo_builds_and_imports_the_road_network(tmp_path: Path, monkeypatch):
    db = tmp_path / "demo.db"
    graph = tmp_path / "data" / "roads" / "county-roads.npz"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("RELIEF_ROAD_GRAPH_FILE", str(graph))
    res = runner.invoke(app, ["demo"])
    assert res.exit_code == 0, res.output
    assert "示范路网（虚构）已生成并导入" in res.output
    assert graph.is_file() and (graph.parent / "demo-county.osm.pbf").is_file()
    bridge = json.loads((graph.parent / "flood-demo-closed-bridge.geojson").read_text(encoding="utf-8"))
    assert bridge["features"][0]["geometry"] == closed_bridge_geojson()
    login_as("dispatcher")
    normal = runner.invoke(app, ["circle", "--item", "1010101", "--minutes", "60"])
    blocked = runner.invoke(
        app,
        [
            "circle",
            "--item",
            "1010101",
            "--minutes",
            "60",
            "--blocked",
            str(graph.parent / "flood-demo-closed-bridge.geojson"),
        ],
    )
    assert normal.exit_code == 0 and blocked.exit_code == 0, normal.output + blocked.output
    assert "路网（本县 OpenStreetMap 路网" in normal.output
    assert blocked.output.count("路程太远") > normal.output.count("路程太远")


def test_dispatch_routes_are_drawn_along_the_roads(demo_url: str, tmp_path: Path, monkeypatch):
    """With the demo network imported, each vehicle's line follows the roads (many points, source "roads"),
    starts and ends at its depot, and the plan's matrix came from the road graph too."""
    import shutil

    from stockpile.bootstrap import build_services
    from stockpile.config import Settings
    from stockpile.dispatch.commands import PlanSettings

    db = tmp_path / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    graph = tmp_path / "roads" / "county-roads.npz"
    pbf = write_demo_network(f"sqlite:///{db}", tmp_path / "roads" / "demo.osm.pbf")
    import_extract(pbf, graph, SpeedTable.from_toml(resource("road_speeds.toml")))
    svc = build_services(Settings(database_url=f"sqlite:///{db}", road_graph_file=graph))
    plan = svc.dispatch.plan("FLOOD-DEMO", PlanSettings(time_limit_s=1))
    assert plan.matrix_source == "roads" and not plan.violations
    lines = svc.dispatch.route_lines(plan)
    assert lines and all(line["source"] == "roads" for line in lines)
    for line, r in zip(lines, plan.result.routes, strict=True):
        home = next(v.start for v in plan.problem.vehicles if v.id == r.vehicle)
        assert len(line["path"]) > len(r.stops) + 2  # more than straight legs
        assert line["path"][0] == pytest.approx([plan.places[home].lon, plan.places[home].lat], abs=1e-6)
    assert not svc.map_view.road_paths().empty
