"""One entry point for routing: OR-Tools, PyVRP, or a race of both on one core's time budget.

The race (measured in bench/RESULTS.md) runs in steps on one time budget, never in parallel:

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
from optimizer.routing.problem import LogEntry, ProgressCallback, Route, RoutingProblem, RoutingResult
from optimizer.routing.solve import RoutingParams, solve_routes

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
) -> RoutingResult | None:
    """PyVRP's plan if PyVRP is installed, can express the problem and its plan passes the checker."""
    if not _pyvrp_takes(problem) or time_limit_s <= 0:
        return None
    from optimizer.routing import pyvrp_engine as routing_pyvrp

    result = routing_pyvrp.solve_pyvrp(
        problem, time_limit_s, seed, initial=initial, give_up_s=give_up_s, progress=progress
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
        alone = _pyvrp_result(problem, params.time_limit_s, params.seed)
        return alone if alone is not None else solve_routes(problem, params, progress)
    return _race(problem, params, progress, started)


def _race(
    problem: RoutingProblem, params: RoutingParams, progress: ProgressCallback | None, started: float
) -> RoutingResult:
    """OR-Tools' first plan → PyVRP cold → (if it gave up) PyVRP warm from OR-Tools → OR-Tools polishes the best
    plan; the best checked plan wins."""
    if not _pyvrp_takes(problem):
        return solve_routes(problem, params, progress)
    quick = "local_cheapest_insertion" if _big_pickup(problem, params) else params.first_solution
    first = solve_routes(
        problem, dataclasses.replace(params, first_solution=quick, first_solution_only=True), progress
    )
    plans = [first] if first.routes and not verify(problem, first) else []
    log = first.log
    bar = min((p.objective for p in plans), default=None)

    def relay(
        entry: LogEntry,
    ) -> None:  # improvements of the later steps, on the race clock, only when better
        nonlocal bar
        if progress is not None and (bar is None or entry.objective < bar):
            bar = entry.objective
            progress(dataclasses.replace(entry, elapsed_s=time.monotonic() - started))

    polish_s = params.time_limit_s * params.polish_share

    def left() -> float:  # PyVRP's time: the budget less what is kept for the polish
        return params.time_limit_s - polish_s - (time.monotonic() - started)

    cold = None
    for attempt in range(params.cold_attempts):  # another seed is another random start
        give_up = params.time_limit_s * params.give_up_share * (1.0 if attempt == 0 else 0.8)
        if left() <= give_up and attempt > 0:
            break
        cold = _pyvrp_result(problem, left(), params.seed + attempt, None, give_up, relay)
        if cold is not None:
            break
    if cold is not None:
        plans.append(cold)
    elif left() > 0.1:
        if quick != params.first_solution and left() > 0.3 * params.time_limit_s:
            better = solve_routes(
                problem,
                dataclasses.replace(params, first_solution_only=True, time_limit_s=0.3 * left()),
                relay,
            )
            if better.routes and not verify(problem, better):
                plans.append(better)
        start = min(plans, key=lambda p: p.objective) if plans else None
        warm = _pyvrp_result(problem, left(), params.seed, start.routes if start else None, None, relay)
        if warm is not None:
            plans.append(warm)
    if not plans:
        return dataclasses.replace(first, engine="race:ortools")
    best = min(plans, key=lambda p: p.objective)
    build_s = first.log[0].elapsed_s if first.log else 0.0  # model building is outside OR-Tools' own limit
    rest = left() + polish_s - build_s
    if rest > 0.05:  # OR-Tools' neighbourhoods (and its exact loading rule) polish PyVRP's plan
        polished = solve_routes(problem, dataclasses.replace(params, time_limit_s=rest), relay, best.routes)
        if polished.routes and not verify(problem, polished) and polished.objective < best.objective:
            best = dataclasses.replace(polished, engine=f"{best.engine}+ortools")
    if best is not first:
        log += ((LogEntry(time.monotonic() - started, best.objective)),)
    return dataclasses.replace(best, log=log, engine=f"race:{best.engine}")


def _big_pickup(problem: RoutingProblem, params: RoutingParams) -> bool:
    """Large pickup-and-delivery problems start from local cheapest insertion (first plan within ~1 s)."""
    return (
        params.first_solution == "auto"
        and any(j.source is not None for j in problem.jobs)
        and len(problem.jobs) > params.quick_first_above
    )
