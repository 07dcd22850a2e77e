"""openrouteservice adapter against the local stand-in: chunking, avoid areas, parsing, rounding, unreachable."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile.adapters.travel.ors import (
    OrsLimits,
    OrsProvider,
    matrix_blocks,
    parse_isochrones,
    parse_matrix,
    parse_route,
)
from stockpile.ports.travel import (
    NOTICE_ISOCHRONE_RANGE_OFFLINE,
    UNREACHABLE,
    AvoidAreas,
    LonLat,
    TravelTimeProvider,
    TravelTimeUnavailable,
)
from tests.support.ors_standin import OrsStandin, recorded, road

DEPOT = LonLat(115.90, 29.60)
VILLAGE = LonLat(116.05, 29.75)
TOWN = LonLat(115.70, 29.40)
FLOOD = AvoidAreas.from_rings(
    "2024-07 洪水封路 v2", [[[[115.97, 29.60], [115.99, 29.60], [115.99, 29.75], [115.97, 29.75]]]]
)


@pytest.fixture
def standin() -> Iterator[OrsStandin]:
    with OrsStandin() as server:
        yield server


def _ors(server: OrsStandin, **kw: object) -> OrsProvider:
    return OrsProvider(base_url=server.url, timeout_s=2.0, sleep=lambda s: None, **kw)  # type: ignore[arg-type]


def _grid(n: int) -> list[LonLat]:
    return [LonLat(115.6 + 0.6 * (k % 7) / 7, 29.3 + 0.6 * (k // 7) / 7) for k in range(n)]


def test_ors_matrix_is_rounded_up_once_to_int_seconds_and_metres(standin: OrsStandin) -> None:
    """Each ORS float is ceil-ed to an int; rows are origins, columns destinations."""
    m = _ors(standin).matrix([DEPOT, VILLAGE], [VILLAGE, TOWN, DEPOT], "driving-car")
    assert m.source == "ors" and m.notice is None and m.shape == (2, 3)
    s, d = road(list(DEPOT), list(TOWN), "driving-car")
    assert (m.duration_s[0][1], m.distance_m[0][1]) == (math.ceil(s), math.ceil(d))
    assert m.duration_s[0][2] == 0 and m.duration_s[1][0] == 0
    body = standin.requests[0].body
    assert body["metrics"] == ["duration", "distance"] and body["sources"] == [0, 1]
    assert body["locations"][0] == [115.90, 29.60]  # [lon, lat] order


def test_matrix_is_chunked_to_the_api_limit(standin: OrsStandin) -> None:
    """A matrix larger than the element limit is sent in blocks ≤ the limit and reassembled exactly."""
    standin.limits.matrix_elements = 12
    pts = _grid(9)
    chunked = _ors(standin, limits=OrsLimits(matrix_max_elements=12)).matrix(pts[:5], pts, "driving-hgv")
    sizes = [len(r.body["sources"]) * len(r.body["destinations"]) for r in standin.requests]
    assert len(sizes) > 1 and max(sizes) <= 12 and sum(sizes) == 5 * 9
    standin.limits.matrix_elements = 3500
    whole = _ors(standin).matrix(pts[:5], pts, "driving-hgv")
    assert chunked.duration_s == whole.duration_s and chunked.distance_m == whole.distance_m


@given(n=st.integers(1, 40), m=st.integers(1, 40), limit=st.integers(1, 100))
def test_matrix_blocks_cover_every_cell_once_within_the_limit(n: int, m: int, limit: int) -> None:
    """The chunk plan tiles the n × m matrix exactly (brute-force cell count) with no block over the limit."""
    seen: list[tuple[int, int]] = []
    for rows, cols in matrix_blocks(n, m, limit):
        assert 0 < len(rows) * len(cols) <= limit
        seen += [(i, j) for i in rows for j in cols]
    assert sorted(seen) == [(i, j) for i in range(n) for j in range(m)]


def test_oversized_unchunked_matrix_is_refused_by_the_server(standin: OrsStandin) -> None:
    """Control for the chunking test: the stand-in really refuses more elements than its limit."""
    standin.limits.matrix_elements = 12
    with pytest.raises(TravelTimeUnavailable, match="http_error: matrix: HTTP 400"):
        _ors(standin, limits=OrsLimits(matrix_max_elements=100)).matrix(_grid(5), _grid(9), "driving-car")


def test_avoid_polygons_are_sent_to_ors(standin: OrsStandin) -> None:
    """Blocked roads reach ORS as options.avoid_polygons (a closed GeoJSON MultiPolygon) on every endpoint."""
    ors = _ors(standin)
    ors.matrix([DEPOT], [VILLAGE], "driving-car", FLOOD)
    ors.isochrones([DEPOT], [600], "driving-car", FLOOD)
    ors.directions([DEPOT, VILLAGE], "driving-car", FLOOD)
    assert standin.paths() == [
        "/v2/matrix/driving-car/json",
        "/v2/isochrones/driving-car/geojson",
        "/v2/directions/driving-car/geojson",
    ]
    for rec in standin.requests:
        poly = rec.body["options"]["avoid_polygons"]
        assert poly["type"] == "MultiPolygon"
        ring = poly["coordinates"][0][0]
        assert ring[0] == ring[-1] == [115.97, 29.60] and len(ring) == 5


def test_matrix_with_avoid_areas_uses_the_smaller_dynamic_limit(standin: OrsStandin) -> None:
    """With avoid polygons ORS allows 25 elements per matrix request (public API), so blocks shrink."""
    pts = _grid(10)
    _ors(standin).matrix(pts, pts, "driving-car", FLOOD)
    sizes = [len(r.body["sources"]) * len(r.body["destinations"]) for r in standin.requests]
    assert max(sizes) <= 25 and sum(sizes) == 100


def test_null_in_ors_matrix_means_unreachable_not_malformed(standin: OrsStandin) -> None:
    """A village ORS cannot route to holds UNREACHABLE (-1) in both matrices; other pairs are kept."""
    standin.unreachable.add((TOWN.lon, TOWN.lat))
    m = _ors(standin).matrix([DEPOT, VILLAGE], [TOWN, VILLAGE], "driving-car")
    assert m.source == "ors"
    assert m.unreachable_pairs() == [(0, 0), (1, 0)]
    assert m.distance_m[0][0] == UNREACHABLE and m.duration_s[0][1] > 0


def test_recorded_matrix_reply_parses_with_null_as_unreachable() -> None:
    """The recorded ORS reply shape (3×3 with one null) parses; floats round up."""
    secs, metres = parse_matrix(recorded("matrix_driving-car.json"), 3, 3)
    assert secs[0] == [0, 1276, 1519] and metres[1][2] == 51235
    assert secs[2][2] == metres[2][2] == UNREACHABLE


def test_recorded_isochrones_and_route_replies_parse() -> None:
    """The recorded isochrone and directions GeoJSON shapes parse into polygons and a line."""
    isos = parse_isochrones(recorded("isochrones_driving-car.json"), 1, [900, 1800])
    assert sorted(isos) == [(0, 900), (0, 1800)]
    line, secs, metres, legs = parse_route(recorded("directions_driving-car.json"))
    assert (secs, metres, legs) == (1276, 26515, (1276,))
    assert line[0] == LonLat(115.900104, 29.600213) and len(line) == 6


def test_isochrones_are_chunked_by_locations_and_intervals(standin: OrsStandin) -> None:
    """7 depots × 12 ranges go out in requests of ≤ 5 locations and ≤ 10 ranges; all 84 come back in order."""
    pts = _grid(7)
    ranges = [300 * k for k in range(1, 13)]
    iso = _ors(standin).isochrones(pts, ranges, "driving-car")
    assert all(len(r.body["locations"]) <= 5 and len(r.body["range"]) <= 10 for r in standin.requests)
    assert [(i.point_index, i.range_s) for i in iso.isochrones] == [(p, r) for p in range(7) for r in ranges]
    assert iso.source == "ors" and iso.notice is None
    assert all(i.source == "ors" and i.polygon[0][0] == i.polygon[0][-1] for i in iso.isochrones)


def test_isochrone_ranges_over_the_api_limit_are_estimated_offline_with_a_notice(standin: OrsStandin) -> None:
    """A 90-min range exceeds the public 1 h driving limit: ORS is asked for the rest, 90 min is offline."""
    iso = _ors(standin).isochrones([DEPOT], [3600, 5400], "driving-car")
    assert [r.body["range"] for r in standin.requests] == [[3600]]
    assert [(i.range_s, i.source) for i in iso.isochrones] == [(3600, "ors"), (5400, "offline")]
    assert iso.notice == NOTICE_ISOCHRONE_RANGE_OFFLINE and "5400" in iso.detail


def test_directions_give_geometry_duration_and_distance(standin: OrsStandin) -> None:
    """A route through three points has a LineString through them and the summed road time and distance."""
    route = _ors(standin).directions([DEPOT, VILLAGE, TOWN], "driving-hgv")
    assert route.source == "ors" and route.reachable
    assert route.coordinates[0] == DEPOT and route.coordinates[-1] == TOWN and len(route.coordinates) == 5
    legs = [road(list(a), list(b), "driving-hgv") for a, b in ((DEPOT, VILLAGE), (VILLAGE, TOWN))]
    assert route.leg_duration_s == tuple(math.ceil(s) for s, _ in legs)
    assert route.to_geojson()["geometry"]["type"] == "LineString"


def test_directions_beyond_the_waypoint_limit_are_split_and_joined(standin: OrsStandin) -> None:
    """60 waypoints go out as requests of ≤ 50 sharing their joint point; the line has no duplicate joint."""
    pts = _grid(49) + _grid(11)
    route = _ors(standin).directions(pts, "driving-car")
    assert [len(r.body["coordinates"]) for r in standin.requests] == [50, 11]
    assert len(route.leg_duration_s) == 59 and len(route.coordinates) == 2 * 59 + 1


def test_unroutable_directions_are_unreachable_not_a_fallback(standin: OrsStandin) -> None:
    """ORS 404 code 2009 (route not found) yields an unreachable Route, not an offline guess."""
    standin.unreachable.add((TOWN.lon, TOWN.lat))
    route = _ors(standin).directions([DEPOT, TOWN], "driving-car")
    assert not route.reachable and route.duration_s == UNREACHABLE and route.source == "ors"


def test_api_key_is_sent_in_the_authorization_header_and_hidden_from_repr() -> None:
    """The key goes in the Authorization header only; repr and identity never show it."""
    with OrsStandin(api_key="k-secret-123") as server:
        ors = OrsProvider(base_url=server.url, api_key="k-secret-123", sleep=lambda s: None)
        ors.matrix([DEPOT], [VILLAGE], "driving-car")
        assert server.requests[0].headers["authorization"] == "k-secret-123"
        assert "k-secret" not in repr(ors) + ors.identity + server.requests[0].path


def test_public_api_without_a_key_is_a_configuration_error() -> None:
    """The public endpoint needs RELIEF_ORS_API_KEY; a self-hosted base URL does not."""
    with pytest.raises(ValueError, match="RELIEF_ORS_API_KEY"):
        OrsProvider()
    assert isinstance(OrsProvider(base_url="http://127.0.0.1:8080/ors"), TravelTimeProvider)
