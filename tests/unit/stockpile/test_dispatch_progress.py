"""The solve's progress in words: improvement over the first plan, never the raw weighted objective."""

from __future__ import annotations

import pytest

from stockpile.dispatch.commands import improvement_over_first, solve_bar


def test_improvement_is_measured_against_the_first_plan() -> None:
    assert improvement_over_first([1000.0, 950.0, 876.0]) == pytest.approx(0.124)
    assert improvement_over_first([773_516_143.0, 700_000_000.0]) == pytest.approx(0.09504, abs=1e-5)


@pytest.mark.parametrize("objectives", [[], [1000.0], [1000.0, 1000.0], [1000.0, 1200.0], [0.0, 0.0]])
def test_no_improvement_yet_says_none(objectives: list[float]) -> None:
    assert improvement_over_first(objectives) is None


@pytest.mark.parametrize(
    ("elapsed", "limit", "share", "overtime"),
    [
        (0.0, 10.0, 0.0, False),
        (-2.0, 10.0, 0.0, False),  # a clock a little behind the job's start
        (4.0, 10.0, 0.4, False),
        (10.0, 10.0, 1.0, False),
        (12.5, 10.0, 1.0, True),  # the stretched end: the bar stays full and says the last step is finishing
        (0.5, 0.2, 0.5, False),  # a limit under a second is read as one second
    ],
)
def test_the_bar_is_full_at_the_limit_and_says_when_the_solve_runs_past_it(
    elapsed: float, limit: float, share: float, overtime: bool
) -> None:
    assert solve_bar(elapsed, limit) == (pytest.approx(share), overtime)
