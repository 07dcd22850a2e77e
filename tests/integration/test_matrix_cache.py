"""Persistent matrix cache: a stored road-network matrix is served without the network; estimates are not stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stockpile.adapters.travel.cache import FILE_NAME, CachedProvider, MatrixCache, matrix_key
from stockpile.adapters.travel.matrix import FallbackProvider, HaversineMatrix
from stockpile.adapters.travel.ors import OrsProvider
from stockpile.ports.travel import NOTICE_FALLBACK_OFFLINE, AvoidAreas, LonLat, TravelTimeProvider
from tests.support.ors_standin import OrsStandin, closed_port_url

DEPOT = LonLat(115.90, 29.60)
VILLAGE = LonLat(116.05, 29.75)
TOWN = LonLat(115.70, 29.40)
FLOOD_V1 = AvoidAreas.from_rings("v1", [[[[115.97, 29.60], [115.99, 29.60], [115.99, 29.75]]]])
FLOOD_V2 = AvoidAreas.from_rings("v2", [[[[115.97, 29.60], [115.99, 29.60], [115.99, 29.75]]]])


@pytest.fixture
def standin() -> Iterator[OrsStandin]:
    with OrsStandin() as server:
        yield server


def _stack(url: str, cache_dir: Path, **kw: object) -> CachedProvider:
    ors = OrsProvider(base_url=url, timeout_s=1.0, sleep=lambda s: None)
    return CachedProvider(FallbackProvider(ors, HaversineMatrix()), MatrixCache(cache_dir, **kw))  # type: ignore[arg-type]


def test_cache_hit_skips_the_network(standin: OrsStandin, tmp_path: Path) -> None:
    """The second identical request is served from the SQLite file, even by a new process (new objects)."""
    first = _stack(standin.url, tmp_path).matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    again = _stack(standin.url, tmp_path)
    second = again.matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    assert len(standin.requests) == 1
    assert first.source == "ors" and second.source == "cache"
    assert (second.duration_s, second.distance_m) == (first.duration_s, first.distance_m)
    assert again.cache.hits == 1 and (tmp_path / FILE_NAME).exists()


def test_cached_matrix_is_served_while_ors_is_down(tmp_path: Path) -> None:
    """Once stored, a matrix needs no server: a down ORS still gives road times, not the estimate."""
    with OrsStandin() as server:
        stack = _stack(server.url, tmp_path)
        stored = stack.matrix([DEPOT, TOWN], [VILLAGE], "driving-hgv")
    m = stack.matrix([DEPOT, TOWN], [VILLAGE], "driving-hgv")  # same URL, server stopped
    assert m.source == "cache" and m.notice is None and m.duration_s == stored.duration_s


def test_offline_fallback_answers_are_not_cached(standin: OrsStandin, tmp_path: Path) -> None:
    """An estimate made while ORS was down is not stored: when ORS is back, it is asked."""
    down = _stack(closed_port_url(), tmp_path).matrix([DEPOT], [VILLAGE], "driving-car")
    assert down.source == "offline" and down.notice == NOTICE_FALLBACK_OFFLINE
    up = _stack(standin.url, tmp_path).matrix([DEPOT], [VILLAGE], "driving-car")
    assert up.source == "ors" and len(standin.requests) == 1


def test_profile_avoid_version_and_order_change_the_key(standin: OrsStandin, tmp_path: Path) -> None:
    """Another profile, avoid-areas version or point order is another matrix; rounding below 1e-5° is not."""
    stack = _stack(standin.url, tmp_path)
    stack.matrix([DEPOT], [VILLAGE], "driving-car")
    stack.matrix([DEPOT], [VILLAGE], "driving-hgv")
    stack.matrix([DEPOT], [VILLAGE], "driving-car", FLOOD_V1)
    stack.matrix([DEPOT], [VILLAGE], "driving-car", FLOOD_V2)
    stack.matrix([VILLAGE], [DEPOT], "driving-car")
    assert len(standin.requests) == 5
    jitter = LonLat(DEPOT.lon + 1e-7, DEPOT.lat - 1e-7)
    assert stack.matrix([jitter], [VILLAGE], "driving-car").source == "cache"
    assert len(standin.requests) == 5


def test_key_covers_provider_identity_and_avoid_geometry() -> None:
    """Two ORS servers, or one version string reused for other polygons, never share a cache entry."""
    a = matrix_key("ors:http://a", [DEPOT], [VILLAGE], "driving-car", None)
    assert a != matrix_key("ors:http://b", [DEPOT], [VILLAGE], "driving-car", None)
    other_shape = AvoidAreas.from_rings("v1", [[[[115.0, 29.0], [115.1, 29.0], [115.1, 29.1]]]])
    assert matrix_key("x", [DEPOT], [VILLAGE], "driving-car", FLOOD_V1) != matrix_key(
        "x", [DEPOT], [VILLAGE], "driving-car", other_shape
    )
    assert len(a) == 64


def test_expired_entry_is_fetched_again(standin: OrsStandin, tmp_path: Path) -> None:
    """An entry older than max_age_s is a miss and is replaced."""
    now = [1_000.0]
    stack = _stack(standin.url, tmp_path, max_age_s=3600, clock=lambda: now[0])
    stack.matrix([DEPOT], [VILLAGE], "driving-car")
    now[0] += 3000
    assert stack.matrix([DEPOT], [VILLAGE], "driving-car").source == "cache"
    now[0] += 3601
    assert stack.matrix([DEPOT], [VILLAGE], "driving-car").source == "ors"
    assert len(standin.requests) == 2


def test_corrupt_cache_file_is_a_miss_not_a_crash(standin: OrsStandin, tmp_path: Path) -> None:
    """A damaged cache file never stops a plan: the matrix comes from ORS and a warning is logged."""
    (tmp_path / FILE_NAME).write_bytes(b"this is not an SQLite database" * 100)
    m = _stack(standin.url, tmp_path).matrix([DEPOT], [VILLAGE], "driving-car")
    assert m.source == "ors"


def test_cached_provider_is_a_travel_time_provider(standin: OrsStandin, tmp_path: Path) -> None:
    """The wrapper keeps the port: isochrones and directions pass through to the inner provider."""
    stack = _stack(standin.url, tmp_path)
    assert isinstance(stack, TravelTimeProvider)
    assert stack.identity == f"ors:{standin.url}"
    assert stack.directions([DEPOT, VILLAGE], "driving-car").source == "ors"
    assert stack.isochrones([DEPOT], [600], "driving-car").source == "ors"


def test_clear_removes_every_entry(standin: OrsStandin, tmp_path: Path) -> None:
    """clear() empties the cache so the next request goes to ORS."""
    stack = _stack(standin.url, tmp_path)
    stack.matrix([DEPOT], [VILLAGE], "driving-car")
    assert stack.cache.clear() == 1
    assert stack.matrix([DEPOT], [VILLAGE], "driving-car").source == "ors"
