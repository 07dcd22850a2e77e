"""Vehicle routing with OR-Tools (the only module importing pywrapcp): pickup and delivery, multi-trip, CVRPTW.

Every job is a pickup node at its source and a delivery node at its destination (or only a delivery node when the
goods start on the vehicle), so one vehicle can reload at a depot and make several trips. Travel times, service,
loading and distances are folded into node-by-node matrices registered once per vehicle profile: no Python
callback per arc. Every job is droppable with a priority penalty, so infeasible input yields unserved jobs with
reasons, never an exception.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer.routing_model import (
    UNREACHABLE,
    Job,
    LogEntry,
    Objective,
    ProgressCallback,
    Route,
    RoutingProblem,
    RoutingResult,
    Status,
    Unserved,
    Vehicle,
    drop_penalty,
)
from optimizer.routing_schedule import diagnose, objective_of, schedule_route

_NO_BAR = 2**62  # log every first plan
MAKESPAN_WEIGHT = 1000  # solver weight of one second of makespan (distance in metres is the tie-break)
FIRST_SOLUTION = {
    "auto": None,
    "path_cheapest_arc": routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC,
    "parallel_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION,
    "local_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION,
    "savings": routing_enums_pb2.FirstSolutionStrategy.SAVINGS,
    "christofides": routing_enums_pb2.FirstSolutionStrategy.CHRISTOFIDES,
    "sequential_cheapest_insertion": routing_enums_pb2.FirstSolutionStrategy.SEQUENTIAL_CHEAPEST_INSERTION,
    "local_cheapest_cost_insertion": routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_COST_INSERTION,
    "global_cheapest_arc": routing_enums_pb2.FirstSolutionStrategy.GLOBAL_CHEAPEST_ARC,
    "automatic": routing_enums_pb2.FirstSolutionStrategy.AUTOMATIC,
}
METAHEURISTIC = {
    "gls": routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH,
    "sa": routing_enums_pb2.LocalSearchMetaheuristic.SIMULATED_ANNEALING,
    "tabu": routing_enums_pb2.LocalSearchMetaheuristic.TABU_SEARCH,
}


@dataclass(frozen=True, slots=True)
class RoutingParams:
    """Search settings; ``time_limit_s`` is always applied (OR-Tools' default is unlimited)."""

    time_limit_s: float = 10.0
    first_solution: str = "auto"
    metaheuristic: str = "gls"
    gls_lambda: float | None = None  # guided_local_search_lambda_coefficient; None = OR-Tools default
    full_propagation: bool = False
    first_solution_only: bool = False
    engine: str = "race"  # "ortools" | "pyvrp" | "race" (plan_routes; solve_routes is always OR-Tools)
    give_up_share: float = 0.3  # race: PyVRP with no feasible plan by then restarts from OR-Tools' plan
    cold_attempts: int = 2  # race: PyVRP cold starts (seed, seed + 1) before the warm restart
    polish_share: float = 0.15  # race: the last part of the budget, OR-Tools polishes the best plan
    seed: int = 1
    insertion_neighbors_ratio: float = (
        0.2  # above quick_first_above jobs, insertion looks at the nearest 20 %
    )
    quick_first_above: int = (
        100  # more pickup jobs: a fast local-insertion plan first (first plan within ~1 s)
    )


@dataclass(frozen=True, slots=True)
class _Nodes:
    """Solver node layout: 0..V-1 starts, V..2V-1 ends, then per job [pickup,] delivery."""

    loc: np.ndarray
    service: np.ndarray
    is_pickup: np.ndarray
    pickup: tuple[int | None, ...]  # per job
    delivery: tuple[int, ...]  # per job
    job_of: tuple[int, ...]  # per node (-1 for starts/ends)


def _layout(p: RoutingProblem) -> _Nodes:
    nv = len(p.vehicles)
    loc = [v.start for v in p.vehicles] + [v.end for v in p.vehicles]
    service, is_pickup, job_of = [0] * (2 * nv), [False] * (2 * nv), [-1] * (2 * nv)
    pickups: list[int | None] = []
    deliveries: list[int] = []
    for k, job in enumerate(p.jobs):
        if job.source is not None:
            pickups.append(len(loc))
            loc.append(job.source)
            service.append(0)
            is_pickup.append(True)
            job_of.append(k)
        else:
            pickups.append(None)
        deliveries.append(len(loc))
        loc.append(job.dest)
        service.append(job.service_s)
        is_pickup.append(False)
        job_of.append(k)
    return _Nodes(
        np.array(loc, dtype=np.int64),
        np.array(service, dtype=np.int64),
        np.array(is_pickup, dtype=bool),
        tuple(pickups),
        tuple(deliveries),
        tuple(job_of),
    )


def _time_matrix(p: RoutingProblem, nodes: _Nodes, duration: np.ndarray) -> list[list[int]]:
    """service(i) + travel(i, j) + loading when j starts a pickup visit; unreachable arcs exceed the horizon."""
    loc = nodes.loc
    travel = duration[loc[:, None], loc[None, :]]
    loading = np.array([p.loading_s(int(x)) for x in loc], dtype=np.int64)
    same_visit = nodes.is_pickup[:, None] & (loc[:, None] == loc[None, :])
    charge = np.where(nodes.is_pickup[None, :] & ~same_visit, loading[None, :], 0)
    t = nodes.service[:, None] + travel + charge
    t[travel >= UNREACHABLE] = p.horizon_s + 1
    return t.tolist()  # type: ignore[no-any-return]


def _cost_matrix(nodes: _Nodes, distance: np.ndarray, per_metre: int) -> list[list[int]]:
    loc = nodes.loc
    d = distance[loc[:, None], loc[None, :]]
    c = np.where(d >= UNREACHABLE, UNREACHABLE, d * per_metre)
    return c.tolist()  # type: ignore[no-any-return]


def _profile_key(v: Vehicle) -> int:
    return -1 if v.profile is None else v.profile


class _Model:
    """Builds the OR-Tools model in the fixed order: manager, model, transits, costs, dimensions, disjunctions."""

    def __init__(self, p: RoutingProblem) -> None:
        self.p = p
        self.nodes = _layout(p)
        nv = len(p.vehicles)
        self.manager = pywrapcp.RoutingIndexManager(
            len(self.nodes.loc), nv, list(range(nv)), list(range(nv, 2 * nv))
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._arc_costs()
        self.time = self._time_dimension()
        self._load_dimensions()
        self._jobs()

    def _arc_costs(self) -> None:
        p, r = self.p, self.routing
        cbs: dict[tuple[int, int], int] = {}
        for k, v in enumerate(p.vehicles):
            key = (_profile_key(v), v.distance_cost)
            if key not in cbs:
                dist = np.array(p.travel(v).distance_m, dtype=np.int64)
                cbs[key] = r.RegisterTransitMatrix(_cost_matrix(self.nodes, dist, v.distance_cost))
            r.SetArcCostEvaluatorOfVehicle(cbs[key], k)
            r.SetFixedCostOfVehicle(v.fixed_cost, k)

    def _time_dimension(self) -> pywrapcp.RoutingDimension:
        p, r = self.p, self.routing
        cbs: dict[int, int] = {}
        for v in p.vehicles:
            key = _profile_key(v)
            if key not in cbs:
                dur = np.array(p.travel(v).duration_s, dtype=np.int64)
                cbs[key] = r.RegisterTransitMatrix(_time_matrix(p, self.nodes, dur))
        r.AddDimensionWithVehicleTransits(
            [cbs[_profile_key(v)] for v in p.vehicles],
            p.horizon_s,  # waiting allowed up to the horizon
            p.horizon_s,  # time never exceeds the horizon
            False,  # starts are set per vehicle below
            "Time",
        )
        dim = r.GetDimensionOrDie("Time")
        for k, v in enumerate(p.vehicles):
            start = min(v.available_from_s, p.horizon_s)
            dim.CumulVar(r.Start(k)).SetRange(start, start)
            dim.CumulVar(r.End(k)).SetMax(min(p.horizon_s, start + v.max_duration_s))
        if p.objective is Objective.MAKESPAN:
            dim.SetGlobalSpanCostCoefficient(MAKESPAN_WEIGHT)
        return dim

    def _load_dimensions(self) -> None:
        p, r, nodes = self.p, self.routing, self.nodes
        pure = all(j.source is None for j in p.jobs)  # CVRPTW: count delivered so far, start at 0
        for d, name in enumerate(p.dimensions):
            vec = [0] * len(nodes.loc)
            for k, job in enumerate(p.jobs):
                pk = nodes.pickup[k]
                if pk is not None:
                    vec[pk] = job.demand[d]
                vec[nodes.delivery[k]] = job.demand[d] if pure else -job.demand[d]
            cb = r.RegisterUnaryTransitVector(vec)
            r.AddDimensionWithVehicleCapacity(
                cb,
                0,  # no slack
                [v.capacity[d] for v in p.vehicles],
                pure,  # pure CVRPTW starts empty; otherwise the start load is what is on board
                f"Load_{name}",
            )
            if not pure:
                dim = r.GetDimensionOrDie(f"Load_{name}")
                for k in range(len(p.vehicles)):
                    dim.CumulVar(r.End(k)).SetRange(0, 0)

    def _jobs(self) -> None:
        p, r, m, nodes = self.p, self.routing, self.manager, self.nodes
        weight = MAKESPAN_WEIGHT if p.objective is Objective.MAKESPAN else 1
        for k, job in enumerate(p.jobs):
            d = m.NodeToIndex(nodes.delivery[k])
            self.time.CumulVar(d).SetRange(
                min(job.window_start_s, p.horizon_s), min(job.deadline_s, p.horizon_s)
            )
            indices = [d]
            pk = nodes.pickup[k]
            if pk is not None:
                pi = m.NodeToIndex(pk)
                earliest = job.ready_s + p.loading_s(job.source if job.source is not None else -1)
                self.time.CumulVar(pi).SetMin(min(earliest, p.horizon_s))
                r.AddPickupAndDelivery(pi, d)  # same route, pickup first (the time order follows)
                r.AddDisjunction([pi], drop_penalty(job) * weight)
                r.AddDisjunction([d], 0)  # pairing makes it follow its pickup
                indices.append(pi)
            else:
                r.AddDisjunction([d], drop_penalty(job) * weight)
            if job.vehicles:  # SetAllowedVehiclesForIndex's Span argument is unusable from Python 9.15
                for idx in indices:
                    r.VehicleVar(idx).SetValues([-1, *job.vehicles])  # -1: unperformed


def _has_pickups(p: RoutingProblem) -> bool:
    return any(j.source is not None for j in p.jobs)


def _search_params(p: RoutingProblem, params: RoutingParams) -> pywrapcp.DefaultRoutingSearchParameters:
    sp = pywrapcp.DefaultRoutingSearchParameters()
    fs = FIRST_SOLUTION[params.first_solution]
    if fs is None:
        # measured on county instances: parallel insertion gives 10-25 % better plans at 10 s than local
        # cheapest insertion; limiting it to the nearest 20 % of nodes halves its time for a ~2 % worse start
        fs = FIRST_SOLUTION["parallel_cheapest_insertion" if _has_pickups(p) else "path_cheapest_arc"]
    sp.first_solution_strategy = fs
    big = len(p.jobs) > params.quick_first_above
    sp.global_cheapest_insertion_first_solution_parameters.neighbors_ratio = (
        params.insertion_neighbors_ratio if big else 1.0
    )
    sp.global_cheapest_insertion_first_solution_parameters.min_neighbors = 10
    if not params.first_solution_only:
        sp.local_search_metaheuristic = METAHEURISTIC[params.metaheuristic]
    if params.gls_lambda is not None:
        sp.guided_local_search_lambda_coefficient = params.gls_lambda
    sp.use_full_propagation = params.full_propagation
    sp.time_limit.FromMilliseconds(max(1, int(params.time_limit_s * 1000)))
    if params.first_solution_only:
        sp.solution_limit = 1
    return sp


def _unserved_all(p: RoutingProblem, solved: bool) -> tuple[Unserved, ...]:
    return tuple(Unserved(j.id, diagnose(p, j, solved)) for j in p.jobs)


def _empty_result(p: RoutingProblem, started: float) -> RoutingResult:
    unserved = _unserved_all(p, solved=True)
    status = Status.OPTIMAL if not unserved else Status.PARTIAL
    objective = objective_of(p, (), unserved)
    return RoutingResult(
        status, (), unserved, objective, 0, 0, (LogEntry(time.monotonic() - started, objective),)
    )


def _routes_from(model: _Model, solution: pywrapcp.Assignment) -> tuple[Route, ...]:
    p, r, m, nodes = model.p, model.routing, model.manager, model.nodes
    routes = []
    for k, v in enumerate(p.vehicles):
        idx = solution.Value(r.NextVar(r.Start(k)))
        visits: list[tuple[Job, str]] = []
        while not r.IsEnd(idx):
            node = m.IndexToNode(idx)
            job = p.jobs[nodes.job_of[node]]
            visits.append((job, "pickup" if nodes.is_pickup[node] else "delivery"))
            idx = solution.Value(r.NextVar(idx))
        if visits:
            routes.append(schedule_route(p, v, visits))
    return tuple(routes)


def _initial_assignment(model: _Model, routes: tuple[Route, ...]) -> pywrapcp.Assignment | None:
    """Another engine's plan as OR-Tools' first solution (None if the model rejects it)."""
    p, nodes, m = model.p, model.nodes, model.manager
    job_ix = {j.id: k for k, j in enumerate(p.jobs)}
    veh_ix = {v.id: k for k, v in enumerate(p.vehicles)}
    per_vehicle: list[list[int]] = [[] for _ in p.vehicles]
    for r in routes:
        for s in r.stops:
            k = job_ix[s.job]
            node = nodes.pickup[k] if s.kind == "pickup" else nodes.delivery[k]
            if node is None:
                return None
            per_vehicle[veh_ix[r.vehicle]].append(m.NodeToIndex(node))
    assignment: pywrapcp.Assignment | None = model.routing.ReadAssignmentFromRoutes(per_vehicle, True)
    return assignment


def _solve_once(
    problem: RoutingProblem,
    params: RoutingParams,
    progress: ProgressCallback | None,
    started: float,
    bar: int,
    initial: tuple[Route, ...] | None = None,
) -> RoutingResult:
    """One OR-Tools search (from ``initial`` routes when given); log and progress get only plans below ``bar``."""
    model = _Model(problem)
    log: list[LogEntry] = []

    def on_solution() -> None:
        cost = int(model.routing.CostVar().Value())
        if cost >= (log[-1].objective if log else bar):
            return
        entry = LogEntry(time.monotonic() - started, cost)
        log.append(entry)
        if progress is not None:
            progress(entry)

    model.routing.AddAtSolutionCallback(on_solution)
    sp = _search_params(problem, params)
    start = None
    if initial is not None:
        model.routing.CloseModelWithParameters(sp)
        start = _initial_assignment(model, initial)
    if start is not None:
        solution = model.routing.SolveFromAssignmentWithParameters(start, sp)
    else:
        solution = model.routing.SolveWithParameters(sp)
    if solution is None:
        unserved = _unserved_all(problem, solved=False)
        objective = objective_of(problem, (), unserved)
        return RoutingResult(Status.NO_SOLUTION, (), unserved, objective, 0, 0, tuple(log))
    routes = _routes_from(model, solution)
    served = {s.job for rt in routes for s in rt.stops}
    # stopped by the time limit before a local optimum: a droppable-but-servable job is a timeout, not capacity
    settled = (
        model.routing.status()
        != routing_enums_pb2.RoutingSearchStatus.ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED
    )
    unserved = tuple(
        Unserved(j.id, diagnose(problem, j, settled)) for j in problem.jobs if j.id not in served
    )
    objective = objective_of(problem, routes, unserved)
    if not log and objective < bar:
        log.append(LogEntry(time.monotonic() - started, objective))
    required_missing = any(not j.optional for j in problem.jobs if j.id not in served)
    return RoutingResult(
        Status.PARTIAL if required_missing else Status.FEASIBLE,
        routes,
        unserved,
        objective,
        sum(rt.distance_m for rt in routes),
        sum(rt.end_s - rt.start_s for rt in routes),
        tuple(log),
    )


def solve_routes(
    problem: RoutingProblem,
    params: RoutingParams | None = None,
    progress: ProgressCallback | None = None,
    initial: tuple[Route, ...] | None = None,
) -> RoutingResult:
    """Plan routes for every job that can be served; never raises on infeasible input.

    Large pickup-and-delivery problems first get a quick local-insertion plan (shown at once through
    ``progress``), then the full search runs for the rest of the time limit; the better plan is returned.

    Parameters
    ----------
    problem : RoutingProblem
        Integer matrices, jobs, depots, vehicles and the objective (``total`` or ``makespan``).
    params : RoutingParams, optional
        Search settings; the time limit is always applied.
    progress : callable, optional
        Called with a ``LogEntry`` each time the search finds a better plan (for a progress indicator).
    initial : tuple of Route, optional
        A plan to start the local search from (e.g. PyVRP's, to polish it under OR-Tools' neighbourhoods).

    Returns
    -------
    RoutingResult
        Routes with timed stops and loads, unserved jobs with reasons, objective and totals, search log.
    """
    params = params or RoutingParams()
    started = time.monotonic()
    if not problem.jobs or not problem.vehicles:
        return _empty_result(problem, started)
    if initial is not None:
        return _solve_once(problem, params, progress, started, _NO_BAR, initial)
    quick_first = (
        params.first_solution == "auto"
        and not params.first_solution_only
        and _has_pickups(problem)
        and len(problem.jobs) > params.quick_first_above
    )
    if not quick_first:
        return _solve_once(problem, params, progress, started, _NO_BAR)
    quick_params = replace(
        params,
        first_solution="local_cheapest_insertion",
        first_solution_only=True,
        time_limit_s=params.time_limit_s / 3,
    )
    quick = _solve_once(problem, quick_params, progress, started, _NO_BAR)
    bar = quick.objective if quick.routes or not quick.unserved else _NO_BAR
    left = max(0.05, params.time_limit_s - (time.monotonic() - started))
    full = _solve_once(problem, replace(params, time_limit_s=left), progress, started, bar)
    best = full if full.objective < quick.objective and full.status is not Status.NO_SOLUTION else quick
    return replace(best, log=quick.log + full.log)
