"""confirm_plan (确认调度方案), mark_shipped (装车发运, the `relief ship` alias) and replan_dispatch (执行中重新规划).

Confirming re-runs the checker inside the transaction and refuses any violation; then, in ONE transaction, it
reserves lots by FEFO for every physical pickup (the ledger's rule: on hand − reserved ≥ qty under a row lock,
expired lots never), records agreement call-offs (动用通知) and writes one dispatch order (调拨单) per vehicle.
The plan id is the client id: confirming twice changes nothing; another plan of a scenario that still has an open
(not voided, not closed) plan is refused. Issue movements (出库) are posted when each depot's keeper ships its part
of an order (dispatch/orders.py).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from optimizer import NO_ROAD as UNREACHABLE
from optimizer import RoutingParams, replan
from stockpile import clock
from stockpile.dispatch.fleet import refreshed_profiles
from stockpile.dispatch.kpis import kpis_of
from stockpile.dispatch.plan import DispatchPlan, MatrixFn, plan_violations, target_left_s, unserved_routing
from stockpile.dispatch.scenario import RepoOf
from stockpile.dispatch.shipping import ship_depot
from stockpile.domain import ledger
from stockpile.domain.dispatch import (
    EventPlanOpen,
    PlanRejected,
    PlanStillOpen,
    UnknownOrder,
    order_no_key,
    typeable,
)
from stockpile.domain.errors import OutOfStock
from stockpile.domain.model import Balance, Reservation, ReservationState
from stockpile.jobs import codec
from stockpile.ledger.posting import retry_on_conflict
from stockpile.ports.repos import DispatchRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz


@dataclass(frozen=True, slots=True)
class Confirmation:
    plan_id: uuid.UUID
    orders: tuple[str, ...]
    reservations: int
    call_offs: int
    replayed: bool


def order_no(plan_id: uuid.UUID, vehicle: str, fleet: Iterable[str] = ()) -> str:
    """调拨单号: DD + the plan id's first 8 hex digits + the vehicle code as a keeper can type it (a plate's 「·」,
    spaces and full-width forms left out: DD1A2B3C4D-云A12345). Two vehicles of the plan's ``fleet`` whose codes
    differ only in those keep their codes as they are, so their orders' numbers stay apart."""
    clash = any(v != vehicle and order_no_key(v) == order_no_key(vehicle) for v in fleet)
    return f"DD{plan_id.hex[:8].upper()}-{vehicle if clash else typeable(vehicle)}"


def _pickups(plan: DispatchPlan) -> dict[tuple[str, str, str], int]:
    """(vehicle, source site code, item) → quantity picked up from physical stock on that vehicle."""
    out: dict[tuple[str, str, str], int] = {}
    for r in plan.result.routes:
        for s in r.stops:
            if s.kind == "pickup" and plan.source_kind.get(s.job) == "physical":
                for item, q in plan.contents[s.job]:
                    key = (r.vehicle, plan.places[s.location].code, item)
                    out[key] = out.get(key, 0) + q
    return out


def _lock_candidates(
    pick: dict[tuple[str, str, str], int], uow: AbstractUnitOfWork, repo: DispatchRepository
) -> tuple[
    dict[tuple[int, int], Balance],
    dict[tuple[str, str], list[ledger.Candidate]],
    dict[tuple[str, str], tuple[int, int]],
]:
    """Lock the balances of every (site, item) picked up, in sorted order: the locked rows by (site, lot), the FEFO
    candidates (lot, available) by (site code, item code) and the (site id, item id) of each."""
    rows: dict[tuple[int, int], Balance] = {}
    cands: dict[tuple[str, str], list[ledger.Candidate]] = {}
    ids: dict[tuple[str, str], tuple[int, int]] = {}
    for _, site, item in sorted(pick):
        if (site, item) in cands:
            continue
        sid, iid = repo.site_id(site), repo.item_id(item)
        ids[(site, item)] = (sid, iid)
        locked = uow.ledger.lock_item_balances(sid, iid)
        for b, _lot in locked:
            rows[(sid, b.lot_id)] = b
        cands[(site, item)] = [ledger.Candidate(lot, b.on_hand - b.reserved) for b, lot in locked]
    return rows, cands, ids


def reserve(
    plan: DispatchPlan, uow: AbstractUnitOfWork, repo: DispatchRepository, at: datetime, actor: str
) -> tuple[int, list[str]]:
    """FEFO holds for every physical pickup, all or nothing; returns (count, stock violations)."""
    pick = _pickups(plan)
    rows, cands, ids = _lock_candidates(pick, uow, repo)
    problems: list[str] = []
    holds: list[Reservation] = []
    held: dict[tuple[int, int], int] = {}  # (site, lot) → quantity newly held
    for (vehicle, site, item), qty in sorted(pick.items()):
        sid, iid = ids[(site, item)]
        try:
            picks = ledger.fefo_pick(cands[(site, item)], qty, at.date())
        except OutOfStock as e:
            problems.append(f"stock_gone:{site}:{item}:{e.params.get('available', 0)}<{qty}")
            continue
        taken = {lot.id: q for lot, q in picks}
        cands[(site, item)] = [
            ledger.Candidate(c.lot, c.available - taken.get(c.lot.id, 0)) for c in cands[(site, item)]
        ]
        doc = order_no(plan.id, vehicle, (r.vehicle for r in plan.result.routes))
        for lot, q in picks:
            holds.append(
                Reservation(
                    uuid.uuid5(plan.id, f"{vehicle}/{site}/{item}/{lot.id}"),
                    sid,
                    iid,
                    lot.id,
                    q,
                    doc,
                    ReservationState.PENDING,
                    None,
                )
            )
            held[(sid, lot.id)] = held.get((sid, lot.id), 0) + q
    if problems:
        return 0, problems
    for h in holds:
        uow.ledger.add_reservation(h, actor, at)
    uow.ledger.set_balances(
        [
            (
                s,
                lt,
                rows[(s, lt)].on_hand,
                rows[(s, lt)].reserved + held[(s, lt)],
                rows[(s, lt)].last_occurred_at,
            )
            for s, lt in sorted(held)
        ]
    )
    return len(holds), []


def _order_lines(plan: DispatchPlan, repo: DispatchRepository, vehicle_route: Any) -> list[dict[str, Any]]:
    lines = []
    for s in vehicle_route.stops:
        place = plan.places[s.location]
        for item, q in plan.contents[s.job]:
            lines.append(
                {
                    "job": s.job,
                    "stop_kind": s.kind,
                    "place_code": place.code,
                    "place_name": place.name,
                    "item_id": repo.item_id(item),
                    "qty": q,
                    "eta": plan.start + timedelta(seconds=s.start_s),
                }
            )
    return lines


def record_call_offs(plan: DispatchPlan, repo: DispatchRepository) -> int:
    agg: dict[tuple[str, str], tuple[int, int]] = {}
    jobs = {j.id: j for j in plan.problem.jobs}
    for r in plan.result.routes:
        for s in r.stops:
            if s.kind == "pickup" and plan.source_kind.get(s.job) in ("agreement", "capacity"):
                for item, q in plan.contents[s.job]:
                    key = (plan.places[s.location].code, item)
                    old_q, old_r = agg.get(key, (0, 0))
                    agg[key] = (old_q + q, max(old_r, jobs[s.job].ready_s))
    for (site, item), (q, ready) in sorted(agg.items()):
        repo.add_call_off(
            uuid.uuid5(plan.id, f"calloff/{site}/{item}"),
            plan.id,
            repo.site_id(site),
            repo.item_id(item),
            q,
            plan.start + timedelta(seconds=ready),
        )
    return len(agg)


def close_if_done(repo: DispatchRepository, plan_id: uuid.UUID, at: datetime, actor: str) -> bool:
    """Close the plan when none of its orders is left open (every one closed or void, or it wrote none: a
    re-plan with nothing left to carry); True when it is closed. A plan without orders left open blocked every
    new plan of its scenario and could not be voided (there was no order to void)."""
    if all(o["state"] in ("closed", "void") for o in repo.orders(plan_id)):
        repo.close_plan(plan_id, at, actor, voided=False)
        return True
    return False


def _docs(repo: DispatchRepository, plan_id: uuid.UUID) -> str:
    return ", ".join(o["doc_no"] for o in repo.orders(plan_id))


def write_orders(plan: DispatchPlan, repo: DispatchRepository) -> list[str]:
    """One order per vehicle with stops, the vehicle's plate and driver, and one part per depot it loads held
    stock at (that depot's keeper ships it)."""
    pick = _pickups(plan)
    docs: list[str] = []
    for r in plan.result.routes:
        if r.stops:
            doc = order_no(plan.id, r.vehicle, (v.vehicle for v in plan.result.routes))
            repo.add_order(doc, plan.id, r.vehicle, _order_lines(plan, repo, r))
            repo.order_vehicle(doc, r.vehicle)
            repo.add_order_depots(doc, [repo.site_id(site) for v, site, _ in pick if v == r.vehicle])
            docs.append(doc)
    return docs


def plan_json(plan: DispatchPlan) -> str:
    """The plan as stored on its row at confirmation (without a re-plan's working notes)."""
    return json.dumps(codec.encode(dataclasses.replace(plan, extra={})), ensure_ascii=False)


def summary(plan: DispatchPlan) -> dict[str, Any]:
    k = plan.kpis
    return {
        "scenario": plan.scenario_code,
        "priority_share": round(k.priority_share, 4),
        "completion_s": k.completion_s,
        "relief_time_s": k.relief_time_s,
        "distance_m": k.distance_m,
        "delivered": k.delivered,
        "demand": k.demand,
        "unserved": len(plan.unserved),
    }


@authz.records_denials
@retry_on_conflict
def confirm_plan(
    plan: DispatchPlan,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    actor: str,
    now: datetime | None = None,
) -> Confirmation:
    """Check again, then reserve, call off and write the orders in one transaction; idempotent by plan id."""
    at = (now or clock.now()).replace(microsecond=0)
    with uow:
        authz.require(uow, actor, "confirm_dispatch", None, plan.id, "plan")
        repo = repo_of(uow)
        if repo.plan_exists(plan.id):
            orders = tuple(o["doc_no"] for o in repo.orders(plan.id))
            return Confirmation(plan.id, orders, 0, 0, True)
        siblings = repo.sibling_scenarios(plan.scenario_id)  # the other scenarios of its event, copies too
        for sid in sorted({plan.scenario_id, *(s for s, _, _ in siblings)}):  # one order: no deadlock
            repo.lock_scenario(sid)  # a second dispatcher confirming the same event's demand waits here
        siblings = repo.sibling_scenarios(
            plan.scenario_id
        )  # read again under the locks: their open plans now
        open_plan = repo.open_plan(plan.scenario_id)
        if open_plan is not None and not close_if_done(repo, open_plan, at, actor):
            raise PlanStillOpen(scenario=plan.scenario_code, orders=_docs(repo, open_plan))
        for _, other, live in siblings:  # one event's approved requests are dispatched by one live plan
            if live is not None and not close_if_done(repo, live, at, actor):
                raise EventPlanOpen(scenario=plan.scenario_code, other=other, orders=_docs(repo, live))
        violations = plan_violations(plan.problem, plan.result, plan.stock_use())
        if violations:
            raise PlanRejected(violations=violations)
        n_res, gone = reserve(plan, uow, repo, at, actor)
        if gone:
            raise PlanRejected(violations=gone)
        repo.add_plan(plan.id, plan.scenario_id, at, actor, plan.result.objective, summary(plan))
        repo.store_plan(
            plan.id, plan_json(plan), None
        )  # re-planned later from the database (dispatch/replan.py)
        docs = write_orders(plan, repo)
        n_call = record_call_offs(plan, repo)
        uow.commit()
        return Confirmation(plan.id, tuple(docs), n_res, n_call, False)


def mark_shipped(
    doc_no: str, uow: AbstractUnitOfWork, repo_of: RepoOf, actor: str, now: datetime | None = None
) -> int:
    """`relief ship` (alias): ship every part of the order at the actor's depots (a dispatcher: every part), each
    part in its own transaction; returns how many holds were issued."""
    with uow:
        repo = repo_of(uow)
        if repo.order(doc_no) is None:
            raise UnknownOrder(doc_no=doc_no)
        parts = repo.order_depots(doc_no)
        who = authz.load_actor(uow, actor)
    mine = [d["site"] for d in parts if who is None or who.role != "keeper" or _keeps(uow, who, d["site"])]
    if not mine:  # no part is the keeper's: ship_depot refuses in words and audits the refusal
        mine = [parts[0]["site"]] if parts else []
    todo = [d["site"] for d in parts if d["site"] in mine and d["state"] != "shipped"]
    return sum(
        ship_depot(doc_no, d, uow, repo_of, actor, now).issued for d in todo
    )  # a repeat ships nothing more


def _keeps(uow: AbstractUnitOfWork, who: Any, depot: str) -> bool:
    with uow:
        site = uow.ledger.site_by_code(depot)
    return site is not None and site.id in who.site_ids


def replan_dispatch(
    plan: DispatchPlan,
    now_s: int,
    *,
    broken: tuple[str, ...] = (),
    planner_params: RoutingParams | None = None,
    duration_s: Any = None,
    distance_m: Any = None,
    blocked_geojson: str = "",
    matrix: MatrixFn | None = None,
    fixed: Mapping[str, int] | None = None,
    new_jobs: tuple[Any, ...] = (),
) -> DispatchPlan:
    """Re-plan mid-execution (broken truck, closed road): delivered and started stops stay as they are.

    A closed road is a new blocked area: the matrix is fetched again (`-1` → no road) and the rest re-planned on it.
    `fixed` (vehicle → stops done, from the orders' states) replaces the rule by elapsed time; `new_jobs` join.
    """
    params = planner_params or RoutingParams(time_limit_s=plan.settings.time_limit_s)
    problem = plan.problem
    if blocked_geojson and matrix is not None:
        dur, dist, _ = matrix([(p.lon, p.lat) for p in plan.places], blocked_geojson)
        duration_s = tuple(tuple(UNREACHABLE if v < 0 else v for v in row) for row in dur)
        distance_m = tuple(tuple(UNREACHABLE if v < 0 else v for v in row) for row in dist)
        problem = refreshed_profiles(problem, plan.places, matrix, blocked_geojson)
    rp = replan(
        problem,
        plan.result,
        now_s,
        broken=broken,
        fixed=fixed,
        new_jobs=new_jobs,
        duration_s=duration_s,
        distance_m=distance_m,
        params=params,
        # past its deadline (or nearer than the fastest truck) a job takes the relief target while a truck can
        # still make it, else the plan's horizon: the goods come late rather than never, as in the first plan
        ladder=(target_left_s(plan.settings, plan.kpis.since_report_s), problem.horizon_s),
    )
    brought = {s.job for r in rp.result.routes for s in r.stops if s.kind == "delivery"}
    late = tuple(
        j for j in rp.late if j in brought
    )  # brought late by this plan (not delivered already, nor dropped)
    dest = {j.id: plan.places[j.dest].code for j in (*plan.problem.jobs, *new_jobs)}
    contents: Mapping[str, Any] = plan.contents
    whole = dataclasses.replace(rp.result, routes=(*rp.fixed, *rp.result.routes))
    g = plan.settings.guarantee_s
    kpis = dataclasses.replace(
        kpis_of(rp.problem, whole, contents, dest, plan.demand, plan.priority_points, g),
        since_report_s=plan.kpis.since_report_s,
        target_s=plan.kpis.target_s,
    )
    return dataclasses.replace(
        plan,
        id=uuid.uuid4(),
        problem=rp.problem,
        result=rp.result,
        unserved=unserved_routing(rp.result, contents, dest),
        kpis=kpis,
        violations=tuple(plan_violations(rp.problem, rp.result, None)),
        extra={
            "fixed": rp.fixed,
            "stranded": rp.stranded,
            "late": late,
            "replanned_at_s": now_s,
            # past the plan's horizon no deadline is left to move to: what is open needs a new plan
            "past_horizon_h": problem.horizon_s // 3600 if now_s >= problem.horizon_s else 0,
        },
    )
