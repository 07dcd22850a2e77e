"""Peer solvers (PyVRP 0.14, VROOM via pyvroom 1.15) on a RoutingProblem, converted back to our RoutingResult.

Peers' visit orders are re-timed with our timing rule and then verified by ``optimizer.routing.check.verify``, so every
solver is judged by the same checker. Peers get the problem as their APIs naturally express it: no "loading once
per depot visit", so each shipment pays the depot loading time as pickup service (conservative: on the tightly
timed county instances this can leave them without a feasible plan). Our own PyVRP engine
(``optimizer.routing.pyvrp_engine``) models the loading rule exactly; ``bench.vrp_bench`` reports it alone as
``pyvrp-ours``. Every peer runs single-threaded.

``solve_pyvrp`` and ``solve_vroom`` (above) are the issue-5 peers of ``bench.vrp_bench``: on pickup problems they
solve another model than the product's. ``pyvrp_alone`` and ``vroom_same_model`` (issue 21, used by
``bench.vrp_family_bench``) solve the product's own model (loading once per depot visit, drop penalties priced);
their plans are costed by ``bench.vrp_eval``.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import numpy as np
import pyvrp
import vroom
from pyvrp import PenaltyParams
from pyvrp.solve import SolveParams

from optimizer.routing import pyvrp_engine as routing_pyvrp
from optimizer.routing import vroom_engine
from optimizer.routing.problem import (
    Job,
    RoutingProblem,
    RoutingResult,
    drop_penalty,
)
from optimizer.routing.pyvrp_engine import ModelParts
from optimizer.routing.schedule import plan_result, schedule_route

__all__ = ["pyvrp_alone", "solve_pyvrp", "solve_vroom", "vroom_same_model"]


def _result(
    p: RoutingProblem, plans: dict[int, list[tuple[Job, str]]], engine: str, elapsed: float
) -> RoutingResult:
    routes = tuple(schedule_route(p, p.vehicles[k], visits) for k, visits in sorted(plans.items()) if visits)
    return plan_result(p, routes, elapsed, engine)


def _natural_model(p: RoutingProblem) -> ModelParts:
    """PyVRP's natural shipment model, as a user of PyVRP would write it: vehicles start at the pickup
    locations themselves and every shipment pays the depot loading time as pickup service (no "load once per
    depot visit"; conservative, like VROOM here)."""
    m = pyvrp.Model()
    locs = [m.add_location(0, 0) for _ in range(p.n_locations)]
    depots: dict[int, pyvrp.Depot] = {}
    for v in p.vehicles:
        for loc in (v.start, v.end):
            if loc not in depots:
                depots[loc] = m.add_depot(locs[loc], tw_late=p.horizon_s)
    groups = routing_pyvrp.vehicle_types(p, m, depots)
    clients: list[Job] = []
    shipments: list[Job] = []
    for j in (j for j in p.jobs if not p.window_closed(j)):  # as the product: an empty window is never served
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
    return m, groups, clients, shipments


def solve_pyvrp(p: RoutingProblem, time_limit_s: float, seed: int = 1) -> RoutingResult:
    """PyVRP (one thread) on its natural model with its default parameters; the plan is re-timed by our rule
    like every peer's."""
    return routing_pyvrp.solve_pyvrp(p, time_limit_s, seed, build=_natural_model, params=SolveParams())


def solve_vroom(p: RoutingProblem, time_limit_s: float, exploration: int = 5) -> RoutingResult:
    """VROOM (one thread) with durations and distance-based costs."""
    started = time.monotonic()
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=np.array(p.duration_s, dtype=np.uint32))
    costs = np.array(p.distance_m, dtype=np.int64) * p.vehicles[0].distance_cost
    inp.set_costs_matrix(profile="car", matrix_input=costs.astype(np.uint32))
    for k, v in enumerate(p.vehicles):
        late = min(p.horizon_s, v.available_from_s + v.max_duration_s)
        inp.add_vehicle(vroom.Vehicle(id=k, start=v.start, end=v.end, capacity=vroom.Amount(list(v.capacity)),
                                      time_window=vroom.TimeWindow(v.available_from_s, late)))  # fmt: skip
    for k, j in enumerate(p.jobs):
        tw = [vroom.TimeWindow(j.window_start_s, j.deadline_s)]
        prio = min(100, j.priority)
        if j.source is None:
            inp.add_job(vroom.Job(id=k, location=j.dest, delivery=vroom.Amount(list(j.demand)),
                                  default_service=j.service_s, time_windows=tw, priority=prio))  # fmt: skip
        else:
            pick = vroom.ShipmentStep(id=k, location=j.source, default_service=p.loading_s(j.source),
                                      time_windows=[vroom.TimeWindow(j.ready_s, p.horizon_s)])  # fmt: skip
            drop = vroom.ShipmentStep(id=k, location=j.dest, default_service=j.service_s, time_windows=tw)
            inp.add_shipment(pick, drop, amount=vroom.Amount(list(j.demand)), priority=prio)
    left = max(0.1, time_limit_s - (time.monotonic() - started))
    sol = inp.solve(exploration_level=exploration, nb_threads=1, timeout=timedelta(seconds=left))
    plans = vroom_engine.visits_of(p, sol)
    return _result(p, plans, "vroom", time.monotonic() - started)


PeerPlan = dict[str, list[tuple[str, str]]]  # vehicle id -> (job id, kind) visits, for bench.vrp_eval


def pyvrp_alone(p: RoutingProblem, time_limit_s: float, seed: int = 1) -> RoutingResult:
    """PyVRP alone on the product's cost model (issue 21): the product's exact PyVRP model (loading once per depot
    visit folded into the travel times), every job prize-collecting with its drop penalty as prize (the cost model
    prices a dropped job, so a PyVRP user would model it so), PyVRP's default search with the penalty bound raised
    above the prizes (with the default bound of 100 000 PyVRP found no feasible plan on short-fleet instances:
    serving everyone late looked cheaper than dropping a job). One thread, ``time_limit_s`` wall, model included."""
    optional = dataclasses.replace(p, jobs=tuple(dataclasses.replace(j, optional=True) for j in p.jobs))
    params = SolveParams(penalty=PenaltyParams(max_penalty=1e9))
    return routing_pyvrp.solve_pyvrp(optional, time_limit_s, seed, params=params)


def vroom_same_model(p: RoutingProblem, time_limit_s: float, exploration: int = 5) -> tuple[PeerPlan, float]:
    """VROOM alone (one thread, exploration 5, timeout = the limit) on the product's cost model (issue 21): the
    product's own VROOM model (``optimizer.routing.vroom_engine``: loading as VROOM's setup time, charged once per
    depot visit; vehicles start and end at copies of their depot; drop penalties ranked into VROOM priorities).
    Returns the visit plan and the wall time."""
    started = time.monotonic()
    result = vroom_engine.solve_vroom(p, time_limit_s, exploration)
    plan: PeerPlan = {r.vehicle: [(s.job, s.kind) for s in r.stops] for r in result.routes}
    return plan, time.monotonic() - started
