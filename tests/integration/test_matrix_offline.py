"""Offline travel-time estimate: haversine × detour factor ÷ speed, rounded up once."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point
from shapely.geometry import Polygon as ShapelyPolygon

from stockpile.adapters.travel.matrix import FallbackProvider, HaversineMatrix
from stockpile.ports.travel import (
    NOTICE_FALLBACK_OFFLINE,
    UNREACHABLE,
    AvoidAreas,
    LonLat,
    TravelMatrix,
    TravelTimeProvider,
    TravelTimeUnavailable,
)

DEPOT = LonLat(115.90, 29.60)
VILLAGE = LonLat(116.05, 29.75)
TOWN = LonLat(115.70, 29.40)
R_M = 6371008.8  # mean Earth radius used by the haversine library


def _hand_haversine_m(a: LonLat, b: LonLat) -> float:
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlmb = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * R_M * math.asin(math.sqrt(h))


def test_offline_estimate_is_haversine_times_detour_over_speed() -> None:
    """duration = ceil(haversine_m × 1.3 ÷ (50 km/h)), distance = ceil(haversine_m × 1.3), by hand."""
    m = HaversineMatrix().matrix([DEPOT], [VILLAGE, DEPOT], "driving-car")
    straight = _hand_haversine_m(DEPOT, VILLAGE)
    assert 21_000 < straight < 22_500  # ~21.7 km: a sanity check of the hand formula itself
    assert m.distance_m == ((math.ceil(straight * 1.3), 0),)
    assert m.duration_s == ((math.ceil(straight * 1.3 / (50 / 3.6)), 0),)
    assert m.source == "offline" and m.is_estimate and m.notice is None


def test_hgv_is_slower_than_car_by_the_speed_ratio() -> None:
    """driving-hgv uses its own speed (40 km/h): same distance, 5/4 the time (up to rounding)."""
    est = HaversineMatrix()
    car = est.matrix([DEPOT], [VILLAGE], "driving-car")
    hgv = est.matrix([DEPOT], [VILLAGE], "driving-hgv")
    assert car.distance_m == hgv.distance_m
    assert abs(hgv.duration_s[0][0] - car.duration_s[0][0] * 50 / 40) <= 2


def test_matrix_rows_are_origins_and_columns_destinations() -> None:
    """Entry [i][j] is origin i → destination j; non-square shapes keep their orientation."""
    m = HaversineMatrix().matrix([DEPOT, TOWN], [VILLAGE, DEPOT, TOWN], "driving-car")
    assert m.shape == (2, 3)
    assert m.duration_s[0][1] == 0 and m.duration_s[1][2] == 0
    assert m.duration_s[0][2] == m.duration_s[1][1]  # symmetric straight line


@settings(max_examples=60, deadline=None)
@given(
    pts=st.lists(
        st.tuples(st.floats(115.5, 116.3), st.floats(29.2, 30.0)).map(lambda t: LonLat(*t)),
        min_size=1,
        max_size=6,
    ),
    circuity=st.floats(1.0, 2.0),
)
def test_vectorised_matrix_equals_the_pairwise_hand_formula(pts: list[LonLat], circuity: float) -> None:
    """Every entry equals ceil(hand haversine × circuity ÷ speed) (±1 s for float order at a ceil boundary)."""
    m = HaversineMatrix(circuity=circuity).matrix(pts, pts, "driving-hgv")
    for i, a in enumerate(pts):
        for j, b in enumerate(pts):
            want = math.ceil(_hand_haversine_m(a, b) * circuity / (40 / 3.6))
            assert abs(m.duration_s[i][j] - want) <= 1


def test_empty_sides_give_an_empty_matrix() -> None:
    """No destinations → each origin row is empty, not an error."""
    m = HaversineMatrix().matrix([DEPOT], [], "driving-car")
    assert m.duration_s == ((),) and m.shape == (1, 0)


def test_unknown_profile_is_malformed_input() -> None:
    """A profile without a configured speed raises (malformed input), never guesses."""
    with pytest.raises(ValueError, match="foot-walking"):
        HaversineMatrix().matrix([DEPOT], [VILLAGE], "foot-walking")  # type: ignore[arg-type]


BLOCK = AvoidAreas.from_rings(
    "flood-v1", [[[[115.97, 29.60], [115.99, 29.60], [115.99, 29.75], [115.97, 29.75]]]]
)


def test_segment_through_an_avoid_area_is_penalised_offline() -> None:
    """Offline, a straight segment crossing a blocked area costs avoid_penalty × more; others unchanged."""
    est = HaversineMatrix(avoid_penalty=1.5)
    plain = est.matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    blocked = est.matrix([DEPOT], [VILLAGE, TOWN], "driving-car", BLOCK)
    assert blocked.distance_m[0][1] == plain.distance_m[0][1]  # TOWN lies the other way
    assert abs(blocked.distance_m[0][0] - plain.distance_m[0][0] * 1.5) <= 2


def test_segment_through_an_avoid_area_can_be_marked_unreachable() -> None:
    """With avoid_policy='unreachable' a crossing pair holds UNREACHABLE in both matrices."""
    m = HaversineMatrix(avoid_policy="unreachable").matrix([DEPOT], [VILLAGE, TOWN], "driving-car", BLOCK)
    assert m.duration_s[0][0] == UNREACHABLE and m.distance_m[0][0] == UNREACHABLE
    assert m.duration_s[0][1] > 0
    assert m.unreachable_pairs() == [(0, 0)]


def test_offline_isochrone_is_a_circle_of_speed_times_range_over_circuity() -> None:
    """A 30-min offline isochrone reaches 50 km/h × 0.5 h ÷ 1.3 ≈ 19.2 km in every direction."""
    iso = HaversineMatrix().isochrones([DEPOT], [1800, 900], "driving-car")
    assert [(i.point_index, i.range_s) for i in iso.isochrones] == [(0, 900), (0, 1800)]
    ring = iso.isochrones[1].polygon[0]
    radius = 50 / 3.6 * 1800 / 1.3
    assert ring[0] == ring[-1]
    for p in ring:
        assert abs(_hand_haversine_m(DEPOT, p) - radius) < 1.0
    assert iso.source == "offline"


def test_offline_isochrone_excludes_avoid_areas() -> None:
    """The blocked polygon is cut out of the offline isochrone."""
    iso = HaversineMatrix().isochrones([DEPOT], [3600], "driving-car", BLOCK).isochrones[0]
    shape = ShapelyPolygon(iso.polygon[0], holes=iso.polygon[1:])
    assert shape.covers(Point(DEPOT))
    assert not shape.covers(Point(115.98, 29.70))


def test_offline_directions_sum_the_straight_legs() -> None:
    """A route through three points lasts the sum of its two estimated legs."""
    est = HaversineMatrix()
    route = est.directions([DEPOT, VILLAGE, TOWN], "driving-hgv")
    m = est.matrix([DEPOT, VILLAGE], [VILLAGE, TOWN], "driving-hgv")
    assert route.leg_duration_s == (m.duration_s[0][0], m.duration_s[1][1])
    assert route.duration_s == sum(route.leg_duration_s)
    assert route.coordinates == (DEPOT, VILLAGE, TOWN) and route.reachable


class _DownProvider:
    identity = "down"

    def matrix(self, *a: object, **k: object) -> TravelMatrix:
        raise TravelTimeUnavailable("connection_refused", "no server on 127.0.0.1:9")

    isochrones = directions = matrix


def test_fallback_provider_answers_offline_with_a_notice_when_the_primary_is_down() -> None:
    """An unavailable primary gives the offline estimate, flagged travel.fallback_offline with the reason."""
    provider = FallbackProvider(primary=_DownProvider(), fallback=HaversineMatrix())  # type: ignore[arg-type]
    assert isinstance(provider, TravelTimeProvider)
    m = provider.matrix([DEPOT], [VILLAGE], "driving-car")
    assert m.source == "offline" and m.notice == NOTICE_FALLBACK_OFFLINE
    assert "connection_refused" in m.detail and "circuity=1.3" in m.detail
    assert provider.isochrones([DEPOT], [600], "driving-car").notice == NOTICE_FALLBACK_OFFLINE
    assert provider.directions([DEPOT, VILLAGE], "driving-car").notice == NOTICE_FALLBACK_OFFLINE


def test_fallback_provider_returns_the_primary_answer_untouched() -> None:
    """When the primary answers, its result is returned as is (no notice)."""
    primary = HaversineMatrix(circuity=1.1)
    provider = FallbackProvider(primary=primary, fallback=HaversineMatrix())
    assert provider.matrix([DEPOT], [VILLAGE], "driving-car") == primary.matrix(
        [DEPOT], [VILLAGE], "driving-car"
    )


def test_travel_matrix_rejects_floats_and_negative_times() -> None:
    """TravelMatrix holds ints ≥ 0 or UNREACHABLE only, in both grids alike."""
    with pytest.raises(ValueError):
        TravelMatrix(((1.5,),), ((1,),), "ors")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TravelMatrix(((-2,),), ((1,),), "ors")
    with pytest.raises(ValueError):
        TravelMatrix(((UNREACHABLE,),), ((10,),), "ors")


def test_avoid_area_rings_are_closed_and_validated() -> None:
    """Open rings are closed for GeoJSON; a ring of fewer than 3 distinct points or NaN is refused."""
    area = AvoidAreas.from_rings("v1", [[[[115.9, 29.6], [116.0, 29.6], [116.0, 29.7]]]])
    ring = area.to_geojson()["coordinates"][0][0]
    assert ring[0] == ring[-1] and len(ring) == 4
    with pytest.raises(ValueError):
        AvoidAreas.from_rings("v1", [[[[115.9, 29.6], [116.0, 29.6], [115.9, 29.6]]]])
    with pytest.raises(ValueError):
        AvoidAreas.from_rings("v1", [[[[115.9, 29.6], [116.0, float("nan")], [116.0, 29.7]]]])
    with pytest.raises(ValueError):
        AvoidAreas.from_rings("v1", [])
