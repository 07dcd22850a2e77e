"""Business rules of the 1-hour guarantee circle measured on stock (optimizer.coverage.solve)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.coverage.problem import CoverageProblem, DemandPoint, GapReason
from optimizer.coverage.solve import competitive_coverage, compute_coverage
from optimizer.errors import InvalidProblem
from optimizer.sources import UNREACHABLE, Source, SourceKind

HOUR = 3600


def depot(sid: str, qty: int, loading: int = 600) -> Source:
    return Source(sid, SourceKind.PHYSICAL, (qty,), loading_s=loading)


def village(pid: str, need: int, pop: int = 100, town: str = "T1") -> DemandPoint:
    return DemandPoint(pid, pop, town, (need,))


def problem(
    sources: list[Source], points: list[DemandPoint], travel: list[list[int]], **kw: object
) -> CoverageProblem:
    n_items = len(sources[0].available) if sources else 1
    return CoverageProblem(
        item_ids=("tent", "water")[:n_items],
        points=tuple(points),
        sources=tuple(sources),
        travel_s=tuple(tuple(r) for r in travel),
        **kw,  # type: ignore[arg-type]
    )


def test_village_served_only_by_slow_agreement_stock_is_agreement_too_slow() -> None:
    """A village whose only stock is a supermarket agreement with a 2 h call-off is outside the hour for that reason."""
    market = Source("S1", SourceKind.AGREEMENT, (500,), loading_s=600, lead_s=2 * HOUR)
    result = compute_coverage(problem([market], [village("V1", 200)], [[1200]]))
    (gap,) = result.at(HOUR).uncovered
    assert gap.reason is GapReason.AGREEMENT_TOO_SLOW
    assert gap.earliest_arrival_s == 2 * HOUR + 600 + 1200
    assert result.at(8 * HOUR).uncovered == ()


def test_damaged_depot_no_longer_covers() -> None:
    """A depot marked damaged is left out: the village it covered alone becomes uncovered."""
    points, travel = [village("V1", 200)], [[900]]
    assert compute_coverage(problem([depot("D1", 500)], points, travel)).at(HOUR).uncovered == ()
    hit = compute_coverage(problem([depot("D1", 500)], points, travel, damaged_source_ids=frozenset({"D1"})))
    (gap,) = hit.at(HOUR).uncovered
    assert gap.reason is GapReason.NO_STOCK and gap.earliest_arrival_s is None


def test_stock_split_across_two_depots_arrives_when_the_second_lot_arrives() -> None:
    """200 tents from a near depot holding 120 and a farther one holding 100 arrive with the farther lot."""
    result = compute_coverage(
        problem([depot("D1", 120), depot("D2", 100)], [village("V1", 200)], [[600], [1800]])
    )
    assert result.earliest_arrival_s == ((600 + 1800,),)
    assert result.at(HOUR).uncovered == ()


def test_county_short_of_stock_is_no_stock() -> None:
    """If all undamaged sources together hold less than required, the reason is no_stock."""
    result = compute_coverage(problem([depot("D1", 150)], [village("V1", 200)], [[600]]))
    (gap,) = result.at(HOUR).uncovered
    assert gap.reason is GapReason.NO_STOCK


def test_enough_stock_beyond_the_hour_is_too_far() -> None:
    """Enough tents, but loading plus 70 minutes of road is outside the hour: too_far; inside 8 h."""
    result = compute_coverage(problem([depot("D1", 500)], [village("V1", 200)], [[70 * 60]]))
    (gap,) = result.at(HOUR).uncovered
    assert gap.reason is GapReason.TOO_FAR and gap.earliest_arrival_s == 600 + 70 * 60
    assert result.at(8 * HOUR).uncovered == ()


def test_unreachable_village_has_no_arrival_and_is_too_far() -> None:
    """A village cut off from the only depot holding stock has no arrival time and is too_far, not no_stock."""
    result = compute_coverage(problem([depot("D1", 500)], [village("V1", 200)], [[UNREACHABLE]]))
    assert result.earliest_arrival_s == ((None,),)
    assert result.at(HOUR).uncovered[0].reason is GapReason.TOO_FAR


def test_capacity_reserve_delivers_in_hourly_batches_after_activation() -> None:
    """A producer activated in 1 h making 100 per hour has 200 ready at 3 h; too slow, not too far."""
    maker = Source(
        "C1", SourceKind.CAPACITY, (1000,), loading_s=300, lead_s=HOUR, batch_s=HOUR, batch_qty=(100,)
    )
    result = compute_coverage(problem([maker], [village("V1", 200)], [[600]]))
    assert result.earliest_arrival_s == ((3 * HOUR + 300 + 600,),)
    assert result.at(HOUR).uncovered[0].reason is GapReason.AGREEMENT_TOO_SLOW


def test_village_needing_nothing_is_not_counted() -> None:
    """A point that needs none of an item is neither covered nor uncovered population for that item."""
    result = compute_coverage(problem([depot("D1", 0)], [village("V1", 0)], [[600]]))
    town = next(t for t in result.at(HOUR).townships if t.item_id == "tent")
    assert result.earliest_arrival_s == ((0,),)
    assert (town.points, town.population, town.ratio) == (0, 0, 1.0)


def test_township_ratio_is_covered_population_share() -> None:
    """The township ratio is the population covered over the population needing the item."""
    points = [village("V1", 100, pop=300), village("V2", 100, pop=100), village("V3", 100, pop=50, town="T2")]
    result = compute_coverage(problem([depot("D1", 1000)], points, [[600, 5000, 600]]))
    towns = {(t.township_id, t.item_id): t for t in result.at(HOUR).townships}
    t1 = towns[("T1", "tent")]
    assert (t1.points, t1.points_uncovered, t1.population, t1.population_uncovered) == (2, 1, 400, 100)
    assert t1.ratio == pytest.approx(0.75)
    assert towns[("T2", None)].ratio == 1.0
    county = result.at(HOUR).county("tent")
    assert (county.population, county.population_uncovered) == (450, 100)


def test_negative_travel_time_other_than_sentinel_is_malformed() -> None:
    """Only -1 means unreachable; any other negative travel time is rejected as malformed."""
    with pytest.raises(InvalidProblem):
        problem([depot("D1", 1)], [village("V1", 1)], [[-5]])


def brute_earliest(p: CoverageProblem, point: int, item: int) -> int | None:
    """Minimum over subsets of supply steps holding enough of the latest arrival in the subset."""
    need = p.points[point].required[item]
    if need == 0:
        return 0
    steps = []
    for s, src in enumerate(p.sources):
        t = p.travel_s[s][point]
        if src.id in p.damaged_source_ids or t == UNREACHABLE:
            continue
        steps += [(ready + src.loading_s + t, q) for ready, q in src.supply_steps(item, p.horizon)]
    best: int | None = None
    for r in range(1, len(steps) + 1):
        for combo in itertools.combinations(steps, r):
            if sum(q for _, q in combo) >= need:
                worst = max(t for t, _ in combo)
                best = worst if best is None else min(best, worst)
    return best


@st.composite
def tiny_problems(draw: st.DrawFn) -> CoverageProblem:
    n_s, n_p = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sources = []
    for s in range(n_s):
        kind = draw(st.sampled_from(list(SourceKind)))
        avail = tuple(draw(st.integers(0, 5)) for _ in range(2))
        lead = 0 if kind is SourceKind.PHYSICAL else draw(st.integers(0, 3)) * 1000
        per = tuple(draw(st.integers(0, 3)) for _ in range(2)) if kind is SourceKind.CAPACITY else ()
        sources.append(Source(f"S{s}", kind, avail, draw(st.integers(0, 900)), lead, 1500, per))
    points = [
        DemandPoint(f"P{k}", 10, "T", tuple(draw(st.integers(0, 6)) for _ in range(2))) for k in range(n_p)
    ]
    travel = [
        [draw(st.sampled_from([UNREACHABLE, 300, 1200, 2500, 4000])) for _ in range(n_p)] for _ in sources
    ]
    damaged = frozenset(s.id for s in sources if draw(st.booleans()) and draw(st.booleans()))
    return problem(
        sources, points, travel, damaged_source_ids=damaged, horizon_s=draw(st.sampled_from([3600, 9000]))
    )


@settings(max_examples=150, deadline=None)
@given(tiny_problems())
def test_earliest_arrival_matches_brute_force_over_source_subsets(p: CoverageProblem) -> None:
    """The sorted cumulative rule gives the same earliest arrival as trying every subset of sources."""
    result = compute_coverage(p)
    for k in range(len(p.points)):
        for i in range(2):
            assert result.earliest_arrival_s[k][i] == brute_earliest(p, k, i)
    for t in result.thresholds:
        for gap in t.uncovered:
            e = gap.earliest_arrival_s
            assert e is None or e > t.threshold_s


def test_villages_sharing_one_depot_lose_out_when_all_ask_at_once() -> None:
    """300 tents cover two villages of 200 each on their own, but only one when both draw at once."""
    p = problem([depot("D1", 300)], [village("V1", 200), village("V2", 200)], [[600, 900]])
    assert compute_coverage(p).at(HOUR).uncovered == ()
    (gap,) = competitive_coverage(p, HOUR).uncovered
    assert gap.reason is GapReason.SHARED_STOCK


@settings(max_examples=60, deadline=None)
@given(tiny_problems())
def test_competition_never_covers_what_a_point_alone_cannot_get(p: CoverageProblem) -> None:
    """Every pair uncovered per point stays uncovered, with the same reason, when points compete."""
    for t in p.thresholds_s:
        alone = {(u.point_id, u.item_id): u.reason for u in compute_coverage(p).at(t).uncovered}
        joint = {(u.point_id, u.item_id): u.reason for u in competitive_coverage(p, t).uncovered}
        assert alone.items() <= joint.items()
