"""Business rules of maximal-covering siting and pre-positioning, each answer checked by the evaluators."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.coverage.prepositioning import solve_prepositioning
from optimizer.coverage.siting import solve_max_covering
from optimizer.coverage.siting_check import evaluate_prepositioning, evaluate_siting
from optimizer.coverage.siting_problem import (
    Move,
    PrepositionGap,
    PrepositionProblem,
    SitingProblem,
    SitingResult,
)
from optimizer.errors import InvalidProblem
from optimizer.sources import UNREACHABLE

HOUR = 3600
FAR = 5 * HOUR


def siting(
    travel: list[list[int]],
    pop: list[int],
    k: int,
    existing: list[bool] | None = None,
    hazard: list[int] | None = None,
) -> SitingProblem:
    return SitingProblem(
        site_ids=tuple(f"S{j}" for j in range(len(travel))),
        existing=tuple(existing or [False] * len(travel)),
        village_ids=tuple(f"V{v}" for v in range(len(pop))),
        population=tuple(pop),
        hazard_weight=tuple(hazard or [1] * len(pop)),
        travel_s=tuple(tuple(r) for r in travel),
        k=k,
    )


def solve_checked(p: SitingProblem, solver: str = "cp_sat") -> SitingResult:
    result = solve_max_covering(p, time_limit_s=2.0, solver=solver)
    ev = evaluate_siting(p, result.chosen)
    assert ev.violations == ()
    assert (ev.covered_weight, ev.covered_population, ev.uncovered) == (
        result.covered_weight,
        result.covered_population,
        result.uncovered,
    )
    assert result.covered_weight <= result.bound
    return result


@pytest.mark.parametrize("solver", ["cp_sat", "highs"])
def test_siting_picks_the_site_covering_the_most_weighted_population(solver: str) -> None:
    """Of two sites, the one reaching a flood-prone village (hazard weight 3) beats one reaching more people."""
    p = siting([[600, FAR], [FAR, 600]], pop=[100, 250], k=1, hazard=[3, 1])
    result = solve_checked(p, solver)
    assert result.chosen == ("S0",) and result.covered_weight == 300 and result.status == "optimal"
    assert result.gap == 0.0


def test_existing_site_coverage_is_not_bought_twice() -> None:
    """A village an existing depot already covers adds nothing: the new site goes where the gap is."""
    p = siting(
        [[600, FAR, FAR], [600, FAR, FAR], [FAR, 600, FAR]],
        pop=[1000, 10, 5],
        k=1,
        existing=[True, False, False],
    )
    result = solve_checked(p)
    assert result.chosen == ("S2",) and result.base_weight == 1000 and result.uncovered == ("V2",)


def test_unreachable_village_stays_uncovered_whatever_is_opened() -> None:
    """A village cut off from every site is reported uncovered, not an error."""
    result = solve_checked(siting([[UNREACHABLE, 600]], pop=[50, 10], k=1))
    assert result.uncovered == ("V0",) and result.covered_population == 10


def test_zero_hazard_weight_is_malformed() -> None:
    """Hazard weights are multipliers ≥ 1; zero would silently drop a village."""
    with pytest.raises(InvalidProblem):
        siting([[600]], pop=[10], k=1, hazard=[0])


@st.composite
def tiny_siting(draw: st.DrawFn) -> SitingProblem:
    n_s, n_v = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    travel = [[draw(st.sampled_from([UNREACHABLE, 600, 3000, FAR])) for _ in range(n_v)] for _ in range(n_s)]
    existing = [draw(st.booleans()) and draw(st.booleans()) for _ in range(n_s)]
    pop = [draw(st.integers(0, 50)) for _ in range(n_v)]
    hazard = [draw(st.integers(1, 3)) for _ in range(n_v)]
    return siting(travel, pop, draw(st.integers(0, 3)), existing, hazard)


@settings(max_examples=80, deadline=None)
@given(tiny_siting(), st.sampled_from(["cp_sat", "highs"]))
def test_max_covering_matches_brute_force_over_all_site_sets(p: SitingProblem, solver: str) -> None:
    """The solver's covered weight equals the best over every choice of k candidates."""
    cands = [p.site_ids[j] for j in p.candidates]
    k = min(p.k, len(cands))
    best = max(evaluate_siting(p, combo).covered_weight for combo in itertools.combinations(cands, k))
    result = solve_checked(p, solver)
    assert result.covered_weight == best and result.status == "optimal" and len(result.chosen) == k


def prep(
    stock: list[list[int]],
    required: list[list[int]],
    reach: list[list[int]],
    move: list[list[int]],
    pop: list[int] | None = None,
) -> PrepositionProblem:
    return PrepositionProblem(
        point_ids=tuple(f"P{j}" for j in range(len(stock))),
        item_ids=tuple(f"I{i}" for i in range(len(stock[0]))),
        stock=tuple(tuple(r) for r in stock),
        village_ids=tuple(f"V{v}" for v in range(len(required))),
        population=tuple(pop or [100] * len(required)),
        required=tuple(tuple(r) for r in required),
        reach_s=tuple(tuple(r) for r in reach),
        move_s=tuple(tuple(r) for r in move),
    )


def test_prepositioning_moves_tents_to_the_point_near_the_uncovered_village() -> None:
    """All 200 tents sit at P0; the village near P1 needs 150, so 150 move from P0 to P1 and both are covered."""
    p = prep([[200], [0]], [[50], [150]], [[600, FAR], [FAR, 600]], [[0, 1800], [1800, 0]])
    result = solve_prepositioning(p, time_limit_s=2.0)
    assert result.moves == (Move("I0", "P0", "P1", 150),) and result.uncovered == ()
    assert result.move_cost == 150 * 1800 and result.status == "optimal"


def test_prepositioning_reports_why_villages_stay_uncovered() -> None:
    """Too little stock in the county, no point in reach, or stock better used for more people elsewhere."""
    reach = [[600, 600, FAR, 600], [FAR, FAR, 600, FAR]]
    p = prep([[100], [0]], [[100], [300], [80], [0]], reach, [[0, 1800], [1800, 0]], pop=[500, 50, 50, 10])
    result = solve_prepositioning(p, time_limit_s=2.0)
    reasons = {v: r for v, _, r in result.uncovered}
    assert reasons == {"V1": PrepositionGap.NOT_ENOUGH_STOCK, "V2": PrepositionGap.STOCK_NEEDED_ELSEWHERE}
    p2 = prep([[10]], [[5]], [[UNREACHABLE]], [[0]])
    assert solve_prepositioning(p2, 1.0).uncovered == (("V0", "I0", PrepositionGap.NO_POINT_IN_REACH),)


def brute_prep(p: PrepositionProblem) -> tuple[int, int]:
    """(covered population, -cost) best over every direct move plan (one item)."""
    n = len(p.point_ids)
    arcs = [
        (a, b) for a in range(n) for b in range(n) if a != b and p.stock[a][0] > 0 and p.move_s[a][b] >= 0
    ]
    best: tuple[int, int] | None = None
    for qs in itertools.product(*[range(p.stock[a][0] + 1) for a, _ in arcs]):
        moves = tuple(
            Move("I0", p.point_ids[a], p.point_ids[b], q) for (a, b), q in zip(arcs, qs, strict=True) if q
        )
        ev = evaluate_prepositioning(p, moves)
        if ev.violations:
            continue
        key = (ev.covered_population[0], -ev.move_cost)
        best = key if best is None else max(best, key)
    assert best is not None
    return best


@st.composite
def tiny_prep(draw: st.DrawFn) -> PrepositionProblem:
    n_p, n_v = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stock = [[draw(st.integers(0, 3))] for _ in range(n_p)]
    req = [[draw(st.integers(0, 4))] for _ in range(n_v)]
    reach = [[draw(st.sampled_from([UNREACHABLE, 600, FAR])) for _ in range(n_v)] for _ in range(n_p)]
    move = [
        [0 if a == b else draw(st.sampled_from([UNREACHABLE, 600, 1200])) for b in range(n_p)]
        for a in range(n_p)
    ]
    pop = [draw(st.integers(1, 30)) for _ in range(n_v)]
    return prep(stock, req, reach, move, pop)


@settings(max_examples=60, deadline=None)
@given(tiny_prep())
def test_prepositioning_matches_brute_force_coverage_then_cost(p: PrepositionProblem) -> None:
    """Covered population is maximal and, among such plans, the move cost minimal (exhaustive search)."""
    result = solve_prepositioning(p, time_limit_s=1.0)
    ev = evaluate_prepositioning(p, result.moves)
    assert ev.violations == () and ev.holdings == result.holdings and ev.move_cost == result.move_cost
    assert ev.covered_population == result.covered_population
    assert ev.uncovered == frozenset((v, i) for v, i, _ in result.uncovered)
    assert (result.covered_population[0], -result.move_cost) == brute_prep(p)
