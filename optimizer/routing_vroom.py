"""Third routing engine: VROOM (BSD-2, via pyvroom) behind the same problem and result types (issue 21).

The product's timing rule maps onto VROOM exactly for pickups: a depot's loading time is the pickup's *setup*
time, which VROOM charges only when the vehicle arrives from another location (once per depot visit); vehicles
start and end at copies of their depot location, so the first loading of a route is charged too; a pickup's
service may start at ready + loading at the earliest (exact if VROOM's window bounds the service start after the
setup, conservative if it bounds the setup start). Deliveries
carry their service time and deadline; jobs with goods on board are VROOM jobs with a delivery amount. VROOM
drops what it cannot serve (priorities: higher first). Used where ``supports`` holds (total objective, base
matrices, no vehicle restrictions, distance cost 1 per metre and no fixed costs, which is what VROOM minimises
here). The plan is re-timed by our rule and must pass ``check.verify`` before anyone uses it.
"""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
import vroom

from optimizer.routing_model import (
    Job,
    LogEntry,
    Objective,
    RoutingProblem,
    RoutingResult,
    Status,
    Unserved,
)
from optimizer.routing_schedule import diagnose, objective_of, schedule_route


def supports(p: RoutingProblem) -> bool:
    """True when VROOM's cost (the distance matrix) is our objective for this problem."""
    return (
        p.objective is Objective.TOTAL
        and bool(p.jobs)
        and bool(p.vehicles)
        and all(v.profile is None and v.distance_cost == 1 and v.fixed_cost == 0 for v in p.vehicles)
        and not any(j.vehicles for j in p.jobs)
        and len({j.penalty is None for j in p.jobs}) == 1
        and all(j.penalty is None for j in p.jobs)
    )


def solve_vroom(p: RoutingProblem, time_limit_s: float, exploration: int = 5) -> RoutingResult:
    """Solve with VROOM on one thread within ``time_limit_s`` (VROOM stops earlier when its search ends).

    Deterministic when the search ends before the time limit (VROOM's own exploration levels are fixed work).
    """
    started = time.monotonic()
    n = p.n_locations
    homes = sorted({v.start for v in p.vehicles} | {v.end for v in p.vehicles})
    where = np.array(list(range(n)) + homes, dtype=np.int64)
    home_ix = {h: n + k for k, h in enumerate(homes)}
    cap = np.iinfo(np.uint32).max // 4
    dur = np.minimum(np.asarray(p.duration_s, dtype=np.int64)[where[:, None], where[None, :]], cap)
    dist = np.minimum(np.asarray(p.distance_m, dtype=np.int64)[where[:, None], where[None, :]], cap)
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=dur.astype(np.uint32))
    inp.set_costs_matrix(profile="car", matrix_input=dist.astype(np.uint32))
    for k, v in enumerate(p.vehicles):
        late = min(p.horizon_s, v.available_from_s + v.max_duration_s)
        inp.add_vehicle(
            vroom.Vehicle(
                id=k,
                start=home_ix[v.start],
                end=home_ix[v.end],
                capacity=vroom.Amount(list(v.capacity)),
                time_window=vroom.TimeWindow(v.available_from_s, late),
            )
        )
    for k, j in enumerate(p.jobs):
        tw = [vroom.TimeWindow(j.window_start_s, min(j.deadline_s, p.horizon_s))]
        prio = min(100, j.priority)
        if j.source is None:
            inp.add_job(
                vroom.Job(
                    id=k,
                    location=j.dest,
                    delivery=vroom.Amount(list(j.demand)),
                    default_service=j.service_s,
                    time_windows=tw,
                    priority=prio,
                )
            )
        else:
            pick = vroom.ShipmentStep(
                id=k,
                location=j.source,
                default_setup=p.loading_s(j.source),
                time_windows=[vroom.TimeWindow(j.ready_s + p.loading_s(j.source), p.horizon_s)],
            )
            drop = vroom.ShipmentStep(id=k, location=j.dest, default_service=j.service_s, time_windows=tw)
            inp.add_shipment(pick, drop, amount=vroom.Amount(list(j.demand)), priority=prio)
    left = max(0.1, time_limit_s - (time.monotonic() - started))
    sol = inp.solve(exploration_level=exploration, nb_threads=1, timeout=timedelta(seconds=left))
    plans: dict[int, list[tuple[Job, str]]] = {}
    for row in sol.routes.itertuples():
        kind = str(row.type)
        if kind in ("job", "pickup", "delivery"):
            plans.setdefault(int(row.vehicle_id), []).append(
                (p.jobs[int(row.id)], "delivery" if kind == "job" else kind)
            )
    routes = tuple(schedule_route(p, p.vehicles[k], visits) for k, visits in sorted(plans.items()) if visits)
    served = {s.job for r in routes for s in r.stops}
    unserved = tuple(Unserved(j.id, diagnose(p, j, True)) for j in p.jobs if j.id not in served)
    objective = objective_of(p, routes, unserved)
    return RoutingResult(
        Status.PARTIAL if any(not j.optional for j in p.jobs if j.id not in served) else Status.FEASIBLE,
        routes,
        unserved,
        objective,
        sum(r.distance_m for r in routes),
        sum(r.end_s - r.start_s for r in routes),
        (LogEntry(time.monotonic() - started, objective),),
        "vroom",
    )
