"""One entry point for routing: OR-Tools, PyVRP, VROOM, or all three one after another on one time budget.

Engine "race" (the default; so named in settings and results; measured in bench/RESULTS.md, explained in
docs/routing.md) runs its steps sequentially on one core and keeps the best plan that passes ``check.verify``:

1. OR-Tools' first plan (a fast insertion heuristic: the fallback, shown at once through ``progress``);
2. VROOM (when pyvroom is installed and can express the problem) for ``vroom_share`` of the budget: strongest of
   the three on pickup-and-delivery;
3. PyVRP on the product's own objective (every job may be left out at its drop penalty, so a fleet too small for
   the demand still gets a plan), started from the best plan so far;
4. OR-Tools polishes the best plan for ``polish_share`` of the budget: guided local search, or, deterministic,
   a greedy descent with a fixed number of improving moves.

``deterministic`` (the default): every step ends on a work budget derived from ``time_limit_s`` alone (VROOM's
exploration level by size, PyVRP's iterations by size, the descent's number of moves), never on how long earlier
steps took, so the same problem and seed give the same plan; the clock only caps each step (a much slower machine
can hit the cap, and then the plan depends on timing). Without PyVRP or VROOM (not installed or the problem has
features they cannot express) the remaining engines share the budget; OR-Tools alone gets all of it.
"""

from __future__ import annotations

import dataclasses
import os
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

PYVRP_WORK_PER_S = 160_000  # PyVRP iterations × jobs per second on the reference machine (bench/RESULTS.md)
VROOM_LEVEL1_S = 2.5  # VROOM's search time at exploration level 1 for 300 jobs there; × 1.9 per level up
VROOM_LEVEL_STEP = 1.9
POLISH_MAX_JOBS = (
    400  # above, one pass of OR-Tools' local search outlasts its time limit (600 jobs: 13.5 s for 5 s)
)
OR_TOOLS_MOVES_PER_S = 2.5  # improving moves per second of OR-Tools' greedy descent there (200-400 jobs)

ENGINES = ("ortools", "pyvrp", "vroom", "race")


def _vroom_result(problem: RoutingProblem, time_limit_s: float, exploration: int) -> RoutingResult | None:
    """VROOM's plan if pyvroom is installed, can express the problem and its plan passes the checker."""
    if time_limit_s <= 0.05 or not _vroom_takes(problem):
        return None
    from optimizer.routing import vroom_engine

    try:
        result = vroom_engine.solve_vroom(problem, time_limit_s, exploration)
    except (
        Exception
    ):  # VROOM refusing an input (e.g. its overflow guard) costs the race a member, never the plan
        return None
    return result if _checked(problem, result) else None


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
    prizes: bool = False,
    max_iterations: int | None = None,
) -> RoutingResult | None:
    """PyVRP's plan if PyVRP is installed, can express the problem and its plan passes the checker."""
    if not _pyvrp_takes(problem) or time_limit_s <= 0 or (stop is not None and stop()):
        return None
    from optimizer.routing import pyvrp_engine as routing_pyvrp

    result = routing_pyvrp.solve_pyvrp(
        problem,
        time_limit_s,
        seed,
        initial=initial,
        give_up_s=give_up_s,
        progress=progress,
        stop=stop,
        prizes=prizes,
        max_iterations=max_iterations,
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
        ``engine`` is "ortools", "pyvrp", "vroom" or "race"; ``time_limit_s`` bounds the whole call; ``workers``
        (default every core) lets the race run a second race in another process; ``deterministic`` (default)
        ends every step of the race on a work budget.
    progress : callable, optional
        Receives improving objectives (OR-Tools' plans, VROOM's and PyVRP's results) as they come.

    Returns
    -------
    RoutingResult
        The best plan found; "pyvrp" and "vroom" fall back to OR-Tools when they cannot take the problem or their
        plan fails the checker.
    """
    params = params or RoutingParams()
    if params.engine not in ENGINES:
        raise ValueError(f"unknown engine {params.engine!r}")
    started = time.monotonic()
    if params.engine == "ortools":
        return solve_routes(problem, params, progress)
    if params.engine == "pyvrp":
        alone = _pyvrp_result(
            problem, params.time_limit_s, params.seed, stop=params.stop, prizes=params.pyvrp_prizes
        )
        return alone if alone is not None else solve_routes(problem, params, progress)
    if params.engine == "vroom":
        level = _exploration(problem, params, params.time_limit_s)
        alone = _vroom_result(problem, params.time_limit_s, 0 if level is None else level)
        return alone if alone is not None else solve_routes(problem, params, progress)
    if _parallel(problem, params):
        return _two_cores(problem, params, progress, started)
    return _best_of(problem, params, progress, started)


def _best_of(
    problem: RoutingProblem, params: RoutingParams, progress: ProgressCallback | None, started: float
) -> RoutingResult:
    """The best checked plan of the steps of engine "race", run one after another on one time budget:
    OR-Tools' first plan → VROOM → PyVRP from the best plan so far → OR-Tools polishes the best plan."""
    if not _pyvrp_takes(problem) and not _vroom_takes(problem):
        return solve_routes(problem, params, progress)
    quick = "local_cheapest_insertion" if _big_pickup(problem, params) else params.first_solution
    first = solve_routes(
        problem, dataclasses.replace(params, first_solution=quick, first_solution_only=True), progress
    )
    plans = [first] if _checked(problem, first) else []
    relay = _Relay(progress, started, min((p.objective for p in plans), default=None))
    shares = _Shares.of(problem, params, started)
    level = _exploration(problem, params, shares.vroom_s)
    if shares.vroom_s > 0 and level is not None and not stopped(params):
        vroomed = _vroom_result(problem, min(shares.vroom_s, shares.left()), level)
        if vroomed is not None:
            plans.append(vroomed)
            relay(LogEntry(0.0, vroomed.objective))
    start = min(plans, key=lambda p: p.objective) if plans and params.pyvrp_start != "cold" else None
    pyvrp_s = shares.left() if not params.deterministic else min(shares.pyvrp_s, shares.left())
    iterations = _pyvrp_iterations(problem, shares.pyvrp_s) if params.deterministic else None
    found = _pyvrp_result(problem, pyvrp_s, params.seed, start.routes if start else None, None, relay,
                          params.stop, prizes=params.pyvrp_prizes, max_iterations=iterations)  # fmt: skip
    plans += [found] if found is not None else []
    return _finish(problem, params, first, plans, relay, started)


def _finish(
    problem: RoutingProblem,
    params: RoutingParams,
    first: RoutingResult,
    plans: list[RoutingResult],
    relay: _Relay,
    started: float,
) -> RoutingResult:
    """OR-Tools polishes the best plan for the time left (its nominal share is ``polish_share``); the result."""
    if not plans:
        return dataclasses.replace(first, engine="race:ortools")
    best = min(plans, key=lambda p: p.objective)
    best = _polished(problem, params, best, _left(params, started), relay)
    log = first.log
    if best is not first:
        log += ((LogEntry(time.monotonic() - started, best.objective)),)
    return dataclasses.replace(best, log=log, engine=f"race:{best.engine}")


def _left(params: RoutingParams, started: float) -> float:
    return params.time_limit_s - (time.monotonic() - started)


def _parallel(problem: RoutingProblem, params: RoutingParams) -> bool:
    """Two cores or more, a budget worth a second process (≥ 3 s) and a race to run (PyVRP or VROOM can take the
    problem; OR-Tools alone would only repeat itself)."""
    workers = params.workers if params.workers is not None else (os.cpu_count() or 1)
    return workers >= 2 and params.time_limit_s >= 3.0 and (_vroom_takes(problem) or _pyvrp_takes(problem))


def _two_cores(
    problem: RoutingProblem, params: RoutingParams, progress: ProgressCallback | None, started: float
) -> RoutingResult:
    """The multi-core race: the single-core race with the next seed in a second process (its limit a second shorter:
    the process takes about that to start), this process's own race meanwhile; the better checked plan wins."""
    from optimizer.routing.parallel import RaceAside

    other_params = dataclasses.replace(
        params, workers=1, seed=params.seed + 1, stop=None, time_limit_s=params.time_limit_s - 1.0
    )
    aside = RaceAside(problem, other_params)
    mine = _best_of(problem, dataclasses.replace(params, workers=1), progress, started)
    wait = 0.0 if stopped(params) else max(0.0, params.time_limit_s - (time.monotonic() - started)) + 0.25
    other = aside.collect(wait)
    if other is not None and _checked(problem, other) and other.objective < mine.objective:
        if progress is not None:
            progress(LogEntry(time.monotonic() - started, other.objective))
        return dataclasses.replace(other, engine=f"{other.engine} (core 2)")
    return mine


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
class _Shares:
    """The call's nominal split of ``time_limit_s`` (fixed in advance, so work budgets do not depend on timing):
    VROOM's share, PyVRP's share, and the polish kept for the end."""

    limit_s: float
    vroom_s: float
    pyvrp_s: float
    polish_s: float
    started: float

    @classmethod
    def of(cls, p: RoutingProblem, params: RoutingParams, started: float) -> _Shares:
        pickups = any(j.source is not None for j in p.jobs)
        vroom = params.vroom_share if params.vroom_share is not None else (0.75 if pickups else 0.4)
        limit = params.time_limit_s
        vroom = vroom if _vroom_takes(p) and _exploration(p, params, vroom * limit) is not None else 0.0
        polish = params.polish_share
        pyvrp = max(0.0, 1.0 - vroom - polish) if _pyvrp_takes(p) else 0.0
        return cls(limit, vroom * limit, pyvrp * limit, polish * limit, started)

    def left(self) -> float:
        """Wall time left before the polish."""
        return self.limit_s - self.polish_s - (time.monotonic() - self.started)


def _vroom_takes(problem: RoutingProblem) -> bool:
    try:
        from optimizer.routing import vroom_engine
    except ImportError:  # pyvroom is optional
        return False
    return vroom_engine.supports(problem)


def _exploration(problem: RoutingProblem, params: RoutingParams, seconds: float) -> int | None:
    """VROOM's exploration level: as given, or the highest level (0-5) whose search is expected to end by itself
    within 70 % of ``seconds`` on the reference machine (so its plan does not depend on the clock); None when even
    level 0 would not (VROOM is then left out)."""
    if params.vroom_exploration is not None:
        return params.vroom_exploration
    level_1 = VROOM_LEVEL1_S * (len(problem.jobs) / 300) ** 2.5
    fits = [k for k in range(6) if level_1 * VROOM_LEVEL_STEP ** (k - 1) <= 0.7 * seconds]
    return max(fits) if fits else None


def _pyvrp_iterations(problem: RoutingProblem, seconds: float) -> int:
    """PyVRP's work budget for ``seconds`` on the reference machine: its iterations slow down with size (below
    80 jobs other work dominates, so small problems count as 80)."""
    return max(50, int(PYVRP_WORK_PER_S * seconds / max(80, len(problem.jobs))))


def _polished(
    problem: RoutingProblem, params: RoutingParams, best: RoutingResult, rest: float, relay: _Relay
) -> RoutingResult:
    """OR-Tools' neighbourhoods (and its exact loading rule) polish ``best`` for at most ``rest`` seconds (guided
    local search, or, deterministic, a greedy descent that ends at its local optimum); the polished plan replaces
    it only when checked and better."""
    if rest <= 0.05 or stopped(params) or len(problem.jobs) > POLISH_MAX_JOBS:
        return best
    polish = dataclasses.replace(params, time_limit_s=rest)
    if params.deterministic:  # a greedy descent, its number of improving moves fixed by the nominal share
        moves = 1 + int(OR_TOOLS_MOVES_PER_S * params.polish_share * params.time_limit_s)
        polish = dataclasses.replace(polish, metaheuristic="greedy", solution_limit=moves)
    polished = solve_routes(problem, polish, relay, best.routes)
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
