"""A first plan within a second at n = 800 (issue 21): greedy insertion at the end of routes.

Jobs in order of priority (highest first), then deadline; each goes to the vehicle where appending it adds the
least distance among those that can still serve it in time: a job with a source as its own trip (drive to the
source, load, drive to the destination), a job whose goods are on board as the next delivery (its goods count
against the vehicle's capacity from the start, together with the largest trip load). Jobs no vehicle can take
stay unserved. The plan is re-timed by ``schedule_route``; the portfolio reports it at once (progress) and keeps
it as a fallback; every plan is checked before use.
"""

from __future__ import annotations

import time

import numpy as np

from optimizer.routing_model import (
    UNREACHABLE,
    Job,
    LogEntry,
    RoutingProblem,
    RoutingResult,
    Status,
    Unserved,
)
from optimizer.routing_schedule import diagnose, objective_of, schedule_route


def first_plan(p: RoutingProblem) -> RoutingResult:
    """Greedy plan: every job appended to the vehicle where it adds the least distance and still fits.

    Vectorised over vehicles (numpy, one pass per job); vehicles on other travel profiles use their own matrices.
    """
    started = time.monotonic()
    nv = len(p.vehicles)
    profiles = sorted({-1 if v.profile is None else v.profile for v in p.vehicles})
    dur_of = {
        k: np.asarray(p.duration_s if k < 0 else p.profiles[k].duration_s, dtype=np.int64) for k in profiles
    }
    dist_of = {
        k: np.asarray(p.distance_m if k < 0 else p.profiles[k].distance_m, dtype=np.int64) for k in profiles
    }
    prof = np.array([-1 if v.profile is None else v.profile for v in p.vehicles], dtype=np.int64)
    start = np.array([v.start for v in p.vehicles], dtype=np.int64)
    end_at = np.array([v.end for v in p.vehicles], dtype=np.int64)
    cap = np.array([v.capacity for v in p.vehicles], dtype=np.int64).reshape(nv, len(p.dimensions))
    shift_end = np.array(
        [min(p.horizon_s, v.available_from_s + v.max_duration_s) for v in p.vehicles], dtype=np.int64
    )
    per_m = np.array([v.distance_cost for v in p.vehicles], dtype=np.int64)
    fixed = np.array([v.fixed_cost for v in p.vehicles], dtype=np.int64)
    here = start.copy()
    clock = np.array([v.available_from_s for v in p.vehicles], dtype=np.int64)
    onboard = np.zeros_like(cap)  # goods on board at the start (jobs without a source)
    trip = np.zeros_like(cap)  # largest single trip load
    used = np.zeros(nv, dtype=bool)
    visits: list[list[tuple[Job, str]]] = [[] for _ in p.vehicles]
    loading = {d.location: d.loading_s for d in p.depots}
    order = sorted(p.jobs, key=lambda j: (-j.priority, j.deadline_s, j.id))
    for job in order:
        demand = np.array(job.demand, dtype=np.int64)
        ok = np.ones(nv, dtype=bool)
        if job.vehicles:
            ok[:] = False
            ok[list(job.vehicles)] = True
        t = clock.copy()
        drive = np.zeros(nv, dtype=np.int64)
        back = np.zeros(nv, dtype=np.int64)
        reach = np.zeros(nv, dtype=bool)
        for k in profiles:
            m = prof == k
            dur, dist = dur_of[k], dist_of[k]
            if job.source is None:
                legs_t = dur[here[m], job.dest]
                legs_d = dist[here[m], job.dest]
                t[m] = t[m] + legs_t
                reach[m] = legs_t < UNREACHABLE
            else:
                to_src = dur[here[m], job.source]
                ready = np.maximum(t[m] + to_src, job.ready_s) + loading.get(job.source, 0)
                t[m] = ready + dur[job.source, job.dest]
                legs_d = dist[here[m], job.source] + dist[job.source, job.dest]
                reach[m] = (to_src < UNREACHABLE) & (dur[job.source, job.dest] < UNREACHABLE)
            back[m] = dur[job.dest, end_at[m]]
            reach[m] &= back[m] < UNREACHABLE
            drive[m] = legs_d + dist[job.dest, end_at[m]] - dist[here[m], end_at[m]]
        if job.source is None:
            load = onboard + demand[None, :] + trip
        else:
            load = onboard + np.maximum(trip, demand[None, :])
        begin = np.maximum(t, job.window_start_s)
        leave = begin + job.service_s
        ok &= reach & (load <= cap).all(axis=1) & (begin <= min(job.deadline_s, p.horizon_s))
        ok &= leave + back <= shift_end
        if not ok.any():
            continue
        added = drive * per_m + np.where(used, 0, fixed)
        added = np.where(ok, added, np.iinfo(np.int64).max)
        k = int(np.argmin(added))
        if job.source is None:
            onboard[k] += demand
            visits[k].append((job, "delivery"))
        else:
            trip[k] = np.maximum(trip[k], demand)
            visits[k] += [(job, "pickup"), (job, "delivery")]
        here[k], clock[k], used[k] = job.dest, leave[k], True
    routes = tuple(schedule_route(p, p.vehicles[k], vs) for k, vs in enumerate(visits) if vs)
    served = {s.job for r in routes for s in r.stops}
    unserved = tuple(Unserved(j.id, diagnose(p, j, True)) for j in p.jobs if j.id not in served)
    objective = objective_of(p, routes, unserved)
    missing = any(not j.optional for j in p.jobs if j.id not in served)
    return RoutingResult(
        Status.PARTIAL if missing else Status.FEASIBLE,
        routes,
        unserved,
        objective,
        sum(r.distance_m for r in routes),
        sum(r.end_s - r.start_s for r in routes),
        (LogEntry(time.monotonic() - started, objective),),
        "greedy",
    )
