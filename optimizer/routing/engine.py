"""One entry point for routing: OR-Tools, PyVRP, or both one after another on one core's time budget.

Engine "race" (so named in settings and results; measured in bench/RESULTS.md) is no race: ``_best_of`` runs its
steps sequentially on one time budget, never in parallel, and keeps the best checked plan:

1. OR-Tools builds its first plan (a fast insertion heuristic: the fallback, shown at once through ``progress``);
2. PyVRP searches from its own (random) start; if it holds no feasible plan after ``give_up_share`` of the budget
   (it sometimes never gets there on tightly timed pickup-and-delivery problems), it tries once more with the next
   seed, and if that fails too
3. PyVRP restarts from OR-Tools' plan (warm start: parallel cheapest insertion when there is time for it) for the
   time left, which keeps it feasible;
4. OR-Tools' guided local search polishes the best plan for the last ``polish_share`` of the budget (its
   neighbourhoods find what PyVRP's miss: measured 1-4 % on the county instances).

Without PyVRP (not installed or the problem has features it cannot express) OR-Tools' full search gets the whole
budget. The best plan that passes ``check.verify`` wins.
"""

from __future__ import annotations

import dataclasses
import time

from optimizer.routing.check import verify
from optimizer.routing.problem import (
    LogEntry,
    ProgressCallback,
    Route,
    RoutingProblem,
    RoutingResult,
    StopFlag,
)
from optimizer.routing.solve import RoutingParams, solve_routes, stopped

ENGINES = ("ortools", "pyvrp", "race")


def _pyvrp_takes(problem: RoutingProblem) -> bool:
    """PyVRP is installed (it is optional) and can express this problem."""
    try:
        from optimizer.routing import pyvrp_engine as routing_pyvrp
    except ImportError:  # without PyVRP every engine is OR-Tools
        return False
    return routing_pyvrp.supports(problem)


def _pyvrp_result(
    problem: RoutingProblem,
    time_limit_s: float,
    seed: int,
    initial: tuple[Route, ...] | None = None,
    give_up_s: float | None = None,
    progress: ProgressCallback | None = None,
    stop: StopFlag | None = None,
) -> RoutingResult | None:
    """PyVRP's plan if PyVRP is installed, can express the problem and its plan passes the checker."""
    if not _pyvrp_takes(problem) or time_limit_s <= 0 or (stop is not None and stop()):
        return None
    from optimizer.routing import pyvrp_engine as routing_pyvrp

    result = routing_pyvrp.solve_pyvrp(
        problem, time_limit_s, seed, initial=initial, give_up_s=give_up_s, progress=progress, stop=stop
    )
    return result if result.routes and not verify(problem, result) else None


def plan_routes(
    problem: RoutingProblem, params: RoutingParams | None = None, progress: ProgressCallback | None = None
) -> RoutingResult:
    """Plan routes with the engine named in ``params.engine``; never raises on infeasible input.

    Parameters
    ----------
    problem : RoutingProblem
        The routing problem.
    params : RoutingParams, optional
        ``engine`` is "ortools", "pyvrp" or "race"; ``time_limit_s`` bounds the whole call.
    progress : callable, optional
        Receives OR-Tools' improving solutions and the final PyVRP objective.

    Returns
    -------
    RoutingResult
        The best plan found; "pyvrp" falls back to OR-Tools when PyVRP cannot take the problem or fails the
        checker.
    """
    params = params or RoutingParams()
    if params.engine not in ENGINES:
        raise ValueError(f"unknown engine {params.engine!r}")
    started = time.monotonic()
    if params.engine == "ortools":
        return solve_routes(problem, params, progress)
    if params.engine == "pyvrp":
        alone = _pyvrp_result(problem, params.time_limit_s, params.seed, stop=params.stop)
        return alone if alone is not None else solve_routes(problem, params, progress)
    return _best_of(problem, params, progress, started)


def _best_of(
    problem: RoutingProblem, params: RoutingParams, progress: ProgressCallback | None, started: float
) -> RoutingResult:
    """The best checked plan of the steps of engine "race", run one after another on one time budget.

    Despite the engine's name nothing runs in parallel: OR-Tools' first plan → PyVRP cold → (if it gave up)
    PyVRP warm from OR-Tools → OR-Tools polishes the best plan; the best plan that passes the checker wins.
    """
    if not _pyvrp_takes(problem):
        return solve_routes(problem, params, progress)
    quick = "local_cheapest_insertion" if _big_pickup(problem, params) else params.first_solution
    first = solve_routes(
        problem, dataclasses.replace(params, first_solution=quick, first_solution_only=True), progress
    )
    plans = [first] if _checked(problem, first) else []
    relay = _Relay(progress, started, min((p.objective for p in plans), default=None))
    budget = _Budget(params, started)
    plans += _pyvrp_plans(problem, params, quick, plans, budget, relay)
    if not plans:
        return dataclasses.replace(first, engine="race:ortools")
    best = min(plans, key=lambda p: p.objective)
    build_s = first.log[0].elapsed_s if first.log else 0.0  # model building is outside OR-Tools' own limit
    best = _polished(problem, params, best, budget.left() + budget.polish_s - build_s, relay)
    log = first.log
    if best is not first:
        log += ((LogEntry(time.monotonic() - started, best.objective)),)
    return dataclasses.replace(best, log=log, engine=f"race:{best.engine}")


def _checked(problem: RoutingProblem, result: RoutingResult) -> bool:
    """The plan serves someone and passes the checker."""
    return bool(result.routes) and not verify(problem, result)


@dataclasses.dataclass
class _Relay:
    """Passes the later steps' improvements on to ``progress``, on the whole call's clock, only when better."""

    progress: ProgressCallback | None
    started: float
    bar: float | None

    def __call__(self, entry: LogEntry) -> None:
        if self.progress is not None and (self.bar is None or entry.objective < self.bar):
            self.bar = entry.objective
            self.progress(dataclasses.replace(entry, elapsed_s=time.monotonic() - self.started))


@dataclasses.dataclass(frozen=True)
class _Budget:
    """The call's time budget: ``polish_s`` is kept for OR-Tools' polish, the rest is PyVRP's."""

    params: RoutingParams
    started: float

    @property
    def polish_s(self) -> float:
        return self.params.time_limit_s * self.params.polish_share

    def left(self) -> float:
        """PyVRP's time left: the budget less what is kept for the polish."""
        return self.params.time_limit_s - self.polish_s - (time.monotonic() - self.started)


def _pyvrp_plans(
    problem: RoutingProblem,
    params: RoutingParams,
    quick: str,
    plans: list[RoutingResult],
    budget: _Budget,
    relay: _Relay,
) -> list[RoutingResult]:
    """PyVRP's checked plans: from a cold start (another seed on each attempt), or, if it gave up, warm from
    the best OR-Tools plan so far (a better first plan when there is time for it)."""
    cold = None
    for attempt in range(params.cold_attempts):  # another seed is another random start
        give_up = params.time_limit_s * params.give_up_share * (1.0 if attempt == 0 else 0.8)
        if budget.left() <= give_up and attempt > 0:
            break
        cold = _pyvrp_result(problem, budget.left(), params.seed + attempt, None, give_up, relay, params.stop)
        if cold is not None:
            return [cold]
    if budget.left() <= 0.1 or stopped(params):
        return []
    found: list[RoutingResult] = []
    if quick != params.first_solution and budget.left() > 0.3 * params.time_limit_s:
        better = solve_routes(
            problem,
            dataclasses.replace(params, first_solution_only=True, time_limit_s=0.3 * budget.left()),
            relay,
        )
        if _checked(problem, better):
            found.append(better)
    start = min(plans + found, key=lambda p: p.objective) if plans + found else None
    warm = _pyvrp_result(
        problem, budget.left(), params.seed, start.routes if start else None, None, relay, params.stop
    )
    if warm is not None:
        found.append(warm)
    return found


def _polished(
    problem: RoutingProblem, params: RoutingParams, best: RoutingResult, rest: float, relay: _Relay
) -> RoutingResult:
    """OR-Tools' neighbourhoods (and its exact loading rule) polish ``best`` for ``rest`` seconds; the polished
    plan replaces it only when checked and better."""
    if rest <= 0.05 or stopped(params):
        return best
    polished = solve_routes(problem, dataclasses.replace(params, time_limit_s=rest), relay, best.routes)
    if _checked(problem, polished) and polished.objective < best.objective:
        return dataclasses.replace(polished, engine=f"{best.engine}+ortools")
    return best


def _big_pickup(problem: RoutingProblem, params: RoutingParams) -> bool:
    """Large pickup-and-delivery problems start from local cheapest insertion (first plan within ~1 s)."""
    return (
        params.first_solution == "auto"
        and any(j.source is not None for j in problem.jobs)
        and len(problem.jobs) > params.quick_first_above
    )
