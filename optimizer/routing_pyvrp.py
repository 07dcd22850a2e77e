"""Second routing engine: PyVRP (MIT, hybrid genetic search) behind the same problem and result types.

Used only where it can express the problem exactly or conservatively (``supports``): objective ``total``, one
travel profile, no per-job vehicle restrictions. Jobs with a source become PyVRP shipments, the others clients
delivered from the vehicle's start. PyVRP has no "load once per depot visit": each shipment pays the depot loading
time as pickup service, which is never shorter than our rule, so the visit order re-timed by our rule stays on
time. The re-timed plan must still pass ``check.verify`` before anyone uses it (the race does that).
"""

from __future__ import annotations

import time

import pyvrp
from pyvrp.stop import MaxRuntime

from optimizer.routing_model import (
    Job,
    LogEntry,
    Objective,
    RoutingProblem,
    RoutingResult,
    Status,
    Unserved,
    Vehicle,
    drop_penalty,
)
from optimizer.routing_schedule import diagnose, objective_of, schedule_route


def supports(p: RoutingProblem) -> bool:
    """True when PyVRP can take this problem (total objective, base matrices only, no vehicle restrictions)."""
    return (
        p.objective is Objective.TOTAL
        and all(v.profile is None for v in p.vehicles)
        and not any(j.vehicles for j in p.jobs)
        and bool(p.jobs)
        and bool(p.vehicles)
    )


def _vkey(p: RoutingProblem, v: Vehicle) -> tuple[int, ...]:
    late = min(p.horizon_s, v.available_from_s + v.max_duration_s)
    return (v.start, v.end, *v.capacity, v.available_from_s, late, v.distance_cost, v.fixed_cost)


def _model(p: RoutingProblem) -> tuple[pyvrp.Model, list[list[int]], list[Job], list[Job]]:
    m = pyvrp.Model()
    locs = [m.add_location(0, 0) for _ in range(p.n_locations)]
    depots: dict[int, pyvrp.Depot] = {}
    for v in p.vehicles:
        for loc in (v.start, v.end):
            if loc not in depots:
                depots[loc] = m.add_depot(locs[loc], tw_late=p.horizon_s)
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, v in enumerate(p.vehicles):
        groups.setdefault(_vkey(p, v), []).append(k)
    for members in groups.values():
        v = p.vehicles[members[0]]
        m.add_vehicle_type(
            len(members),
            capacity=list(v.capacity),
            start_depot=depots[v.start],
            end_depot=depots[v.end],
            fixed_cost=v.fixed_cost,
            tw_early=v.available_from_s,
            tw_late=min(p.horizon_s, v.available_from_s + v.max_duration_s),
            unit_distance_cost=v.distance_cost,
        )
    clients: list[Job] = []
    shipments: list[Job] = []
    for j in p.jobs:
        prize = drop_penalty(j) if j.optional else 0
        deadline = min(j.deadline_s, p.horizon_s)
        if j.source is None:
            m.add_client(locs[j.dest], delivery=list(j.demand), service_duration=j.service_s,
                         tw_early=j.window_start_s, tw_late=deadline, required=not j.optional, prize=prize)  # fmt: skip
            clients.append(j)
        else:
            m.add_shipment(locs[j.source], locs[j.dest], pickup_tw_early=j.ready_s,
                           pickup_service_duration=p.loading_s(j.source), delivery_tw_early=j.window_start_s,
                           delivery_tw_late=deadline, delivery_service_duration=j.service_s,
                           amount=list(j.demand), required=not j.optional, prize=prize)  # fmt: skip
            shipments.append(j)
    for a in range(p.n_locations):
        for b in range(p.n_locations):
            if a != b:
                m.add_edge(locs[a], locs[b], distance=p.distance_m[a][b], duration=p.duration_s[a][b])
    return m, list(groups.values()), clients, shipments


def solve_pyvrp(p: RoutingProblem, time_limit_s: float, seed: int = 1) -> RoutingResult:
    """Solve with PyVRP within ``time_limit_s`` (model building included); needs ``supports(p)``.

    Parameters
    ----------
    p : RoutingProblem
        A problem PyVRP can take (see ``supports``).
    time_limit_s : float
        Wall-clock budget, model building included.
    seed : int
        PyVRP random seed.

    Returns
    -------
    RoutingResult
        Re-timed by our timing rule; ``NO_SOLUTION`` when PyVRP's best plan is infeasible.
    """
    started = time.monotonic()
    m, groups, clients, shipments = _model(p)
    left = max(0.05, time_limit_s - (time.monotonic() - started))
    best = m.solve(MaxRuntime(left), seed=seed, display=False).best
    elapsed = time.monotonic() - started
    if not best.is_feasible():
        unserved = tuple(Unserved(j.id, diagnose(p, j, False)) for j in p.jobs)
        return RoutingResult(
            Status.NO_SOLUTION, (), unserved, objective_of(p, (), unserved), 0, 0, (), "pyvrp"
        )
    taken: dict[int, int] = {}
    routes = []
    for route in best.routes():
        vt = route.vehicle_type()
        k = groups[vt][taken.get(vt, 0)]
        taken[vt] = taken.get(vt, 0) + 1
        visits: list[tuple[Job, str]] = []
        for act in route.schedule():
            kind = act.type.name
            if kind == "CLIENT":
                visits.append((clients[act.idx], "delivery"))
            elif kind in ("PICKUP", "DELIVERY"):
                visits.append((shipments[act.idx], kind.lower()))
        routes.append(schedule_route(p, p.vehicles[k], visits))
    routes.sort(key=lambda r: [v.id for v in p.vehicles].index(r.vehicle))
    served = {s.job for r in routes for s in r.stops}
    unserved = tuple(Unserved(j.id, diagnose(p, j, True)) for j in p.jobs if j.id not in served)
    objective = objective_of(p, tuple(routes), unserved)
    missing = any(not j.optional for j in p.jobs if j.id not in served)
    return RoutingResult(
        Status.PARTIAL if missing else Status.FEASIBLE,
        tuple(routes),
        unserved,
        objective,
        sum(r.distance_m for r in routes),
        sum(r.end_s - r.start_s for r in routes),
        (LogEntry(elapsed, objective),),
        "pyvrp",
    )
