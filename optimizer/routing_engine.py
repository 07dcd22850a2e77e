"""One entry point for routing: OR-Tools, PyVRP, VROOM, or the portfolio (``engine="race"``, the default).

The portfolio (issue 21, measured in bench/RESULTS.md and explained in docs/routing.md):

0. A greedy first plan (``routing_greedy.first_plan``, 0.25 s at n = 779) goes to ``progress`` at once and stays
   the fallback.
1. Plain deliveries whose fleet carries everything in one trip: PyVRP on the exact model (load once per depot
   visit, every job prize-collecting) gets the whole budget.
2. Pickup-and-delivery, or a fleet too short for one trip: VROOM first (``VROOM_SHARE`` of the budget at most),
   then PyVRP warm-started from VROOM's plan for the rest.
3. PyVRP stops after a deterministic iteration budget (``RoutingParams.iterations``, by default
   ``calibrated_iterations`` of the time limit); the time limit is only a safety cap.
4. With ``workers`` > 1 (default: every core) further PyVRP members run in other processes on the same budget:
   member k uses seed ``seed + k // 2``, odd members (on plain deliveries) the late-acceptance history adapted to
   the budget. The cheapest plan wins, ties to the earlier member: deterministic, and never worse than the
   one-core run (member 0).
5. OR-Tools' guided local search may polish the best plan for ``polish_share`` of the budget (default 0); its plan
   replaces the best only when it passes ``check.verify`` and costs less.
6. OR-Tools alone when neither PyVRP nor VROOM can take the problem or neither returns a checked plan.

Every plan must pass ``check.verify``; the cheapest checked plan wins, so the portfolio is never worse than the
best of its members' plans.
"""

from __future__ import annotations

import dataclasses
import math
import os
import pickle
import subprocess
import sys
import tempfile
import time

from optimizer.check import verify
from optimizer.routing import RoutingParams, solve_routes
from optimizer.routing_greedy import first_plan
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


def _start_member(
    problem: RoutingProblem, deadline: float, seed: int, iterations: int, tuned: bool, adaptive: bool
) -> subprocess.Popen[bytes] | None:
    """One PyVRP member of the parallel portfolio in its own interpreter (``optimizer.routing_worker``); its
    input goes through a private temporary file (the child deletes it)."""
    try:
        with tempfile.NamedTemporaryFile("wb", suffix=".pickle", delete=False) as f:
            pickle.dump((problem, deadline, seed, iterations, tuned, adaptive), f)
        return subprocess.Popen(
            [sys.executable, "-m", "optimizer.routing_worker", f.name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:  # no process could be started: the portfolio runs with the members it has
        return None


def _member_result(proc: subprocess.Popen[bytes] | None, deadline: float) -> RoutingResult | None:
    """The member's plan, or None when it failed or missed the deadline (then it is stopped)."""
    if proc is None:
        return None
    try:
        out, _ = proc.communicate(
            timeout=max(0.1, deadline - time.time() + 0.5)
        )  # timing: a deadline shared with the worker processes
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    if proc.returncode != 0 or not out:
        return None
    result = pickle.loads(out)
    return result if isinstance(result, RoutingResult) else None


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


# VROOM-first problems: VROOM's cap within the budget; PyVRP, warm from its plan, gets the rest
VROOM_SHARE = 0.85
# jobs × exploration level VROOM gets through per second of budget (measured on the loaded bench machine)
VROOM_WORK = 250
VROOM_SMALL = 120  # up to this many jobs VROOM always explores at level 5 (0.8-3.2 s at n = 55-100)


def vroom_exploration(problem: RoutingProblem, budget_s: float) -> int:
    """VROOM's exploration level: 5 for small problems, else the highest of 5, 3, 1 whose work (jobs × level)
    fits VROOM_WORK × budget, else 0. VROOM checks its timeout only between phases, so the level must fit the
    time (n = 300: level 3 took 3.1 s on a 1.4 s timeout, level 1 1.6 s)."""
    n = max(1, len(problem.jobs))
    if n <= VROOM_SMALL:
        return 5
    return next((level for level in (5, 3, 1) if n * level <= VROOM_WORK * budget_s), 0)


def _vroom_result(problem: RoutingProblem, time_limit_s: float) -> RoutingResult | None:
    """VROOM's plan if pyvroom is installed, can express the problem and its plan passes the checker."""
    try:
        from optimizer import routing_vroom
    except ImportError:  # pyvroom is optional
        return None
    if not routing_vroom.supports(problem) or time_limit_s <= 0.1:
        return None
    result = routing_vroom.solve_vroom(problem, time_limit_s, vroom_exploration(problem, time_limit_s))
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
    plans: list[RoutingResult] = []
    quick = first_plan(problem)  # within a second at n = 800: shown at once, kept as the fallback
    if quick.routes and not verify(problem, quick):
        relay(quick.log[0])
        plans.append(quick)
    first: RoutingResult | None = None
    deadline = time.time() + (limit - polish_s) - (time.monotonic() - started)  # timing: shared deadline
    # member k (other processes): seed + k // 2; odd members use the adaptive history (plain deliveries only);
    # on VROOM-first problems member 1 is PyVRP's own cold start
    members = [
        _start_member(
            problem, deadline, params.seed + k // 2, iterations, params.tuned, k % 2 == 1 and not vroom_first
        )
        for k in range(1, _workers(params))
    ]
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
        for proc in members:  # in member order: ties go to the earlier member
            other = _member_result(proc, deadline)
            if other is not None:
                plans.append(other)
    finally:
        for proc in members:
            if proc is not None and proc.poll() is None:
                proc.kill()
    if not plans:  # no checked plan from PyVRP or VROOM: OR-Tools alone for the time left
        left = max(0.1, limit - (time.monotonic() - started))
        return solve_routes(problem, dataclasses.replace(params, time_limit_s=left), relay)
    best = min(plans, key=lambda p: p.objective)  # min keeps the first of equal plans
    if best is warm and vroom_first and first is not None:
        best = dataclasses.replace(best, engine=f"vroom+{best.engine}")
    rest = limit - (time.monotonic() - started)
    if polish_s > 0 and rest > 0.05:
        polished = solve_routes(problem, dataclasses.replace(params, time_limit_s=rest), relay, best.routes)
        if polished.routes and not verify(problem, polished) and polished.objective < best.objective:
            best = dataclasses.replace(polished, engine=f"{best.engine}+ortools")
    log = (*best.log, LogEntry(time.monotonic() - started, best.objective))
    return dataclasses.replace(best, log=log, engine=f"race:{best.engine}")
