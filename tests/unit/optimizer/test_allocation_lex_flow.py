"""The sequential lexicographic flow (used for huge quantities) gives the same optimum as folded weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optimizer.allocation.solve as allocation
from optimizer.allocation.check import check_allocation
from optimizer.allocation.lex_flow import FlowNetwork, solve_lexicographic, solve_min_cost_flow
from optimizer.allocation.problem import AllocationProblem
from tests.unit.optimizer.test_allocation import brute_force, mixed, tiny


@st.composite
def transport(draw: st.DrawFn) -> tuple[FlowNetwork, list[np.ndarray]]:
    """Sources → sinks with an overflow node, three small cost tiers per arc."""
    n_s, n_d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    supply = [draw(st.integers(0, 4)) for _ in range(n_s)]
    demand = [draw(st.integers(0, 4)) for _ in range(n_d)]
    tails, heads = [], []
    for s in range(n_s):
        for d in range(n_d):
            if draw(st.booleans()):
                tails.append(s)
                heads.append(n_s + d)
    slack = n_s + n_d  # unmet demand comes from here, unused supply goes to "dump"
    dump = slack + 1
    tails += [slack] * n_d + list(range(n_s)) + [slack]
    heads += [n_s + d for d in range(n_d)] + [dump] * n_s + [dump]
    caps = [4] * (len(tails) - n_d - n_s - 1) + demand + supply + [sum(demand)]
    supplies = supply + [-d for d in demand] + [sum(demand), -sum(supply)]
    n_arcs = len(tails)
    tiers = [np.asarray([draw(st.integers(0, 3)) for _ in range(n_arcs)], dtype=np.int64) for _ in range(3)]
    net = FlowNetwork(*(np.asarray(x, dtype=np.int64) for x in (tails, heads, caps, supplies)))
    return net, tiers


@settings(max_examples=100, deadline=None)
@given(transport())
def test_sequential_tiers_equal_the_folded_weight_optimum(case: tuple[FlowNetwork, list[np.ndarray]]) -> None:
    """Fixing each tier's optimal face by reduced costs gives the same tier values as one big-weight solve."""
    net, tiers = case
    seq = solve_lexicographic(net, tiers)
    big = solve_min_cost_flow(net, tiers[0] * 10_000 + tiers[1] * 100 + tiers[2])
    assert [int(t @ seq) for t in tiers] == [int(t @ big) for t in tiers]


@settings(max_examples=100, deadline=None)
@given(tiny())
def test_allocation_by_sequential_tiers_matches_brute_force(p: AllocationProblem) -> None:
    """With folding disabled (as for huge quantities) the allocation still reaches the brute-force optimum."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(allocation, "_fold", lambda net, tiers, w: tiers)
        result = allocation.solve_allocation(p)
    assert check_allocation(p, result) == []
    assert result.objective == brute_force(p)


@settings(max_examples=100, deadline=None)
@given(mixed())
def test_sequential_and_folded_allocations_agree_on_every_tier(p: AllocationProblem) -> None:
    """Agreement, capacity, lateness caps and fair share: both solution paths give the same objective."""
    folded = allocation.solve_allocation(p)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(allocation, "_fold", lambda net, tiers, w: tiers)
        seq = allocation.solve_allocation(p)
    assert check_allocation(p, seq) == []
    assert seq.objective == folded.objective
