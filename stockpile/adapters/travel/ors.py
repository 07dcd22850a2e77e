"""openrouteservice travel times (`OrsProvider`): matrix, isochrones and directions over HTTP.

Rules:
- Requests are chunked to the API limits in `OrsLimits` (public API: 3 500 matrix elements, 25 with avoid areas;
  isochrones 5 locations, 10 intervals, 1 h for driving; 50 route waypoints). Self-hosted servers set their own.
- Each request is retried on HTTP 429 and 5xx with exponential backoff (`backoff_s` × 2ⁿ, honouring a short
  `Retry-After`, at most `max_attempts` tries). Timeouts and refused connections are not retried.
- The client's own retry is disabled: `retry_over_query_limit=False` stops its 429 loop, and a requests response
  hook lifts 429/5xx out before the client's unconditional 503 loop can run.
- Every failure (refused, timeout, HTTP error, non-JSON, wrong-shape JSON) raises `TravelTimeUnavailable` with a
  code, so `FallbackProvider` answers offline with a notice. `null` in a matrix means unreachable, not malformed.
- Durations and distances are rounded up once (`math.ceil`) to int seconds and metres.
- The API key is never logged, put in a URL, or shown in `repr`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import openrouteservice
import requests
from openrouteservice import exceptions as ors_exc
from pydantic import SecretStr

from stockpile.adapters.travel.matrix import HaversineMatrix
from stockpile.adapters.travel.ors_replies import malformed, parse_isochrones, parse_matrix, parse_route
from stockpile.ports.travel import (
    NOTICE_ISOCHRONE_RANGE_OFFLINE,
    PROFILES,
    UNREACHABLE,
    AvoidAreas,
    Isochrone,
    IsochroneSet,
    LonLat,
    Profile,
    Route,
    TravelMatrix,
    TravelTimeUnavailable,
)

__all__ = [
    "PUBLIC_BASE_URL",
    "OrsLimits",
    "OrsProvider",
    "matrix_blocks",
    "parse_isochrones",
    "parse_matrix",
    "parse_route",
]

log = logging.getLogger(__name__)

PUBLIC_BASE_URL = "https://api.openrouteservice.org"
_UNROUTABLE_CODES = {2009, 2010}  # directions: route not found / point not found


@dataclass(frozen=True, slots=True)
class OrsLimits:
    """Per-request limits; defaults are the public API's (openrouteservice.org/restrictions)."""

    matrix_max_elements: int = 3500
    matrix_max_elements_with_avoid: int = 25
    isochrone_max_locations: int = 5
    isochrone_max_intervals: int = 10
    isochrone_max_range_s: int = 3600
    directions_max_waypoints: int = 50

    def __post_init__(self) -> None:
        if (
            min(
                self.matrix_max_elements,
                self.matrix_max_elements_with_avoid,
                self.isochrone_max_locations,
                self.isochrone_max_intervals,
                self.isochrone_max_range_s,
            )
            < 1
            or self.directions_max_waypoints < 2
        ):
            raise ValueError("ORS limits must be positive (≥ 2 route waypoints)")


class _RetryableStatus(Exception):
    def __init__(self, status: int, retry_after: float | None, body: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status, self.retry_after, self.body = status, retry_after, body


def _lift_retryable(response: requests.Response, *args: object, **kwargs: object) -> None:
    """requests response hook: 429 and 5xx leave the ORS client as `_RetryableStatus`."""
    if response.status_code == 429 or response.status_code >= 500:
        header = response.headers.get("Retry-After", "")
        retry_after = float(header) if header.strip().isdigit() else None
        raise _RetryableStatus(response.status_code, retry_after, response.text[:200])


def matrix_blocks(n: int, m: int, limit: int) -> Iterator[tuple[range, range]]:
    """Tile an n × m matrix into blocks of at most `limit` elements (full rows of columns first)."""
    cols = min(m, limit)
    rows = max(1, limit // cols)
    for r0 in range(0, n, rows):
        for c0 in range(0, m, cols):
            yield range(r0, min(n, r0 + rows)), range(c0, min(m, c0 + cols))


def _chunks(seq: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [seq[i : i + size] for i in range(0, len(seq), size)]


class OrsProvider:
    """`TravelTimeProvider` backed by openrouteservice (public API with a key, or a self-hosted server)."""

    def __init__(
        self,
        base_url: str = PUBLIC_BASE_URL,
        api_key: str | SecretStr | None = None,
        *,
        timeout_s: float = 10.0,
        max_attempts: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 8.0,
        limits: OrsLimits | None = None,
        long_range: HaversineMatrix | None = None,
        total_timeout_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        self.base_url = base_url.rstrip("/")
        if self.base_url == PUBLIC_BASE_URL and not key:
            raise ValueError("the public openrouteservice API needs an API key (RELIEF_ORS_API_KEY)")
        if max_attempts < 1 or timeout_s <= 0 or backoff_s < 0:
            raise ValueError("max_attempts ≥ 1, timeout_s > 0 and backoff_s ≥ 0 are required")
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.limits = limits or OrsLimits()
        self.long_range = long_range or HaversineMatrix()
        self.total_timeout_s = total_timeout_s
        self._sleep = sleep
        self._clock = clock
        self._client = openrouteservice.Client(
            key=key or None,
            base_url=self.base_url,
            timeout=timeout_s,
            retry_timeout=timeout_s,
            retry_over_query_limit=False,
            requests_kwargs={"hooks": {"response": [_lift_retryable]}},
        )

    def __repr__(self) -> str:
        return f"OrsProvider(base_url={self.base_url!r}, timeout_s={self.timeout_s})"

    @property
    def identity(self) -> str:
        return f"ors:{self.base_url}"

    def _deadline(self) -> float:
        return self._clock() + self.total_timeout_s

    def _call(self, what: str, send: Callable[[], Any], deadline: float, *, unroutable: bool = False) -> Any:
        """Send one request with bounded backoff on 429/5xx; map every failure to TravelTimeUnavailable.

        No request starts, and no backoff sleep begins, past `deadline` (the call's total time budget).
        """
        delay = self.backoff_s
        last: _RetryableStatus | None = None
        for attempt in range(1, self.max_attempts + 1):
            if self._clock() >= deadline:
                raise TravelTimeUnavailable(
                    "timeout", f"{what}: total budget of {self.total_timeout_s:g}s spent"
                )
            try:
                return send()
            except _RetryableStatus as exc:
                last = exc
                wait = min(self.max_backoff_s, max(delay, exc.retry_after or 0.0))
                if attempt == self.max_attempts or self._clock() + wait >= deadline:
                    break
                log.info("ORS %s: HTTP %s, retry %d in %.2fs", what, exc.status, attempt, wait)
                self._sleep(wait)
                delay *= 2
            except (ors_exc.Timeout, requests.Timeout) as exc:
                raise TravelTimeUnavailable(
                    "timeout", f"{what}: no reply within {self.timeout_s:g}s"
                ) from exc
            except requests.ConnectionError as exc:
                raise TravelTimeUnavailable("connection_failed", f"{what}: {type(exc).__name__}") from exc
            except requests.RequestException as exc:
                raise TravelTimeUnavailable("network_error", f"{what}: {type(exc).__name__}") from exc
            except ors_exc.HTTPError as exc:
                raise malformed(f"{what}: HTTP {exc.status_code}, not JSON") from exc
            except ors_exc.ApiError as exc:
                if unroutable and exc.status == 404 and _error_code(exc.message) in _UNROUTABLE_CODES:
                    return None
                raise TravelTimeUnavailable(
                    "http_error", f"{what}: HTTP {exc.status} {_error_text(exc)}"
                ) from exc
        assert last is not None
        code = "rate_limited" if last.status == 429 else "server_error"
        raise TravelTimeUnavailable(code, f"{what}: HTTP {last.status}, gave up after {attempt} attempt(s)")

    def matrix(
        self,
        origins: Sequence[LonLat],
        destinations: Sequence[LonLat],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> TravelMatrix:
        """Road durations (s) and distances (m), chunked to the element limit; `null` → UNREACHABLE."""
        _check_profile(profile)
        avoid = _polygons_only(avoid)
        deadline = self._deadline()
        n, m = len(origins), len(destinations)
        duration = [[0] * m for _ in range(n)]
        distance = [[0] * m for _ in range(n)]
        limit = self.limits.matrix_max_elements_with_avoid if avoid else self.limits.matrix_max_elements
        for rows, cols in matrix_blocks(n, m, limit) if n and m else ():
            locations = [
                [p.lon, p.lat] for p in (*(origins[i] for i in rows), *(destinations[j] for j in cols))
            ]
            params: dict[str, Any] = {
                "locations": locations,
                "sources": list(range(len(rows))),
                "destinations": list(range(len(rows), len(locations))),
                "metrics": ["duration", "distance"],
                "units": "m",
            }
            if avoid is None:
                send = partial(self._client.distance_matrix, profile=profile, **params)
            else:  # the 2.3.3 client's distance_matrix() has no `options`: post the same body directly
                params["options"] = {"avoid_polygons": avoid.to_geojson()}
                send = partial(self._client.request, f"/v2/matrix/{profile}/json", {}, post_json=params)
            body = self._call("matrix", send, deadline)
            block_s, block_m = parse_matrix(body, len(rows), len(cols))
            for bi, i in enumerate(rows):
                duration[i][cols.start : cols.stop] = block_s[bi]
                distance[i][cols.start : cols.stop] = block_m[bi]
        return TravelMatrix(tuple(map(tuple, duration)), tuple(map(tuple, distance)), "ors")

    def isochrones(
        self,
        points: Sequence[LonLat],
        ranges_s: Sequence[int],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> IsochroneSet:
        """Reachable areas per point and range; ranges above the API limit are estimated offline, with a notice."""
        _check_profile(profile)
        avoid = _polygons_only(avoid)
        wanted = sorted({int(r) for r in ranges_s})
        if any(r <= 0 for r in wanted):
            raise ValueError("isochrone ranges must be positive seconds")
        online = [r for r in wanted if r <= self.limits.isochrone_max_range_s]
        offline = [r for r in wanted if r > self.limits.isochrone_max_range_s]
        found: dict[tuple[int, int], Isochrone] = {}
        step = self.limits.isochrone_max_locations
        deadline = self._deadline()
        for base in range(0, len(points), step) if online else ():
            group = points[base : base + step]
            for chunk in _chunks(online, self.limits.isochrone_max_intervals):
                body = self._isochrone_request(group, list(chunk), profile, avoid, deadline)
                for (gi, r), iso in parse_isochrones(body, len(group), list(chunk)).items():
                    found[(base + gi, r)] = Isochrone(base + gi, r, iso.polygon, "ors")
        for i, p in enumerate(points):
            for r in offline:
                found[(i, r)] = Isochrone(
                    i, r, self.long_range.isochrone_polygon(p, r, profile, avoid), "offline"
                )
        ordered = tuple(found[(i, r)] for i in range(len(points)) for r in wanted)
        if not offline:
            return IsochroneSet(ordered, "ors")
        detail = (
            f"ranges {offline} s exceed the openrouteservice limit of {self.limits.isochrone_max_range_s} s"
        )
        return IsochroneSet(ordered, "ors", NOTICE_ISOCHRONE_RANGE_OFFLINE, detail + "; estimated offline")

    def _isochrone_request(
        self,
        group: Sequence[LonLat],
        ranges: list[int],
        profile: Profile,
        avoid: AvoidAreas | None,
        deadline: float,
    ) -> Any:
        locations = [[p.lon, p.lat] for p in group]
        if avoid is None:
            send = partial(self._client.isochrones, locations, profile=profile, range=ranges)
            return self._call("isochrones", send, deadline)
        body = {
            "locations": locations,
            "range": ranges,
            "range_type": "time",
            "options": {"avoid_polygons": avoid.to_geojson()},
        }  # the 2.3.3 client's isochrones() has no `options`
        url = f"/v2/isochrones/{profile}/geojson"
        return self._call("isochrones", partial(self._client.request, url, {}, post_json=body), deadline)

    def directions(
        self, points: Sequence[LonLat], profile: Profile, avoid: AvoidAreas | None = None
    ) -> Route:
        """Road route through `points` (split at the waypoint limit); route/point not found → unreachable."""
        _check_profile(profile)
        avoid = _polygons_only(avoid)
        if len(points) < 2:
            raise ValueError("directions need at least two points")
        step = self.limits.directions_max_waypoints - 1
        deadline = self._deadline()
        line: list[LonLat] = []
        legs: list[int] = []
        total_s = total_m = 0
        for start in range(0, len(points) - 1, step):
            part = points[start : start + step + 1]
            options = {"avoid_polygons": avoid.to_geojson()} if avoid else None
            send = partial(
                self._client.directions,
                [[p.lon, p.lat] for p in part],
                profile=profile,
                format="geojson",
                instructions=False,
                options=options,
            )
            body = self._call("directions", send, deadline, unroutable=True)
            if body is None:
                return Route((), UNREACHABLE, UNREACHABLE, "ors")
            coords, seconds, metres, leg_s = parse_route(body)
            line.extend(coords[1:] if line and coords and coords[0] == line[-1] else coords)
            legs.extend(leg_s)
            total_s, total_m = total_s + seconds, total_m + metres
        return Route(tuple(line), total_s, total_m, "ors", leg_duration_s=tuple(legs))


def _polygons_only(avoid: AvoidAreas | None) -> AvoidAreas | None:
    """ORS knows no OSM way ids: an avoid set of way ids alone is no avoid set here (docs/travel-times.md)."""
    return avoid if avoid is not None and avoid.polygons else None


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"profile {profile!r} is not one of {PROFILES}")


def _error_code(message: object) -> object:
    err = message.get("error") if isinstance(message, dict) else None
    return err.get("code") if isinstance(err, dict) else None


def _error_text(exc: ors_exc.ApiError) -> str:
    err = exc.message.get("error") if isinstance(exc.message, dict) else exc.message
    text = err.get("message", "") if isinstance(err, dict) else str(err or "")
    return str(text)[:200]
