"""Edited plans (F5): stops moved to another vehicle or reordered are re-timed and checked by the independent
checker; violations come back in words and such a plan cannot be confirmed."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from stockpile.adapters.orm.dispatch import VehicleRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch.commands import EditedStop, PlanSettings
from stockpile.domain.dispatch import PlanEditInvalid, PlanRejected
from stockpile.schemas import IssueCmd
from tests.conftest import NOW
from tests.support.dispatch import SCENARIO, seed_dispatch

FAST = PlanSettings(time_limit_s=1.0, objective="makespan")


@pytest.fixture
def svc(engine, world, db_url):
    seed_dispatch(engine, world)
    return build_services(Settings(database_url=db_url))


@pytest.fixture
def plan(svc):
    return svc.dispatch.plan(SCENARIO, FAST, now=NOW)


def _as_is(plan) -> list[EditedStop]:
    return [
        EditedStop(r.vehicle, s.job, s.kind, float(n))
        for r in plan.result.routes
        for n, s in enumerate(r.stops)
    ]


def test_unchanged_plan_passes_the_checker_with_the_same_times(svc, plan):
    out = svc.dispatch.edit_plan(plan, _as_is(plan), NOW)
    assert out.findings == () and out.plan.violations == ()
    assert out.plan.id != plan.id
    before = {(s.job, s.kind): s.start_s for r in plan.result.routes for s in r.stops}
    assert {(s.job, s.kind): s.start_s for r in out.plan.result.routes for s in r.stops} == before


def test_moving_a_stop_takes_its_partner_and_is_confirmable_when_it_breaks_nothing(svc, plan):
    """A delivery moved to another truck takes its pickup along; a valid edit is confirmed like any plan."""
    stops = _as_is(plan)
    vehicles = [v.id for v in plan.problem.vehicles if v.id in ("T1", "T2")]
    first = next(s for s in stops if s.kind == "delivery" and s.vehicle in vehicles)
    other = next(v for v in vehicles if v != first.vehicle)
    moved = [EditedStop(other, s.job, s.kind, 99.0) if s == first else s for s in stops]
    out = svc.dispatch.edit_plan(plan, moved, NOW)
    on = {s.job: r.vehicle for r in out.plan.result.routes for s in r.stops if s.job == first.job}
    assert set(on.values()) == {other}
    kinds = [
        s.kind for r in out.plan.result.routes if r.vehicle == other for s in r.stops if s.job == first.job
    ]
    assert kinds == ["pickup", "delivery"] or kinds == ["delivery"]
    if not out.findings:
        conf = svc.dispatch.confirm(out.plan, "disp1", NOW)
        assert conf.orders and not conf.replayed
        assert svc.ledger.verify_ledger() == []


def test_loads_moved_onto_a_small_truck_are_overloaded_and_refused(svc, engine):
    """Every stop moved onto a pick-up truck of 1 kg and 1 dm³: the checker finds the overload per dimension (in
    kg and m³), and confirming the edited plan is refused."""
    with Session(engine) as s, s.begin():
        s.execute(update(VehicleRow).where(VehicleRow.code == "T1").values(capacity_kg=1, capacity_dm3=1))
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    truck = "T1"
    stops = _as_is(plan)
    piled = [
        EditedStop(truck, s.job, s.kind, (0.0 if s.kind == "pickup" else 100.0) + n)
        for n, s in enumerate(stops)
    ]
    out = svc.dispatch.edit_plan(plan, piled, NOW)
    codes = {f.code for f in out.findings}
    assert {"overload_weight", "overload_volume"} <= codes
    f = next(f for f in out.findings if f.code.startswith("overload"))
    assert f.params["vehicle"] == truck and float(f.params["load"]) > float(f.params["cap"])
    assert out.plan.violations
    with pytest.raises(PlanRejected):
        svc.dispatch.confirm(out.plan, "disp1", NOW)


def test_delivery_before_its_pickup_is_named(svc, plan):
    """Reversing a truck's stops puts its deliveries before their pickups: the checker names the truck."""
    stops = _as_is(plan)
    truck = next(r.vehicle for r in plan.result.routes if len(r.stops) >= 2)
    rev = [EditedStop(s.vehicle, s.job, s.kind, -s.seq) if s.vehicle == truck else s for s in stops]
    out = svc.dispatch.edit_plan(plan, rev, NOW)
    assert "precedence" in {f.code for f in out.findings}
    assert all(f.params["vehicle"] == truck for f in out.findings if f.code == "precedence")


def test_stock_issued_since_the_plan_is_a_finding(svc, plan, world):
    """Stock issued elsewhere after the plan was made is short now: named per depot and item."""
    cmd = IssueCmd(client_id=uuid.uuid4(), actor="k", occurred_at=NOW, site_code=world.depot,
                   item_code=world.water, qty=1200, purpose="relief")  # fmt: skip
    svc.ledger.issue_stock(cmd, NOW)
    out = svc.dispatch.edit_plan(plan, _as_is(plan), NOW)
    short = [f for f in out.findings if f.code == "stock_short"]
    assert short and all(f.params["have"] < f.params["need"] for f in short)
    assert any(v.startswith("stock_short:") for v in out.plan.violations)


def test_adding_or_dropping_stops_is_not_an_edit(svc, plan):
    stops = _as_is(plan)
    with pytest.raises(PlanEditInvalid):
        svc.dispatch.edit_plan(plan, stops[1:], NOW)
    with pytest.raises(PlanEditInvalid):
        svc.dispatch.edit_plan(plan, [EditedStop("NOPE", s.job, s.kind, s.seq) for s in stops], NOW)


def test_shelter_moved_to_a_late_truck_misses_the_guarantee_circle(svc, plan):
    """The shelter's delivery (priority, 60-minute circle) moved onto the contracted truck, which only starts an
    hour after the order: the finding names the circle, the shelter and the planned time."""
    shelter = next(k for k, p in enumerate(plan.places) if p.code == "S1")
    stops = _as_is(plan)
    jobs = {
        j.id for j in plan.problem.jobs if j.dest == shelter and j.deadline_s <= plan.settings.guarantee_s
    }
    assert jobs, "the shelter's demand is planned inside the circle"
    moved = [EditedStop("C1", s.job, s.kind, 50.0 + s.seq) if s.job in jobs else s for s in stops]
    out = svc.dispatch.edit_plan(plan, moved, NOW)
    late = [f for f in out.findings if f.code == "late_circle"]
    assert late and all(f.params["vehicle"] == "C1" and f.params["place"] == "点S1" for f in late)
    assert late[0].params["minutes"] == 60 and late[0].params["eta"] > late[0].params["deadline"]
    assert any(v.startswith("late:C1") for v in out.plan.violations)
