"""One entry point for routing: OR-Tools, PyVRP, or a race of both on one core's time budget.

The race runs OR-Tools first (``ortools_share`` of the time limit, by default 10 % for plain CVRPTW where PyVRP
is much stronger and 70 % with pickups where PyVRP often finds no feasible plan: OR-Tools gives a plan fast and
handles every feature), then PyVRP for the rest when it can express the problem, and keeps the better plan among
those that pass ``check.verify``. Racing never runs engines in parallel: both share the one time budget.
"""

from __future__ import annotations

import dataclasses
import time

from optimizer.check import verify
from optimizer.routing import RoutingParams, solve_routes
from optimizer.routing_model import ProgressCallback, RoutingProblem, RoutingResult

ENGINES = ("ortools", "pyvrp", "race")


def _pyvrp_result(problem: RoutingProblem, time_limit_s: float, seed: int) -> RoutingResult | None:
    """PyVRP's plan if PyVRP is installed, can express the problem and its plan passes the checker."""
    try:
        from optimizer import routing_pyvrp
    except ImportError:  # PyVRP is optional: without it every engine is OR-Tools
        return None
    if not routing_pyvrp.supports(problem) or time_limit_s <= 0:
        return None
    result = routing_pyvrp.solve_pyvrp(problem, time_limit_s, seed)
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
    pickups = any(j.source is not None for j in problem.jobs)
    share = params.ortools_share
    if share is None:  # measured: PyVRP leads on plain CVRPTW, OR-Tools is the surer engine with pickups
        share = 0.7 if pickups else 0.1
    # on plain CVRPTW OR-Tools only provides the fallback plan (its first solution); PyVRP gets the rest
    only_first = params.ortools_share is None and not pickups
    ortools_params = dataclasses.replace(
        params, time_limit_s=params.time_limit_s * share, first_solution_only=only_first
    )
    first = solve_routes(problem, ortools_params, progress)
    left = params.time_limit_s - (time.monotonic() - started)
    second = _pyvrp_result(problem, left, params.seed)
    if second is None:
        return first
    offset = time.monotonic() - started - second.log[-1].elapsed_s
    log = first.log + tuple(dataclasses.replace(e, elapsed_s=e.elapsed_s + offset) for e in second.log)
    if progress is not None:
        progress(log[-1])
    first_ok = first.routes and not verify(problem, first)
    best = first if first_ok and first.objective <= second.objective else second
    return dataclasses.replace(best, log=log, engine=f"race:{best.engine}")
