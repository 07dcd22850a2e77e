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

# PyVRP iterations per second × jobs on the bench machine (bench/RESULTS.md, issue 21): about 50 000 on plain
# deliveries and 25 000 with pickups (shipments make every iteration dearer), measured under the load of a shared
# machine. The budget uses CALIBRATION_SHARE of the time limit at that speed, so a machine up to 1 / CALIBRATION_SHARE times slower still finishes the
# deterministic budget before the time limit (then the cap, not the budget, stops the search: "(capped)").
ITERATION_RATE = {False: 50_000.0, True: 25_000.0}
CALIBRATION_SHARE = 0.6


def calibrated_iterations(problem: RoutingProblem, time_limit_s: float) -> int:
    """The deterministic PyVRP budget for a time limit: ITERATION_RATE / n iterations per second."""
    n = max(10, len(problem.jobs))
    rate = ITERATION_RATE[any(j.source is not None for j in problem.jobs)]
    return max(20, math.floor(CALIBRATION_SHARE * max(0.0, time_limit_s) * rate / n))


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


def fleet_short(problem: RoutingProblem) -> bool:
    """Goods on board only, and the fleet cannot carry them all in one trip (in some dimension): jobs must be
    dropped by priority, where VROOM's start is far better than PyVRP's (bench/RESULTS.md, issue 21)."""
    if any(j.source is not None for j in problem.jobs):
        return False
    dims = range(len(problem.dimensions))
    need = [sum(j.demand[d] for j in problem.jobs) for d in dims]
    have = [sum(v.capacity[d] for v in problem.vehicles) for d in dims]
    return any(n > h for n, h in zip(need, have, strict=True))


VROOM_SHARE = (
    0.7  # pickup-and-delivery: VROOM's cap within the budget; PyVRP, warm from its plan, gets the rest
)


def vroom_exploration(problem: RoutingProblem) -> int:
    """VROOM's exploration level by size: fixed work that ends before the cap on the bench machine at 10 s."""
    n = len(problem.jobs)
    return 5 if n <= 150 else 3 if n <= 300 else 1


def _vroom_result(problem: RoutingProblem, time_limit_s: float) -> RoutingResult | None:
    """VROOM's plan if pyvroom is installed, can express the problem and its plan passes the checker."""
    try:
        from optimizer import routing_vroom
    except ImportError:  # pyvroom is optional
        return None
    if not routing_vroom.supports(problem) or time_limit_s <= 0.1:
        return None
    result = routing_vroom.solve_vroom(problem, time_limit_s, vroom_exploration(problem))
    return result if result.routes and not verify(problem, result) else None


def _portfolio(
    problem: RoutingProblem, params: RoutingParams, progress: ProgressCallback | None, started: float
) -> RoutingResult:
    """Plain deliveries: PyVRP with the whole budget. Pickup-and-delivery: VROOM, then PyVRP warm from VROOM's
    plan. Extra cores: more PyVRP members. Optional OR-Tools polish. The best checked plan wins."""
    if not _pyvrp_takes(problem) or not problem.jobs or not problem.vehicles:
        return solve_routes(problem, params, progress)
    limit = params.time_limit_s
    polish_s = limit * params.polish_share
    bar: int | None = None

    def relay(entry: LogEntry) -> None:  # improvements on the portfolio's clock, only when better
        nonlocal bar
        if progress is not None and (bar is None or entry.objective < bar):
            bar = entry.objective
            progress(dataclasses.replace(entry, elapsed_s=time.monotonic() - started))

    vroom_first = any(j.source is not None for j in problem.jobs) or fleet_short(problem)  # VROOM starts
    iterations = params.iterations or calibrated_iterations(problem, limit - polish_s)
    extra = _workers(params) - 1
    pool = None
    futures = []
    if (
        extra > 0
    ):  # member k: seed + k // 2, odd members adaptive; on vroom_first member 1 is PyVRP's cold start
        pool = ProcessPoolExecutor(max_workers=extra, mp_context=get_context("spawn"))
        futures = [
            pool.submit(
                _member,
                (
                    problem,
                    limit - polish_s,
                    params.seed + k // 2,
                    iterations,
                    params.tuned,
                    k % 2 == 1 and not vroom_first,
                ),
            )
            for k in range(1, extra + 1)
        ]
    plans: list[RoutingResult] = []
    try:
        if vroom_first:
            first = _vroom_result(problem, (limit - polish_s) * VROOM_SHARE)
            if first is not None:
                relay(LogEntry(0.0, first.objective))
                plans.append(first)
            left = limit - polish_s - (time.monotonic() - started)
            budget = params.iterations or calibrated_iterations(problem, left)
            warm = _pyvrp_result(
                problem, left, params.seed, budget, params.tuned, first.routes if first else None, relay
            )
        else:
            warm = _pyvrp_result(
                problem, limit - polish_s, params.seed, iterations, params.tuned, progress=relay
            )
        if warm is not None:
            plans.append(warm)
        for f in futures:  # in member order: ties go to the earlier member
            other = f.result()
            if other is not None:
                plans.append(other)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    if not plans:  # no checked plan from PyVRP or VROOM: OR-Tools alone for the time left
        left = max(0.1, limit - (time.monotonic() - started))
        return solve_routes(problem, dataclasses.replace(params, time_limit_s=left), relay)
    best = min(plans, key=lambda p: p.objective)  # min keeps the first of equal plans
    if best is warm and vroom_first and plans[0] is not warm:
        best = dataclasses.replace(best, engine=f"{plans[0].engine}+{best.engine}")
    rest = limit - (time.monotonic() - started)
    if polish_s > 0 and rest > 0.05:
        polished = solve_routes(problem, dataclasses.replace(params, time_limit_s=rest), relay, best.routes)
        if polished.routes and not verify(problem, polished) and polished.objective < best.objective:
            best = dataclasses.replace(polished, engine=f"{best.engine}+ortools")
    log = (*best.log, LogEntry(time.monotonic() - started, best.objective))
    return dataclasses.replace(best, log=log, engine=f"race:{best.engine}")
