"""A plan edited by the dispatcher (人工调整): stops moved to another vehicle or put in another order, re-timed and
checked by the independent checker before it can be confirmed.

A job moves whole: moving its pickup or its delivery to another vehicle takes the other stop along (right before
or after it). The edited routes are re-timed by the schedule rule (`optimizer.schedule_route`), then the checker
(`optimizer.verify_routes`, which shares no code with the solver) re-simulates them: capacity in every dimension
(weight, volume, cold boxes), deadlines (the guarantee circle of priority points, the relief target), pickup
before delivery on one vehicle, vehicles allowed, route length, roads. Stock is checked against the database as it
is now (on hand − reserved; for a re-plan, the holds it will release count as free). Every violation becomes a
`Finding` in words. A plan with violations cannot be confirmed: `confirm_plan` runs the checker again and refuses
(there is no override: move the stops until the list is empty, or confirm the solver's plan).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from optimizer import RoutingResult, objective_of, schedule_route
from optimizer import verify_routes as verify
from stockpile import clock
from stockpile.dispatch.commands import EditedStop, Finding
from stockpile.dispatch.fleet import COLD_BOX_CM3
from stockpile.dispatch.kpis import kpis_of
from stockpile.dispatch.plan import DispatchPlan, plan_violations
from stockpile.dispatch.scenario import RepoOf
from stockpile.domain.dispatch import PlanEditInvalid
from stockpile.ports.uow import AbstractUnitOfWork

# dimension → (finding code, divisor to the unit the sentence uses: kg, m³, cold boxes)
DIMENSIONS = {"g": ("overload_weight", 1000), "cm3": ("overload_volume", 1_000_000), "cold_cm3": ("overload_cold", COLD_BOX_CM3)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class EditedPlan:
    plan: DispatchPlan
    findings: tuple[Finding, ...]


def _arrangement(plan: DispatchPlan, stops: Sequence[EditedStop]) -> dict[str, list[tuple[str, str]]]:
    """Vehicle → (job, kind) in the edited order; a job's two stops stay on one vehicle."""
    orig: dict[tuple[str, str], tuple[str, int]] = {}
    for r in plan.result.routes:
        for s in r.stops:
            orig[(s.job, s.kind)] = (r.vehicle, len(orig))
    given = {(e.job, e.kind): e for e in stops}
    if set(given) != set(orig) or len(given) != len(stops):
        raise PlanEditInvalid(reason="stops_changed", vehicle="")
    known = {v.id for v in plan.problem.vehicles}
    moved: dict[str, EditedStop] = {}
    for key, e in given.items():
        if e.vehicle not in known:
            raise PlanEditInvalid(reason="unknown_vehicle", vehicle=e.vehicle)
        if e.vehicle != orig[key][0]:
            moved.setdefault(key[0], e)
    out: dict[str, list[tuple[float, int, str, str]]] = {}
    for (job, kind), e in given.items():
        seq, vehicle = e.seq, e.vehicle
        lead = moved.get(job)
        if lead is not None and lead.kind != kind:  # the partner of a moved stop follows it
            seq, vehicle = lead.seq + (0.0005 if kind == "delivery" else -0.0005), lead.vehicle
        out.setdefault(vehicle, []).append((seq, orig[(job, kind)][1], job, kind))
    return {v: [(j, k) for _, _, j, k in sorted(rows)] for v, rows in out.items()}


def _result(plan: DispatchPlan, arranged: Mapping[str, list[tuple[str, str]]]) -> RoutingResult:
    p = plan.problem
    jobs = {j.id: j for j in p.jobs}
    routes = tuple(
        schedule_route(p, v, [(jobs[j], k) for j, k in arranged[v.id]])
        for v in p.vehicles
        if arranged.get(v.id)
    )
    unserved = plan.result.unserved
    return dataclasses.replace(
        plan.result,
        routes=routes,
        objective=objective_of(p, routes, unserved),
        total_distance_m=sum(r.distance_m for r in routes),
        total_duration_s=sum(r.end_s - r.start_s for r in routes),
        log=(),
        engine="edited",
    )


def _hm(plan: DispatchPlan, s: int) -> str:
    return clock.local(plan.start + timedelta(seconds=s)).strftime("%m-%d %H:%M")


def _stop(res: RoutingResult, vehicle: str, job: str, kind: str = "") -> Any:
    r = next((r for r in res.routes if r.vehicle == vehicle), None)
    return None if r is None else next((s for s in r.stops if s.job == job and kind in ("", s.kind)), None)


def _overload(plan: DispatchPlan, res: RoutingResult, v: Any, base: dict[str, Any]) -> list[Finding]:
    stop = _stop(res, v.vehicle, v.job)
    cap = next(x.capacity for x in plan.problem.vehicles if x.id == v.vehicle)
    out = []
    for d, (code, unit) in DIMENSIONS.items():
        k = plan.problem.dimensions.index(d) if d in plan.problem.dimensions else -1
        if stop is not None and k >= 0 and stop.load[k] > cap[k]:
            load, limit = stop.load[k] / unit, cap[k] / unit
            out.append(Finding(code, {**base, "load": f"{load:.1f}", "cap": f"{limit:.1f}"}))
    return out


def _late(plan: DispatchPlan, res: RoutingResult, v: Any, base: dict[str, Any]) -> Finding:
    job = next(j for j in plan.problem.jobs if j.id == v.job)
    stop = _stop(res, v.vehicle, v.job, "delivery")
    circle = (
        plan.places[job.dest].code in plan.priority_points and job.deadline_s <= plan.settings.guarantee_s
    )
    at = _hm(plan, stop.start_s) if stop is not None else ""
    minutes = plan.settings.guarantee_s // 60
    return Finding("late_circle" if circle else "late", {**base, "eta": at, "deadline": _hm(plan, job.deadline_s), "minutes": minutes})  # fmt: skip


def _words(plan: DispatchPlan, res: RoutingResult, v: Any) -> list[Finding]:
    """One checker violation in a dispatcher's words."""
    job = next((j for j in plan.problem.jobs if j.id == v.job), None)
    base: dict[str, Any] = {"vehicle": v.vehicle, "place": "", "goods": ()}
    if job is not None:
        base.update(place=plan.places[job.dest].name, goods=tuple(plan.contents.get(job.id, ())))
    if v.code == "overload":
        return _overload(plan, res, v, base)
    if v.code == "late" and job is not None:
        return [_late(plan, res, v, base)]
    known = (
        "precedence",
        "vehicle_not_allowed",
        "route_too_long",
        "no_road",
        "not_available",
        "stock_exceeded",
    )
    return [Finding(v.code if v.code in known else "other", {**base, "code": v.code})]


def _free_stock(plan: DispatchPlan, uow: AbstractUnitOfWork, repo_of: RepoOf, at: datetime) -> dict[Any, int]:
    """(site, item) → physical stock free now, plus what a re-plan's replaced orders hold (freed on confirm)."""
    items = {it for v in plan.contents.values() for it, _ in v}
    with uow:
        repo = repo_of(uow)
        free: dict[tuple[str, str], int] = {}
        for s in repo.stock_sources(at.date(), items):
            if s.kind == "physical":
                free[(s.site, s.item)] = free.get((s.site, s.item), 0) + s.qty
        parts = {tuple(p) for p in plan.extra.get("parts", [])}
        docs = set(plan.extra.get("superseded", [])) | {d for d, _ in parts}
        for doc in sorted(docs):
            for h in repo.order_holds(doc):
                if h["state"] == "pending" and (
                    doc not in {d for d, _ in parts} or (doc, h["site"]) in parts
                ):
                    free[(h["site"], h["item_code"])] = free.get((h["site"], h["item_code"]), 0) + h["qty"]
    return free


def _stock(plan: DispatchPlan, res: RoutingResult, free: Mapping[Any, int]) -> list[Finding]:
    need: dict[tuple[str, str], int] = {}
    for r in res.routes:
        for s in r.stops:
            if s.kind == "pickup" and plan.source_kind.get(s.job) == "physical":
                for item, q in plan.contents[s.job]:
                    key = (plan.places[s.location].code, item)
                    need[key] = need.get(key, 0) + q
    names = {p.code: p.name for p in plan.places}
    return [
        Finding(
            "stock_short",
            {"place": names.get(site, site), "item": item, "need": q, "have": free.get((site, item), 0)},
        )
        for (site, item), q in sorted(need.items())
        if q > free.get((site, item), 0)
    ]


def edit_plan(
    plan: DispatchPlan,
    stops: Sequence[EditedStop],
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    now: datetime | None = None,
) -> EditedPlan:
    """The plan as the dispatcher arranged it, re-timed and checked; a new plan (new id), written nowhere."""
    res = _result(plan, _arrangement(plan, stops))
    found = [f for v in verify(plan.problem, res, plan.stock_use()) for f in _words(plan, res, v)]
    found += _stock(plan, res, _free_stock(plan, uow, repo_of, now or clock.now()))
    dest = {j.id: plan.places[j.dest].code for j in plan.problem.jobs}
    kpis = dataclasses.replace(
        kpis_of(
            plan.problem,
            res,
            plan.contents,
            dest,
            plan.demand,
            plan.priority_points,
            plan.settings.guarantee_s,
        ),
        since_report_s=plan.kpis.since_report_s,
        target_s=plan.kpis.target_s,
    )
    codes = plan_violations(plan.problem, res, plan.stock_use())
    codes += [f"stock_short:{f.params['place']}:{f.params['item']}" for f in found if f.code == "stock_short"]
    edited = dataclasses.replace(
        plan,
        id=uuid.uuid4(),
        result=res,
        kpis=kpis,
        violations=tuple(codes),
        extra={**plan.extra, "edited": True},
    )
    return EditedPlan(edited, tuple(found))
