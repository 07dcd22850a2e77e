"""Turn a solver's visit order into timed stops, diagnose unserved jobs, compute the objective.

Follows the timing rule of ``problem.py``; ``check.py`` re-implements it separately to verify plans.
"""

from __future__ import annotations

from optimizer.routing.problem import (
    UNREACHABLE,
    Job,
    LogEntry,
    Objective,
    Reason,
    Route,
    RoutingProblem,
    RoutingResult,
    Status,
    Stop,
    Unserved,
    Vehicle,
    drop_penalty,
)


def schedule_route(p: RoutingProblem, vehicle: Vehicle, visits: list[tuple[Job, str]]) -> Route:
    """Earliest schedule of a visit order: ``visits`` are (job, "pickup" | "delivery") in route order."""
    tm = p.travel(vehicle)
    load = [0] * len(p.dimensions)
    for job, kind in visits:
        if kind == "delivery" and job.source is None:
            load = [a + b for a, b in zip(load, job.demand, strict=True)]
    here, t, dist, trips = vehicle.start, vehicle.available_from_s, 0, 0
    prev_kind, prev_start = "", t
    stops: list[Stop] = []
    for job, kind in visits:
        loc = job.source if kind == "pickup" and job.source is not None else job.dest
        arrival = t + tm.duration_s[here][loc]
        dist += tm.distance_m[here][loc]
        if kind == "pickup":
            loading = p.loading_s(loc)
            same_visit = prev_kind == "pickup" and here == loc
            if not same_visit:
                trips += 1
            base = prev_start if same_visit else arrival + loading
            start = max(base, job.ready_s + loading)
            departure = start
            load = [a + b for a, b in zip(load, job.demand, strict=True)]
        else:
            if job.source is None and trips == 0:
                trips = 1
            start = max(arrival, job.window_start_s)
            departure = start + job.service_s
            load = [a - b for a, b in zip(load, job.demand, strict=True)]
        stops.append(Stop(job.id, kind, loc, arrival, start, departure, tuple(load)))
        here, t, prev_kind, prev_start = loc, departure, kind, start
    end = t + tm.duration_s[here][vehicle.end]
    dist += tm.distance_m[here][vehicle.end]
    return Route(vehicle.id, tuple(stops), vehicle.available_from_s, end, dist, trips)


def objective_of(p: RoutingProblem, routes: tuple[Route, ...], unserved: tuple[Unserved, ...]) -> int:
    """``total``: distance cost + fixed cost of used vehicles + penalties; ``makespan``: latest end + penalties."""
    jobs = {j.id: j for j in p.jobs}
    vehicles = {v.id: v for v in p.vehicles}
    penalties = sum(drop_penalty(jobs[u.job]) for u in unserved)
    if p.objective is Objective.MAKESPAN:
        return max((r.end_s for r in routes), default=0) + penalties
    travel = sum(
        r.distance_m * vehicles[r.vehicle].distance_cost + vehicles[r.vehicle].fixed_cost for r in routes
    )
    return travel + penalties


def _alone_start(p: RoutingProblem, job: Job, v: Vehicle) -> int | Reason:
    """When this vehicle alone, empty and idle, could start unloading the job, or why it cannot carry it."""
    if any(d > c for d, c in zip(job.demand, v.capacity, strict=True)):
        return Reason.NO_CAPACITY
    dur = p.travel(v).duration_s
    legs = [(v.start, job.dest), (job.dest, v.end)]
    if job.source is not None:
        legs = [(v.start, job.source), (job.source, job.dest), (job.dest, v.end)]
    if any(dur[a][b] >= UNREACHABLE for a, b in legs):
        return Reason.UNREACHABLE
    t = v.available_from_s
    if job.source is not None:
        loading = p.loading_s(job.source)
        t = max(t + dur[v.start][job.source] + loading, job.ready_s + loading)
        t += dur[job.source][job.dest]
    else:
        t += dur[v.start][job.dest]
    return max(t, job.window_start_s)


def _alone_reason(p: RoutingProblem, job: Job, v: Vehicle) -> Reason | None:
    """Why this vehicle alone, empty and idle, cannot serve the job (None if it can)."""
    start = _alone_start(p, job, v)
    if isinstance(start, Reason):
        return start
    end = start + job.service_s + p.travel(v).duration_s[job.dest][v.end]
    limit = min(p.horizon_s, v.available_from_s + v.max_duration_s)
    if start > min(job.deadline_s, p.horizon_s) or end > limit:
        return Reason.WINDOW_UNREACHABLE
    return None


def earliest_start(p: RoutingProblem, job: Job) -> int | None:
    """Lower bound on the job's unloading start: the best allowed vehicle serving it alone, empty and idle
    (None if no vehicle can carry or reach it). A later planned arrival means the fleet was busy elsewhere."""
    allowed = [p.vehicles[i] for i in job.vehicles] if job.vehicles else list(p.vehicles)
    starts = [t for v in allowed if not isinstance(t := _alone_start(p, job, v), Reason)]
    return min(starts, default=None)


def diagnose(p: RoutingProblem, job: Job, solved: bool) -> Reason:
    """Reason a job is unserved: the most telling single-vehicle obstacle, else fleet exhausted or timeout."""
    allowed = [p.vehicles[i] for i in job.vehicles] if job.vehicles else list(p.vehicles)
    if not allowed:
        return Reason.NO_VEHICLE
    reasons = [_alone_reason(p, job, v) for v in allowed]
    if any(r is None for r in reasons):
        return Reason.NO_CAPACITY if solved else Reason.SOLVER_TIMEOUT
    for r in (Reason.NO_CAPACITY, Reason.UNREACHABLE, Reason.WINDOW_UNREACHABLE):
        if all(x is r for x in reasons):
            return r
    # mixed obstacles: a vehicle big enough exists but cannot reach or make the deadline
    return Reason.UNREACHABLE if Reason.UNREACHABLE in reasons else Reason.WINDOW_UNREACHABLE


def plan_result(p: RoutingProblem, routes: tuple[Route, ...], elapsed: float, engine: str) -> RoutingResult:
    """Another engine's timed routes as a result: who is left unserved and why, objective, totals; ``PARTIAL`` when
    a non-optional job is left out, ``NO_SOLUTION`` when there are no routes although there are jobs."""
    served = {s.job for r in routes for s in r.stops}
    unserved = tuple(Unserved(j.id, diagnose(p, j, bool(routes))) for j in p.jobs if j.id not in served)
    objective = objective_of(p, routes, unserved)
    missing = any(not j.optional for j in p.jobs if j.id not in served)
    status = Status.NO_SOLUTION if not routes and p.jobs else Status.PARTIAL if missing else Status.FEASIBLE
    return RoutingResult(
        status,
        routes,
        unserved,
        objective,
        sum(r.distance_m for r in routes),
        sum(r.end_s - r.start_s for r in routes),
        (LogEntry(elapsed, objective),),
        engine,
    )
