"""AppTest: 应急一张图（处置态势） shows a scenario's stock, reach, demand and the newest plan's routes as layers."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from stockpile.app.pages.common import page_roles
from stockpile.jobs.commands import DONE
from stockpile.reports.labels import degrees_per_px
from stockpile.reports.situation import NAMED_RGB
from stockpile.trust.policy import POLICY, Scope
from tests.app.conftest import ROOT, page

LEGEND_COLOUR = re.compile(r":(\w+)\[")


def _deck(at: Any) -> dict[str, Any]:
    return dict(json.loads(at.get("deck_gl_json_chart")[0].proto.json))


def _layers(at: Any) -> dict[str, dict[str, Any]]:
    return {layer["id"]: layer for layer in _deck(at)["layers"]}


def _legend(at: Any) -> str:
    return next(str(m.value) for m in at.markdown if "[" in str(m.value))


def test_the_page_is_for_dispatchers_planners_and_admins() -> None:
    """Keepers have their depots' map (home); the situation map is the county's: every role it is for may read
    all depots' stock and the solve jobs in the permission table (the reads it makes)."""
    roles = page_roles(ROOT / "stockpile/app/pages/situation.py")
    assert roles == {"dispatcher", "planner", "admin"}
    for role in roles:
        assert POLICY[(role, "view_stock")] == Scope.ALL and (role, "view_jobs") in POLICY


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_stock_reach_and_demand_with_one_matching_legend(demo_services: Any, lang: str) -> None:
    """The drill on one map: depots coloured by standard, reach areas named by depot, demand points with their
    needs; every colour on the map is in the legend, and every hover names a place (no bare codes)."""
    at = page("situation", demo_services, role="planner", user="planner", lang=lang)
    at.run()
    assert not at.exception and not at.error
    layers = _layers(at)
    assert {"reach", "demand", "depots", "labels"} <= set(layers)
    legend = {NAMED_RGB[c] for c in LEGEND_COLOUR.findall(_legend(at))}
    for lid in ("depots", "demand"):
        rows = layers[lid]["data"]
        assert rows and {tuple(r["colour"][:3]) for r in rows} <= legend
        assert all(r["name"] and r["name"] != r["code"] and r["detail"] for r in rows)
    assert all(r["name"] and r["detail"] for r in layers["reach"]["data"])
    assert _deck(at)["initialViewState"]["zoom"] > 8


def test_layers_switch_on_and_off(demo_services: Any) -> None:
    """With only the demand layer chosen the map draws demand points (and their labels), nothing else."""
    at = page("situation", demo_services, role="dispatcher", user="dispatcher")
    at.run()
    at.multiselect(key="situation.layers").set_value(["demand"]).run()
    assert set(_layers(at)) == {"demand", "labels"}
    assert "violet" in _legend(at) and "green" not in _legend(at)


def test_the_newest_solved_plan_draws_its_routes_inside_the_view(services: Any) -> None:
    """A dispatcher's solved plan (a job) is drawn per vehicle in the legend's colours, named by vehicle, and the
    view's bounds hold every route vertex."""
    ps = services.dispatch.plan_settings(time_limit_s=1.0)
    job = services.jobs.submit_plan("FLOOD-DEMO", ps, "dispatcher")
    assert services.jobs.wait(job, "dispatcher", timeout_s=120).status == DONE
    at = page("situation", services, role="dispatcher", user="dispatcher")
    at.run()
    assert not at.exception
    routes = _layers(at)["routes"]["data"]
    assert routes and all(r["name"] and r["detail"] for r in routes)
    legend = _legend(at)
    for r in routes:
        assert f"{r['name']}" in legend
    colours = {NAMED_RGB[c] for c in LEGEND_COLOUR.findall(legend)}
    assert {tuple(r["color"][:3]) for r in routes} <= colours
    assert any("方案" in str(c.value) for c in at.caption)
    view = _deck(at)["initialViewState"]
    dx, dy = degrees_per_px(view["zoom"], view["latitude"])
    for lon, lat in (p for r in routes for p in r["path"]):  # inside a 1000 × 600 px map
        assert abs(lon - view["longitude"]) <= 500 * dx and abs(lat - view["latitude"]) <= 300 * dy


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_planner_sees_the_dispatchers_confirmed_routes(services: Any, lang: str) -> None:
    """The dispatcher confirms a plan; a planner who solved nothing opens the map and sees that plan's routes (one
    line per vehicle with stops), read from the database, with a caption naming it the confirmed plan and who
    confirmed it."""
    plan = services.dispatch.plan("FLOOD-DEMO", services.dispatch.plan_settings(time_limit_s=1.0))
    services.dispatch.confirm(plan, "dispatcher")
    at = page("situation", services, role="planner", user="planner", lang=lang)
    at.run()
    assert not at.exception and not at.error
    routes = _layers(at)["routes"]["data"]
    with_stops = {r.vehicle for r in plan.result.routes}
    assert {r["vehicle"] for r in routes} == with_stops and routes
    shown = services.dispatch.confirmed_plan("FLOOD-DEMO", "planner")
    assert shown is not None and shown.plan.id == plan.id
    caption = " ".join(str(c.value) for c in at.caption)
    name = services.views.user_names().get("DISPATCHER", "dispatcher")
    assert ("已确认的调度方案" if lang == "zh" else "confirmed dispatch plan") in caption and name in caption


def test_without_a_confirmed_plan_the_viewer_sees_own_solve_labelled_so(services: Any) -> None:
    """No confirmed plan: nobody's routes but the viewer's own solve, and the caption says it is not confirmed."""
    assert services.dispatch.confirmed_plan("FLOOD-DEMO", "dispatcher") is None
    at = page("situation", services, role="planner", user="planner")
    at.run()
    assert "routes" not in _layers(at)
    assert any("还没有已确认的调度方案" in str(c.value) for c in at.caption)


def test_the_province_reader_may_not_read_plans(services: Any) -> None:
    """The province's reader is granted stock, gaps and coverage only: the confirmed plan is refused (and the
    refusal audited), and the situation page is not in its navigation."""
    from stockpile.domain.errors import PermissionDenied

    assert "province" not in page_roles(ROOT / "stockpile/app/pages/situation.py")
    for role in page_roles(ROOT / "stockpile/app/pages/situation.py"):
        assert (role, "view_plans") in POLICY
    assert ("province", "view_plans") not in POLICY and ("keeper", "view_plans") not in POLICY
    with pytest.raises(PermissionDenied):
        services.dispatch.confirmed_plan("FLOOD-DEMO", "keeper_demo")
