"""The solve's progress in words: improvement over the first plan, never the raw weighted objective."""

from __future__ import annotations

import pytest

from stockpile.dispatch.commands import improvement_over_first


def test_improvement_is_measured_against_the_first_plan() -> None:
    assert improvement_over_first([1000.0, 950.0, 876.0]) == pytest.approx(0.124)
    assert improvement_over_first([773_516_143.0, 700_000_000.0]) == pytest.approx(0.09504, abs=1e-5)


@pytest.mark.parametrize("objectives", [[], [1000.0], [1000.0, 1000.0], [1000.0, 1200.0], [0.0, 0.0]])
def test_no_improvement_yet_says_none(objectives: list[float]) -> None:
    assert improvement_over_first(objectives) is None
