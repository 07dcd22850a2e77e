"""Dispatch rules on SQLite and PostgreSQL: plan → check → confirm (FEFO holds) → ship → issue."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.dispatch import CallOffRow, DispatchOrderRow
from stockpile.adapters.repos.dispatch import scenario_matrix
from stockpile.adapters.travel.matrix import HaversineMatrix
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch.commands import PlanSettings
from stockpile.domain.dispatch import PlanRejected
from stockpile.schemas import IssueCmd
from tests.conftest import NOW
from tests.support.dispatch import NEW_LOT, OLD_LOT, SCENARIO, CutOff, seed_dispatch

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

FAST = PlanSettings(time_limit_s=1.0)


@pytest.fixture
def svc(engine, world, db_url):
    seed_dispatch(engine, world)
    return build_services(Settings(database_url=db_url))


def _counts(engine) -> dict[str, int]:
    with engine.connect() as c:
        return {
            t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("reservation", "dispatch_plan", "dispatch_order", "dispatch_line", "movement")
        }


def _reserved(engine) -> dict[str, int]:
    b, lot = orm.StockBalanceRow, orm.LotRow
    with engine.connect() as c:
        rows = c.execute(
            select(lot.lot_no, func.sum(b.reserved)).join(lot, lot.id == b.lot_id).group_by(lot.lot_no)
        )
        return {n: int(q) for n, q in rows}


def test_scenario_plan_serves_all_demand_and_passes_the_checker(svc):
    """A plan for a scenario with enough stock and trucks serves every line and has no checker violation."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    assert plan.violations == ()
    assert plan.unserved == ()
    assert plan.kpis.delivered == plan.kpis.demand == 606
    assert plan.kpis.priority_in_circle == plan.kpis.priority_demand == 300


def test_per_vehicle_lines_add_up_to_the_routes(svc):
    """The per-vehicle summary: one line per moving vehicle, its stops, distance and return time as in its route,
    never fuller than its capacity."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    routes = {r.vehicle: r for r in plan.result.routes if r.stops}
    lines = plan.vehicle_lines()
    assert {v.vehicle for v in lines} == set(routes)
    for v in lines:
        r = routes[v.vehicle]
        assert (v.stops, v.distance_m, v.return_s, v.trips) == (len(r.stops), r.distance_m, r.end_s, r.trips)
        assert 0 < v.load_share <= 1
        assert v.return_s >= max(s.departure_s for s in r.stops)


def test_relief_time_runs_from_the_report_not_from_the_plan(svc):
    """The relief target (8 h) counts from the disaster report: a plan made 3 h later gives the rest 5 h."""
    later = NOW + timedelta(hours=3)
    plan = svc.dispatch.plan(SCENARIO, FAST, now=later)
    k = plan.kpis
    assert k.since_report_s == 3 * 3600 and k.target_s == 8 * 3600
    assert k.relief_time_s == 3 * 3600 + k.completion_s and k.relief_on_time
    assert max(j.deadline_s for j in plan.problem.jobs) <= 5 * 3600
    assert plan.violations == () and plan.unserved == ()
    fresh = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    assert fresh.kpis.since_report_s == 0 and max(j.deadline_s for j in fresh.problem.jobs) > 5 * 3600


def test_priority_outside_a_tight_circle_is_listed_as_too_far(svc):
    """With a 5-minute circle the shelter is late even for a free truck: listed with reason too_far."""
    plan = svc.dispatch.plan(SCENARIO, dataclasses.replace(FAST, guarantee_s=300), now=NOW)
    late = plan.late_priority()
    assert late and {ln.point for ln in late} == {"S1"} and {ln.reason for ln in late} == {"too_far"}
    assert sum(ln.qty for ln in late) == 300 and all(ln.earliest_s > 300 for ln in late)
    assert svc.dispatch.plan(SCENARIO, FAST, now=NOW).late_priority() == ()


def test_confirm_reserves_near_expiry_lots_first_in_one_transaction(svc, engine):
    """Confirming holds the picked water FEFO: the near-expiry lot is used up before the fresh one."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    conf = svc.dispatch.confirm(plan, "disp1", NOW)
    assert not conf.replayed and conf.reservations > 0
    held = _reserved(engine)
    water_from_depot = sum(
        q
        for j, c in plan.contents.items()
        for it, q in c
        if it == "1020101"
        and plan.places[next(x for x in plan.problem.jobs if x.id == j).source].code == "D-COUNTY"
    )
    assert held.get(OLD_LOT, 0) == min(250, water_from_depot)
    assert held.get(OLD_LOT, 0) + held.get(NEW_LOT, 0) == water_from_depot
    assert svc.ledger.verify_ledger() == []


def test_confirming_twice_changes_nothing(svc, engine):
    """The plan id is the client id: a second confirmation returns the same orders and writes nothing."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    first = svc.dispatch.confirm(plan, "disp1", NOW)
    before = _counts(engine)
    again = svc.dispatch.confirm(plan, "disp1", NOW)
    assert again.replayed and again.orders == first.orders
    assert _counts(engine) == before


def _served_job(plan):
    return next(s for r in plan.result.routes for s in r.stops if s.kind == "delivery")


def test_overloaded_plan_is_refused_and_nothing_written(svc, engine):
    """A plan whose truck carries more than its capacity is refused with `overload`; nothing is written."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    small = tuple(dataclasses.replace(v, capacity=(1, 1, 0)) for v in plan.problem.vehicles)
    bad = dataclasses.replace(plan, problem=dataclasses.replace(plan.problem, vehicles=small))
    before = _counts(engine)
    with pytest.raises(PlanRejected) as e:
        svc.dispatch.confirm(bad, "disp1", NOW)
    assert {v.split(":")[0] for v in e.value.params["violations"]} == {"overload"}
    assert _counts(engine) == before


def test_late_plan_is_refused_with_late(svc, engine):
    """A dispatcher edit that makes a served stop miss its deadline is refused with `late`."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    stop = _served_job(plan)
    jobs = tuple(
        dataclasses.replace(j, deadline_s=max(0, stop.start_s - 1)) if j.id == stop.job else j
        for j in plan.problem.jobs
    )
    bad = dataclasses.replace(plan, problem=dataclasses.replace(plan.problem, jobs=jobs))
    before = _counts(engine)
    with pytest.raises(PlanRejected) as e:
        svc.dispatch.confirm(bad, "disp1", NOW)
    assert {v.split(":")[0] for v in e.value.params["violations"]} == {"late"}
    assert _counts(engine) == before


def test_stock_gone_since_planning_is_refused(svc, engine, world):
    """Stock issued elsewhere after planning makes the plan unconfirmable (`stock_gone`); nothing written."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    svc.ledger.issue_stock(
        IssueCmd(
            client_id=__import__("uuid").uuid4(),
            actor="k",
            occurred_at=NOW,
            site_code=world.depot,
            item_code=world.water,
            qty=1200,
            purpose="relief",
        ),
        NOW,
    )
    before = _counts(engine)
    with pytest.raises(PlanRejected) as e:
        svc.dispatch.confirm(plan, "disp1", NOW)
    assert {v.split(":")[0] for v in e.value.params["violations"]} == {"stock_gone"}
    assert _counts(engine) == before


def test_shipped_order_posts_issue_movements_once(svc, engine):
    """Marking an order shipped issues (出库) every hold of it; shipping again posts nothing more."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    conf = svc.dispatch.confirm(plan, "disp1", NOW)
    moves = _counts(engine)["movement"]
    issued = sum(svc.dispatch.mark_shipped(doc, "k", NOW + timedelta(minutes=10)) for doc in conf.orders)
    assert issued == conf.reservations
    assert _counts(engine)["movement"] == moves + issued
    assert sum(svc.dispatch.mark_shipped(doc, "k", NOW + timedelta(minutes=11)) for doc in conf.orders) == 0
    assert _reserved(engine).get(OLD_LOT, 0) == 0
    with engine.connect() as c:
        assert set(c.execute(select(DispatchOrderRow.state)).scalars()) == {"shipped"}
    assert svc.ledger.verify_ledger() == []


def test_replan_after_broken_truck_keeps_delivered_stops(svc):
    """A truck breaking down mid-execution: its delivered stops stay, the rest is re-planned without it."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    route = max(plan.result.routes, key=lambda r: len(r.stops))
    first_delivery = next(s for s in route.stops if s.kind == "delivery")
    now_s = first_delivery.departure_s
    new = svc.dispatch.replan(plan, now_s, broken=(route.vehicle,), planner_params=None)
    kept = next(r for r in new.extra["fixed"] if r.vehicle == route.vehicle)
    assert first_delivery in kept.stops
    assert all(r.vehicle != route.vehicle for r in new.result.routes)
    assert new.violations == ()
    served_again = {s.job for r in new.result.routes for s in r.stops}
    assert first_delivery.job not in served_again


def test_unreachable_point_is_unserved_not_an_error(svc):
    """A village cut off by the flood (-1 in the matrix) is listed unserved with reason `unreachable`."""
    svc.dispatch.travel_matrix = partial(
        scenario_matrix, CutOff(HaversineMatrix(), [4])
    )  # places: 2 depots, then S1, V1, V2
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    assert {(u.point, u.reason) for u in plan.unserved} == {("V2", "unreachable")}
    assert plan.violations == ()


def test_agreement_pickups_are_called_off_on_confirm(svc, engine, world):
    """Water held only by an agreement holder is picked up after its lead time and called off on confirm."""
    with Session(engine) as s, s.begin():
        holder = s.scalars(select(orm.SiteRow.id).where(orm.SiteRow.code == world.point)).one()
        water = s.scalars(select(orm.ItemRow.id).where(orm.ItemRow.code == world.water)).one()
        s.add(
            orm.AgreementContractRow(
                code="XY-T",
                holder_site_id=holder,
                valid_from=NOW.date(),
                valid_to=NOW.date() + timedelta(days=30),
                lead_time_minutes=30,
            )
        )
        s.flush()
        cid = s.scalars(select(orm.AgreementContractRow.id)).one()
        s.add(
            orm.AgreementLineRow(
                contract_id=cid,
                item_id=water,
                agreed_qty=800,
                last_verified_qty=800,
                last_verified_on=NOW.date(),
            )
        )
    with engine.begin() as c:
        c.execute(text("UPDATE stock_balance SET reserved = on_hand"))  # all physical stock already held
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    assert {(u.item, u.reason) for u in plan.unserved} == {("1010101", "no_stock")}
    pickups = [j for j in plan.problem.jobs if plan.source_kind[j.id] == "agreement"]
    assert pickups and all(j.ready_s >= 30 * 60 for j in pickups)
    svc.dispatch.confirm(plan, "disp1", NOW)
    with engine.connect() as c:
        assert c.execute(select(func.sum(CallOffRow.qty))).scalar_one() == 600


def test_capacity_reserve_supplies_in_batches_after_activation(svc, engine, world):
    """A producer's capacity reserve (产能储备) is collected in 4-hour batches after activation and called off."""
    with Session(engine) as s, s.begin():
        producer = s.scalars(select(orm.SiteRow.id).where(orm.SiteRow.code == world.point)).one()
        water = s.scalars(select(orm.ItemRow.id).where(orm.ItemRow.code == world.water)).one()
        s.add(
            orm.CapacityReserveRow(
                producer_site_id=producer,
                item_id=water,
                units_per_day=2400,
                activation_minutes=60,
                valid_from=NOW.date(),
                valid_to=NOW.date() + timedelta(days=30),
            )
        )
    with engine.begin() as c:
        c.execute(text("UPDATE stock_balance SET reserved = on_hand"))
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    jobs = [j for j in plan.problem.jobs if plan.source_kind[j.id] == "capacity"]
    assert jobs and min(j.ready_s for j in jobs) == 60 * 60 + 4 * 3600
    assert {(u.item, u.reason) for u in plan.unserved} == {("1010101", "no_stock")}
    assert plan.violations == ()
    svc.dispatch.confirm(plan, "disp1", NOW)
    with engine.connect() as c:
        assert c.execute(select(func.sum(CallOffRow.qty))).scalar_one() == 600


def test_replan_after_a_closed_road_lists_the_cut_village_unreachable(svc):
    """A road closed after planning: the re-plan on the new matrix reports the cut-off village `unreachable`."""
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    svc.dispatch.travel_matrix = partial(scenario_matrix, CutOff(HaversineMatrix(), [4]))  # V2 cut off
    closed = '{"type": "Polygon", "coordinates": [[[115.87, 29.57], [115.89, 29.57], [115.89, 29.59]]]}'
    new = svc.dispatch.replan(plan, 0, blocked_geojson=closed)
    assert {u.point for u in new.unserved} == {"V2"}
    assert {u.reason for u in new.unserved} == {"unreachable"}
    assert new.violations == ()


def test_contracted_transport_joins_the_fleet_pool(db_url, world):
    """协议运力 recorded in reserve planning (vehicles, capacity, activation delay) is part of the dispatch fleet."""
    from datetime import date, timedelta

    from sqlalchemy.orm import Session

    from stockpile.adapters.db.engine import make_engine
    from stockpile.adapters.orm.ledger import SiteRow
    from stockpile.adapters.orm.reserve import ContractedTransportRow

    engine = make_engine(db_url)
    with Session(engine) as s, s.begin():
        site = s.query(SiteRow).filter_by(code=world.depot).one()
        s.add(
            ContractedTransportRow(
                code="YL-T",
                carrier="运力公司",
                base_site_id=site.id,
                vehicles=2,
                capacity_kg=8000,
                capacity_dm3=30000,
                activation_minutes=90,
                valid_from=date.today() - timedelta(days=1),
                valid_to=date.today() + timedelta(days=30),
            )
        )
    svc = build_services(Settings(database_url=db_url))
    contracted = [v for v in svc.dispatch.fleet() if v.code.startswith("YL-T")]
    assert [(v.home_site, v.activation_minutes, v.capacity_kg) for v in contracted] == [
        (world.depot, 90, 8000)
    ] * 2
    engine.dispose()
