"""Second routing engine: PyVRP (MIT, hybrid genetic search) behind the same problem and result types.

Used only where it can express the problem exactly or conservatively (``supports``): objective ``total``, one
travel profile, no per-job vehicle restrictions. Jobs with a source become PyVRP shipments, the others clients
delivered from the vehicle's start. PyVRP has no "load once per depot visit"; the model gets it exactly by moving
the loading time into the travel time: every arrival at a pickup location from another place (or from a vehicle's
start there) costs the depot's loading time, consecutive pickups at the same place cost nothing, and a pickup
"happens" when loading ends (``ready + loading`` at the earliest). Vehicles start and end at separate copies of
their depot location, so returning home costs no loading. The plan is re-timed by our rule and must still pass
``check.verify`` before anyone uses it (the race does that).
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Callable

import pyvrp
from pyvrp import Activity, ActivityType, PenaltyManager, PenaltyParams, RandomNumberGenerator
from pyvrp.IteratedLocalSearch import IteratedLocalSearch, IteratedLocalSearchParams
from pyvrp.search import LocalSearch, PerturbationManager, PerturbationParams, compute_neighbours
from pyvrp.solve import SolveParams

from optimizer.routing.budget import pyvrp_work_s
from optimizer.routing.problem import (
    Job,
    LogEntry,
    Objective,
    ProgressCallback,
    Route,
    RoutingProblem,
    RoutingResult,
    Status,
    StopFlag,
    Unserved,
    Vehicle,
    drop_penalty,
)
from optimizer.routing.schedule import diagnose, objective_of, plan_result, schedule_route


def supports(p: RoutingProblem) -> bool:
    """True when PyVRP can take this problem (total objective, base matrices only, no vehicle restrictions)."""
    return (
        p.objective is Objective.TOTAL
        and all(v.profile is None for v in p.vehicles)
        and not any(j.vehicles for j in p.jobs)
        and bool(p.jobs)
        and any(not p.vehicle_idle(v) for v in p.vehicles)
    )


def _vkey(p: RoutingProblem, v: Vehicle) -> tuple[int, ...]:
    late = min(p.horizon_s, v.available_from_s + v.max_duration_s)
    return (v.start, v.end, *v.capacity, v.available_from_s, late, v.distance_cost, v.fixed_cost)


def vehicle_types(p: RoutingProblem, m: pyvrp.Model, depots: dict[int, pyvrp.Depot]) -> list[list[int]]:
    """One PyVRP vehicle type per group of identical vehicles; returns the vehicle indices of each type."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, v in enumerate(p.vehicles):
        if not p.vehicle_idle(v):  # PyVRP refuses a vehicle available only after the horizon
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
    return list(groups.values())


ModelParts = tuple[
    pyvrp.Model, list[list[int]], list[Job], list[Job]
]  # model, vehicle groups, clients, shipments


def _model(p: RoutingProblem, prizes: bool = False) -> ModelParts:
    """The product's model; ``prizes``: every job may be left out at its drop penalty (the product's objective),
    else only the optional ones (the others are required)."""
    m = pyvrp.Model()
    locs = [m.add_location(0, 0) for _ in range(p.n_locations)]  # deliveries and pickups
    homes = sorted({v.start for v in p.vehicles} | {v.end for v in p.vehicles})
    home_locs = {h: m.add_location(0, 0) for h in homes}  # vehicles start and end here
    depots = {h: m.add_depot(home_locs[h], tw_late=p.horizon_s) for h in homes}
    groups = vehicle_types(p, m, depots)
    clients: list[Job] = []
    shipments: list[Job] = []
    for j in (j for j in p.jobs if not p.window_closed(j)):  # PyVRP refuses an empty window: left unserved
        droppable = j.optional or prizes
        prize = drop_penalty(j) if droppable else 0
        deadline = min(j.deadline_s, p.horizon_s)
        if j.source is None:
            m.add_client(locs[j.dest], delivery=list(j.demand), service_duration=j.service_s,
                         tw_early=j.window_start_s, tw_late=deadline, required=not droppable, prize=prize)  # fmt: skip
            clients.append(j)
        else:
            m.add_shipment(locs[j.source], locs[j.dest], pickup_tw_early=j.ready_s + p.loading_s(j.source),
                           delivery_tw_early=j.window_start_s, delivery_tw_late=deadline,
                           delivery_service_duration=j.service_s, amount=list(j.demand),
                           required=not droppable, prize=prize)  # fmt: skip
            shipments.append(j)
    _edges(p, m, locs, home_locs, {j.source for j in shipments if j.source is not None})
    return m, groups, clients, shipments


def _edges(
    p: RoutingProblem,
    m: pyvrp.Model,
    locs: list[pyvrp.Location],
    home_locs: dict[int, pyvrp.Location],
    pickup_at: set[int],
) -> None:
    """Travel edges; arriving at a pickup place from elsewhere (or from a home depot there) adds its loading."""
    nodes = [(loc, a, False) for a, loc in enumerate(locs)] + [(loc, h, True) for h, loc in home_locs.items()]
    dist, dur = p.distance_m, p.duration_s
    loading = {a: p.loading_s(a) for a in pickup_at}
    for frm, a, a_home in nodes:
        for to, b, b_home in nodes:
            if frm is to:
                continue
            extra = loading[b] if b in loading and not b_home and (a != b or a_home) else 0
            m.add_edge(frm, to, distance=dist[a][b], duration=dur[a][b] + extra)


PRIZE_PENALTY_BOUND = (
    1e9  # above any drop penalty: serving a job late must never look cheaper than dropping it
)


def solve_params(p: RoutingProblem, prizes: bool = False) -> SolveParams:
    """PyVRP's defaults for plain deliveries; a greedier search for pickup-and-delivery.

    On the county pickup-and-delivery instances a late-acceptance history of 20 (default 300) and at most 10
    perturbations per iteration (default 25) found a feasible plan from every seed tried and shortened the
    plans by 12-15 % at 8 s (bench/RESULTS.md); on Solomon, Homberger and X the defaults stay better.
    """
    penalty = PenaltyParams(max_penalty=PRIZE_PENALTY_BOUND) if prizes else PenaltyParams()
    if not any(j.source is not None for j in p.jobs):
        return SolveParams(penalty=penalty)
    return SolveParams(
        ils=IteratedLocalSearchParams(history_length=20),
        perturbation=PerturbationParams(min_perturbations=1, max_perturbations=10),
        penalty=penalty,
    )


_INFEASIBLE = 2**62  # PyVRP reports an infeasible best solution with the largest int64 as its cost


@dataclasses.dataclass
class _WorkCount:
    """The work PyVRP's search has done: the move evaluations counted over every call of its local search (PyVRP's
    own statistics cover only the last call), priced with the iterations on the work clock ``budget.pyvrp_work_s``."""

    jobs: int
    shipments: bool
    moves: int = 0

    def work_s(self, iterations: int) -> float:
        return pyvrp_work_s(self.moves, iterations, self.jobs, self.shipments)


class _CountedSearch:
    """PyVRP's local search, its move evaluations added to ``count`` on every call."""

    def __init__(self, ls: LocalSearch, count: _WorkCount) -> None:
        self.ls, self.count = ls, count

    def __call__(
        self, solution: pyvrp.Solution, cost_evaluator: pyvrp.CostEvaluator, exhaustive: bool = False
    ) -> pyvrp.Solution:
        found = self.ls(solution, cost_evaluator, exhaustive=exhaustive)
        self.count.moves += self.ls.statistics.num_moves
        return found


class _Stop:
    """Stopping rule: the time budget, the work budget or the caller's stop; reports improvements.

    PyVRP calls the criterion once per iteration with the cost of its best solution (infinite while that is
    infeasible), so the same hook gives the progress indicator PyVRP's improving objective. The work budget is in
    reference seconds of PyVRP's work clock (``work``: the counted work so far); ``max_iterations`` is a plain
    count of iterations.
    """

    def __init__(
        self,
        budget_s: float,
        progress: Callable[[float], None] | None,
        stop: StopFlag | None = None,
        max_iterations: int | None = None,
        max_work_s: float | None = None,
        work: Callable[[int], float] | None = None,
    ) -> None:
        self.started = time.monotonic()
        self.budget_s, self.progress, self.stop = budget_s, progress, stop
        self.max_iterations, self.iterations = max_iterations, 0
        self.max_work_s, self.work = max_work_s, work
        self.best = float("inf")
        self.clock = False  # the time budget ended the search (not the work budget or the caller)

    def __call__(self, best_cost: float) -> bool:
        if self.stop is not None and self.stop():  # the caller's stop request (a cancelled job) comes first
            return True
        if self.max_iterations is not None and self.iterations >= self.max_iterations:
            return True  # the work budget: the same input and seed end on the same plan
        if (
            self.max_work_s is not None
            and self.work is not None
            and self.work(self.iterations) >= self.max_work_s
        ):
            return True
        elapsed = time.monotonic() - self.started
        if best_cost < min(self.best, _INFEASIBLE):
            self.best = best_cost
            if self.progress is not None:
                self.progress(best_cost)
        if elapsed >= self.budget_s:
            self.clock = True
            return True
        self.iterations += 1  # the iterations PyVRP goes on to run
        return False


def _warm_start(
    p: RoutingProblem,
    data: pyvrp.ProblemData,
    groups: list[list[int]],
    clients: list[Job],
    shipments: list[Job],
    routes: tuple[Route, ...],
) -> pyvrp.Solution | None:
    """A plan of the other engine as PyVRP's first solution (None if it cannot be expressed)."""
    client_idx = {j.id: k for k, j in enumerate(clients)}
    shipment_idx = {j.id: k for k, j in enumerate(shipments)}
    type_of = {p.vehicles[k].id: t for t, members in enumerate(groups) for k in members}
    out = []
    for route in routes:
        # a vehicle PyVRP's model leaves out (``RoutingProblem.vehicle_idle``)
        if route.vehicle not in type_of:
            return None
        acts = []
        for stop in route.stops:
            if stop.job in client_idx:
                acts.append(Activity(ActivityType.CLIENT, client_idx[stop.job]))
            elif stop.job in shipment_idx:
                kind = ActivityType.PICKUP if stop.kind == "pickup" else ActivityType.DELIVERY
                acts.append(Activity(kind, shipment_idx[stop.job]))
            else:
                return None
        out.append(pyvrp.Route(data, acts, type_of[route.vehicle]))
    try:
        return pyvrp.Solution(data, out)
    except (ValueError, IndexError, RuntimeError):  # e.g. more routes of a type than its vehicles
        return None


def solve_pyvrp(
    p: RoutingProblem,
    time_limit_s: float,
    seed: int = 1,
    *,
    initial: tuple[Route, ...] | None = None,
    progress: ProgressCallback | None = None,
    build: Callable[[RoutingProblem], ModelParts] | None = None,
    params: SolveParams | None = None,
    stop: StopFlag | None = None,
    prizes: bool = False,
    max_iterations: int | None = None,
    max_work_s: float | None = None,
) -> RoutingResult:
    """Solve with PyVRP within ``time_limit_s`` (model building included); needs ``supports(p)``.

    Parameters
    ----------
    p : RoutingProblem
        A problem PyVRP can take (see ``supports``).
    time_limit_s : float
        Wall-clock budget, model building included.
    seed : int
        PyVRP random seed.
    initial : tuple of Route, optional
        A plan (e.g. OR-Tools' first plan) to start the search from instead of PyVRP's own construction.
    progress : callable, optional
        Receives PyVRP's improving objective (its own cost, equal to ours for a complete plan).
    build : callable, optional
        Another model of the same problem (the benchmark's PyVRP peer uses PyVRP's natural shipment model).
    params : SolveParams, optional
        PyVRP's search parameters; default ``solve_params(p)``.
    stop : callable, optional
        Asked once per iteration with the stopping rule: True ends the search with the best plan so far.
    prizes : bool
        Every job may be left out at its drop penalty (the product's own objective; PyVRP then always holds a
        feasible plan, even with a fleet too small for the demand); else non-optional jobs are required.
    max_iterations : int, optional
        A work budget: the search ends after this many iterations (deterministic) or at ``time_limit_s``,
        whichever comes first.
    max_work_s : float, optional
        A work budget in reference seconds of PyVRP's work clock (``budget.pyvrp_work_s``: its counted move
        evaluations and iterations; deterministic), or ``time_limit_s``, whichever comes first.

    Returns
    -------
    RoutingResult
        Re-timed by our timing rule, with the iterations run, the move evaluations and work counted and the
        search's own wall time; ``NO_SOLUTION`` when PyVRP's best plan is infeasible.
    """
    started = time.monotonic()
    m, groups, clients, shipments = build(p) if build else _model(p, prizes)
    left = max(0.05, time_limit_s - (time.monotonic() - started))
    data = m.data()
    warm = _warm_start(p, data, groups, clients, shipments, initial) if initial else None

    def report(cost: float) -> None:
        if progress is not None:
            progress(LogEntry(time.monotonic() - started, int(cost)))

    count = _WorkCount(len(p.jobs), bool(shipments))
    stop_rule = _Stop(
        left, report if progress is not None else None, stop, max_iterations, max_work_s, count.work_s
    )
    best = _search(data, stop_rule, seed, params or solve_params(p, prizes), warm, count)
    elapsed = time.monotonic() - started
    search_s = time.monotonic() - stop_rule.started  # the search alone: what the work budget bounds
    if not best.is_feasible():
        unserved = tuple(Unserved(j.id, diagnose(p, j, False)) for j in p.jobs)
        return RoutingResult(Status.NO_SOLUTION, (), unserved, objective_of(p, (), unserved), 0, 0, (), "pyvrp",
                             stop_rule.iterations, _work(stop_rule), count.moves, search_s)  # fmt: skip
    result = plan_result(p, tuple(_routes_of(p, best, groups, clients, shipments)), elapsed, "pyvrp")
    return dataclasses.replace(result, iterations=stop_rule.iterations, work_s=_work(stop_rule), moves=count.moves,
                               search_s=search_s, cut_by_clock=("pyvrp",) if stop_rule.clock else ())  # fmt: skip


def _work(stop: _Stop) -> float | None:
    return stop.work(stop.iterations) if stop.work is not None else None


def _search(
    data: pyvrp.ProblemData,
    stop: _Stop,
    seed: int,
    params: SolveParams,
    warm: pyvrp.Solution | None,
    count: _WorkCount,
) -> pyvrp.Solution:
    """PyVRP's best solution (feasible or not) when ``stop`` says so: ``pyvrp.solve`` step by step (the same
    search for the same seed), its local search's moves added to ``count`` (the work clock ``stop`` reads)."""
    rng = RandomNumberGenerator(seed=seed)
    ls = LocalSearch(
        data, rng, compute_neighbours(data, params.neighbourhood), PerturbationManager(params.perturbation)
    )
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    search = _CountedSearch(ls, count)
    pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    # "penalty at its bound" = no feasible plan yet: the race handles that itself
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        init = warm
        if (
            init is None
        ):  # as pyvrp.solve: a random solution, improved, so that the search does not start empty
            init = search(pyvrp.Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
        ils = IteratedLocalSearch(data, pm, search, init, params.ils)
        return ils.run(stop, collect_stats=False, display=False).best


def _routes_of(
    p: RoutingProblem,
    best: pyvrp.Solution,
    groups: list[list[int]],
    clients: list[Job],
    shipments: list[Job],
) -> list[Route]:
    """PyVRP's visit orders, each on its own vehicle of the type, re-timed by our rule, in fleet order."""
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
    return routes
