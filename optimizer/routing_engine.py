"""One entry point for routing: OR-Tools, PyVRP, or the portfolio of both (``engine="race"``, the default).

The portfolio (issue 21, measured in bench/RESULTS.md):

1. PyVRP on the exact model (load once per depot visit, every job prize-collecting) gets the whole budget. It stops
   after a deterministic iteration budget (``RoutingParams.iterations``, by default calibrated from the time
   limit: ``calibrated_iterations``); the time limit is only a safety cap. Same problem, seed and budget → same
   plan. Its first plan reaches ``progress`` within a second at n = 800.
2. With ``workers`` > 1 (default: every core) further PyVRP runs go to other processes on the same budget: member
   k uses seed ``seed + k // 2``, odd members the late-acceptance history adapted to the budget
   (``routing_pyvrp.solve_params(..., iterations)``: better on most classes of the family's tuning seeds, worse
   on some, so it is a member, not the default). The best plan wins, ties to the lower member, so the result is
   still deterministic and never worse than the single-core run (member 0, PyVRP's own defaults).
3. OR-Tools' guided local search may polish the best plan for ``polish_share`` of the budget (default 0: no gain
   measured once PyVRP got the whole budget); its plan replaces PyVRP's only when it passes ``check.verify`` and
   costs less.
4. OR-Tools alone when PyVRP is missing, cannot express the problem (makespan, profiles, vehicle restrictions) or
   returns no checked plan.

The best plan that passes ``check.verify`` wins; a portfolio is never worse than its best member.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from optimizer.check import verify
from optimizer.routing import RoutingParams, solve_routes
from optimizer.routing_model import LogEntry, ProgressCallback, Route, RoutingProblem, RoutingResult

ENGINES = ("ortools", "pyvrp", "race")

# PyVRP iterations per second × jobs, measured on the bench machine (bench/RESULTS.md, issue 21); the budget uses
# CALIBRATION_SHARE of the time limit at that speed, so a machine up to 1 / CALIBRATION_SHARE times slower still
# finishes the deterministic budget before the time limit (then the cap, not the budget, stops the search).
ITERATION_RATE = 40_000.0
CALIBRATION_SHARE = 0.6


def calibrated_iterations(problem: RoutingProblem, time_limit_s: float) -> int:
    """The deterministic PyVRP budget for a time limit: ITERATION_RATE / n iterations per second."""
    n = max(10, len(problem.jobs))
    return max(20, math.floor(CALIBRATION_SHARE * time_limit_s * ITERATION_RATE / n))


def _pyvrp_takes(problem: RoutingProblem) -> bool:
    """PyVRP is installed (it is optional) and can express this problem."""
    try:
        from optimizer import routing_pyvrp
    except ImportError:  # without PyVRP every engine is OR-Tools
        return False
    return routing_pyvrp.supports(problem)


def _pyvrp_result(
    problem: RoutingProblem,
    time_limit_s: float,
    seed: int,
    iterations: int | None = None,
    tuned: bool = False,
    initial: tuple[Route, ...] | None = None,
    progress: ProgressCallback | None = None,
    adaptive: bool = False,
) -> RoutingResult | None:
    """PyVRP's plan if PyVRP is installed, can express the problem and its plan passes the checker."""
    if not _pyvrp_takes(problem) or time_limit_s <= 0:
        return None
    from optimizer import routing_pyvrp

    stats: dict[str, float] = {}
    result = routing_pyvrp.solve_pyvrp(
        problem,
        time_limit_s,
        seed,
        initial=initial,
        progress=progress,
        params=routing_pyvrp.solve_params(problem, tuned, iterations if adaptive else None),
        max_iterations=iterations,
        stats=stats,
    )
    if stats.get("capped"):
        result = dataclasses.replace(result, engine=f"{result.engine}(capped)")
    return result if result.routes and not verify(problem, result) else None


def _member(args: tuple[RoutingProblem, float, int, int | None, bool, bool]) -> RoutingResult | None:
    """One PyVRP member of the parallel portfolio (runs in a worker process)."""
    problem, limit, seed, iterations, tuned, adaptive = args
    return _pyvrp_result(problem, limit, seed, iterations, tuned, adaptive=adaptive)


def plan_routes(
    problem: RoutingProblem, params: RoutingParams | None = None, progress: ProgressCallback | None = None
) -> RoutingResult:
    """Plan routes with the engine named in ``params.engine``; never raises on infeasible input.

    Parameters
    ----------
    problem : RoutingProblem
        The routing problem.
    params : RoutingParams, optional
        ``engine`` is "ortools", "pyvrp" or "race" (the portfolio); ``time_limit_s`` bounds the whole call;
        ``iterations``, ``workers``, ``seed`` and ``polish_share`` steer the portfolio.
    progress : callable, optional
        Receives improving plans' objectives (PyVRP's are approximate until the final plan).

    Returns
    -------
    RoutingResult
        The best checked plan found; "pyvrp" falls back to OR-Tools when PyVRP cannot take the problem or fails
        the checker.
    """
    params = params or RoutingParams()
    if params.engine not in ENGINES:
        raise ValueError(f"unknown engine {params.engine!r}")
    started = time.monotonic()
    if params.engine == "ortools":
        return solve_routes(problem, params, progress)
    if params.engine == "pyvrp":
        budget = params.iterations or calibrated_iterations(problem, params.time_limit_s)
        alone = _pyvrp_result(problem, params.time_limit_s, params.seed, budget, params.tuned)
        return alone if alone is not None else solve_routes(problem, params, progress)
    return _portfolio(problem, params, progress, started)


def _workers(params: RoutingParams) -> int:
    return params.workers if params.workers > 0 else max(1, os.cpu_count() or 1)


def _portfolio(
    problem: RoutingProblem, params: RoutingParams, progress: ProgressCallback | None, started: float
) -> RoutingResult:
    """PyVRP (the whole budget, one or more seeds in parallel) → optional OR-Tools polish; best checked plan."""
    if not _pyvrp_takes(problem) or not problem.jobs or not problem.vehicles:
        return solve_routes(problem, params, progress)
    limit = params.time_limit_s
    polish_s = limit * params.polish_share
    iterations = params.iterations or calibrated_iterations(problem, limit - polish_s)
    bar: int | None = None

    def relay(entry: LogEntry) -> None:  # improvements on the portfolio's clock, only when better
        nonlocal bar
        if progress is not None and (bar is None or entry.objective < bar):
            bar = entry.objective
            progress(dataclasses.replace(entry, elapsed_s=time.monotonic() - started))

    extra = _workers(params) - 1
    pool = None
    futures = []
    if extra > 0:
        pool = ProcessPoolExecutor(max_workers=extra, mp_context=get_context("spawn"))
        futures = [  # member k: seed + k // 2; odd members use the adaptive late-acceptance history
            pool.submit(
                _member,
                (problem, limit - polish_s, params.seed + k // 2, iterations, params.tuned, k % 2 == 1),
            )
            for k in range(1, extra + 1)
        ]
    try:
        main = _pyvrp_result(problem, limit - polish_s, params.seed, iterations, params.tuned, progress=relay)
        plans = [main] if main is not None else []
        for f in futures:  # in seed order: ties go to the lower seed
            other = f.result()
            if other is not None:
                plans.append(other)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if not plans:  # PyVRP returned no checked plan: OR-Tools alone for the time left
        left = max(0.1, limit - (time.monotonic() - started))
        return solve_routes(problem, dataclasses.replace(params, time_limit_s=left), relay)
    best = min(plans, key=lambda p: p.objective)  # min keeps the first (lowest seed) of equal plans
    rest = limit - (time.monotonic() - started)
    if polish_s > 0 and rest > 0.05:
        polished = solve_routes(problem, dataclasses.replace(params, time_limit_s=rest), relay, best.routes)
        if polished.routes and not verify(problem, polished) and polished.objective < best.objective:
            best = dataclasses.replace(polished, engine=f"{best.engine}+ortools")
    log = (*best.log, LogEntry(time.monotonic() - started, best.objective))
    return dataclasses.replace(best, log=log, engine=f"race:{best.engine}")
