"""The coverage service on small fake worlds: figures match a brute-force reference; scenarios change answers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockpile.coverage.circle import circle
from stockpile.coverage.commands import CircleQuery, Scenario, SitingQuery
from stockpile.coverage.siting import site as site_query
from stockpile.domain.coverage_world import RequirementNorm, UnknownCoverageItem
from stockpile.domain.errors import UnknownSite
from stockpile.domain.model import SiteType
from tests.support.coverage import ON, FakeTravel, deps, reference_circle, site, village, world

TENT = "1010101"


def _xy(s):
    return (s.location.lon, s.location.lat)


def _pt(v):
    return (v.lon, v.lat)


@st.composite
def small_worlds(draw):
    n_sites = draw(st.integers(1, 4))
    n_points = draw(st.integers(1, 5))
    sites = [
        site(i, draw(st.integers(0, 30)), draw(st.sampled_from([SiteType.POINT, SiteType.SUPERMARKET])))
        for i in range(1, n_sites + 1)
    ]
    villages = [
        village(j, draw(st.integers(0, 3000)), draw(st.sampled_from(["T1", "T2"]))) for j in range(n_points)
    ]
    stock = {(s.id, TENT): draw(st.integers(0, 60)) for s in sites if s.site_type is SiteType.POINT}
    agreements = [
        (s.id, TENT, draw(st.integers(0, 60)), draw(st.integers(0, 240)))
        for s in sites
        if s.site_type is SiteType.SUPERMARKET
    ]
    times = {
        (_xy(s), _pt(v)): draw(st.one_of(st.just(-1), st.integers(0, 7200))) for s in sites for v in villages
    }
    norm = RequirementNorm(TENT, per_point=draw(st.integers(0, 40)), per_1000=draw(st.integers(0, 20)))
    threshold = draw(st.sampled_from([1800, 3600, 5400]))
    damaged = draw(st.sets(st.sampled_from([s.code for s in sites]), max_size=1))
    return world(sites, villages, stock, agreements), FakeTravel(times), norm, threshold, frozenset(damaged)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_worlds())
def test_circle_matches_brute_force_on_small_worlds(case):
    """Every point's covered/uncovered verdict and reason equal the brute-force rule (damaged depots included)."""
    w, travel, norm, threshold, damaged = case
    rep = circle(
        CircleQuery((TENT,), threshold, Scenario(damaged), on=ON),
        deps(w, travel, (norm,), relief_targets_s=()),
    )
    expected = reference_circle(w, travel, norm, TENT, threshold, damaged)
    got = {p.code: p.reasons.get(TENT) for p in rep.points if p.required[TENT] > 0}
    assert got == expected
    county = rep.targets[0]
    assert county.points_uncovered == sum(1 for r in expected.values() if r)
    need_pop = {p.code: p.population for p in w.demand}
    assert county.population_uncovered == sum(need_pop[c] for c, r in expected.items() if r)


def _two_depot_world():
    near, far = site(1, 10), site(2, 10)
    v = village(0, 1000)
    travel = FakeTravel({(_xy(near), _pt(v)): 1200, (_xy(far), _pt(v)): 4000})
    w = world([near, far], [v], {(1, TENT): 150, (2, TENT): 500})
    return w, travel, RequirementNorm(TENT, per_point=200)


def test_damaged_depot_uncovers_the_village_it_served():
    """A village covered by its nearby depot becomes uncovered when that depot is damaged (受损)."""
    near, far = site(1, 10), site(2, 10)
    v = village(0, 1000)
    travel = FakeTravel({(_xy(near), _pt(v)): 1200, (_xy(far), _pt(v)): 1500})
    w = world([near, far], [v], {(1, TENT): 150, (2, TENT): 100})
    d = deps(w, travel, (RequirementNorm(TENT, per_point=200),))
    assert circle(CircleQuery((TENT,), 3600, on=ON), d).points[0].covered
    after = circle(CircleQuery((TENT,), 3600, Scenario(frozenset({"S1"})), on=ON), d)
    assert after.points[0].reasons == {TENT: "no_stock"}
    assert [s.damaged for s in after.sources] == [True, False]


def test_too_far_village_is_reported_with_its_earliest_arrival():
    """Stock that exists but arrives after T is `too_far`, with the arrival time (loading + travel) reported."""
    w, travel, norm = _two_depot_world()
    rep = circle(CircleQuery((TENT,), 3600, on=ON), deps(w, travel, (norm,)))
    p = rep.points[0]
    assert p.reasons == {TENT: "too_far"} and p.earliest_s[TENT] == 600 + 4000
    assert rep.targets[1].points_uncovered == 0  # the 8 h relief target is met


def test_blocked_road_passes_the_avoid_areas_to_the_router_and_changes_the_answer():
    """Blocked areas go to the travel provider; a cut road (unreachable) uncovers the village."""

    class Cut(FakeTravel):
        def matrix(self, origins, destinations, profile, avoid=None):
            m = super().matrix(origins, destinations, profile, avoid)
            if avoid is None:
                return m
            return type(m)(tuple(tuple(-1 for _ in row) for row in m.duration_s))

    near = site(1, 10)
    v = village(0, 1000)
    w = world([near], [v], {(1, TENT): 300})
    travel = Cut({(_xy(near), _pt(v)): 600})
    d = deps(w, travel, (RequirementNorm(TENT, per_point=200),))
    assert circle(CircleQuery((TENT,), 3600, on=ON), d).points[0].covered
    blocked = circle(CircleQuery((TENT,), 3600, Scenario(avoid="flood-v1"), on=ON), d)
    assert blocked.points[0].reasons == {TENT: "too_far"} and travel.calls[-1] == "flood-v1"


def test_agreement_stock_too_slow_is_named_as_such():
    """A village reachable only by agreement stock whose call-off lead exceeds T gets `agreement_too_slow`."""
    shop = site(1, 10, SiteType.SUPERMARKET)
    v = village(0, 1000)
    w = world([shop], [v], {}, agreements=[(1, TENT, 500, 120)])
    d = deps(w, FakeTravel({(_xy(shop), _pt(v)): 600}), (RequirementNorm(TENT, per_point=200),))
    rep = circle(CircleQuery((TENT,), 3600, on=ON), d)
    assert rep.points[0].reasons == {TENT: "agreement_too_slow"}
    assert rep.points[0].earliest_s[TENT] == (120 + 10) * 60 + 600


def test_per_capita_norm_scales_with_population():
    """Required = per point + ceil(per 1 000 × population ÷ 1 000); a shelter-only norm skips villages."""
    n = RequirementNorm(TENT, per_point=5, per_1000=15)
    assert n.required(1001, "village") == 5 + 16
    assert RequirementNorm(TENT, per_point=5, kinds=("shelter",)).required(1000, "village") == 0


def test_item_without_a_norm_is_refused_with_a_code():
    """The circle needs a requirement norm per item: a missing one raises no_requirement_norm."""
    w, travel, _ = _two_depot_world()
    with pytest.raises(UnknownCoverageItem) as e:
        circle(CircleQuery((TENT,), 3600, on=ON), deps(w, travel, ()))
    assert e.value.code == "no_requirement_norm"


def test_unknown_damaged_depot_is_refused():
    """Naming a depot that does not exist as damaged is an error, not a silent no-op."""
    w, travel, norm = _two_depot_world()
    with pytest.raises(UnknownSite):
        circle(CircleQuery((TENT,), 3600, Scenario(frozenset({"NOPE"})), on=ON), deps(w, travel, (norm,)))


def test_fallback_notice_reaches_the_report():
    """When the provider answered with the offline fallback, the report carries its notice and detail."""
    w, travel, norm = _two_depot_world()

    class Fallen(FakeTravel):
        def matrix(self, origins, destinations, profile, avoid=None):
            m = super().matrix(origins, destinations, profile, avoid)
            return type(m)(m.duration_s, "offline", "travel.fallback_offline", "connection_failed: refused")

    rep = circle(CircleQuery((TENT,), 3600, on=ON), deps(w, Fallen(travel.times), (norm,)))
    assert rep.travel.notice == "travel.fallback_offline" and rep.travel.is_estimate


def test_siting_opens_the_candidate_that_covers_the_most_weighted_people():
    """With k = 1 the candidate next to the big uncovered village is chosen; after ≥ before."""
    depot = site(1, 10)
    big, small = village(0, 5000), village(1, 100)
    from stockpile.coverage.commands import Candidate

    c_big, c_small = Candidate("C1", "近大村", 116.0, 29.51), Candidate("C2", "近小村", 116.01, 29.51)
    times = {
        ((c_big.lon, c_big.lat), _pt(big)): 600,
        ((c_small.lon, c_small.lat), _pt(small)): 600,
        (_xy(depot), _pt(small)): 9000,
    }
    w = world([depot], [big, small], {(1, TENT): 10})
    rep = site_query(SitingQuery(1, 3600, (c_big, c_small)), deps(w, FakeTravel(times), ()))
    assert [c.code for c in rep.chosen] == ["C1"]
    assert rep.population_before == 0 and rep.population_after == 5000 and not rep.violations


def test_capacity_reserve_arrives_in_batches_after_activation():
    """产能储备: per_day × batch_s ÷ 86 400 units per batch after activation; the 2nd batch fills 200 tents."""
    from dataclasses import replace
    from datetime import date

    from stockpile.domain.model import CapacityReserve

    maker = site(1, 10, SiteType.PRODUCER)
    v = village(0, 1000)
    w = replace(
        world([maker], [v], {}),
        capacity=(CapacityReserve(1, 1, 2400, 60, date(2026, 1, 1), date(2026, 12, 31)),),
    )
    d = deps(
        w,
        FakeTravel({(_xy(maker), _pt(v)): 600}),
        (RequirementNorm(TENT, per_point=200),),
        capacity_batch_s=3600,
    )
    p = circle(CircleQuery((TENT,), 4 * 3600, on=ON), d).points[0]
    assert p.covered and p.earliest_s[TENT] == 3600 + 2 * 3600 + 600 + 600
    slow = circle(CircleQuery((TENT,), 3 * 3600, on=ON), d).points[0]
    assert slow.reasons == {TENT: "agreement_too_slow"}
