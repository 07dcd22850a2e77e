"""Editing an event's scenario (issue 17, D3): show, clone, damaged depots and a blocked-roads GeoJSON that the
dispatch matrix then avoids; a file that is not GeoJSON or holds no polygon is refused and writes nothing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import Settings
from stockpile.domain.coverage_world import BadAvoidAreas
from stockpile.domain.dispatch import UnknownScenario
from stockpile.domain.errors import InvalidCommand, PermissionDenied, UnknownSite
from tests.conftest import NOW
from tests.support.cli import login_as
from tests.support.dispatch import SCENARIO, seed_dispatch

runner = CliRunner()


def _box(lon: float, lat: float, d: float = 0.02) -> bytes:
    ring = [
        [lon - d, lat - d],
        [lon + d, lat - d],
        [lon + d, lat + d],
        [lon - d, lat + d],
        [lon - d, lat - d],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]}).encode()


@pytest.fixture
def svc(engine, world, db_url):
    seed_dispatch(engine, world)
    # the offline estimate treats a blocked area as closed (not merely slower), as a road graph would
    return build_services(Settings(database_url=db_url, offline_avoid_policy="unreachable"))


def test_clone_copies_points_demand_and_conditions(svc, world):
    svc.events.set_scenario_conditions(
        SCENARIO, "disp", [world.point], (_box(115.95, 29.63), "flood.geojson")
    )
    assert svc.events.clone_scenario(SCENARIO, "T-FLOOD-B", "disp") == "T-FLOOD-B"
    (a, da), (b, db) = (
        svc.events.show_scenario(SCENARIO, "plan"),
        svc.events.show_scenario("T-FLOOD-B", "plan"),
    )
    assert (b.points, db, b.damaged_sites, b.blocked_geojson) == (
        a.points,
        da,
        (world.point,),
        a.blocked_geojson,
    )
    with pytest.raises(InvalidCommand):
        svc.events.clone_scenario(SCENARIO, "T-FLOOD-B", "disp")
    with pytest.raises(UnknownScenario):
        svc.events.show_scenario("NOPE", "disp")
    with pytest.raises(PermissionDenied):
        svc.events.clone_scenario(SCENARIO, "T-K", "keeper1")


def test_bad_conditions_are_refused_and_write_nothing(svc):
    for data in (b"not json at all", json.dumps({"type": "Point", "coordinates": [115.9, 29.6]}).encode()):
        with pytest.raises(BadAvoidAreas):
            svc.events.set_scenario_conditions(SCENARIO, "disp", None, (data, "bad.geojson"))
    with pytest.raises(UnknownSite):
        svc.events.set_scenario_conditions(SCENARIO, "disp", ["NO-SUCH-DEPOT"])
    sc, _ = svc.events.show_scenario(SCENARIO, "disp")
    assert (sc.damaged_sites, sc.blocked_geojson) == ((), "")


def test_the_plan_avoids_the_blocked_area_and_the_damaged_depot(svc, world):
    before = svc.dispatch.plan(SCENARIO, svc.dispatch.plan_settings(time_limit_s=1.0), now=NOW)
    assert before.unserved == ()
    # V1 (115.95, 29.63) inside a closed area: unreachable by road, listed unserved, not an error
    svc.events.set_scenario_conditions(SCENARIO, "disp", [world.point], (_box(115.95, 29.63), "v1.geojson"))
    after = svc.dispatch.plan(SCENARIO, svc.dispatch.plan_settings(time_limit_s=1.0), now=NOW)
    assert "V1" in {u.point for u in after.unserved}
    assert world.point not in {
        after.places[i].code for i, _ in after.stock_limits
    }  # the damaged depot sends nothing
    assert world.point in {before.places[i].code for i, _ in before.stock_limits}
    svc.events.set_scenario_conditions(SCENARIO, "disp", [], (b"", ""))
    sc, _ = svc.events.show_scenario(SCENARIO, "disp")
    assert (sc.damaged_sites, sc.blocked_geojson) == ((), "")


def test_scenario_show_clone_set_from_the_cli(cli_db, tmp_path):
    login_as("dispatcher")
    res = runner.invoke(app, ["scenario", "clone", "FLOOD-DEMO", "FLOOD-DEMO-B"])
    assert res.exit_code == 0 and "FLOOD-DEMO-B" in res.output, res.output
    bad = tmp_path / "roads.geojson"
    bad.write_text("{ not json", encoding="utf-8")
    res = runner.invoke(app, ["scenario", "set", "FLOOD-DEMO-B", "--blocked", str(bad)])
    assert res.exit_code == 1 and "封路区域文件无效" in res.output and "Traceback" not in res.output
    good = tmp_path / "ok.geojson"
    good.write_bytes(_box(115.9, 29.6))
    res = runner.invoke(app, ["scenario", "set", "FLOOD-DEMO-B", "--blocked", str(good), "--damaged", "XJK"])
    assert res.exit_code == 0 and "已设置" in res.output and "XJK" in res.output, res.output
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    svc.dispatch.save_demand(
        "FLOOD-DEMO-B",
        {(svc.dispatch.scenario_demand("FLOOD-DEMO")[0].points[0].code, "1010101"): 1200},
        "dispatcher",
    )
    res = runner.invoke(app, ["scenario", "show", "FLOOD-DEMO-B"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and "录入的需求" in res.output
    # items by name with their code, quantities with separators and unit, the damaged depot by name
    assert "单帐篷" in res.output and "1010101" in res.output and "1,200顶" in res.output, res.output
    assert "（XJK）" in res.output
