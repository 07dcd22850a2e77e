"""Independent plan checker: re-simulates a routing plan from the problem alone and lists every violation.

Shares no code with the solver (only the problem and result dataclasses): it recomputes arrival, start and
departure of every stop, the load per dimension after each stop, deadlines, pickup-before-delivery on one vehicle,
route duration, that each job is served at most once and served + unserved = all jobs, totals and the objective,
and optionally stock use per (source, item). A plan edited by a dispatcher is checked the same way.

Structural faults (unknown or repeated jobs, missing jobs, broken pairs) are reported alone: times and loads of a
plan with a structural fault mean nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from optimizer.routing.problem import (
    DEFAULT_PENALTY,
    UNREACHABLE,
    Job,
    Objective,
    Route,
    RoutingProblem,
    RoutingResult,
    Stop,
    Vehicle,
)

# violation codes (translated by the UI)
UNKNOWN_VEHICLE = "unknown_vehicle"
UNKNOWN_JOB = "unknown_job"
JOB_TWICE = "job_twice"
JOB_MISSING = "job_missing"
SERVED_AND_UNSERVED = "served_and_unserved"
PRECEDENCE = "precedence"
VEHICLE_NOT_ALLOWED = "vehicle_not_allowed"
WRONG_LOCATION = "wrong_location"
OVERLOAD = "overload"
WRONG_LOAD = "wrong_load"
LATE = "late"
WRONG_ETA = "wrong_eta"
NOT_AVAILABLE = "not_available"
ROUTE_TOO_LONG = "route_too_long"
NO_ROAD = "no_road"
WRONG_DISTANCE = "wrong_distance"
WRONG_OBJECTIVE = "wrong_objective"
STOCK_EXCEEDED = "stock_exceeded"


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule of a plan, as data."""

    code: str
    vehicle: str = ""
    job: str = ""
    detail: str = ""


@dataclass(frozen=True, slots=True)
class StockUse:
    """Stock limits per (source location, item) and what each job takes (item → qty) from its source."""

    limits: Mapping[tuple[int, str], int]
    takes: Mapping[str, Mapping[str, int]]


def _structure(p: RoutingProblem, res: RoutingResult) -> list[Violation]:
    jobs = {j.id: j for j in p.jobs}
    vidx = {v.id: k for k, v in enumerate(p.vehicles)}
    out: list[Violation] = []
    seen: Counter[tuple[str, str]] = Counter()
    served_by: dict[str, str] = {}
    for r in res.routes:
        if r.vehicle not in vidx:
            out.append(Violation(UNKNOWN_VEHICLE, r.vehicle))
            continue
        if sum(1 for x in res.routes if x.vehicle == r.vehicle) > 1:
            out.append(Violation(UNKNOWN_VEHICLE, r.vehicle, detail="vehicle has two routes"))
        done: set[str] = set()
        for s in r.stops:
            job = jobs.get(s.job)
            if job is None:
                out.append(Violation(UNKNOWN_JOB, r.vehicle, s.job))
                continue
            seen[(s.job, s.kind)] += 1
            if s.kind == "pickup":
                if job.source is None:
                    out.append(Violation(PRECEDENCE, r.vehicle, s.job, "pickup of a job without source"))
                done.add(s.job)
            elif s.kind == "delivery":
                served_by[s.job] = r.vehicle
                if job.source is not None and s.job not in done:
                    out.append(
                        Violation(PRECEDENCE, r.vehicle, s.job, "delivery before pickup on this vehicle")
                    )
            else:
                out.append(Violation(UNKNOWN_JOB, r.vehicle, s.job, f"stop kind {s.kind!r}"))
            if job.vehicles and vidx[r.vehicle] not in job.vehicles:
                out.append(Violation(VEHICLE_NOT_ALLOWED, r.vehicle, s.job))
    for (job_id, kind), n in seen.items():
        if n > 1:
            out.append(Violation(JOB_TWICE, "", job_id, f"{kind} {n} times"))
    for job_id in {j for j, k in seen if k == "pickup"} - set(served_by):
        out.append(Violation(PRECEDENCE, "", job_id, "picked up, never delivered"))
    unserved = Counter(u.job for u in res.unserved)
    for j in p.jobs:
        if j.id in served_by and unserved[j.id]:
            out.append(Violation(SERVED_AND_UNSERVED, served_by[j.id], j.id))
        elif j.id not in served_by and unserved[j.id] != 1:
            out.append(Violation(JOB_MISSING if not unserved[j.id] else JOB_TWICE, "", j.id))
    out.extend(Violation(UNKNOWN_JOB, "", u) for u in unserved if u not in jobs)
    return out


def _stop_place(job: Job, kind: str) -> int:
    return job.source if kind == "pickup" and job.source is not None else job.dest


def _route(p: RoutingProblem, v: Vehicle, r: Route) -> tuple[list[Violation], int, int]:
    """Re-simulate one route: violations, recomputed distance, recomputed end time."""
    jobs = {j.id: j for j in p.jobs}
    tm = p.profiles[v.profile] if v.profile is not None else None
    dur = tm.duration_s if tm else p.duration_s
    dist_m = tm.distance_m if tm else p.distance_m
    loads = {d.location: d.loading_s for d in p.depots}
    out: list[Violation] = []
    if r.start_s < v.available_from_s:
        out.append(Violation(NOT_AVAILABLE, v.id, detail=f"starts {r.start_s} < {v.available_from_s}"))
    onboard = _loaded_at_start(p, jobs, r)
    at, clock, dist = v.start, max(r.start_s, v.available_from_s), 0
    last_pickup_at, last_start = -1, clock
    for s in r.stops:
        job = jobs[s.job]
        place = _stop_place(job, s.kind)
        if s.location != place:
            out.append(Violation(WRONG_LOCATION, v.id, s.job, f"{s.location} != {place}"))
        if dur[at][place] >= UNREACHABLE:
            out.append(Violation(NO_ROAD, v.id, s.job, f"{at} -> {place}"))
        arrival = clock + dur[at][place]
        dist += dist_m[at][place]
        if s.kind == "pickup":
            loading = loads.get(place, 0)
            start = last_start if last_pickup_at == place else arrival + loading
            start = max(start, job.ready_s + loading)
            departure = start
            onboard = [a + b for a, b in zip(onboard, job.demand, strict=True)]
            last_pickup_at = place
        else:
            start = max(arrival, job.window_start_s)
            departure = start + job.service_s
            if start > job.deadline_s or start > p.horizon_s:
                out.append(Violation(LATE, v.id, s.job, f"starts {start} > deadline {job.deadline_s}"))
            onboard = [a - b for a, b in zip(onboard, job.demand, strict=True)]
            last_pickup_at = -1
        out.extend(_stop_reports(v, s, (arrival, start, departure), tuple(onboard)))
        at, clock, last_start = place, departure, start
    if dur[at][v.end] >= UNREACHABLE:
        out.append(Violation(NO_ROAD, v.id, "", f"{at} -> end {v.end}"))
    end = clock + dur[at][v.end]
    dist += dist_m[at][v.end]
    out.extend(_route_end_reports(p, v, r, end, dist))
    return out, dist, end


def _loaded_at_start(p: RoutingProblem, jobs: dict[str, Job], r: Route) -> list[int]:
    """The load a route leaves with: everything it delivers without a pickup, per dimension."""
    onboard = [0] * len(p.dimensions)
    for s in r.stops:
        if s.kind == "delivery" and jobs[s.job].source is None:
            onboard = [a + b for a, b in zip(onboard, jobs[s.job].demand, strict=True)]
    return onboard


def _stop_reports(
    v: Vehicle, s: Stop, times: tuple[int, int, int], onboard: tuple[int, ...]
) -> list[Violation]:
    """A stop's reported times and load against the recomputed ones (arrival, start, departure), and the load
    against the vehicle's capacity."""
    out: list[Violation] = []
    arrival, start, departure = times
    if (s.arrival_s, s.start_s, s.departure_s) != times:
        out.append(
            Violation(
                WRONG_ETA,
                v.id,
                s.job,
                f"reported {s.arrival_s}/{s.start_s}/{s.departure_s}, "
                f"recomputed {arrival}/{start}/{departure}",
            )
        )
    if any(x > c or x < 0 for x, c in zip(onboard, v.capacity, strict=True)):
        out.append(Violation(OVERLOAD, v.id, s.job, f"load {onboard} > capacity {v.capacity}"))
    if onboard != s.load:
        out.append(Violation(WRONG_LOAD, v.id, s.job, f"reported {s.load}, recomputed {onboard}"))
    return out


def _route_end_reports(p: RoutingProblem, v: Vehicle, r: Route, end: int, dist: int) -> list[Violation]:
    """The route's reported end and distance against the recomputed ones, and its length against the limits."""
    out: list[Violation] = []
    if end != r.end_s:
        out.append(Violation(WRONG_ETA, v.id, "", f"route end reported {r.end_s}, recomputed {end}"))
    if end - max(r.start_s, v.available_from_s) > v.max_duration_s or end > p.horizon_s:
        out.append(Violation(ROUTE_TOO_LONG, v.id, "", f"ends {end}"))
    if dist != r.distance_m:
        out.append(Violation(WRONG_DISTANCE, v.id, "", f"reported {r.distance_m}, recomputed {dist}"))
    return out


def _penalty(job: Job) -> int:
    # the published rule of problem.drop_penalty, restated so the checker stands alone
    return job.penalty if job.penalty is not None else DEFAULT_PENALTY * max(1, job.priority)


def _stock(p: RoutingProblem, res: RoutingResult, stock: StockUse) -> list[Violation]:
    jobs = {j.id: j for j in p.jobs}
    vehicles = {v.id: v for v in p.vehicles}
    used: Counter[tuple[int, str]] = Counter()
    for r in res.routes:
        for s in r.stops:
            if s.kind != "delivery":
                continue
            job = jobs[s.job]
            source = job.source if job.source is not None else vehicles[r.vehicle].start
            for item, qty in stock.takes.get(s.job, {}).items():
                used[(source, item)] += qty
    return [
        Violation(
            STOCK_EXCEEDED,
            "",
            "",
            f"source {src} item {item}: uses {qty} > {stock.limits.get((src, item), 0)}",
        )
        for (src, item), qty in sorted(used.items())
        if qty > stock.limits.get((src, item), 0)
    ]


def verify(problem: RoutingProblem, result: RoutingResult, stock: StockUse | None = None) -> list[Violation]:
    """Every rule a plan breaks, as data; an empty list means the plan may be confirmed.

    Parameters
    ----------
    problem : RoutingProblem
        The problem the plan claims to solve.
    result : RoutingResult
        The plan (from any solver, or edited by a dispatcher).
    stock : StockUse, optional
        Stock limits per (source, item) and the quantities each job takes; checked when given.

    Returns
    -------
    list[Violation]
        Empty when the plan is valid.
    """
    out = _structure(problem, result)
    if out:
        return out
    vehicles = {v.id: v for v in problem.vehicles}
    dist, ends = 0, []
    for r in result.routes:
        found, d, end = _route(problem, vehicles[r.vehicle], r)
        out.extend(found)
        dist += d
        ends.append(end)
    if dist != result.total_distance_m:
        out.append(
            Violation(WRONG_DISTANCE, detail=f"total reported {result.total_distance_m}, recomputed {dist}")
        )
    jobs = {j.id: j for j in problem.jobs}
    penalties = sum(_penalty(jobs[u.job]) for u in result.unserved)
    if problem.objective is Objective.MAKESPAN:
        objective = max(ends, default=0) + penalties
    else:
        used = [vehicles[r.vehicle] for r in result.routes]
        travel = sum(r.distance_m * vehicles[r.vehicle].distance_cost for r in result.routes)
        objective = travel + sum(v.fixed_cost for v in used) + penalties
    if objective != result.objective:
        out.append(Violation(WRONG_OBJECTIVE, detail=f"reported {result.objective}, recomputed {objective}"))
    if stock is not None:
        out.extend(_stock(problem, result, stock))
    return out
