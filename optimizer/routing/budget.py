"""Work budgets of the race's steps: how much work each engine does for a share of the time limit.

A deterministic race ends every step on a work budget (VROOM's searches and depth, PyVRP's counted work, the
polish's number of improving moves) derived from the time limit and the problem alone, never from how long earlier
steps took, so the same problem and seed give the same plan. The rates are the reference machine's, fitted on
tuning instances only (bench/RESULTS.md; ``python -m bench.pyvrp_rate`` for PyVRP's work clock). Pure arithmetic:
no solver imported.
"""

from __future__ import annotations

from collections.abc import Sequence

# PyVRP's work clock: its search's seconds on the reference machine, from what it counted (deterministic):
# moves × (MOVE_S + MOVE_S_PER_KJOB × jobs / 1000) + iterations × (ITERATION_S + ITERATION_JOB_S × jobs), one set
# per kind (without / with shipments), fitted by least squares on 75 tuning instances: the 45 of session 10 and 30
# of 5-50 jobs cut from them (bench/RESULTS.md, session 11); the per-iteration constant is PyVRP's own overhead
# per iteration, which small problems (a county's usual event) are made of
PYVRP_CLOCK = {
    # plain: predicted / actual time 0.78-1.14 on the tuning instances
    False: (17.2e-9, 7.46e-9, 16.5e-6, 0.267e-6),
    # shipments: 0.75-1.24
    True: (31.5e-9, 43.2e-9, 8.57e-6, 1.99e-6),
}
PYVRP_MARGIN = 0.9  # PyVRP's work budget is this part of its share: its search ends by itself, before its cap
# VROOM's time per search on the reference machine: at 300 jobs, by local-search depth 0-5, × (jobs / 300) to this
# power; fitted on 168 runs of the tuning instances at 1-32 searches (python -m bench.vroom_rate --fit, session 14):
# wall / estimate 0.64-1.37 at the race's work there. The level-1 time × 1.9 per level of sessions 10-13 left out
# VROOM's construction, a fixed part of every search: it was 1.6 × short on 50-150 jobs (up to 2.4 × at the race's
# work) and a level-2 to level-4 search cost 1.3 × what it said
VROOM_SEARCH_S = (0.196, 0.338, 0.529, 0.708, 0.901, 1.07)
VROOM_JOBS_POWER = 2.235
VROOM_SUB_LEVELS = ((4, 1), (2, 1), (1, 1), (1, 0))  # (searches, depth) below level 1, best first
# VROOM's work is chosen to end by itself within this part of its share: 0.7 with the estimate of sessions 10-13,
# which was 1.1-1.6 × short (median), so the work it chose ran most of the share; with the estimate unbiased, 0.85
# (session 14 on the 18 tuning instances at 10 s, PyVRP's fixed cost off its budget: mean cost 0.05 % below 0.7's,
# no step cut by the clock)
VROOM_MARGIN = 0.85
# the race plans VROOM at this many times its estimate: its time ran up to 1.37 × the estimate at the race's work
# on the tuning instances (bench/RESULTS.md, session 14; 2.5 with the estimate before)
VROOM_ROOM = 1.5
# above LARGE_JOBS: its estimate errs more there (tuning rows: rms of log 0.33 against 0.20 at 200-400 jobs, up to
# 1.94 ×); planned at 1/VROOM_MARGIN (1.18 ×) PyVRP was cut by the clock on 5 of 6 large tuning instances at 10 s,
# at 1.5 × on 2, at 2 × on 1 (session 15)
VROOM_ROOM_LARGE = 2.0
# A deterministic race's steps may run to this many times the call's limit (up to LARGE_JOBS jobs): each ends on
# its work budget, and the clock caps it only there, so that one step running over its estimate does not make a
# later step's plan depend on timing. VROOM's timeout with three searches or more is this multiple of the call's time
# left: VROOM cuts each search at timeout / searches, and with the time left itself (1.0) RS-pickup-1 and M-pickup-1
# gave cut plans at the reference speed, with 1.2 × or more their uncut plan every time; with half the time left for
# each search and no bound on the whole, a machine three times slower (two busy processes on its core) ran 10 s calls
# for 24-29 s (session 20). PyVRP and the polish were capped at the call's limit until session 21 and cut on the
# second of two identical runs (M-pickup-1) when VROOM had run over. A much slower or busier machine, where the
# steps' own work outlasts the limit, ends the call up to this much late; above LARGE_JOBS the limit holds (1.0)
DETERMINISTIC_STRETCH = 1.5
VROOM_TIMEOUT_OF_LEFT = DETERMINISTIC_STRETCH
LARGE_VROOM_SEARCHES = 2  # above LARGE_JOBS: more searches kept VROOM's plan and doubled its memory (bench/)
LARGE_JOBS = 400  # above, no OR-Tools model: one pass of its local search outlasts its time limit (600 jobs:
# 13.5 s for 5 s), its first plan of 800 pickups takes 7.6 s and its model holds 2-3 × PyVRP's memory
OR_TOOLS_MOVES_PER_S = 2.5  # improving moves per second of OR-Tools' greedy descent there (200-400 jobs)


def level_work(level: int) -> tuple[int, int]:
    """VROOM's own work for an exploration level (0-5): (number of searches, local-search depth), as VROOM maps it."""
    searches = 4 * (level + 1) + (4 if level >= 4 else 0) + (4 if level >= 5 else 0)
    return searches, level


def vroom_seconds(
    jobs: int,
    work: tuple[int, int],
    search_s: Sequence[float] = VROOM_SEARCH_S,
    power: float = VROOM_JOBS_POWER,
) -> float:
    """VROOM's expected search time on the reference machine for ``work`` (searches, depth): every search costs
    its depth's ``search_s`` at 300 jobs, × (jobs / 300)^``power`` (by default the fitted constants; other ones:
    ``bench/vroom_rate.py --fit``)."""
    searches, depth = work
    return float(searches * search_s[depth] * (jobs / 300) ** power)


def vroom_ladder(jobs: int) -> list[tuple[int, int]]:
    """VROOM's work options, most expected time first. Up to ``LARGE_JOBS`` jobs: each exploration level 5 down to 2,
    then that level's depth with fewer searches down to the level below's count (VROOM runs the first searches of
    its fixed list, so (20, 4) runs level 3's 16 searches and four more, each a level deeper: more work, never less),
    then level 1 and ``VROOM_SUB_LEVELS``; with whole levels alone the chosen work used 37-70 % of its share (a
    level costs 1.6-3.5 × the one below). Above ``LARGE_JOBS`` jobs only ``VROOM_SUB_LEVELS`` of at most
    ``LARGE_VROOM_SEARCHES`` searches (one deep search is worth more than many shallow ones there)."""
    if jobs > LARGE_JOBS:
        return [w for w in VROOM_SUB_LEVELS if w[0] <= LARGE_VROOM_SEARCHES]
    ladder = []
    for level in range(5, 1, -1):
        below = level_work(level - 1)[0]
        ladder += [(searches, level) for searches in range(level_work(level)[0], below - 1, -1)]
    return [*ladder, level_work(1), *VROOM_SUB_LEVELS]


def vroom_work(jobs: int, seconds: float, exploration: int | None = None) -> tuple[int, int] | None:
    """VROOM's work (searches, local-search depth): the level given, or the most work on ``vroom_ladder`` expected to
    end by itself within ``VROOM_MARGIN`` of ``seconds`` (so its plan does not depend on the clock); None when not
    even one search would end in time."""
    if exploration is not None:
        return level_work(exploration)
    for work in vroom_ladder(jobs):
        if vroom_seconds(jobs, work) <= VROOM_MARGIN * seconds:
            return work
    return None


def vroom_room_s(jobs: int, work: tuple[int, int]) -> float:
    """The time the race plans for VROOM's work: its estimate with room for the estimate's error (``VROOM_ROOM``,
    above ``LARGE_JOBS`` jobs ``VROOM_ROOM_LARGE``); the share's rest goes to PyVRP's budget."""
    return (VROOM_ROOM_LARGE if jobs > LARGE_JOBS else VROOM_ROOM) * vroom_seconds(jobs, work)


def pyvrp_work_s(moves: int, iterations: int, jobs: int, shipments: bool) -> float:
    """PyVRP's work in reference seconds: the move evaluations its local search counted (each costs a little more
    on a larger problem) and a per-iteration part, fixed (PyVRP's overhead per iteration, most of a tiny problem's
    time: without it 7 deliveries ran 2.3 × longer than the clock said) plus growing with the jobs (copying and
    updating the solution). The same input and seed count the same work, however busy the machine; the iteration
    rate alone varied 2.7 × between problems of one size (it counts no moves), this clock 0.75-1.24 ×."""
    move_s, move_s_per_kjob, iteration_s, iteration_job_s = PYVRP_CLOCK[shipments]
    return moves * (move_s + move_s_per_kjob * jobs / 1000) + iterations * (
        iteration_s + iteration_job_s * jobs
    )


# PyVRP's step costs this much beyond its search, whatever its limit (its model, ~n² edges built in Python, the
# warm start, re-timing and checking its plan): 0.06-0.07 s at 71-104 locations, 0.43 s at 316, 1.0-1.4 s at
# 571-588 (session 13, the least of two runs); a step started with less time than this outlasts the call's limit
PYVRP_SETUP_S, PYVRP_SETUP_S_PER_LOC2 = 0.05, 5e-6


def pyvrp_setup_s(locations: int) -> float:
    """The time PyVRP's step needs beyond its search on a problem of ``locations`` places; the race does not start
    PyVRP with less time left than this."""
    return PYVRP_SETUP_S + PYVRP_SETUP_S_PER_LOC2 * locations**2


def pyvrp_budget_s(seconds: float, locations: int) -> float:
    """PyVRP's work budget (reference seconds of ``pyvrp_work_s``) for a share of ``seconds`` on a problem of
    ``locations`` places: its margin's part of the share less its step's fixed cost (``pyvrp_setup_s``), which its
    work clock does not count (session 14, the 18 tuning instances at 10 s: with the fixed cost inside the budget
    two runs had a step cut by the clock, without none); 0 when the fixed cost takes the whole share."""
    return PYVRP_MARGIN * max(0.0, seconds - pyvrp_setup_s(locations))


def pyvrp_fits(work_s: float, locations: int, seconds: float) -> bool:
    """Whether PyVRP's step, its work budget ``work_s`` (reference seconds) and its fixed cost, is expected to end
    by itself within ``seconds`` on a machine as fast as the reference; else the clock will end it either way."""
    return pyvrp_setup_s(locations) + work_s <= seconds


# re-timing and checking a plan after its last step (n = 796: the call ended 0.26 s late without it)
FINISH_S_PER_JOB = 0.0005


def finish_s(jobs: int) -> float:
    """Time kept after the last step for re-timing and checking its plan, so that the call ends within its limit."""
    return FINISH_S_PER_JOB * jobs


def stretch(jobs: int, deterministic: bool) -> float:
    """How far past its limit a race's steps may run, as a multiple of the limit: ``DETERMINISTIC_STRETCH`` for a
    deterministic race up to ``LARGE_JOBS`` jobs, else 1 (the limit is the cap; above ``LARGE_JOBS`` the limit is a
    wall-time promise: n = 800 within 60 s)."""
    return DETERMINISTIC_STRETCH if deterministic and jobs <= LARGE_JOBS else 1.0


def polish_moves(seconds: float) -> int:
    """The deterministic polish's number of improving moves (OR-Tools' greedy descent) for its nominal share."""
    return 1 + int(OR_TOOLS_MOVES_PER_S * seconds)


def polish_fits(seconds: float, overrun_s: float) -> bool:
    """Whether the deterministic polish's moves are expected to end within its cap (twice its nominal share) less
    OR-Tools' overrun of a neighbourhood scan; else the clock would end it and the plan would depend on timing
    (M-agreement-2, 399 jobs at 10 s: 0.5 s left for 4 moves gave three different plans in three runs)."""
    return 2 * seconds - overrun_s >= polish_moves(seconds) / OR_TOOLS_MOVES_PER_S
