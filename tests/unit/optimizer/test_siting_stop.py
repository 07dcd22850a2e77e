"""The siting and pre-positioning searches end early when their stop flag says so (a cancelled job). Siting:
CP-SAT is stopped from a watcher thread; HiGHS (not interruptible under MathOpt) hands over to a stoppable CP-SAT
after a short slice. Pre-positioning: each CP-SAT solve is stopped the same way."""

from __future__ import annotations

import time

import pytest

from optimizer.coverage.siting import HIGHS_SLICE_S, solve_max_covering
from tests.support.siting_hard import hard_siting


def _after(seconds: float):
    start = time.monotonic()
    return lambda: time.monotonic() - start > seconds


@pytest.fixture(scope="module")
def problem():
    return hard_siting()


@pytest.mark.parametrize("solver", ["highs", "cp_sat"])
def test_a_stopped_siting_search_ends_within_seconds(problem, solver):
    """A 60 s search asked to stop after 0.5 s returns within the HiGHS slice and a few seconds: k sites, a bound
    at least the weight covered."""
    begin = time.monotonic()
    res = solve_max_covering(problem, time_limit_s=60.0, solver=solver, stop=_after(0.5))
    took = time.monotonic() - begin
    assert took < HIGHS_SLICE_S + 3.0, f"{solver} ran {took:.1f} s after the stop"
    assert len(res.chosen) == problem.k and res.bound >= res.covered_weight > 0


def test_an_unstopped_flag_keeps_the_time_limit_and_the_answer(problem):
    """A flag that never says stop: the search uses its time (HiGHS then CP-SAT) and finds a choice within 3 %
    of HiGHS alone in the same time."""
    alone = solve_max_covering(problem, time_limit_s=4.0)
    begin = time.monotonic()
    res = solve_max_covering(problem, time_limit_s=4.0, stop=lambda: False)
    assert 3.0 < time.monotonic() - begin < 8.0
    assert res.covered_weight >= alone.covered_weight * 0.97 and res.bound >= res.covered_weight
    assert res.status in ("feasible", "optimal")


def test_a_stopped_prepositioning_search_ends_within_seconds():
    """Pre-positioning on an instance CP-SAT does not prove within 15 s, asked to stop after 0.5 s: it returns
    within a few seconds, and the moves it keeps (if any) stay within the stock."""
    from optimizer.coverage.prepositioning import solve_prepositioning
    from tests.support.preposition_hard import hard_preposition

    problem = hard_preposition()
    begin = time.monotonic()
    res = solve_prepositioning(problem, time_limit_s=60.0, stop=_after(0.5))
    took = time.monotonic() - begin
    assert took < 4.0, f"pre-positioning ran {took:.1f} s after the stop"
    moved: dict[str, int] = {}
    for m in res.moves:
        moved[m.from_id] = moved.get(m.from_id, 0) + m.qty
    stock = dict(zip(problem.point_ids, (s[0] for s in problem.stock), strict=True))
    assert all(q <= stock[p] for p, q in moved.items())
