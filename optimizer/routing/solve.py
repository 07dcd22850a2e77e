"""Vehicle routing with OR-Tools: pickup and delivery, multi-trip, CVRPTW (the search; the model is built in
``optimizer.routing.ortools_model``, and these two are the only modules importing pywrapcp).

Every job is a pickup node at its source and a delivery node at its destination (or only a delivery node when the
goods start on the vehicle), so one vehicle can reload at a depot and make several trips. Travel times, service,
loading and distances are folded into node-by-node matrices registered once per vehicle profile: no Python
callback per arc. Every job is droppable with a priority penalty, so infeasible input yields unserved jobs with
reasons, never an exception.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimizer.routing.ortools_model import Model
from optimizer.routing.problem import (
    Job,
    LogEntry,
    ProgressCallback,
    Route,
    RoutingProblem,
    RoutingResult,
    Status,
    StopFlag,
    Unserved,
)
from optimizer.routing.schedule import diagnose, objective_of, schedule_route

_NO_BAR = 2**62  # log every first plan
SEARCH_OVERRUN_S = 2.5  # OR-Tools' local search overran its limit by this at OVERRUN_AT_JOBS jobs
OVERRUN_AT_JOBS = 400
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
    "greedy": routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT,  # to the local optimum, then stop
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
    solution_limit: int | None = None  # stop after this many solutions (a deterministic work budget)
    engine: str = "race"  # "ortools" | "pyvrp" | "race" (plan_routes; solve_routes is always OR-Tools)
    polish_share: float = 0.15  # race: the last part of the budget, OR-Tools polishes the best plan
    vroom_share: float | None = (
        None  # race: VROOM's share of the budget; None = by the problem (engine._vroom_share)
    )
    vroom_exploration: int | None = None  # VROOM's exploration level 0-5; None = by size (5 up to 150 jobs)
    workers: int | None = (
        None  # race: races at once; None = every core this process may use (benchmarks pass 1)
    )
    deterministic: bool = True  # race: every step ends on a work budget (the clock is only a safety cap)
    pyvrp_prizes: bool = True  # PyVRP may leave any job out at its drop penalty (the objective OR-Tools has)
    pyvrp_start: str = (
        "warm"  # race: PyVRP "cold", "warm" from the best plan so far, "auto" = warm with pickups
    )
    seed: int = 1
    insertion_neighbors_ratio: float = (
        0.2  # above quick_first_above jobs, insertion looks at the nearest 20 %
    )
    quick_first_above: int = (
        100  # more pickup jobs: a fast local-insertion plan first (first plan within ~1 s)
    )
    stop: StopFlag | None = field(default=None, compare=False, repr=False)  # True: end the search now


def stopped(params: RoutingParams) -> bool:
    """The caller asked the search to stop (a cancelled job): no further step starts."""
    return params.stop is not None and params.stop()


def search_overrun_s(jobs: int) -> float:
    """How long OR-Tools' local search may run past its time limit: it finishes a neighbourhood scan before it
    looks at the clock (google/or-tools#1934), measured 2.5 s at 400 jobs (greedy descent, RC1_4_1: 22 s for
    20 s), growing as jobs². ``_solve_once`` takes it off the search's limit so that the call keeps its own."""
    return SEARCH_OVERRUN_S * (jobs / OVERRUN_AT_JOBS) ** 2


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
    elif params.solution_limit is not None:
        sp.solution_limit = params.solution_limit
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


def _routes_from(model: Model, solution: pywrapcp.Assignment) -> tuple[Route, ...]:
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


def _initial_assignment(model: Model, routes: tuple[Route, ...]) -> pywrapcp.Assignment | None:
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


def _watch(
    model: Model, params: RoutingParams, progress: ProgressCallback | None, started: float, bar: int
) -> list[LogEntry]:
    """The search's log (improving plans below ``bar``, also sent to ``progress``), filled by a solution
    callback; with ``params.stop`` the same callback ends the search when asked (several times a second under
    GLS: it runs at every accepted solution)."""
    log: list[LogEntry] = []

    def on_solution() -> None:
        if stopped(params):
            model.routing.CancelSearch()
        cost = int(model.routing.CostVar().Value())
        if cost >= (log[-1].objective if log else bar):
            return
        entry = LogEntry(time.monotonic() - started, cost)
        log.append(entry)
        if progress is not None:
            progress(entry)

    model.routing.AddAtSolutionCallback(on_solution)
    return log


def _solve_once(
    problem: RoutingProblem,
    params: RoutingParams,
    progress: ProgressCallback | None,
    started: float,
    bar: int,
    initial: tuple[Route, ...] | None = None,
) -> RoutingResult:
    """One OR-Tools search (from ``initial`` routes when given); log and progress get only plans below ``bar``.

    ``params.time_limit_s`` bounds the whole call: building the model (seconds for hundreds of nodes and vehicles),
    reading the initial routes and the local search's overrun (``search_overrun_s``; without initial routes at
    most half the time left, which also bounds OR-Tools' first plan) come out of the search's own limit."""
    called = time.monotonic()
    model = Model(problem)
    log = _watch(model, params, progress, started, bar)
    sp = _search_params(problem, params)
    start = None
    if initial is not None:
        model.routing.CloseModelWithParameters(sp)
        start = _initial_assignment(model, initial)
    left = params.time_limit_s - (time.monotonic() - called)
    overrun = 0.0 if params.first_solution_only else search_overrun_s(len(problem.jobs))
    if start is None:  # the limit also bounds the first plan: at least half of it stays for that
        overrun = min(overrun, left / 2)
    left_ms = int(1000 * (left - overrun))
    sp.time_limit.FromMilliseconds(max(1, left_ms))
    searching = time.monotonic()
    if start is not None:
        # a search whose limit ran out before it took the initial plan (a loaded machine, a limit of about nothing)
        # returns none: the initial plan stands, never an empty answer
        solution = model.routing.SolveFromAssignmentWithParameters(start, sp)
        solution = start if solution is None else solution
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
    # searched to its time limit: the clock ended it, not its solution limit or a local optimum (guided local search
    # always runs to its limit, and OR-Tools then reports success)
    clock = time.monotonic() - searching >= left_ms / 1000 - 0.01
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
        cut_by_clock=("ortools",) if clock else (),
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
    if stopped(params):
        return quick
    bar = quick.objective if quick.routes or not quick.unserved else _NO_BAR
    left = max(0.05, params.time_limit_s - (time.monotonic() - started))
    full = _solve_once(problem, replace(params, time_limit_s=left), progress, started, bar)
    best = full if full.objective < quick.objective and full.status is not Status.NO_SOLUTION else quick
    return replace(best, log=quick.log + full.log)
