"""Re-plan of a confirmed plan (F6) on SQLite and PostgreSQL: stops fixed by the orders' states, broken trucks
out, the open orders superseded and their holds moved in one transaction, two dispatchers re-planning at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.dispatch import DispatchOrderRow, DispatchPlanRow, ScenarioPointRow, ScenarioRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch.commands import PlanSettings
from stockpile.domain.dispatch import OrderWrongState, ReplanNotPossible, ReplanStale
from stockpile.domain.errors import PermissionDenied
from tests.conftest import NOW
from tests.support.dispatch import SCENARIO, seed_dispatch

FAST = PlanSettings(time_limit_s=1.0, objective="makespan")  # spreads the work over the trucks
LATER = NOW + timedelta(minutes=20)


@pytest.fixture
def svc(engine, world, db_url):
    seed_dispatch(engine, world)
    return build_services(Settings(database_url=db_url))


def _pending_held(engine) -> int:
    with engine.connect() as c:
        r = orm.ReservationRow
        return int(
            c.execute(select(func.coalesce(func.sum(r.qty), 0)).where(r.state == "pending")).scalar_one()
        )


def _reserved(engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.coalesce(func.sum(orm.StockBalanceRow.reserved), 0))).scalar_one())


def _states(engine) -> dict[str, tuple[str, object]]:
    with Session(engine) as s:
        return {r.doc_no: (r.state, r.superseded_by) for r in s.scalars(select(DispatchOrderRow))}


def _ship_all(svc, doc: str) -> None:
    for d in svc.dispatch.show_order(doc, "disp1").depots:
        svc.dispatch.ship(doc, d["site"], "disp1", NOW + timedelta(minutes=5))


def _confirmed(svc):
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    conf = svc.dispatch.confirm(plan, "disp1", NOW)
    assert len(conf.orders) >= 2, "the test world needs two trucks on the road"
    return plan, conf


def test_shipped_order_is_kept_and_the_open_ones_are_superseded(svc, engine):
    """A shipped order keeps its route and its stock; the pending ones are replaced by the re-plan, whose holds
    take the place of theirs; the old plan stops being the scenario's open plan."""
    plan, conf = _confirmed(svc)
    shipped = conf.orders[0]
    _ship_all(svc, shipped)
    vehicle = svc.dispatch.show_order(shipped, "disp1").header["vehicle"]
    before = [s for r in plan.result.routes if r.vehicle == vehicle for s in r.stops]
    new = svc.dispatch.replan_open(SCENARIO, "disp1", now=LATER, time_limit_s=1.0)
    assert new.violations == ()
    kept = {r.vehicle: r.stops for r in new.extra["fixed"]}
    assert list(kept[vehicle]) == before  # the shipped stops stay exactly as printed
    assert new.extra["kept"] == [shipped] and set(new.extra["superseded"]) == set(conf.orders[1:])
    shipped_jobs = {s.job for s in before}
    assert not shipped_jobs & {s.job for r in new.result.routes for s in r.stops}  # never moved
    res = svc.dispatch.confirm(new, "disp1", LATER)
    assert not res.replayed and set(res.superseded) == set(conf.orders[1:])
    states = _states(engine)
    assert states[shipped][0] == "shipped"
    for doc in conf.orders[1:]:
        assert states[doc] == ("superseded", new.id)
    assert all(states[d][0] == "pending" for d in res.orders)
    assert _pending_held(engine) == _reserved(engine)  # every unit held belongs to a live hold
    with Session(engine) as s:
        old = s.get(DispatchPlanRow, plan.id)
        assert old.scenario_open is None and old.superseded_by == new.id
        assert s.get(DispatchPlanRow, new.id).supersedes == plan.id
    assert svc.dispatch.confirm(new, "disp1", LATER).replayed  # again: nothing more
    assert svc.ledger.verify_ledger() == []


def test_superseded_order_cannot_be_shipped_or_voided(svc):
    _plan, conf = _confirmed(svc)
    new = svc.dispatch.replan_open(SCENARIO, "disp1", now=LATER, time_limit_s=1.0)
    svc.dispatch.confirm(new, "disp1", LATER)
    old = conf.orders[0]
    depot = svc.dispatch.show_order(old, "disp1").depots[0]["site"]
    with pytest.raises(OrderWrongState):
        svc.dispatch.ship(old, depot, "disp1", LATER)
    with pytest.raises(OrderWrongState):
        svc.dispatch.pick(old, depot, "disp1", LATER)
    with pytest.raises(OrderWrongState):
        svc.dispatch.void(old, "disp1", LATER)
    assert svc.dispatch.show_order(old, "disp1").header["superseded_by"] == new.id


def test_broken_truck_leaves_the_plan(svc, engine):
    """A broken truck gets no stop in the re-plan; its open order is superseded; the stock it held is held again
    for the trucks that take over (or freed when nobody can)."""
    _plan, conf = _confirmed(svc)
    broken = svc.dispatch.show_order(conf.orders[0], "disp1").header["vehicle"]
    new = svc.dispatch.replan_open(SCENARIO, "disp1", broken=(broken,), now=LATER, time_limit_s=1.0)
    assert broken not in {r.vehicle for r in new.result.routes if r.stops}
    assert broken not in {v.id for v in new.problem.vehicles}
    res = svc.dispatch.confirm(new, "disp1", LATER)
    assert conf.orders[0] in res.superseded
    assert all(broken not in d for d in res.orders)
    assert _pending_held(engine) == _reserved(engine)
    assert svc.ledger.verify_ledger() == []


def test_broken_truck_after_shipping_strands_its_load(svc, engine):
    """A truck that broke down after loading: what it loaded is reported stranded, its order stays shipped (its
    stock was issued), and nothing it carries is planned again from stock."""
    plan, conf = _confirmed(svc)
    doc = conf.orders[0]
    _ship_all(svc, doc)
    vehicle = svc.dispatch.show_order(doc, "disp1").header["vehicle"]
    new = svc.dispatch.replan_open(SCENARIO, "disp1", broken=(vehicle,), now=LATER, time_limit_s=1.0)
    loaded = [
        s.job for r in plan.result.routes if r.vehicle == vehicle for s in r.stops if s.kind == "pickup"
    ]
    assert loaded and loaded[0] in new.extra["stranded"]
    assert not set(new.extra["stranded"]) & {s.job for r in new.result.routes for s in r.stops}
    svc.dispatch.confirm(new, "disp1", LATER)
    assert _states(engine)[doc][0] == "shipped"
    assert svc.ledger.verify_ledger() == []


def test_replan_made_before_a_shipment_is_refused_after_it(svc, engine):
    """An order the re-plan counted as open ships before the re-plan is confirmed: refused, nothing written."""
    _plan, conf = _confirmed(svc)
    new = svc.dispatch.replan_open(SCENARIO, "disp1", now=LATER, time_limit_s=1.0)
    _ship_all(svc, conf.orders[0])
    held = _reserved(engine)
    with pytest.raises(ReplanStale):
        svc.dispatch.confirm(new, "disp1", LATER)
    assert _reserved(engine) == held and _states(engine)[conf.orders[1]][0] == "pending"
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM dispatch_plan")).scalar_one() == 1


def test_two_dispatchers_replanning_at_once_one_wins(svc, engine):
    """Two re-plans of the same plan confirmed at the same moment: one supersedes it, the other is refused."""
    _confirmed(svc)
    plans = [svc.dispatch.replan_open(SCENARIO, w, now=LATER, time_limit_s=1.0) for w in ("disp1", "disp2")]
    outcome: list[str] = []
    gate = threading.Barrier(2)

    def run(plan, who):
        gate.wait()
        try:
            svc.dispatch.confirm(plan, who, LATER)
            outcome.append("ok")
        except ReplanStale:
            outcome.append("refused")

    threads = [
        threading.Thread(target=run, args=(p, w)) for p, w in zip(plans, ("disp1", "disp2"), strict=True)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcome) == ["ok", "refused"]
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM dispatch_plan")).scalar_one() == 2
    assert _pending_held(engine) == _reserved(engine)
    assert svc.ledger.verify_ledger() == []


def test_replan_of_a_replan_and_nothing_to_replan(svc):
    """A confirmed re-plan is itself re-planned from the database; a scenario without an open plan is refused."""
    with pytest.raises(ReplanNotPossible):
        svc.dispatch.replan_open(SCENARIO, "disp1", now=LATER)
    _confirmed(svc)
    first = svc.dispatch.replan_open(SCENARIO, "disp1", now=LATER, time_limit_s=1.0)
    svc.dispatch.confirm(first, "disp1", LATER)
    again = svc.dispatch.replan_open(SCENARIO, "disp1", now=LATER + timedelta(minutes=5), time_limit_s=1.0)
    assert again.extra["base_plan"] == str(first.id) and again.violations == ()
    svc.dispatch.confirm(again, "disp1", LATER + timedelta(minutes=5))
    assert svc.ledger.verify_ledger() == []


def _delivered(plan, jobs, item: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in plan.result.routes:
        for s in r.stops:
            if s.job in jobs and s.kind == "delivery":
                code = plan.places[s.location].code
                out[code] = out.get(code, 0) + sum(q for it, q in plan.contents[s.job] if it == item)
    return out


@pytest.mark.parametrize("point", ["V2", "V9"])
def test_new_request_joins_the_replan_and_is_held_on_confirm(svc, engine, point):
    """Demand added after confirmation (a new request at a known point, or at a point the plan never had) is
    allocated on the free stock and routed with the open part; the shipped order is untouched; confirming holds
    the new stock too."""
    _plan, conf = _confirmed(svc)
    _ship_all(svc, conf.orders[0])
    if point == "V9":
        with Session(engine) as s, s.begin():
            sid = s.scalar(select(ScenarioRow.id).where(ScenarioRow.code == SCENARIO))
            s.add(ScenarioPointRow(scenario_id=sid, code="V9", name="点V9", point_kind="village", lon=115.93,
                                   lat=29.61, population=50, priority=2, needed_by_minutes=480))  # fmt: skip
    _, demand = svc.dispatch.scenario_demand(SCENARIO)
    demand[(point, "1020101")] = demand.get((point, "1020101"), 0) + 40
    svc.dispatch.save_demand(SCENARIO, demand, "disp1")
    new = svc.dispatch.replan_open(SCENARIO, "disp1", now=LATER, time_limit_s=1.0)
    assert new.extra["new_jobs"] and new.violations == ()
    assert _delivered(new, set(new.extra["new_jobs"]), "1020101") == {point: 40}
    before = _reserved(engine)
    res = svc.dispatch.confirm(new, "disp1", LATER)
    assert res.reservations > 0 and _pending_held(engine) == _reserved(engine)
    assert _reserved(engine) >= before  # the open part's holds moved, the new request's were added
    assert _states(engine)[conf.orders[0]][0] == "shipped"
    assert svc.ledger.verify_ledger() == []


def test_a_keeper_may_neither_replan_nor_confirm_a_replan(svc, engine):
    """Re-planning is the dispatcher's (run_scenario), confirming it too (confirm_dispatch); a keeper is refused
    and nothing is written."""
    _confirmed(svc)
    with pytest.raises(PermissionDenied):
        svc.dispatch.replan_open(SCENARIO, "keeper1", now=LATER, time_limit_s=1.0)
    new = svc.dispatch.replan_open(SCENARIO, "disp1", now=LATER, time_limit_s=1.0)
    held = _reserved(engine)
    with pytest.raises(PermissionDenied):
        svc.dispatch.confirm(new, "keeper1", LATER)
    assert _reserved(engine) == held
    assert {s for s, _ in _states(engine).values()} == {"pending"}


def test_every_reading_role_sees_the_open_confirmed_plan_and_it_follows_the_replan(svc, engine):
    """The scenario's open confirmed plan, read back from the database: none before confirming; the dispatcher's
    plan for a planner too (same routes, who and when); after a confirmed re-plan, the re-plan; a keeper is
    refused and the refusal audited."""
    assert svc.dispatch.confirmed_plan(SCENARIO, "plan") is None
    plan, _ = _confirmed(svc)
    seen = svc.dispatch.confirmed_plan(SCENARIO, "plan")
    assert seen is not None and seen.plan.id == plan.id and seen.actor.lower() == "disp1"
    assert [r.stops for r in seen.plan.result.routes] == [r.stops for r in plan.result.routes]
    assert seen.confirmed_at.replace(tzinfo=None) == NOW.replace(microsecond=0, tzinfo=None)
    new = svc.dispatch.replan_open(SCENARIO, "disp1", now=LATER, time_limit_s=1.0)
    svc.dispatch.confirm(new, "disp1", LATER)
    after = svc.dispatch.confirmed_plan(SCENARIO, "plan")
    assert after is not None and after.plan.id == new.id
    with pytest.raises(PermissionDenied):
        svc.dispatch.confirmed_plan(SCENARIO, "keeper1")
    with engine.connect() as c:
        denied = c.execute(
            text("SELECT action FROM audit_event WHERE outcome = 'authz_denied' AND upper(actor) = 'KEEPER1'")
        ).all()
    assert [r.action for r in denied] == ["view_plans"]


def test_a_replan_after_the_relief_target_brings_the_goods_late_rather_than_never(svc, engine):
    """Nine hours on, the 8 h relief target has passed for every open order: the re-plan still brings their goods,
    as soon as the trucks can, names them late, and may be confirmed (it listed them undeliverable, "no truck can
    get there before the deadline", though the trucks could)."""
    plan, _conf = _confirmed(svc)
    later = NOW + timedelta(hours=9)
    new = svc.dispatch.replan_open(SCENARIO, "disp1", now=later, time_limit_s=1.0)
    late = set(new.extra["late"])
    served = {s.job for r in new.result.routes for s in r.stops if s.kind == "delivery"}
    assert late and late <= served, (late, served)
    assert not new.result.unserved and not new.violations
    assert late <= {j.id for j in plan.problem.jobs}
    svc.dispatch.confirm(new, "disp1", later)
    assert _pending_held(engine) == _reserved(engine)
    assert svc.ledger.verify_ledger() == []
