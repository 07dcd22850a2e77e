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

import numpy as np
import pyvrp
from pyvrp import Activity, ActivityType, RandomNumberGenerator
from pyvrp.constants import MAX_VALUE
from pyvrp.IteratedLocalSearch import (
    IteratedLocalSearch,
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
)
from pyvrp.PenaltyManager import PenaltyManager, PenaltyParams
from pyvrp.search import LocalSearch, PerturbationManager, PerturbationParams, compute_neighbours
from pyvrp.solve import SolveParams

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


def vehicle_types(p: RoutingProblem, m: pyvrp.Model, depots: dict[int, pyvrp.Depot]) -> list[list[int]]:
    """One PyVRP vehicle type per group of identical vehicles; returns the vehicle indices of each type."""
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
    return list(groups.values())


ModelParts = tuple[
    pyvrp.Model, list[list[int]], list[Job], list[Job]
]  # model, vehicle groups, clients, shipments


def _model(p: RoutingProblem) -> ModelParts:
    m = pyvrp.Model()
    locs = [m.add_location(0, 0) for _ in range(p.n_locations)]  # deliveries and pickups
    homes = sorted({v.start for v in p.vehicles} | {v.end for v in p.vehicles})
    home_locs = {h: m.add_location(0, 0) for h in homes}  # vehicles start and end here
    depots = {h: m.add_depot(home_locs[h], tw_late=p.horizon_s) for h in homes}
    groups = vehicle_types(p, m, depots)
    clients: list[Job] = []
    shipments: list[Job] = []
    scale = prize_scale(p)
    for j in p.jobs:
        # every job is prize-collecting (see prize_scale): a fleet too short for every job still gives a plan
        prize = max(1, round(drop_penalty(j) * scale))
        deadline = min(j.deadline_s, p.horizon_s)
        if j.source is None:
            m.add_client(locs[j.dest], delivery=list(j.demand), service_duration=j.service_s,
                         tw_early=j.window_start_s, tw_late=deadline, required=False, prize=prize)  # fmt: skip
            clients.append(j)
        else:
            m.add_shipment(locs[j.source], locs[j.dest], pickup_tw_early=j.ready_s + p.loading_s(j.source),
                           delivery_tw_early=j.window_start_s, delivery_tw_late=deadline,
                           delivery_service_duration=j.service_s, amount=list(j.demand),
                           required=False, prize=prize)  # fmt: skip
            shipments.append(j)
    return m, groups, clients, shipments


PRIZE_ROUND_TRIPS = 10  # tuning seeds at 3 s: 10 kept fewer jobs unserved than 2 (bench/RESULTS.md, issue 21)
PRIZE_PER_PRIORITY_FLOOR = 10_000  # cost units: the scaled prize of a priority-1 job is at least this


def prize_scale(p: RoutingProblem) -> float:
    """Factor from our drop penalties to PyVRP prizes.

    Our penalties (10 000 000 per priority unit by default) are far above any detour; PyVRP's penalty manager
    works on the scale of travel costs (its penalties per unit of excess load or time stop at 100 000), and
    prizes that large make it prefer infeasible plans that collect them. The prizes are therefore scaled down
    so that a priority-1 job's prize is PRIZE_ROUND_TRIPS times the costliest of the cheapest single round trips
    (start → source → destination → end) with the best vehicle for it: serving a job alone is always worth more than dropping it, and
    prizes keep the ratios of our penalties (priority 3 = 3 × priority 1). Never scaled up.
    """
    dist = np.asarray(p.distance_m, dtype=np.int64)
    if not p.jobs or not p.vehicles:
        return 1.0
    srcs = [j.source for j in p.jobs]
    dests = np.array([j.dest for j in p.jobs], dtype=np.int64)
    best = np.full(len(p.jobs), np.iinfo(np.int64).max, dtype=np.int64)
    for start, end, per_m, fixed in {(v.start, v.end, v.distance_cost, v.fixed_cost) for v in p.vehicles}:
        src = np.array([start if s is None else s for s in srcs], dtype=np.int64)
        trip = dist[start, src] + dist[src, dests] + dist[dests, end]
        best = np.minimum(best, np.where(trip >= UNREACHABLE, best, trip * per_m + fixed))
    reachable = best[best < np.iinfo(np.int64).max]
    worst = int(reachable.max()) if reachable.size else 0
    base = min(drop_penalty(j) / max(1, j.priority) for j in p.jobs)
    target = max(PRIZE_PER_PRIORITY_FLOOR, PRIZE_ROUND_TRIPS * worst)
    return min(1.0, target / base)


def max_prize(p: RoutingProblem) -> int:
    scale = prize_scale(p)
    return max((max(1, round(drop_penalty(j) * scale)) for j in p.jobs), default=0)


def matrices(p: RoutingProblem, pickup_at: set[int]) -> tuple[np.ndarray, np.ndarray]:
    """Distance and duration over PyVRP's locations (ours 0..n-1, then one home copy per vehicle start/end):
    arriving at a pickup place from elsewhere (or from a home copy there) adds its loading time."""
    homes = sorted({v.start for v in p.vehicles} | {v.end for v in p.vehicles})
    where = np.array(list(range(p.n_locations)) + homes, dtype=np.int64)
    is_home = np.zeros(len(where), dtype=bool)
    is_home[p.n_locations :] = True
    dist = np.minimum(np.asarray(p.distance_m, dtype=np.int64)[where[:, None], where[None, :]], MAX_VALUE)
    dur = np.minimum(np.asarray(p.duration_s, dtype=np.int64)[where[:, None], where[None, :]], MAX_VALUE)
    loading = np.array([p.loading_s(int(a)) if int(a) in pickup_at else 0 for a in where], dtype=np.int64)
    loading[is_home] = 0
    same_place = (where[:, None] == where[None, :]) & ~is_home[:, None]
    dur = dur + np.where(same_place, 0, loading[None, :])
    np.fill_diagonal(dist, 0)
    np.fill_diagonal(dur, 0)
    return dist, dur


def problem_data(p: RoutingProblem, parts: ModelParts) -> pyvrp.ProblemData:
    """PyVRP's problem data with our matrices (numpy, no per-edge Python call)."""
    m, _, _, shipments = parts
    dist, dur = matrices(p, {j.source for j in shipments if j.source is not None})
    return m.data().replace(distance_matrices=[dist], duration_matrices=[dur])  # type: ignore[list-item]


HISTORY_PER_ITERATIONS = 25  # adaptive late-acceptance history: one slot per this many planned iterations


def solve_params(p: RoutingProblem, tuned: bool = False, iterations: int | None = None) -> SolveParams:
    """PyVRP's search parameters: its defaults, with the penalty bound raised above the largest prize.

    PyVRP penalises excess load and time per unit, up to ``max_penalty`` (default 100 000) per unit; a prize
    above that for a few units (e.g. four cold boxes) makes an overloaded plan cheaper than dropping a job, so the
    bound is raised to twice the largest prize. ``tuned``: session 3's greedier late-acceptance search (history
    20, at most 10 perturbations). ``iterations`` (the planned budget): the late-acceptance history becomes
    ``iterations / HISTORY_PER_ITERATIONS`` within [20, 300] (PyVRP's default 300 assumes many thousand
    iterations; large problems at 10 s get a few hundred). Measured on the family's tuning seeds
    (bench/RESULTS.md, issue 21).
    """
    bound = max(PenaltyParams().max_penalty, 2.0 * max_prize(p))
    penalty = PenaltyParams(max_penalty=bound)
    if tuned:
        return SolveParams(
            ils=IteratedLocalSearchParams(history_length=20),
            penalty=penalty,
            perturbation=PerturbationParams(min_perturbations=1, max_perturbations=10),
        )
    if iterations is not None:
        history = min(300, max(20, iterations // HISTORY_PER_ITERATIONS))
        return SolveParams(ils=IteratedLocalSearchParams(history_length=history), penalty=penalty)
    return SolveParams(penalty=penalty)


_INFEASIBLE = 2**62  # PyVRP reports an infeasible best solution with the largest int64 as its cost


class _Stop:
    """Stopping rule: ``max_iterations`` (deterministic) or the time cap, or ``give_up_s`` without any feasible
    plan; reports improvements.

    PyVRP calls the criterion once per iteration with the cost of its best solution (infinite while that is
    infeasible), so the same hook counts iterations and gives the progress indicator PyVRP's improving objective.
    A run stopped by its iteration budget is reproducible (same data, seed and budget → same plan); a run
    stopped by the time cap (``capped``) depends on the machine's speed.
    """

    def __init__(
        self,
        budget_s: float,
        give_up_s: float | None,
        progress: Callable[[float], None] | None,
        max_iterations: int | None = None,
    ) -> None:
        self.started = time.monotonic()
        self.budget_s, self.give_up_s, self.progress = budget_s, give_up_s, progress
        self.max_iterations = max_iterations
        self.best = float("inf")
        self.iterations = 0
        self.capped = False

    def __call__(self, best_cost: float) -> bool:
        elapsed = time.monotonic() - self.started
        if best_cost < min(self.best, _INFEASIBLE):
            self.best = best_cost
            if self.progress is not None:
                self.progress(best_cost)
        if self.give_up_s is not None and elapsed >= self.give_up_s and self.best == float("inf"):
            self.capped = True
            return True
        if self.max_iterations is not None and self.iterations >= self.max_iterations:
            return True
        self.iterations += 1
        if elapsed >= self.budget_s:
            self.capped = True
            return True
        return False


class _Report(IteratedLocalSearchCallbacks):
    """Reports each new best feasible PyVRP plan as our objective (prizes scaled back to penalties; exact up to
    the rounding of the scaled prizes, the final plan is costed exactly)."""

    def __init__(self, started: float, scale: float, progress: ProgressCallback) -> None:
        self.started, self.scale, self.progress = started, scale, progress
        self.bar = float("inf")

    def _seen(self, best: pyvrp.Solution) -> None:
        if not best.is_feasible():
            return
        ours = (
            best.distance_cost() + best.fixed_vehicle_cost() + round(best.uncollected_prizes() / self.scale)
        )
        if ours < self.bar:
            self.bar = ours
            self.progress(LogEntry(time.monotonic() - self.started, int(ours)))

    def on_start(self, ils: IteratedLocalSearch) -> None:
        self._seen(ils.initial_solution)

    def on_best(self, best: pyvrp.Solution) -> None:
        self._seen(best)


def _search(
    data: pyvrp.ProblemData, stop: _Stop, seed: int, params: SolveParams, initial: pyvrp.Solution | None
) -> pyvrp.Solution:
    """``pyvrp.solve`` with a feasible start: PyVRP starts from a local search of a random solution, which on
    tightly timed prize-collecting problems can stay infeasible (then its best plan never becomes feasible under
    a greedy acceptance); the local search of the empty plan (always feasible here, every job optional) is made
    too when that start is infeasible, and kept when it is feasible (or cheaper under the maximal penalties). With a feasible
    random start the search is exactly ``pyvrp.solve``'s. Deterministic for a seed."""
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, params.neighbourhood)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    init = initial
    if init is None:
        worst = pm.max_cost_evaluator()
        init = ls(pyvrp.Solution.make_random(data, rng), worst, exhaustive=True)  # = pyvrp.solve's start
        if not init.is_feasible():
            empty = ls(pyvrp.Solution(data, []), worst, exhaustive=True)
            if empty.is_feasible() or worst.penalised_cost(empty) < worst.penalised_cost(init):
                init = empty
    algo = IteratedLocalSearch(data, pm, ls, init, params.ils)
    return algo.run(stop, collect_stats=False).best


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
    give_up_s: float | None = None,
    progress: ProgressCallback | None = None,
    build: Callable[[RoutingProblem], ModelParts] | None = None,
    params: SolveParams | None = None,
    max_iterations: int | None = None,
    stats: dict[str, float] | None = None,
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
    give_up_s : float, optional
        Stop early when PyVRP has no feasible plan after this many seconds (the race then gives the time back).
    progress : callable, optional
        Receives PyVRP's improving objective (its own cost, equal to ours for a complete plan).
    build : callable, optional
        Another model of the same problem (the benchmark's PyVRP peer uses PyVRP's natural shipment model).
    params : SolveParams, optional
        PyVRP's search parameters; default ``solve_params(p)``.
    max_iterations : int, optional
        Deterministic budget: stop after this many iterations (``time_limit_s`` stays a safety cap).
    stats : dict, optional
        Filled with ``iterations``, ``capped`` (1.0 when the time cap, not the iteration budget, stopped the
        search) and ``build_s``.

    Returns
    -------
    RoutingResult
        Re-timed by our timing rule; ``NO_SOLUTION`` when PyVRP's best plan is infeasible.
    """
    started = time.monotonic()
    parts = (build or _model)(p)
    m, groups, clients, shipments = parts
    data = m.data() if build is not None else problem_data(p, parts)
    left = max(0.05, time_limit_s - (time.monotonic() - started))
    if stats is not None:
        stats["build_s"] = time.monotonic() - started
    warm = _warm_start(p, data, groups, clients, shipments, initial) if initial else None

    scale = prize_scale(p)
    search = params or solve_params(p)
    if progress is not None:
        search = SolveParams(
            ils=dataclasses.replace(search.ils, callbacks=_Report(started, scale, progress)),
            penalty=search.penalty,
            neighbourhood=search.neighbourhood,
            operators=search.operators,
            display_interval=search.display_interval,
            perturbation=search.perturbation,
        )
    stop = _Stop(left, give_up_s, None, max_iterations)
    with (
        warnings.catch_warnings()
    ):  # "penalty at its bound" = no feasible plan yet: the race handles that itself
        warnings.simplefilter("ignore", pyvrp.exceptions.PenaltyBoundWarning)
        best = _search(data, stop, seed, search, warm)
    elapsed = time.monotonic() - started
    if stats is not None:
        stats.update(iterations=stop.iterations, capped=float(stop.capped))
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
