"""ORS failures: retried when worth it, else answered offline with a visible notice."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from stockpile.adapters.travel.matrix import FallbackProvider, HaversineMatrix
from stockpile.adapters.travel.ors import OrsLimits, OrsProvider
from stockpile.ports.travel import NOTICE_FALLBACK_OFFLINE, LonLat, TravelMatrix, TravelTimeUnavailable
from tests.support.ors_standin import OrsStandin, Reply, closed_port_url, recorded

DEPOT = LonLat(115.90, 29.60)
VILLAGE = LonLat(116.05, 29.75)
TOWN = LonLat(115.70, 29.40)
OFFLINE = HaversineMatrix()


@pytest.fixture
def standin() -> Iterator[OrsStandin]:
    with OrsStandin() as server:
        yield server


class RecordingSleep:
    """A fake `time.sleep` that records the requested backoff delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def _provider(url: str, sleep: RecordingSleep | None = None, **kw: object) -> FallbackProvider:
    ors = OrsProvider(base_url=url, timeout_s=1.0, backoff_s=0.5, sleep=sleep or RecordingSleep(), **kw)  # type: ignore[arg-type]
    return FallbackProvider(primary=ors, fallback=OFFLINE)


def _assert_offline_with_notice(m: TravelMatrix, code: str) -> None:
    assert m.source == "offline" and m.is_estimate
    assert m.notice == NOTICE_FALLBACK_OFFLINE and m.detail.startswith(code)
    estimate = OFFLINE.matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    assert (m.duration_s, m.distance_m) == (estimate.duration_s, estimate.distance_m)


def test_ors_connection_refused_falls_back_to_offline_with_notice() -> None:
    """No server listening (raw requests ConnectionError) → offline estimate flagged travel.fallback_offline."""
    m = _provider(closed_port_url()).matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    _assert_offline_with_notice(m, "connection_failed")


def test_ors_429_is_retried_with_backoff_then_succeeds(standin: OrsStandin) -> None:
    """Two 429s are retried after growing delays (0.5 s, then 1 s); the third answer is used, no fallback."""
    standin.push(Reply(429, recorded("error_quota.json")), Reply(429, recorded("error_quota.json")))
    sleep = RecordingSleep()
    m = _provider(standin.url, sleep).matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    assert m.source == "ors" and m.notice is None
    assert len(standin.requests) == 3 and sleep.delays == [0.5, 1.0]


def test_retry_after_header_is_honoured_up_to_the_cap(standin: OrsStandin) -> None:
    """A 503 with Retry-After: 3 waits 3 s (not the 0.5 s base); a huge Retry-After is capped."""
    standin.push(Reply(503, {"error": "down"}, headers={"Retry-After": "3"}))
    standin.push(Reply(503, {"error": "down"}, headers={"Retry-After": "3600"}))
    sleep = RecordingSleep()
    m = _provider(standin.url, sleep, max_backoff_s=8.0).matrix([DEPOT], [VILLAGE], "driving-car")
    assert m.source == "ors" and sleep.delays == [3.0, 8.0]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_persistent_429_or_5xx_falls_back_after_bounded_attempts(standin: OrsStandin, status: int) -> None:
    """A server that keeps failing gets exactly max_attempts tries, then the offline estimate with a notice."""
    standin.push(*[Reply(status, {"error": "busy"}) for _ in range(5)])
    sleep = RecordingSleep()
    m = _provider(standin.url, sleep, max_attempts=3).matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    _assert_offline_with_notice(m, "rate_limited" if status == 429 else "server_error")
    assert len(standin.requests) == 3 and sleep.delays == [0.5, 1.0]


def test_ors_client_does_not_retry_503_on_its_own(standin: OrsStandin) -> None:
    """With max_attempts=1 a 503 is sent once: the client library's built-in 503 loop never runs."""
    standin.push(Reply(503, {"error": "down"}), Reply(503, {"error": "down"}))
    m = _provider(standin.url, max_attempts=1).matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    assert len(standin.requests) == 1
    _assert_offline_with_notice(m, "server_error")


@pytest.mark.parametrize(
    "raw", [b"<html><body>502 Bad Gateway</body></html>", b'{"durations": [[0.0, 12', b"", b"\xff\xfe"]
)
def test_ors_malformed_json_falls_back(standin: OrsStandin, raw: bytes) -> None:
    """A 200 whose body is not JSON (HTML, truncated, empty, binary) → offline with notice, no retry."""
    standin.push(Reply(200, raw=raw))
    m = _provider(standin.url).matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    _assert_offline_with_notice(m, "malformed_reply")
    assert len(standin.requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"distances": [[0.0, 1.0]]},  # no durations
        {"durations": [[0.0], [1.0]], "distances": [[0.0], [1.0]]},  # 2×1 for a 1×1 request
        {"durations": [[0.0, "12"]], "distances": [[0.0, 1.0]]},  # string
        {"durations": [[0.0, -5.0]], "distances": [[0.0, 1.0]]},  # negative
        {"durations": [[0.0, True]], "distances": [[0.0, 1.0]]},  # bool
        [[0.0, 1.0]],  # not an object
        {"error": {"code": 6099, "message": "Unknown internal error."}},
    ],
)
def test_ors_wrong_shape_json_falls_back(standin: OrsStandin, body: object) -> None:
    """Valid JSON of the wrong shape or type is malformed → offline with notice."""
    standin.push(Reply(200, body))
    m = _provider(standin.url).matrix([DEPOT], [VILLAGE], "driving-car")
    assert m.source == "offline" and m.notice == NOTICE_FALLBACK_OFFLINE
    assert m.detail.startswith("malformed_reply")


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_ors_http_error_falls_back_without_retry(standin: OrsStandin, status: int) -> None:
    """4xx (bad request, bad key, quota plan) is not retried: one request, then offline with the status."""
    standin.push(Reply(status, {"error": {"code": 6000, "message": "refused"}}))
    m = _provider(standin.url).matrix([DEPOT], [VILLAGE], "driving-car")
    assert len(standin.requests) == 1
    assert m.source == "offline" and f"HTTP {status}" in m.detail


def test_slow_reply_times_out_and_falls_back_within_the_timeout(standin: OrsStandin) -> None:
    """A reply slower than timeout_s is abandoned (not retried) and the flagged estimate arrives promptly."""
    standin.push(Reply(200, recorded("matrix_driving-car.json"), delay_s=10.0))
    provider = _provider(standin.url)  # timeout_s = 1.0
    started = time.monotonic()
    m = provider.matrix([DEPOT], [VILLAGE, TOWN], "driving-car")
    elapsed = time.monotonic() - started
    _assert_offline_with_notice(m, "timeout")
    assert len(standin.requests) == 1
    assert elapsed < 3.0  # 1 s timeout + margin, far below the 10 s reply


def test_failure_in_a_later_chunk_falls_back_for_the_whole_matrix(standin: OrsStandin) -> None:
    """If any chunk fails the whole matrix is estimated offline: never a mix of road and straight-line rows."""
    standin.push(Reply(200, {"durations": [[0.0, 1.0]], "distances": [[0.0, 1.0]]}), Reply(500, {}))
    provider = _provider(standin.url, max_attempts=1, limits=OrsLimits(matrix_max_elements=2))
    m = provider.matrix([DEPOT, TOWN], [DEPOT, VILLAGE], "driving-car")
    estimate = OFFLINE.matrix([DEPOT, TOWN], [DEPOT, VILLAGE], "driving-car")
    assert m.source == "offline" and m.notice == NOTICE_FALLBACK_OFFLINE
    assert (m.duration_s, m.distance_m) == (estimate.duration_s, estimate.distance_m)


def test_isochrones_and_directions_fall_back_too() -> None:
    """Isochrones and directions answer offline with the same notice when ORS is unreachable."""
    provider = _provider(closed_port_url())
    iso = provider.isochrones([DEPOT], [1800], "driving-car")
    route = provider.directions([DEPOT, VILLAGE], "driving-car")
    assert iso.source == route.source == "offline"
    assert iso.notice == route.notice == NOTICE_FALLBACK_OFFLINE


def test_malformed_isochrone_reply_falls_back(standin: OrsStandin) -> None:
    """An isochrone reply missing a requested range is malformed → offline isochrones with notice."""
    reply = recorded("isochrones_driving-car.json")
    reply["features"] = reply["features"][:1]  # only 900 s of the 900 s + 1800 s asked
    standin.push(Reply(200, reply))
    iso = _provider(standin.url).isochrones([DEPOT], [900, 1800], "driving-car")
    assert iso.source == "offline" and iso.detail.startswith("malformed_reply")


def test_unavailable_ors_without_fallback_raises_a_coded_error() -> None:
    """Used alone, the ORS adapter raises TravelTimeUnavailable with a code (never a raw requests error)."""
    ors = OrsProvider(base_url=closed_port_url(), timeout_s=1.0)
    with pytest.raises(TravelTimeUnavailable) as info:
        ors.matrix([DEPOT], [VILLAGE], "driving-car")
    assert info.value.code == "connection_failed"


class SteppingClock:
    """A fake monotonic clock that advances `step` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_total_time_budget_stops_a_chunked_matrix_and_falls_back(standin: OrsStandin) -> None:
    """No new chunk request starts once total_timeout_s is spent: the whole matrix is then estimated offline."""
    ors = OrsProvider(
        base_url=standin.url,
        limits=OrsLimits(matrix_max_elements=1),
        total_timeout_s=25.0,
        clock=SteppingClock(10.0),  # deadline read at 10 → 35; chunk checks at 20, 30, then 40 ≥ 35
        sleep=RecordingSleep(),
    )
    m = FallbackProvider(ors, OFFLINE).matrix([DEPOT], [VILLAGE, TOWN, DEPOT], "driving-car")
    assert len(standin.requests) == 2
    assert m.source == "offline" and m.detail.startswith("timeout") and "budget" in m.detail


def test_backoff_that_would_overrun_the_budget_is_not_slept(standin: OrsStandin) -> None:
    """A retry whose wait would end past the deadline is abandoned at once (no sleep), then offline."""
    standin.push(Reply(429, recorded("error_quota.json"), headers={"Retry-After": "3600"}))
    sleep = RecordingSleep()
    ors = OrsProvider(
        base_url=standin.url, total_timeout_s=15.0, max_backoff_s=8.0, clock=SteppingClock(5.0), sleep=sleep
    )
    m = FallbackProvider(ors, OFFLINE).matrix([DEPOT], [VILLAGE], "driving-car")
    assert sleep.delays == [] and len(standin.requests) == 1
    assert m.source == "offline" and m.detail.startswith("rate_limited")
