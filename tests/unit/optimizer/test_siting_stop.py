"""The siting search ends early when its stop flag says so (a cancelled job), with either solver: CP-SAT is
stopped from a watcher thread; HiGHS (not interruptible under MathOpt) hands over to a stoppable CP-SAT after a
short slice. Without a flag, a hard instance runs to its time limit."""

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
    """A 60 s search asked to stop after 0.5 s returns within the HiGHS slice and a second: k sites, a bound
    at least the weight covered."""
    begin = time.monotonic()
    res = solve_max_covering(problem, time_limit_s=60.0, solver=solver, stop=_after(0.5))
    took = time.monotonic() - begin
    assert took < HIGHS_SLICE_S + 2.0, f"{solver} ran {took:.1f} s after the stop"
    assert len(res.chosen) == problem.k and res.bound >= res.covered_weight > 0


def test_an_unstopped_flag_keeps_the_time_limit_and_the_answer(problem):
    """A flag that never says stop: the search uses its time (HiGHS then CP-SAT) and finds a choice within 1 %
    of HiGHS alone in the same time."""
    alone = solve_max_covering(problem, time_limit_s=4.0)
    begin = time.monotonic()
    res = solve_max_covering(problem, time_limit_s=4.0, stop=lambda: False)
    assert 3.0 < time.monotonic() - begin < 8.0
    assert res.covered_weight >= alone.covered_weight * 0.99 and res.bound >= res.covered_weight
    assert res.status in ("feasible", "optimal")
