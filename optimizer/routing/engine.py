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

``deterministic`` (the default): every step ends on a work budget derived from ``time_limit_s`` and the problem
(VROOM's exploration level by size, PyVRP's counted work on its work clock, the descent's number of moves), never
on how long earlier steps took, so the same problem and seed give the same plan. The budgets are planned to end
within the limit on the reference machine; the clock only caps each step, at 1.5 × the limit up to 400 jobs
(``budget.stretch``; the limit itself above), so that a step running over its estimate does not cut a later one.
A machine much slower or busier than the reference can hit the cap, and then the plan depends on timing; short of
it, the call ends late rather than give another plan (at most half its time late). Without PyVRP or VROOM (not
installed or the problem has features they cannot express) the remaining engines share the budget; OR-Tools alone
gets all of it.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import math
import time
from typing import TYPE_CHECKING

from optimizer.routing import budget
from optimizer.routing.budget import LARGE_JOBS, LARGE_VROOM_SEARCHES, VROOM_SUB_LEVELS
from optimizer.routing.check import verify
from optimizer.routing.problem import (
    LogEntry,
    ProgressCallback,
    Route,
    RoutingProblem,
    RoutingResult,
    Status,
    StopFlag,
)
from optimizer.routing.solve import RoutingParams, search_overrun_s, solve_routes, stopped

if TYPE_CHECKING:  # pyvroom is optional: imported where VROOM runs
    from optimizer.routing.vroom_engine import VroomModel

# VROOM's share of the budget: with pickups it is the strongest member; without, where the fleet cannot carry all
# the demand it decides well which jobs to leave (priority first); where the fleet can, PyVRP is the stronger
VROOM_SHARE_PICKUPS, VROOM_SHARE_SHORT_FLEET, VROOM_SHARE_PLAIN = 0.75, 0.4, 0.15
QUICK_FIRST_S = 0.6  # large problems: VROOM's first plan (one search, no depth) is cut off here (+ its model)

ENGINES = ("ortools", "pyvrp", "vroom", "race")


def _vroom_result(
    problem: RoutingProblem, time_limit_s: float, work: tuple[int, int], model: VroomModel | None = None
) -> RoutingResult | None:
    """VROOM's plan (``work`` = searches, depth; ``model``: its input built by ``_vroom_model``) if pyvroom is
    installed, can express the problem and its plan passes the checker."""
    if time_limit_s <= 0.05 or not _vroom_takes(problem):
        return None
    from optimizer.routing import vroom_engine

    try:
        result = vroom_engine.solve_vroom(problem, time_limit_s, work=work, model=model)
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
    progress: ProgressCallback | None = None,
    stop: StopFlag | None = None,
    prizes: bool = False,
    max_work_s: float | None = None,
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
        progress=progress,
        stop=stop,
        prizes=prizes,
        max_work_s=max_work_s,
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
        ``engine`` is "ortools", "pyvrp", "vroom" or "race"; ``time_limit_s`` bounds the whole call (the
        deterministic race: on a machine as fast as the reference; where its steps' work outlasts the limit, up to
        400 jobs it ends late, by at most half the limit, rather than give another plan: ``budget.stretch``); ``workers``
        (default every core this process may use) lets the race run one further race per core, each in its own
        process; ``deterministic`` (default) ends every step of the race on a work budget.
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
    if (
        not 0 < params.time_limit_s < math.inf
    ):  # also NaN; an infinite limit overflowed OR-Tools' milliseconds
        raise ValueError(
            f"time_limit_s must be a positive, finite number of seconds, not {params.time_limit_s!r}"
        )
    started = time.monotonic()
    if params.engine == "ortools":
        return solve_routes(problem, params, progress)
    if params.engine == "pyvrp":
        alone = _pyvrp_result(
            problem, params.time_limit_s, params.seed, stop=params.stop, prizes=params.pyvrp_prizes
        )
        return alone if alone is not None else solve_routes(problem, params, progress)
    if params.engine == "vroom":
        work = _vroom_work(problem, params, params.time_limit_s)
        alone = _vroom_result(problem, params.time_limit_s, work or VROOM_SUB_LEVELS[-1])
        return alone if alone is not None else solve_routes(problem, params, progress)
    workers = _workers(problem, params)
    if _parallel(problem, params, workers):
        return _on_cores(problem, params, progress, started, workers)
    return _best_of(problem, params, progress, started)


def _best_of(
    problem: RoutingProblem, params: RoutingParams, progress: ProgressCallback | None, started: float
) -> RoutingResult:
    """The best checked plan of the steps of engine "race", run one after another on one time budget:
    a first plan → VROOM → PyVRP from the best plan so far → OR-Tools polishes the best plan."""
    if not _pyvrp_takes(problem) and not _vroom_takes(problem):
        return solve_routes(problem, params, progress)
    shares = _Shares.of(problem, params, started)
    model = _vroom_model(problem) if shares.large else None  # built once: VROOM's first plan and its step
    first = _first_plan(problem, params, progress, started, model)
    _give_back_memory(shares.large)
    relay = _Relay(progress, started, first.objective if _checked(problem, first) else None)
    work = shares.vroom_work
    # VROOM's cut-off first plan depends on the clock: a deterministic race builds on it only when VROOM's own
    # step does not fit the budget (then the plan may depend on timing, documented in docs/routing.md)
    cut_off = first.engine == "vroom" and params.deterministic and work is not None
    plans = [first] if _checked(problem, first) and not cut_off else []
    cut = _first_cut(first) if plans else ()  # the steps the clock ended
    if work is not None and not stopped(params):
        # deterministic: bounded by the call's end, not the polish's share, so that each search's slice has room
        left = shares.left(polish=not params.deterministic) - budget.finish_s(len(problem.jobs))
        vroomed = _vroom_result(
            problem, _vroom_timeout(shares, work, left, params.deterministic), work, model
        )
        model = None
        _give_back_memory(shares.large)
        if vroomed is not None:
            plans.append(vroomed)
            relay(LogEntry(0.0, vroomed.objective))
            cut += vroomed.cut_by_clock
    start = min(plans, key=lambda p: p.objective) if plans and params.pyvrp_start != "cold" else None
    # deterministic: the work budget ends it; the clock only caps, at the stretched end (``budget.stretch``) less
    # the time to re-time and check its plan. The cap reaches into the polish's share and past the limit: when VROOM
    # ran over its estimate, PyVRP still ends on its budget (the same plan) and the polish after it (M-pickup-1001,
    # M-delivery-1001: capped before the polish's share, PyVRP was cut by the clock at 0.5 of 0.9 and 3.6-3.8 of
    # 4.05 reference seconds; session 21: capped at the limit, M-pickup-1's polish was cut in one of two identical
    # runs). Not deterministic, the clock is PyVRP's budget: it ends before the polish's share
    pyvrp_s = (shares.end_left() if params.deterministic else shares.left()) - budget.finish_s(
        len(problem.jobs)
    )
    pyvrp_work = budget.pyvrp_budget_s(shares.pyvrp_s, problem.n_locations) if params.deterministic else None
    if pyvrp_work and not budget.pyvrp_fits(pyvrp_work, problem.n_locations, pyvrp_s):
        # the earlier steps ran so long that the clock will end PyVRP even at the stretched end: its plan depends on
        # timing either way, so it ends before the polish's share and the polish still gets its moves
        pyvrp_s -= shares.polish_s
    # a share of nothing (VROOM given all but the polish) or less than its step's fixed cost: no PyVRP step
    runs = pyvrp_work != 0.0 and shares.pyvrp_takes
    if runs and pyvrp_s < budget.pyvrp_setup_s(problem.n_locations):
        cut += ("pyvrp",)  # too little time left to build its model and check its plan: the clock left it out
    elif runs:
        found = _pyvrp_result(problem, pyvrp_s, params.seed, start.routes if start else None, relay,
                              params.stop, prizes=params.pyvrp_prizes, max_work_s=pyvrp_work)  # fmt: skip
        plans += [found] if found is not None else []
        cut += found.cut_by_clock if found is not None else ()
    if _beats(problem, first, plans):  # never true when ``first`` is already among them
        # the cut-off first plan was shown through progress: the answer is never worse than it. It wins only when
        # nothing else came or the clock cut the race's steps short; the answer then depends on the clock (named)
        plans.append(first)
        cut += _first_cut(first)
    return _finish(problem, params, first, plans, relay, started, shares, cut)


def _beats(problem: RoutingProblem, first: RoutingResult, plans: list[RoutingResult]) -> bool:
    """``first`` is a checked plan and better than every plan in ``plans`` (true when ``plans`` is empty)."""
    return _checked(problem, first) and all(first.objective < p.objective for p in plans)


def _first_cut(first: RoutingResult) -> tuple[str, ...]:
    """The first plan's steps the clock ended, named as the race's (the answer builds on that plan)."""
    return tuple(f"first plan ({e})" for e in first.cut_by_clock)


def _give_back_memory(large: bool) -> None:
    """After a step of a large problem: free what it left (reference cycles, then glibc's free lists) so that the
    next step's peak does not stack on it; the race's peak memory is then its largest member's, not their sum
    (bench/RESULTS.md). A no-op where the C library has no ``malloc_trim``."""
    if not large:
        return
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the memory stays with the process
        ctypes.CDLL(None).malloc_trim(0)


def _vroom_model(problem: RoutingProblem) -> VroomModel | None:
    """VROOM's input for ``problem`` (None when pyvroom is not installed, cannot take it or refuses it)."""
    if not _vroom_takes(problem):
        return None
    from optimizer.routing import vroom_engine

    try:
        return vroom_engine.build_model(problem)
    except Exception:  # VROOM refusing an input costs the race a member, never the plan
        return None


def _first_plan(
    problem: RoutingProblem,
    params: RoutingParams,
    progress: ProgressCallback | None,
    started: float,
    model: VroomModel | None = None,
) -> RoutingResult:
    """The plan shown at once: OR-Tools' insertion heuristic, or, above ``LARGE_JOBS`` jobs (no OR-Tools model
    there), VROOM's single search on ``model`` cut off at ``QUICK_FIRST_S``. That plan depends on the clock: a
    deterministic race starts PyVRP from it only when VROOM's own step does not fit the budget, and keeps it as
    the answer only when it beats every other step's plan (no step found one, or the clock cut them short)."""
    if len(problem.jobs) <= LARGE_JOBS or model is None:
        quick = "local_cheapest_insertion" if _big_pickup(problem, params) else params.first_solution
        return solve_routes(
            problem, dataclasses.replace(params, first_solution=quick, first_solution_only=True), progress
        )
    quick_plan = _vroom_result(problem, QUICK_FIRST_S, VROOM_SUB_LEVELS[-1], model)
    if quick_plan is None:
        return RoutingResult(Status.NO_SOLUTION, (), (), 0, 0, 0, (), "vroom")
    entry = LogEntry(time.monotonic() - started, quick_plan.objective)
    if progress is not None:
        progress(entry)
    return dataclasses.replace(quick_plan, log=(entry,))


def _finish(
    problem: RoutingProblem,
    params: RoutingParams,
    first: RoutingResult,
    plans: list[RoutingResult],
    relay: _Relay,
    started: float,
    shares: _Shares,
    cut: tuple[str, ...] = (),
) -> RoutingResult:
    """OR-Tools polishes the best plan for the time left (its nominal share is ``polish_share``); the result, with
    the steps the clock ``cut`` (the polish added when the clock ended it). With no checked plan at all: OR-Tools'
    own answer (its first plan, or, for a large problem, OR-Tools for the time left, so the caller always gets
    OR-Tools' diagnosis of what could not be served)."""
    if not plans:
        if first.engine != "vroom":
            return dataclasses.replace(first, engine="race:ortools")
        rest = dataclasses.replace(params, time_limit_s=max(1.0, _left(params, started)))
        return dataclasses.replace(solve_routes(problem, rest, relay), engine="race:ortools")
    best = min(plans, key=lambda p: p.objective)
    fits = not params.deterministic or budget.polish_fits(
        shares.polish_s, search_overrun_s(len(problem.jobs))
    )
    if not shares.large and fits:
        # deterministic: its moves end it, the stretched end caps it; else at most twice its nominal share
        polish_cap = (
            shares.end_left() - budget.finish_s(len(problem.jobs))
            if params.deterministic
            else min(_left(params, started), 2 * shares.polish_s)
        )
        best, polish_cut = _polished(problem, params, best, polish_cap, relay)
        cut += ("polish",) if polish_cut else ()
    log = first.log
    if best is not first:
        log += ((LogEntry(time.monotonic() - started, best.objective)),)
    return dataclasses.replace(best, log=log, engine=f"race:{best.engine}", cut_by_clock=cut)


def _left(params: RoutingParams, started: float) -> float:
    return params.time_limit_s - (time.monotonic() - started)


def _parallel(problem: RoutingProblem, params: RoutingParams, workers: int) -> bool:
    """Two ``workers`` or more, a budget worth a second process (≥ 3 s) and a race to run (PyVRP or VROOM can take
    the problem; OR-Tools alone would only repeat itself)."""
    return workers >= 2 and params.time_limit_s >= 3.0 and (_vroom_takes(problem) or _pyvrp_takes(problem))


def _workers(problem: RoutingProblem, params: RoutingParams) -> int:
    """The races to run at once: ``params.workers``, by default every core this process may use
    (``parallel.usable_cores``), fewer where the machine's memory would not hold that many processes
    (``parallel.processes_fitting``)."""
    from optimizer.routing.parallel import processes_fitting, usable_cores

    wanted = params.workers if params.workers is not None else usable_cores()
    return wanted if wanted < 2 else min(wanted, 1 + processes_fitting(len(problem.jobs)))


def _on_cores(
    problem: RoutingProblem,
    params: RoutingParams,
    progress: ProgressCallback | None,
    started: float,
    workers: int,
) -> RoutingResult:
    """The multi-core race on ``workers`` cores (``_workers``): a single-core race per further core, each with its
    own emphasis (``_core_params``), in its own process (its limit a second shorter: a process takes about that to start), this process's own race
    meanwhile; the best checked plan wins (on a tie the lower core: this process's first)."""
    from optimizer.routing.parallel import RaceAside

    asides = [RaceAside(problem, _core_params(problem, params, core)) for core in range(2, workers + 1)]
    mine = _best_of(problem, dataclasses.replace(params, workers=1), progress, started)
    # a deterministic race waits for the others until their stretched end, so that which plan wins does not depend
    # on which race ran over its estimate
    end = budget.stretch(len(problem.jobs), params.deterministic) * params.time_limit_s
    deadline = time.monotonic() if stopped(params) else max(time.monotonic(), started + end) + 0.25
    best, core = mine, 1
    for k, aside in enumerate(asides, start=2):
        other = aside.collect(deadline - time.monotonic())
        if other is not None and _checked(problem, other) and other.objective < best.objective:
            best, core = other, k
    if core == 1:
        return mine
    if progress is not None:
        progress(LogEntry(time.monotonic() - started, best.objective))
    return dataclasses.replace(best, engine=f"{best.engine} (core {core})")


def _core_params(problem: RoutingProblem, params: RoutingParams, core: int) -> RoutingParams:
    """The race of core ``core`` (2, 3, ...; core 1 is the caller's own race). Where the race leans on PyVRP (no
    pickups, a fleet that can carry everything) core 2 runs PyVRP alone then the polish (PyVRP given the whole time
    was the single engine that beat the race there), core 3 the race with the next seed, core 4 PyVRP alone with the
    next seed, and so on; elsewhere, with a share set by the caller, or above ``LARGE_JOBS`` jobs, core k runs the
    same race with seed + k - 1 (a race giving VROOM all the time was never better on the test family: VROOM's top
    level already fits the race's share on small problems, bench/RESULTS.md, session 10). One core each, no stop
    hook (it cannot cross processes), a limit a second shorter (the process takes about that to start)."""
    other = dataclasses.replace(params, workers=1, stop=None, time_limit_s=params.time_limit_s - 1.0)
    leans_on_pyvrp = (
        params.vroom_share is None
        and len(problem.jobs) <= LARGE_JOBS
        and _vroom_share(problem) == VROOM_SHARE_PLAIN
    )
    if not leans_on_pyvrp:
        return dataclasses.replace(other, seed=params.seed + core - 1)
    if core % 2 == 0:  # PyVRP alone then the polish: core 2 with this seed, core 4 with the next, ...
        return dataclasses.replace(other, vroom_share=0.0, seed=params.seed + core // 2 - 1)
    return dataclasses.replace(other, seed=params.seed + core // 2)  # the race: core 3 the next seed, ...


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
    VROOM's planned share, its work (None: VROOM is left out) and its time cap, PyVRP's share, and the polish kept
    for the end."""

    limit_s: float
    vroom_s: float
    pyvrp_s: float
    polish_s: float
    started: float
    vroom_work: tuple[int, int] | None = None
    vroom_cap_s: float = 0.0
    large: bool = False  # above LARGE_JOBS jobs: no OR-Tools model, no polish, VROOM's larger room
    pyvrp_takes: bool = False  # PyVRP is installed and can take the problem (asked once per call)
    stretch: float = 1.0  # the steps' cap, as a multiple of the limit (``budget.stretch``)

    @classmethod
    def of(cls, p: RoutingProblem, params: RoutingParams, started: float) -> _Shares:
        share = params.vroom_share if params.vroom_share is not None else _vroom_share(p)
        limit = params.time_limit_s
        work = _vroom_work(p, params, share * limit) if share > 0 and _vroom_takes(p) else None
        vroom_cap_s = vroom_s = 0.0 if work is None else share * limit
        large = len(p.jobs) > LARGE_JOBS
        if work is not None and params.vroom_exploration is None:
            # VROOM is planned at its expected time with room for its estimate's error; PyVRP's budget gets the
            # rest, while VROOM keeps its whole share as its cap (a timeout would make its plan timing-dependent).
            # Up to LARGE_JOBS this frees time only where VROOM's work is far below its share (its top level on
            # small problems ends in a fraction of it)
            vroom_s = min(vroom_s, budget.vroom_room_s(len(p.jobs), work))
        polish_s = 0.0 if large else params.polish_share * limit
        rest = limit - vroom_s - polish_s  # VROOM given all but the polish: 0, not a floating-point sliver
        takes = _pyvrp_takes(p)
        pyvrp_s = rest if rest > 1e-9 * limit and takes else 0.0
        stretch = budget.stretch(len(p.jobs), params.deterministic)
        return cls(limit, vroom_s, pyvrp_s, polish_s, started, work, vroom_cap_s, large, takes, stretch)

    def left(self, polish: bool = True) -> float:
        """Wall time left before the polish (``polish=False``: before the call's end)."""
        return self.limit_s - (self.polish_s if polish else 0.0) - (time.monotonic() - self.started)

    def end_left(self) -> float:
        """Wall time left before the steps' cap: the limit × ``stretch`` (a deterministic race's steps end on their
        work budgets; this cap binds only where they outlast it)."""
        return self.stretch * self.limit_s - (time.monotonic() - self.started)


def race_vroom_work(problem: RoutingProblem, params: RoutingParams) -> tuple[int, int] | None:
    """The work (searches, depth) the race gives VROOM on ``problem`` under ``params`` (None: VROOM left out); a
    function of the problem and the budget alone, as every work budget is."""
    return _Shares.of(problem, params, time.monotonic()).vroom_work


def _vroom_timeout(shares: _Shares, work: tuple[int, int], left_s: float, deterministic: bool) -> float:
    """VROOM's timeout: its share for every search, within the time left. VROOM splits its timeout evenly among its
    searches (each local search gets timeout / searches from its own start: vroom src/problems/vrp.h), and a search
    longer than its slice is cut unseen inside a step that as a whole ends early. Deterministic, with three
    searches or more, the time left (``left_s``: the call's end less the time to check a plan) is stretched by
    ``budget.VROOM_TIMEOUT_OF_LEFT``: with the time left itself (sessions 13-19: 0.29 s slices for 32 searches at
    10 s) RS-pickup-1 and M-pickup-1 gave cut plans, different ones run to run; with 1.2 × it or more their uncut
    plan every time (bench/RESULTS.md, session 20). The step's total is its searches' own time, which its work is
    chosen to keep within its share; only a much slower or busier machine runs into the stretch. Up to two searches
    (above ``LARGE_JOBS`` jobs) and not deterministic: the time left (for the latter, before the polish's)."""
    searches = work[0]
    stretch = budget.VROOM_TIMEOUT_OF_LEFT if deterministic and searches > LARGE_VROOM_SEARCHES else 1.0
    return min(searches * shares.vroom_cap_s, stretch * left_s)


def _vroom_share(p: RoutingProblem) -> float:
    """VROOM's default share: with pickups, or without when the trucks' loads cannot carry all the demand in some
    dimension (jobs must be left: VROOM keeps the higher priorities), else the small plain share."""
    if any(j.source is not None for j in p.jobs):
        return VROOM_SHARE_PICKUPS
    short = any(
        sum(v.capacity[d] for v in p.vehicles) < sum(j.demand[d] for j in p.jobs)
        for d in range(len(p.dimensions))
    )
    return VROOM_SHARE_SHORT_FLEET if short else VROOM_SHARE_PLAIN


def _vroom_takes(problem: RoutingProblem) -> bool:
    try:
        from optimizer.routing import vroom_engine
    except ImportError:  # pyvroom is optional
        return False
    return vroom_engine.supports(problem)


def _vroom_work(problem: RoutingProblem, params: RoutingParams, seconds: float) -> tuple[int, int] | None:
    """VROOM's work for ``seconds`` of this problem (``budget.vroom_work``; the level given wins)."""
    return budget.vroom_work(len(problem.jobs), seconds, params.vroom_exploration)


def _polished(
    problem: RoutingProblem, params: RoutingParams, best: RoutingResult, rest: float, relay: _Relay
) -> tuple[RoutingResult, bool]:
    """OR-Tools' neighbourhoods (and its exact loading rule) polish ``best`` for at most ``rest`` seconds (guided
    local search, or, deterministic, a greedy descent that ends at its local optimum); the polished plan replaces
    it only when checked and better. With it: whether the clock ended the polish (deterministic: before its moves;
    also when no time was left for it at all)."""
    # OR-Tools' search overruns its limit by a neighbourhood scan (``search_overrun_s``): no time for one, no polish
    if stopped(params):
        return best, False
    if rest - search_overrun_s(len(problem.jobs)) <= 0.05:
        return best, True
    polish = dataclasses.replace(params, time_limit_s=rest)
    if params.deterministic:  # a greedy descent, its number of improving moves fixed by the nominal share
        moves = budget.polish_moves(params.polish_share * params.time_limit_s)
        polish = dataclasses.replace(polish, metaheuristic="greedy", solution_limit=moves)
    polished = solve_routes(problem, polish, relay, best.routes)
    # guided local search (``deterministic=False``) always runs to the clock
    clock = bool(polished.cut_by_clock)
    if _checked(problem, polished) and polished.objective < best.objective:
        return dataclasses.replace(polished, engine=f"{best.engine}+ortools"), clock
    return best, clock


def _big_pickup(problem: RoutingProblem, params: RoutingParams) -> bool:
    """Large pickup-and-delivery problems start from local cheapest insertion (first plan within ~1 s)."""
    return (
        params.first_solution == "auto"
        and any(j.source is not None for j in problem.jobs)
        and len(problem.jobs) > params.quick_first_above
    )
