"""AppTest: the dispatcher page plans the demo flood drill, shows KPIs, map and tables, compares, confirms once."""

from __future__ import annotations

import re
import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm.dispatch import DispatchOrderRow, DispatchPlanRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from tests.conftest import DEMO_NOW

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def db(tmp_path_factory, demo_url):
    path = tmp_path_factory.mktemp("dispatch_page") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def services(db):
    return build_services(Settings(database_url=db, solve_time_limit_s=1))


def _page(services) -> AppTest:
    at = AppTest.from_file(str(ROOT / "stockpile/app/pages/dispatch.py"), default_timeout=60)
    at.session_state["services"] = services
    at.session_state["user"] = "dispatcher"  # the signed-in demo dispatcher
    at.session_state["role"] = "dispatcher"
    at.run()
    return at


def _run_plan(at: AppTest, timeout_s: float = 60.0) -> AppTest:
    """Press 生成方案: the solve is a job on the embedded worker; rerun (as the page's fragment does every second)
    until its plan is on the page."""
    before = len(at.session_state["dispatch.plans"]) if "dispatch.plans" in at.session_state else 0
    at.button(key="dispatch.run").click().run()
    end = time.monotonic() + timeout_s
    while len(at.session_state["dispatch.plans"]) == before and time.monotonic() < end:
        time.sleep(0.3)
        at.run()
    assert len(at.session_state["dispatch.plans"]) > before, [e.value for e in at.exception]
    return at


def test_page_shows_the_scenario_and_its_derived_demand(services):
    """The demo flood drill is offered and its demand (population × norms) fills the editor."""
    at = _page(services)
    assert not at.exception
    assert at.title[0].value == "调度方案"
    assert at.selectbox(key="dispatch.scenario").value == "FLOOD-DEMO"
    editor = at.dataframe[0].value
    assert list(editor.columns) == ["name", "point", "item_name", "item", "qty"]
    assert len(editor) > 50 and (editor["qty"] > 0).all()


def test_running_a_plan_shows_checked_kpis_routes_and_map(services):
    """Planning shows the five KPIs (relief time from the report included), the checker verdict, the route table
    and the offline map."""
    at = _page(services)
    _run_plan(at)
    assert not at.exception
    assert [m.label for m in at.metric] == [
        "优先需求 60 分钟内送达",
        "全部完成（小时）",
        "救助时间（自灾情报告起，时:分）",
        "总里程（公里）",
        "未送达（行）",
    ]
    assert any("校验器：通过" in s.value for s in at.success)
    assert len(at.get("deck_gl_json_chart")) == 1
    assert len(at.dataframe) >= 1
    assert "车辆汇总" in [h.value for h in at.subheader]
    per_vehicle = next(d.value for d in at.dataframe if "最大装载率" in d.value.columns)
    assert len(per_vehicle) >= 1 and all(v.endswith("%") for v in per_vehicle["最大装载率"])


def test_a_plan_whose_steps_the_time_limit_cut_says_a_rerun_may_differ(services):
    """The dispatcher is told when the solver's time limit ended a step early (``cut_by_clock``): solving again may
    give another plan; a plan whose steps all finished says nothing."""
    import dataclasses

    note = "求解时限内有计算步骤未做完：重新求解可能得到略有不同的方案。延长求解时间可得到每次相同的方案。"
    at = _run_plan(_page(services))
    plan = at.session_state["dispatch.plans"][-1]
    assert (note in [c.value for c in at.caption]) == bool(plan.result.cut_by_clock)
    for cut in (("pyvrp", "polish"), ()):
        result = dataclasses.replace(plan.result, cut_by_clock=cut)
        at.session_state["dispatch.plans"][-1] = dataclasses.replace(plan, result=result)
        at.run()
        assert not at.exception and (note in [c.value for c in at.caption]) == bool(cut)


def test_the_plan_map_opens_on_every_route_and_place(services):
    """The route map's opening view holds every route vertex and every depot and point (none clipped off)."""
    import json

    from stockpile.reports.labels import degrees_per_px

    at = _run_plan(_page(services))
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    view = deck["initialViewState"]
    dx, dy = degrees_per_px(view["zoom"], view["latitude"])
    routes = [layer for layer in deck["layers"] if layer["@@type"] == "PathLayer"][-1]["data"]
    dots = [layer for layer in deck["layers"] if layer["@@type"] == "ScatterplotLayer"][-1]["data"]
    where = [tuple(v) for r in routes for v in r["path"]] + [(d["lon"], d["lat"]) for d in dots]
    assert routes and where
    for lon, lat in where:  # inside a 700 × 500 px map around the view's centre
        assert abs(lon - view["longitude"]) <= 350 * dx and abs(lat - view["latitude"]) <= 250 * dy


def test_two_plans_compare_side_by_side(services):
    """After two runs the comparison table holds one column per plan, each labelled by what it optimised and how long
    it searched (not twice the scenario's code)."""
    at = _page(services)
    _run_plan(at)
    at.radio(key="dispatch.objective").set_value("makespan").run()
    _run_plan(at)
    assert not at.exception
    table = at.dataframe[-1].value
    labels = list(table.columns)[1:]
    assert len(labels) == 2 and labels[0] != labels[1]
    assert all(re.fullmatch(r"方案 \d+：(总里程最短|最早完成) · 求解 \d+ 秒", c) for c in labels), labels


def test_confirm_is_double_submit_safe(services, db):
    """Confirming writes one plan with its orders; a second click writes nothing more."""
    at = _page(services)
    _run_plan(at)
    at.button(key="dispatch.confirm").click().run()
    assert not at.exception
    assert any("已确认" in s.value for s in at.success)
    at.button(key="dispatch.confirm").click().run()
    engine = make_engine(db)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(DispatchPlanRow)).scalar_one() == 1
    engine.dispose()
    assert at.button(key="dispatch.confirm").disabled


def _replan_made(at: AppTest, timeout_s: float = 60.0) -> Any:
    """Rerun (as the job panel's fragment does every second) until the re-plan job's plan is the page's plan."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if at.session_state.get("dispatch.plans"):
            newest = at.session_state["dispatch.plans"][-1]
            if newest.extra.get("base_plan"):
                return newest
        time.sleep(0.3)
        at.run()
    raise AssertionError(
        ["no re-plan on the page", *[e.value for e in at.exception], *[e.value for e in at.error]]
    )


def _confirmed_superseded(path: Path, plan_id: Any) -> set[str]:
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as c:
        states = set(
            c.execute(select(DispatchOrderRow.state).where(DispatchOrderRow.plan_id == plan_id)).scalars()
        )
    engine.dispose()
    return states


def test_replan_of_the_confirmed_plan_after_a_broken_truck(tmp_path, demo_url):
    """Confirm, then a truck breaks down: the re-plan (a job, from the orders' states) leaves it out, says what it
    keeps and replaces, and confirming it supersedes the unshipped orders in the database."""
    path = tmp_path / "replan.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    svc = build_services(Settings(database_url=f"sqlite:///{path}", solve_time_limit_s=1))
    at = _page(svc)
    _run_plan(at)
    at.button(key="dispatch.confirm").click().run()
    first = at.session_state["dispatch.plans"][-1]
    truck = next(r.vehicle for r in first.result.routes if r.stops)
    at.multiselect(key="dispatch.broken").select(truck).run()
    at.button(key="dispatch.replan_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    plan = _replan_made(at)
    assert any("已确认方案的重新规划" in i.value for i in at.info)
    assert plan.extra["base_plan"] == str(first.id)
    assert all(r.vehicle != truck for r in plan.result.routes if r.stops)
    at.button(key="dispatch.confirm").click().run()
    assert not at.exception
    assert any("已确认新方案" in s.value for s in at.success), [s.value for s in at.success] + [
        e.value for e in at.error
    ]
    assert _confirmed_superseded(path, first.id) == {"superseded"}


def test_replan_left_while_running_is_on_the_page_on_return(tmp_path, demo_url):
    """The re-plan is submitted and the dispatcher leaves at once (the tab closed: a new session). Back on the
    page while it still searches, the page follows it; once done, the re-plan is the page's plan (not the first
    solve), it is exactly the plan the job stored, and confirming it supersedes the first plan's orders."""
    path = tmp_path / "replan_back.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    svc = build_services(Settings(database_url=f"sqlite:///{path}", solve_time_limit_s=2))
    at = _page(svc)
    _run_plan(at)
    at.button(key="dispatch.confirm").click().run()
    first = at.session_state["dispatch.plans"][-1]
    at.number_input(key="dispatch.time_limit").set_value(8).run()  # still searching when the page is back
    at.button(key="dispatch.replan_run").click().run()
    job_id = at.session_state["dispatch.replan.job"]
    rec = svc.jobs.get(job_id, "dispatcher")
    assert (rec.kind, rec.params["time_limit_s"]) == ("replan", 8.0)
    del at  # left the page while the re-plan runs
    back = _page(svc)
    assert not back.exception, [e.value for e in back.exception]
    if svc.jobs.get(job_id, "dispatcher").status not in ("done", "failed", "cancelled"):
        assert back.session_state["dispatch.replan.job"] == job_id  # the running re-plan is followed again
    plan = _replan_made(back)
    assert plan.id == svc.jobs.plan(job_id, "dispatcher").id and plan.extra["base_plan"] == str(first.id)
    assert any("已确认方案的重新规划" in i.value for i in back.info)
    back.button(key="dispatch.confirm").click().run()
    assert any("已确认新方案" in s.value for s in back.success), [e.value for e in back.error]
    assert _confirmed_superseded(path, first.id) == {"superseded"}
    again = _page(svc)  # a later visit: the re-plan is adopted once, not piled up
    assert sum(1 for p in again.session_state["dispatch.plans"] if p.id == plan.id) == 1


def test_edited_plan_is_checked_and_adopted_from_the_page(services):
    """The edit panel lists every stop; checking it unchanged passes the checker and the adopted plan (a new
    plan, re-timed) can be confirmed like any other."""
    at = _page(services)
    _run_plan(at)
    plan = at.session_state["dispatch.plans"][-1]
    editor = next(d.value for d in at.dataframe if "seq" in d.value.columns)
    assert len(editor) == sum(len(r.stops) for r in plan.result.routes)
    assert "p0-" not in " ".join(str(v) for v in editor.to_numpy().ravel())  # no internal job ids
    at.button(key="dispatch.edit_check").click().run()
    assert not at.exception
    assert any("没有违规" in s.value for s in at.success)
    at.button(key="dispatch.edit_adopt").click().run()
    assert not at.exception
    adopted = at.session_state["dispatch.plans"][-1]
    assert adopted.id != plan.id and adopted.extra.get("edited") and adopted.violations == ()
    assert not at.button(key="dispatch.confirm").disabled


def test_an_edit_breaking_a_rule_lists_it_in_words(services):
    """Piling every stop onto one truck (all pickups first) overloads it: the page lists the violation in words
    and offers no adopt button."""
    from stockpile.app.pages import dispatch_replan
    from stockpile.dispatch.commands import EditedStop

    at = _page(services)
    _run_plan(at)
    plan = at.session_state["dispatch.plans"][-1]
    truck = plan.problem.vehicles[0].id
    stops = [s for r in plan.result.routes for s in r.stops]
    piled = [
        EditedStop(truck, s.job, s.kind, (0.0 if s.kind == "pickup" else 1000.0) + n)
        for n, s in enumerate(stops)
    ]
    out = services.dispatch.edit_plan(plan, piled)
    at.session_state["dispatch.edit_result"] = (plan.id, out)  # as if the editor had been changed and checked
    at.run()
    assert not at.exception
    assert out.findings and any("违规" in e.value for e in at.error)
    shown = " ".join(m.value for m in at.markdown)
    assert truck in shown and "超载" in shown and "overload" not in shown
    assert not [b for b in at.button if b.key == "dispatch.edit_adopt"]
    assert dispatch_replan.finding_text(out.findings[0], lambda g: "", str) in shown


@pytest.mark.dates
def test_rebase_button_starts_the_drill_again_now(tmp_path, demo_url):
    """Three days after the demo was built, the drill's report time is shown and the button moves it to now
    (the clock's), audited under run_scenario; the page then shows the new report time."""
    path = tmp_path / "rebase.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    svc = build_services(Settings(database_url=f"sqlite:///{path}", solve_time_limit_s=1))
    at = DEMO_NOW + timedelta(days=3)
    with clock.pinned(at):
        page = _page(svc)
        reported = clock.format_dt(DEMO_NOW - timedelta(hours=1))
        assert f"灾情报告时间：{reported}" in [c.value for c in page.caption]
        page.button(key="dispatch.rebase").click().run()
        assert not page.exception
        assert any(f"报告时间 {reported} → {clock.format_dt(at)}" in s.value for s in page.success)
        assert f"灾情报告时间：{clock.format_dt(at)}" in [c.value for c in page.caption]
    assert svc.dispatch.scenario_demand("FLOOD-DEMO")[0].reported_at == at


def test_the_plan_is_found_again_after_leaving_the_page(services, pinned_clock):
    """Submit, go elsewhere (a new session: the tab closed), come back: the newest solve's plan is on the page and
    every earlier solve of the scenario can be picked again."""
    pinned_clock.advance(timedelta(minutes=5))  # submitted after the other tests' solves
    first = _run_plan(_page(services))
    plan_id = first.session_state["dispatch.plans"][-1].id
    back = _page(services)
    assert not back.exception
    assert [p.id for p in back.session_state["dispatch.plans"]] == [plan_id]
    assert len(back.metric) == 5 and back.button(key="dispatch.confirm")
    picker = back.selectbox(key="dispatch.pick_job")
    assert len(picker.options) >= 2 and picker.options[1].endswith(" 秒")
