"""plan_dispatch (调度方案): scenario → sources → travel matrix → allocation → vehicle-sized jobs → routes → checker.

Nothing is written: the plan lives in memory until `dispatch.confirm.confirm_plan`. Rules:

- Sources: physical stock = on hand − reserved of unexpired lots (near-expiry stock is drawn first: the others
  carry a draw cost); agreement stock (协议储备) is ready after its call-off lead time; damaged depots send nothing.
- Priority demand (class 1: shelters, medical) must arrive inside the guarantee circle (default 60 min from the
  dispatch order) when the allocation can reach it there, otherwise within the relief target; the rest within the
  relief target (8 h), which runs from the scenario's report time (the targets count "after the disaster"): a
  plan made 2 h after the report has 6 h left (never less than the circle).
- An unreachable pair (-1 in the provider's matrix) becomes an unserved line with reason `unreachable`.
- Every plan is verified: routing checker (ETAs, loads, deadlines, stock per source) and allocation checker.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from optimizer import (
    DEFAULT_PENALTY,
    AllocationProblem,
    AllocationResult,
    DemandLine,
    Depot,
    Objective,
    ProgressCallback,
    Route,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Source,
    SourceKind,
    SplitLine,
    StockUse,
    StopFlag,
    TravelMatrix,
    check_allocation,
    solve_allocation,
    split_allocation,
)
from optimizer import NO_ROAD as UNREACHABLE
from optimizer import verify_routes as verify
from stockpile import clock
from stockpile.dispatch.commands import (
    Kpis,
    LateLine,
    Place,
    PlanSettings,
    PlanView,
    UnservedLine,
    VehicleLine,
)
from stockpile.dispatch.fleet import profile_matrices, vehicle
from stockpile.dispatch.kpis import kpis_of, late_priority_lines
from stockpile.dispatch.scenario import RepoOf, World, load_world
from stockpile.domain.dispatch import (
    ItemSpec,
    StockSource,
)
from stockpile.ports.uow import AbstractUnitOfWork

MatrixFn = Callable[..., tuple[Any, Any, str]]
"""(lon, lat) points and blocked-area GeoJSON [, profile=driving-car] → (duration_s, distance_m, source); the heavy
truck's unless a profile is named; wired in bootstrap."""
Planner = Callable[[RoutingProblem, RoutingParams, ProgressCallback | None], RoutingResult]
DEFAULT_SETTINGS = PlanSettings()
FRESH_DRAW_COST = 5_000  # metres-equivalent per unit: near-expiry stock goes first
DIMENSIONS = ("g", "cm3", "cold_cm3")
UNIT_PENALTY = (
    10_000  # per unit carried, on top of the priority penalty: when trucks are short (or the circle is
)
# too tight for every priority job) the plan keeps the jobs carrying more units, which is what the KPIs count


@dataclass(frozen=True)
class DispatchPlan:
    """A plan in memory: the routing problem and result, what each job carries, KPIs and checker verdict."""

    id: uuid.UUID
    scenario_code: str
    scenario_id: int
    start: datetime
    places: tuple[Place, ...]
    problem: RoutingProblem
    result: RoutingResult
    contents: Mapping[str, tuple[tuple[str, int], ...]]
    source_kind: Mapping[str, str]  # job → physical | agreement
    stock_limits: Mapping[tuple[int, str], int]
    unserved: tuple[UnservedLine, ...]
    kpis: Kpis
    violations: tuple[str, ...]
    demand: Mapping[tuple[str, str], int]
    priority_points: frozenset[str]
    settings: PlanSettings
    matrix_source: str = "offline"
    allocation: AllocationResult | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def stock_use(self) -> StockUse:
        return StockUse(limits=self.stock_limits, takes={k: dict(v) for k, v in self.contents.items()})

    def late_priority(self) -> tuple[LateLine, ...]:
        """Priority deliveries planned outside the guarantee circle, each with why (see ``LateLine``)."""
        codes = [p.code for p in self.places]
        return late_priority_lines(
            self.problem, self.result, self.contents, codes, self.priority_points, self.settings.guarantee_s
        )

    def vehicle_lines(self) -> tuple[VehicleLine, ...]:
        """Per vehicle that moves: stops, trips, its fullest moment against its tightest capacity, distance and
        return time."""
        caps = {v.id: v.capacity for v in self.problem.vehicles}
        return tuple(_vehicle_line(r, caps[r.vehicle]) for r in self.result.routes if r.stops)


def _vehicle_line(route: Route, capacity: tuple[int, ...]) -> VehicleLine:
    share = max(
        (q / c for s in route.stops for q, c in zip(s.load, capacity, strict=False) if c > 0),
        default=0.0,
    )
    return VehicleLine(route.vehicle, len(route.stops), route.trips, share, route.distance_m, route.end_s)


_READ_AS: type[PlanView] = DispatchPlan  # mypy checks that the dispatch page can read a plan as a PlanView


def _places(w: World) -> tuple[Place, ...]:
    codes = sorted({s.site for s in w.sources} | {v.home_site for v in w.fleet})
    sites = [Place(c, w.sites[c].name, w.sites[c].lon, w.sites[c].lat, "site") for c in codes if c in w.sites]
    pts = [Place(p.code, p.name, p.lon, p.lat, "point") for p in w.scenario.points]
    return (*sites, *pts)


def _matrix(
    places: Sequence[Place], matrix: MatrixFn, blocked: str
) -> tuple[list[list[int]], list[list[int]], str]:
    """Square travel matrix over the places from the injected provider; -1 marks no road."""
    dur, dist, source = matrix([(p.lon, p.lat) for p in places], blocked)
    return [list(r) for r in dur], [list(r) for r in dist], source


CAPACITY_BATCH_S = 4 * 3600  # a producer's output is collected every 4 hours


def _source(
    site: str, kind: str, ref: str, rows: list[StockSource], items: Sequence[str], w: World
) -> Source:
    """One allocation source per (site, kind, contract): physical now, agreement after its call-off lead time,
    capacity reserve (产能储备) in 4-hour batches after activation."""
    qty = tuple(sum(s.qty for s in rows if s.item == it) for it in items)
    lead = max(s.lead_minutes for s in rows) * 60
    load = w.sites[site].loading_minutes * 60
    sid = f"{site}|{kind}|{ref}"
    if kind == "capacity":
        per = tuple(sum(s.per_day for s in rows if s.item == it) * CAPACITY_BATCH_S // 86400 for it in items)
        return Source(sid, SourceKind.CAPACITY, qty, load, lead, CAPACITY_BATCH_S, per)
    if kind == "agreement":
        return Source(sid, SourceKind.AGREEMENT, qty, load, lead)
    return Source(sid, SourceKind.PHYSICAL, qty, load)


def allocation_problem(
    w: World, idx: Mapping[str, int], dur: list[list[int]], dist: list[list[int]], st: PlanSettings
) -> AllocationProblem:
    items = tuple(sorted({i for _, i in w.demand}))
    points = tuple(p.code for p in w.scenario.points)
    item_ix = {c: k for k, c in enumerate(items)}
    groups: dict[tuple[str, str, str], list[StockSource]] = {}
    for s in w.sources:
        if s.site in idx:
            groups.setdefault((s.site, s.kind, s.reference), []).append(s)
    keys = sorted(groups)
    sources = tuple(_source(site, kind, ref, groups[(site, kind, ref)], items, w) for site, kind, ref in keys)
    near = {(s.site, s.kind, s.reference, s.item) for s in w.sources if s.near_expiry}
    draw = tuple(tuple(0 if (*k, it) in near else FRESH_DRAW_COST for it in items) for k in keys)
    by_point = {p.code: p for p in w.scenario.points}
    demands = []
    for (pc, it), q in sorted(w.demand.items()):
        p = by_point[pc]
        need = min(st.guarantee_s, p.needed_by_minutes * 60) if p.priority == 1 else st.target_s
        demands.append(DemandLine(points.index(pc), item_ix[it], q, min(p.priority, 3), need))

    def row(m: list[list[int]], site: str) -> tuple[int, ...]:
        return tuple(m[idx[site]][idx[pc]] for pc in points)

    return AllocationProblem(
        item_ids=items,
        point_ids=points,
        sources=sources,
        demands=tuple(demands),
        travel_s=tuple(row(dur, k[0]) for k in keys),
        distance_m=tuple(tuple(max(0, v) for v in row(dist, k[0])) for k in keys),
        draw_cost=draw,
        horizon_s=3 * st.target_s,
        fair_share=st.rationing == "fair",
    )


def _unit(item: ItemSpec) -> tuple[int, int, int]:
    return (item.weight_g, item.volume_cm3, item.volume_cm3 if item.needs_cold else 0)


def target_left_s(st: PlanSettings, since_report_s: int) -> int:
    """The relief target on a plan's clock: what is left of it after the time since the report, never less than
    the guarantee circle."""
    return max(st.guarantee_s, st.target_s - since_report_s)


def _deadline(priority: int, arrival_s: int, st: PlanSettings, need_s: int, horizon_s: int) -> int:
    """Circle for priority demand the allocation can reach in time, else the relief target, else the horizon."""
    if priority == 1 and arrival_s <= need_s:
        return need_s
    return st.target_s if arrival_s <= st.target_s else horizon_s


def split_jobs(
    w: World, ar: AllocationResult, idx: Mapping[str, int], st: PlanSettings, horizon_s: int
) -> tuple[list[Any], dict[str, str]]:
    by_point = {p.code: p for p in w.scenario.points}
    # lines share a job only with the same source kind, cold chain, ready time and deadline (batches stay apart)
    groups: dict[tuple[str, bool, int, int], list[SplitLine]] = {}
    for ln in ar.lines:
        site, kind, _ = ln.source_id.split("|")
        p, item = by_point[ln.point_id], w.items[ln.item_id]
        need = min(st.guarantee_s, p.needed_by_minutes * 60)
        deadline = _deadline(p.priority, ln.arrival_s, st, need, horizon_s)
        groups.setdefault((kind, item.needs_cold, ln.ready_s, deadline), []).append(
            SplitLine(
                source=idx[site],
                dest=idx[ln.point_id],
                item=ln.item_id,
                qty=ln.qty,
                unit_size=_unit(item),
                ready_s=ln.ready_s,
                deadline_s=deadline,
                priority=4 - min(p.priority, 3),
            )
        )
    out: list[Any] = []
    kinds: dict[str, str] = {}
    for g, ((kind, cold, _, _), lines) in enumerate(sorted(groups.items())):
        fleet = [v for v in w.fleet if v.cold_boxes > 0] if cold else w.fleet
        ref = max(fleet or w.fleet, key=lambda v: (v.capacity_kg, v.capacity_dm3), default=None)
        cap = vehicle(ref, 0).capacity if ref is not None else (1, 1, 1)
        for sj in split_allocation(lines, cap, unload_s=600, prefix=f"{kind[0]}{'c' if cold else ''}{g}"):
            units = sum(q for _, q in sj.contents)
            penalty = DEFAULT_PENALTY * max(1, sj.job.priority) + UNIT_PENALTY * units
            sj = dataclasses.replace(sj, job=dataclasses.replace(sj.job, penalty=penalty))
            out.append(sj)
            kinds[sj.job.id] = kind
    return out, kinds


def _routing_problem(
    w: World,
    places: Sequence[Place],
    dur: list[list[int]],
    dist: list[list[int]],
    jobs: list[Any],
    st: PlanSettings,
    profiles: tuple[Mapping[str, int], tuple[TravelMatrix, ...]] = ({}, ()),
) -> RoutingProblem:
    idx = {p.code: k for k, p in enumerate(places)}
    fix = [[UNREACHABLE if v < 0 else v for v in row] for row in dur]
    fixd = [[UNREACHABLE if v < 0 else v for v in row] for row in dist]
    depots = tuple(Depot(idx[c], w.sites[c].loading_minutes * 60) for c in sorted(idx) if c in w.sites)
    return RoutingProblem(
        duration_s=tuple(tuple(r) for r in fix),
        distance_m=tuple(tuple(r) for r in fixd),
        jobs=tuple(sj.job for sj in jobs),
        vehicles=tuple(
            vehicle(v, idx[v.home_site], profiles[0].get(v.speed_profile))
            for v in w.fleet
            if v.home_site in idx
        ),
        profiles=profiles[1],
        depots=depots,
        objective=Objective.MAKESPAN if st.objective == "makespan" else Objective.TOTAL,
        horizon_s=3 * st.target_s,
        dimensions=DIMENSIONS,
    )


def _unserved(
    ar: AllocationResult, res: RoutingResult, contents: Mapping[str, Any], dest: Mapping[str, str]
) -> tuple[UnservedLine, ...]:
    out = [UnservedLine(s.point_id, s.item_id, s.qty, str(s.reason)) for s in ar.shortfalls]
    out += unserved_routing(res, contents, dest)
    return tuple(sorted(out, key=lambda u: (u.point, u.item, u.reason)))


def unserved_routing(
    res: RoutingResult, contents: Mapping[str, Any], dest: Mapping[str, str]
) -> tuple[UnservedLine, ...]:
    """Each unserved job's contents, with the router's reason."""
    return tuple(
        UnservedLine(dest[u.job], it, q, str(u.reason)) for u in res.unserved for it, q in contents[u.job]
    )


def _route_with_relief(
    problem: RoutingProblem,
    planner: Planner,
    st: PlanSettings,
    progress: ProgressCallback | None,
    stop: StopFlag | None = None,
) -> tuple[RoutingProblem, RoutingResult]:
    """Route with circle deadlines; priority jobs no truck can bring inside the circle get the relief target
    instead (a second search with the other half of the time), so they arrive late rather than never. `stop`
    (a cancelled job) ends the search early and skips the second one."""
    half = RoutingParams(time_limit_s=st.time_limit_s / 2, engine=st.engine, stop=stop)
    res = planner(problem, half, progress)
    if stop is not None and stop():
        return problem, res
    missed = {u.job for u in res.unserved if str(u.reason) != "unreachable"}
    tight = [j for j in problem.jobs if j.id in missed and j.deadline_s < st.target_s]
    if not tight:
        return problem, res
    ids = {j.id for j in tight}
    relaxed = dataclasses.replace(
        problem,
        jobs=tuple(
            dataclasses.replace(j, deadline_s=st.target_s) if j.id in ids else j for j in problem.jobs
        ),
    )
    second = planner(relaxed, half, progress)
    return (relaxed, second) if len(second.unserved) < len(res.unserved) else (problem, res)


def plan_violations(plan_problem: RoutingProblem, res: RoutingResult, stock: StockUse | None) -> list[str]:
    """Routing checker verdict as "code:vehicle:job" strings; [] means the plan may be confirmed."""
    return [f"{v.code}:{v.vehicle}:{v.job}" for v in verify(plan_problem, res, stock)]


def _stock_limits(w: World, idx: Mapping[str, int]) -> dict[tuple[int, str], int]:
    """(place index, item) → the quantity the plan's sources hold there."""
    limits: dict[tuple[int, str], int] = {}
    for s in w.sources:
        if s.site in idx:
            limits[(idx[s.site], s.item)] = limits.get((idx[s.site], s.item), 0) + s.qty
    return limits


def plan_dispatch(
    code: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    matrix: MatrixFn,
    planner: Planner,
    settings: PlanSettings = DEFAULT_SETTINGS,
    demand: Mapping[tuple[str, str], int] | None = None,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
    stop: StopFlag | None = None,
) -> DispatchPlan:
    """Plan a scenario: allocation, then routes; checked; written nowhere (`stop`: a cancelled job's early end)."""
    start = (now or clock.now()).replace(microsecond=0)
    w = load_world(uow, repo_of, code, start, settings.vehicles, demand)
    since = max(0, int((start - w.scenario.reported_at).total_seconds()))
    left = dataclasses.replace(settings, target_s=target_left_s(settings, since))
    places = _places(w)
    idx = {p.code: k for k, p in enumerate(places)}
    dur, dist, source = _matrix(places, matrix, w.scenario.blocked_geojson)
    ap = allocation_problem(w, idx, dur, dist, left)
    ar = solve_allocation(ap)
    jobs, kinds = split_jobs(w, ar, idx, left, 3 * settings.target_s)
    profiles = profile_matrices(w.fleet, places, matrix, w.scenario.blocked_geojson)
    problem = _routing_problem(w, places, dur, dist, jobs, settings, profiles)
    problem, res = _route_with_relief(problem, planner, left, progress, stop)
    contents = {sj.job.id: sj.contents for sj in jobs}
    dest = {sj.job.id: places[sj.job.dest].code for sj in jobs}
    limits = _stock_limits(w, idx)
    stock = StockUse(limits=limits, takes={k: dict(v) for k, v in contents.items()})
    prio = frozenset(p.code for p in w.scenario.points if p.priority == 1)
    violations = plan_violations(problem, res, stock) + [
        f"{v.code}::{v.detail}" for v in check_allocation(ap, ar)
    ]
    return DispatchPlan(
        id=uuid.uuid4(),
        scenario_code=code,
        scenario_id=w.scenario.id,
        start=start,
        places=places,
        problem=problem,
        result=res,
        contents=contents,
        source_kind=kinds,
        stock_limits=limits,
        unserved=_unserved(ar, res, contents, dest),
        kpis=dataclasses.replace(
            kpis_of(problem, res, contents, dest, w.demand, prio, settings.guarantee_s),
            since_report_s=since,
            target_s=settings.target_s,
        ),
        violations=tuple(violations),
        demand=w.demand,
        priority_points=prio,
        settings=settings,
        matrix_source=source,
        allocation=ar,
    )
