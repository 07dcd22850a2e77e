"""Business rules of the dispatch allocation (optimizer.allocation.solve), each plan verified by check_allocation."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.allocation.check import check_allocation
from optimizer.allocation.problem import AllocationProblem, AllocationResult, DemandLine, ShortfallReason
from optimizer.allocation.solve import solve_allocation
from optimizer.errors import InvalidProblem
from optimizer.sources import UNREACHABLE, Source, SourceKind

HOUR = 3600


def depot(sid: str, *qty: int, loading: int = 0) -> Source:
    return Source(sid, SourceKind.PHYSICAL, tuple(qty), loading_s=loading)


def make(
    sources: list[Source],
    demands: list[DemandLine],
    travel: list[list[int]],
    distance: list[list[int]] | None = None,
    **kw: object,
) -> AllocationProblem:
    n_points = len(travel[0])
    return AllocationProblem(
        item_ids=("tent", "water")[: len(sources[0].available)],
        point_ids=tuple(f"V{k}" for k in range(n_points)),
        sources=tuple(sources),
        demands=tuple(demands),
        travel_s=tuple(tuple(r) for r in travel),
        distance_m=tuple(tuple(r) for r in (distance or [[max(t, 0) * 10 for t in row] for row in travel])),
        **kw,  # type: ignore[arg-type]
    )


def solve(p: AllocationProblem) -> AllocationResult:
    result = solve_allocation(p)
    assert check_allocation(p, result) == []
    return result


def served(result: AllocationResult, point: str, item: str = "tent") -> int:
    return sum(a.qty for a in result.lines if a.point_id == point and a.item_id == item)


def test_priority_demand_is_served_before_ordinary_demand_under_shortage() -> None:
    """With 100 tents for two villages of 80, the priority-1 shelter gets all 80 even though it is farther."""
    p = make([depot("D1", 100)], [DemandLine(0, 0, 80, 1), DemandLine(1, 0, 80, 3)], [[1200, 300]])
    result = solve(p)
    assert served(result, "V0") == 80 and served(result, "V1") == 20
    (gap,) = result.shortfalls
    assert (gap.point_id, gap.qty, gap.reason) == ("V1", 60, ShortfallReason.NO_STOCK)


def test_fair_share_equalises_served_fraction() -> None:
    """Under fair share, 100 tents for 80 + 120 requested gives both villages half, whatever their priority."""
    demands = [DemandLine(0, 0, 80, 1), DemandLine(1, 0, 120, 3)]
    result = solve(make([depot("D1", 100)], demands, [[600, 600]], fair_share=True))
    assert served(result, "V0") == 40 and served(result, "V1") == 60
    assert {g.reason for g in result.shortfalls} == {ShortfallReason.RATIONED}


def test_demand_is_split_across_depots_when_one_is_short() -> None:
    """A village needing 150 gets 100 from the near depot and the rest from the far one."""
    result = solve(make([depot("D1", 100), depot("D2", 100)], [DemandLine(0, 0, 150)], [[300], [900]]))
    by_source = {a.source_id: a.qty for a in result.lines}
    assert by_source == {"D1": 100, "D2": 50} and result.is_feasible


def test_agreement_stock_tops_up_when_physical_stock_runs_out() -> None:
    """A village needing 150 gets the near depot's 100 and 50 from a farther supermarket after its call-off."""
    market = Source("S1", SourceKind.AGREEMENT, (500,), lead_s=1800)
    result = solve(
        make([depot("D1", 100), market], [DemandLine(0, 0, 150, needed_by_s=4 * HOUR)], [[600], [900]])
    )
    lines = {a.source_id: (a.qty, a.ready_s, a.arrival_s) for a in result.lines}
    assert lines == {"D1": (100, 0, 600), "S1": (50, 1800, 2700)}


def test_on_time_stock_is_preferred_to_nearer_late_stock() -> None:
    """An agreement holder 5 min away with a 2 h call-off loses to a depot 50 min away for a 1 h deadline."""
    market = Source("S1", SourceKind.AGREEMENT, (100,), lead_s=2 * HOUR)
    p = make([market, depot("D1", 100)], [DemandLine(0, 0, 60, needed_by_s=HOUR)], [[300], [3000]])
    result = solve(p)
    assert {a.source_id for a in result.lines} == {"D1"} and result.objective[1] == 0


def test_late_stock_is_sent_rather_than_leaving_demand_unmet() -> None:
    """If only late stock exists, it is sent and counted late, not left unserved."""
    result = solve(make([depot("D1", 100)], [DemandLine(0, 0, 60, needed_by_s=600)], [[1800]]))
    assert served(result, "V0") == 60 and result.lines[0].late and result.objective[1] == 60


def test_stock_beyond_the_lateness_cap_leaves_demand_too_late() -> None:
    """With lateness capped at 30 min, stock arriving 2 h after the deadline is not sent: too_late."""
    p = make([depot("D1", 100)], [DemandLine(0, 0, 60, needed_by_s=HOUR)], [[3 * HOUR]], max_late_s=1800)
    (gap,) = solve(p).shortfalls
    assert gap.reason is ShortfallReason.TOO_LATE and gap.qty == 60


def test_village_cut_off_by_road_is_unreachable_not_an_error() -> None:
    """A village no stock-holding source can reach is reported unreachable, with nothing sent."""
    (gap,) = solve(make([depot("D1", 100)], [DemandLine(0, 0, 60)], [[UNREACHABLE]])).shortfalls
    assert gap.reason is ShortfallReason.UNREACHABLE


def test_item_nobody_holds_is_no_stock() -> None:
    """Demand for an item with no stock anywhere is a no_stock shortfall."""
    (gap,) = solve(make([depot("D1", 0)], [DemandLine(0, 0, 5)], [[60]])).shortfalls
    assert gap.reason is ShortfallReason.NO_STOCK


def test_near_expiry_stock_is_drawn_first_at_equal_distance() -> None:
    """Between two equally distant depots, the one whose stock is near expiry (draw cost 0) is used."""
    p = make(
        [depot("D1", 100), depot("D2", 100)], [DemandLine(0, 0, 50)], [[600], [600]], draw_cost=((500,), (0,))
    )
    assert {a.source_id for a in solve(p).lines} == {"D2"}


def test_capacity_reserve_ships_whole_batches_after_activation() -> None:
    """A producer activated in 1 h making 40 per hour supplies 80 by 3 h, in two batch lines."""
    maker = Source("C1", SourceKind.CAPACITY, (500,), lead_s=HOUR, batch_s=HOUR, batch_qty=(40,))
    p = make([maker], [DemandLine(0, 0, 80, needed_by_s=4 * HOUR)], [[600]], max_late_s=0)
    result = solve(p)
    assert sorted(a.ready_s for a in result.lines) == [2 * HOUR, 3 * HOUR] and result.is_feasible


def test_two_demand_lines_for_the_same_point_and_item_are_malformed() -> None:
    """One demand line per point and item: duplicates are rejected, not merged silently."""
    with pytest.raises(InvalidProblem):
        make([depot("D1", 1)], [DemandLine(0, 0, 1), DemandLine(0, 0, 2)], [[60]])


def brute_force(p: AllocationProblem) -> tuple[int, int, int]:
    """Lexicographic optimum by trying every integer split (physical stock, one item)."""
    pairs = [
        (s, j)
        for s in range(len(p.sources))
        for j in range(len(p.demands))
        if p.travel_s[s][p.demands[j].point] >= 0
    ]
    best: tuple[int, int, int] | None = None
    ranges = [range(min(p.sources[s].available[0], p.demands[j].qty) + 1) for s, j in pairs]
    for qs in itertools.product(*ranges):
        use = [0] * len(p.sources)
        got = [0] * len(p.demands)
        unmet = late = cost = 0
        for (s, j), q in zip(pairs, qs, strict=True):
            use[s] += q
            got[j] += q
            d = p.demands[j]
            if p.sources[s].loading_s + p.travel_s[s][d.point] > d.needed_by_s:
                late += q
            cost += q * p.distance_m[s][d.point]
        if any(u > p.sources[s].available[0] for s, u in enumerate(use)):
            continue
        if any(g > d.qty for g, d in zip(got, p.demands, strict=True)):
            continue
        unmet = sum(p.weight(d) * (d.qty - g) for g, d in zip(got, p.demands, strict=True))
        key = (unmet, late, cost)
        best = key if best is None else min(best, key)
    assert best is not None
    return best


@st.composite
def tiny(draw: st.DrawFn) -> AllocationProblem:
    n_s, n_p = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    sources = [
        depot(f"D{s}", draw(st.integers(0, 3)), loading=draw(st.sampled_from([0, 600]))) for s in range(n_s)
    ]
    demands = [
        DemandLine(k, 0, draw(st.integers(0, 3)), draw(st.integers(1, 3)), draw(st.sampled_from([600, 1800])))
        for k in range(n_p)
    ]
    travel = [[draw(st.sampled_from([UNREACHABLE, 300, 1500])) for _ in range(n_p)] for _ in range(n_s)]
    distance = [[draw(st.integers(0, 9)) for _ in range(n_p)] for _ in range(n_s)]
    return make(sources, demands, travel, distance)


@settings(max_examples=150, deadline=None)
@given(tiny())
def test_allocation_matches_brute_force_lexicographic_optimum(p: AllocationProblem) -> None:
    """Unmet weighted demand, then late units, then unit-metres: the flow solution equals exhaustive search."""
    result = solve(p)
    assert result.objective == brute_force(p)


@st.composite
def mixed(draw: st.DrawFn) -> AllocationProblem:
    n_s, n_p = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sources = []
    for s in range(n_s):
        kind = draw(st.sampled_from(list(SourceKind)))
        avail = tuple(draw(st.integers(0, 6)) for _ in range(2))
        lead = 0 if kind is SourceKind.PHYSICAL else draw(st.sampled_from([600, 3600]))
        per = tuple(draw(st.integers(0, 3)) for _ in range(2)) if kind is SourceKind.CAPACITY else ()
        sources.append(Source(f"S{s}", kind, avail, draw(st.sampled_from([0, 300])), lead, 1800, per))
    demands = [
        DemandLine(
            k, i, draw(st.integers(0, 6)), draw(st.integers(1, 3)), draw(st.sampled_from([1800, 7200]))
        )
        for k in range(n_p)
        for i in range(2)
        if draw(st.booleans())
    ]
    travel = [[draw(st.sampled_from([UNREACHABLE, 300, 2400])) for _ in range(n_p)] for _ in range(n_s)]
    return make(
        sources,
        demands,
        travel,
        max_late_s=draw(st.sampled_from([None, 0, 3600])),
        fair_share=draw(st.booleans()),
        horizon_s=draw(st.sampled_from([3 * HOUR, 24 * HOUR])),
    )


@settings(max_examples=100, deadline=None)
@given(mixed())
def test_every_plan_passes_the_independent_checker(p: AllocationProblem) -> None:
    """Any instance (agreement, capacity, lateness cap, fair share) yields a plan with no violation."""
    result = solve(p)
    assert sum(g.qty for g in result.shortfalls) + sum(a.qty for a in result.lines) == sum(
        d.qty for d in p.demands
    )


def best_min_fraction(p: AllocationProblem) -> float:
    """Largest min served fraction over lines some stock can reach, by exhaustive search (physical, one item)."""
    reach = [
        j
        for j, d in enumerate(p.demands)
        if d.qty > 0
        and any(p.travel_s[s][d.point] >= 0 and p.sources[s].available[0] > 0 for s in range(len(p.sources)))
    ]
    pairs = [(s, j) for s in range(len(p.sources)) for j in reach if p.travel_s[s][p.demands[j].point] >= 0]
    best = 0.0
    for qs in itertools.product(
        *[range(min(p.sources[s].available[0], p.demands[j].qty) + 1) for s, j in pairs]
    ):
        use, got = [0] * len(p.sources), [0] * len(p.demands)
        for (s, j), q in zip(pairs, qs, strict=True):
            use[s] += q
            got[j] += q
        if any(u > p.sources[s].available[0] for s, u in enumerate(use)) or any(
            got[j] > p.demands[j].qty for j in reach
        ):
            continue
        best = max(best, min((got[j] / p.demands[j].qty for j in reach), default=1.0))
    return best


@settings(max_examples=100, deadline=None)
@given(tiny())
def test_fair_share_reaches_the_best_minimum_served_fraction(p: AllocationProblem) -> None:
    """Under fair share, the least-served reachable line gets within 0.1 % of the best possible fraction."""
    p = AllocationProblem(
        p.item_ids, p.point_ids, p.sources, p.demands, p.travel_s, p.distance_m, fair_share=True
    )
    result = solve(p)
    got = {a.point_id: 0 for a in result.lines}
    for a in result.lines:
        got[a.point_id] += a.qty
    reach = [
        d
        for d in p.demands
        if d.qty > 0
        and any(p.travel_s[s][d.point] >= 0 and p.sources[s].available[0] > 0 for s in range(len(p.sources)))
    ]
    worst = min((got.get(p.point_ids[d.point], 0) / d.qty for d in reach), default=1.0)
    assert worst >= best_min_fraction(p) - 0.001


def _mutations() -> list[tuple[str, AllocationProblem, AllocationResult]]:
    """One broken copy of a sound plan per checker rule."""
    from dataclasses import replace

    p = make(
        [depot("D1", 50), depot("D2", 0)], [DemandLine(0, 0, 80, needed_by_s=HOUR)], [[600], [UNREACHABLE]]
    )
    good = solve_allocation(p)
    line, gap = good.lines[0], good.shortfalls[0]
    return [
        (
            "stock_exceeded",
            p,
            replace(good, lines=(replace(line, qty=60),), shortfalls=(replace(gap, qty=20),)),
        ),
        ("bad_arrival", p, replace(good, lines=(replace(line, arrival_s=line.arrival_s + 1),))),
        ("bad_late_flag", p, replace(good, lines=(replace(line, late=True),))),
        ("unbalanced", p, replace(good, shortfalls=())),
        ("bad_reason", p, replace(good, shortfalls=(replace(gap, reason=ShortfallReason.UNREACHABLE),))),
        ("bad_reason", p, replace(good, shortfalls=(replace(gap, reason=ShortfallReason.TOO_LATE),))),
        (
            "stock_left_unused",
            p,
            replace(good, lines=(replace(line, qty=40),), shortfalls=(replace(gap, qty=40),)),
        ),
        ("unreachable_line", p, replace(good, lines=(*good.lines, replace(line, source_id="D2", qty=0)))),
        ("objective_mismatch", p, replace(good, objective=(0, 0, 0))),
    ]


@pytest.mark.parametrize(
    ("code", "p", "bad"), _mutations(), ids=[f"{m[0]}-{k}" for k, m in enumerate(_mutations())]
)
def test_checker_reports_each_broken_rule(code: str, p: AllocationProblem, bad: AllocationResult) -> None:
    """A plan broken in one way is reported with that rule's code by the independent checker."""
    assert code in {v.code for v in check_allocation(p, bad)}
