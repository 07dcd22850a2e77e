"""The circle on the demo county: figures equal a brute-force reference; scenarios and ORS failures show."""

from __future__ import annotations

import json

import pytest

from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.coverage.commands import CircleQuery, PrepositionQuery, Scenario, SitingQuery
from tests.support.ors_standin import OrsStandin, Reply, closed_port_url

TENT, WATER = "1010101", "1020101"


@pytest.fixture(scope="module")
def svc(demo_url):
    return build_services(Settings(database_url=demo_url))


def _reference(svc, item: str, threshold_s: int) -> dict[str, str]:
    """Uncovered point code → reason, by plain loops over the read views and the same travel matrix."""
    norm = svc.coverage.norms()[item]
    avail = svc.views.available_to_dispatch(item)
    sites = svc.views.sites().set_index("code")
    points = svc.views.demand_points()
    codes = sorted(set(avail["site_code"]))
    m = svc.coverage.deps.travel.matrix(
        [(sites.loc[c, "lon"], sites.loc[c, "lat"]) for c in codes],
        list(zip(points["lon"], points["lat"], strict=True)),
        svc.coverage.deps.profile,
    )
    row = {c: m.duration_s[k] for k, c in enumerate(codes)}
    out = {}
    total = int(avail["qty"].sum())
    for j, p in points.iterrows():
        need = norm.required(int(p["population"]), p["kind"])
        if need == 0:
            continue

        def earliest(zero: bool, j=j, need=need) -> float:
            arr = []
            for _, a in avail.iterrows():
                t = row[a["site_code"]][j]
                if t >= 0:
                    ready = (
                        int(sites.loc[a["site_code"], "loading_minutes"]) if zero else int(a["lead_minutes"])
                    )
                    arr.append((ready * 60 + t, int(a["qty"])))
            got = 0
            for when, q in sorted(arr):
                got += q
                if got >= need:
                    return when
            return float("inf")

        if earliest(False) > threshold_s:
            slow = earliest(True) <= threshold_s
            out[p["code"]] = "no_stock" if total < need else "agreement_too_slow" if slow else "too_far"
    return out


@pytest.mark.parametrize(("item", "minutes"), [(TENT, 60), (TENT, 30), (WATER, 30), (WATER, 150)])
def test_demo_circle_matches_the_brute_force_reference(svc, item, minutes):
    """Uncovered villages and shelters of the demo county, with reasons, equal the brute-force answer."""
    rep = svc.coverage.circle(CircleQuery((item,), minutes * 60))
    got = {p.code: r for p, _, r in rep.uncovered()}
    assert got == _reference(svc, item, minutes * 60)
    assert rep.travel.source == "offline" and rep.travel.notice is None  # ORS off: the embedded estimate


def test_damaged_warehouse_widens_the_gap(svc):
    """The logistics-park warehouse (DC-WLY, 代储) holds most tents: damaged, no village gets 200 in time."""
    base = svc.coverage.circle(CircleQuery((TENT,), 3600)).targets[0]
    rep = svc.coverage.circle(CircleQuery((TENT,), 3600, Scenario(frozenset({"DC-WLY"}))))
    assert rep.targets[0].points_uncovered > base.points_uncovered
    assert {r for _, _, r in rep.uncovered()} == {"no_stock"}


def test_blocked_area_cuts_villages_off_when_offline_policy_is_unreachable(demo_url):
    """A flood polygon over the north-east cuts roads crossing it; villages there lose coverage."""
    s = build_services(Settings(database_url=demo_url, offline_avoid_policy="unreachable"))
    ring = [[115.95, 29.65], [116.2, 29.65], [116.2, 29.9], [115.95, 29.9], [115.95, 29.65]]
    geo = json.dumps({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}}).encode()
    avoid = s.coverage.read_avoid_areas(geo, "2026-07 洪水封路 v1")
    base = s.coverage.circle(CircleQuery((WATER,), 5400))
    cut = s.coverage.circle(CircleQuery((WATER,), 5400, Scenario(avoid=avoid)))
    assert cut.targets[0].points_uncovered > base.targets[0].points_uncovered
    assert cut.travel.avoid_version == "2026-07 洪水封路 v1"


def test_bad_geojson_is_refused_with_a_code(svc):
    """A blocked-area upload that is not GeoJSON polygons raises bad_avoid_areas (shown, never a traceback)."""
    from stockpile.domain.coverage_world import BadAvoidAreas

    for data in (
        b"not json",
        b'{"type": "Point", "coordinates": [1, 2]}',
        b'{"type": "Polygon", "coordinates": [[[500000, 3300000], [1, 2], [3, 4]]]}',
    ):
        with pytest.raises(BadAvoidAreas):
            svc.coverage.read_avoid_areas(data, "x")


def _ors_settings(demo_url, url, tmp_path):
    return Settings(
        database_url=demo_url,
        ors_enabled=True,
        ors_base_url=url,
        ors_max_attempts=2,
        ors_backoff_s=0.0,
        ors_timeout_s=2.0,
        ors_total_timeout_s=5.0,
        matrix_cache_dir=tmp_path,
    )


def test_road_times_come_from_ors_when_it_answers(demo_url, tmp_path):
    """With ORS enabled and reachable, the matrix source is `ors`, no notice; isochrones come from ORS too."""
    with OrsStandin() as ors:
        s = build_services(_ors_settings(demo_url, ors.url, tmp_path))
        rep = s.coverage.circle(CircleQuery((TENT,), 3600))
        areas = s.coverage.reach_areas(rep)
    assert rep.travel.source == "ors" and rep.travel.notice is None
    assert areas and {a["source"] for a in areas} == {"ors"}
    assert any("/v2/matrix/driving-hgv/json" in p for p in ors.paths())


@pytest.mark.parametrize("failure", ["refused", "server_error"])
def test_ors_failure_falls_back_to_the_estimate_with_a_notice(demo_url, tmp_path, failure):
    """Connection refused or persistent HTTP 500 → offline estimate, `travel.fallback_offline` notice."""
    if failure == "refused":
        rep = build_services(_ors_settings(demo_url, closed_port_url(), tmp_path)).coverage.circle(
            CircleQuery((TENT,), 3600)
        )
    else:
        with OrsStandin() as ors:
            ors.push(*[Reply(500, {"error": "down"}) for _ in range(4)])
            rep = build_services(_ors_settings(demo_url, ors.url, tmp_path)).coverage.circle(
                CircleQuery((TENT,), 3600)
            )
    assert rep.travel.source == "offline" and rep.travel.notice == "travel.fallback_offline"
    assert ("connection_failed" if failure == "refused" else "server_error") in rep.travel.detail
    offline = build_services(Settings(database_url=demo_url)).coverage.circle(CircleQuery((TENT,), 3600))
    assert {p.code for p, _, _ in rep.uncovered()} == {p.code for p, _, _ in offline.uncovered()}


def test_siting_on_the_demo_never_loses_coverage_and_is_proven(svc):
    """k = 2 new points at 10 minutes: covered population after ≥ before, status optimal, evaluator agrees."""
    rep = svc.coverage.site(SitingQuery(2, 600))
    assert len(rep.chosen) == 2 and rep.status == "optimal" and not rep.violations
    assert rep.population_after > rep.population_before


def test_prepositioning_on_the_demo_moves_only_what_exists(svc):
    """Pre-positioning water at 20 minutes: the evaluator finds no broken rule and no loss of coverage."""
    rep = svc.coverage.preposition(PrepositionQuery((WATER,), 1200))
    assert not rep.violations
    assert rep.covered_after[WATER] >= rep.covered_before[WATER]
