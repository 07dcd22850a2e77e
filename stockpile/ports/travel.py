"""Travel-time port: the `TravelTimeProvider` Protocol and the values it returns (stdlib only).

Rules every provider keeps:

- Coordinates are WGS-84 `LonLat(lon, lat)` (openrouteservice order). GCJ-02/BD-09 never reach a provider.
- Durations are integer seconds and distances integer metres, rounded once with `math.ceil` by the adapter.
- An unreachable origin → destination pair holds `UNREACHABLE` (-1) in both matrices; callers turn it into an
  unserved stop with reason `unreachable`, never into a travel time.
- `source` says where the numbers came from: `"roads"` (the county's imported OpenStreetMap road graph,
  in-process), `"ors"` (an openrouteservice server), `"offline"` (straight line × detour factor ÷ speed, shown as
  估算（直线距离×系数）) or `"cache"` (a stored openrouteservice answer).
- `notice` is an i18n key the page must show (e.g. `travel.fallback_offline`); `detail` is the English reason.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

Profile = Literal["driving-car", "driving-hgv"]
PROFILES: tuple[Profile, ...] = ("driving-car", "driving-hgv")
Source = Literal["roads", "ors", "offline", "cache"]

UNREACHABLE = -1
"""Sentinel in `duration_s`/`distance_m` for a pair the router cannot connect."""

# i18n keys (zh-CN text lives in stockpile/i18n/zh_CN.toml; see docs/travel-times.md for the proposed strings).
NOTICE_FALLBACK_OFFLINE = "travel.fallback_offline"
NOTICE_ISOCHRONE_RANGE_OFFLINE = "travel.isochrone_range_offline"
LABEL_ESTIMATE = "travel.estimate_label"


class LonLat(NamedTuple):
    """A WGS-84 point in openrouteservice order: longitude first."""

    lon: float
    lat: float


Ring = tuple[LonLat, ...]
Polygon = tuple[Ring, ...]  # outer ring first, then holes


class TravelTimeUnavailable(Exception):
    """The provider could not answer (network, HTTP, quota, malformed reply); `code` names the failure."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def _close(ring: Sequence[Sequence[float]]) -> Ring:
    pts = tuple(LonLat(float(p[0]), float(p[1])) for p in ring)
    if len(set(pts)) < 3:
        raise ValueError("an avoid-area ring needs at least 3 distinct points")
    if any(not (math.isfinite(p.lon) and math.isfinite(p.lat)) for p in pts):
        raise ValueError("avoid-area coordinates must be finite numbers")
    return pts if pts[0] == pts[-1] else (*pts, pts[0])


@dataclass(frozen=True, slots=True)
class AvoidAreas:
    """Blocked areas (e.g. a flooded road) as polygons of closed `[lon, lat]` rings, named by a version string.

    The version is what the dispatcher sees ("2024-07-03 洪水封路 v2"); the cache key also hashes the geometry,
    so reusing a version string for other polygons cannot return a stale matrix.

    `way_ids` closes OpenStreetMap ways by id (a collapsed bridge); only the road graph knows way ids, so
    openrouteservice and the straight-line estimate honour the polygons alone.
    """

    version: str
    polygons: tuple[Polygon, ...]
    way_ids: tuple[int, ...] = ()

    @classmethod
    def from_rings(cls, version: str, polygons: Sequence[Sequence[Sequence[Sequence[float]]]]) -> AvoidAreas:
        """Build from plain lists: polygons → rings → `[lon, lat]` pairs; rings are closed if open."""
        built = tuple(tuple(_close(ring) for ring in poly) for poly in polygons)
        if not built or any(not poly for poly in built):
            raise ValueError("avoid areas need at least one polygon with an outer ring")
        return cls(version=version, polygons=built)

    @classmethod
    def closing_ways(
        cls,
        version: str,
        way_ids: Sequence[int],
        polygons: Sequence[Sequence[Sequence[Sequence[float]]]] = (),
    ) -> AvoidAreas:
        """Close OpenStreetMap ways by id (road graph only), with optional polygons as in `from_rings`."""
        ids = tuple(sorted({int(w) for w in way_ids}))
        built = tuple(tuple(_close(ring) for ring in poly) for poly in polygons)
        if not ids and not built:
            raise ValueError("avoid areas need a polygon or a way id")
        if any(not poly for poly in built):
            raise ValueError("every avoid polygon needs an outer ring")
        return cls(version=version, polygons=built, way_ids=ids)

    def to_geojson(self) -> dict[str, Any]:
        """The GeoJSON MultiPolygon openrouteservice takes as `options.avoid_polygons`."""
        return {
            "type": "MultiPolygon",
            "coordinates": [[[[p.lon, p.lat] for p in ring] for ring in poly] for poly in self.polygons],
        }

    def digest(self) -> str:
        """sha256 of the version and the geometry (coordinates rounded to 1e-6°, about 0.1 m)."""
        rounded = [[[[round(p.lon, 6), round(p.lat, 6)] for p in r] for r in poly] for poly in self.polygons]
        parts: list[Any] = [self.version, rounded]
        if self.way_ids:  # absent when empty, so digests of polygon-only areas are unchanged
            parts.append(sorted(set(self.way_ids)))
        payload = json.dumps(parts, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _check_grid(name: str, grid: tuple[tuple[int, ...], ...], rows: int, cols: int) -> None:
    if len(grid) != rows or any(len(r) != cols for r in grid):
        raise ValueError(f"{name} must be {rows}×{cols}")
    for row in grid:
        for v in row:
            if type(v) is not int or (v < 0 and v != UNREACHABLE):
                raise ValueError(f"{name} holds {v!r}: only ints ≥ 0 or UNREACHABLE (-1)")


@dataclass(frozen=True, slots=True)
class TravelMatrix:
    """Origins × destinations travel times (s) and road distances (m); `UNREACHABLE` marks a missing pair."""

    duration_s: tuple[tuple[int, ...], ...]
    distance_m: tuple[tuple[int, ...], ...]
    source: Source
    notice: str | None = None
    detail: str = ""

    def __post_init__(self) -> None:
        rows = len(self.duration_s)
        cols = len(self.duration_s[0]) if rows else 0
        _check_grid("duration_s", self.duration_s, rows, cols)
        _check_grid("distance_m", self.distance_m, rows, cols)
        for drow, mrow in zip(self.duration_s, self.distance_m, strict=True):
            for d, m in zip(drow, mrow, strict=True):
                if (d == UNREACHABLE) != (m == UNREACHABLE):
                    raise ValueError("a pair is unreachable in one matrix only")

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.duration_s), (len(self.duration_s[0]) if self.duration_s else 0)

    @property
    def is_estimate(self) -> bool:
        """True when the numbers are the straight-line estimate (label `travel.estimate_label`)."""
        return self.source == "offline"

    def unreachable_pairs(self) -> list[tuple[int, int]]:
        """(origin, destination) indices the router could not connect."""
        return [
            (i, j) for i, row in enumerate(self.duration_s) for j, v in enumerate(row) if v == UNREACHABLE
        ]


@dataclass(frozen=True, slots=True)
class Isochrone:
    """Area reachable from `points[point_index]` within `range_s` seconds; `source` as in `TravelMatrix`."""

    point_index: int
    range_s: int
    polygon: Polygon
    source: Source

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON Feature with a Polygon geometry and the index, range and source as properties."""
        return {
            "type": "Feature",
            "properties": {"point_index": self.point_index, "range_s": self.range_s, "source": self.source},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[p.lon, p.lat] for p in r] for r in self.polygon],
            },
        }


@dataclass(frozen=True, slots=True)
class IsochroneSet:
    """One isochrone per (point, range) asked for, ordered by point then range."""

    isochrones: tuple[Isochrone, ...]
    source: Source
    notice: str | None = None
    detail: str = ""

    def to_geojson(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [i.to_geojson() for i in self.isochrones]}


@dataclass(frozen=True, slots=True)
class Route:
    """A road route through `points` in order: geometry for the map, total duration (s) and distance (m).

    An unroutable request has `duration_s == distance_m == UNREACHABLE` and no coordinates.
    """

    coordinates: tuple[LonLat, ...]
    duration_s: int
    distance_m: int
    source: Source
    notice: str | None = None
    detail: str = ""
    leg_duration_s: tuple[int, ...] = field(default=())

    @property
    def reachable(self) -> bool:
        return self.duration_s != UNREACHABLE

    def to_geojson(self) -> dict[str, Any]:
        return {
            "type": "Feature",
            "properties": {
                "duration_s": self.duration_s,
                "distance_m": self.distance_m,
                "source": self.source,
            },
            "geometry": {"type": "LineString", "coordinates": [[p.lon, p.lat] for p in self.coordinates]},
        }


@runtime_checkable
class TravelTimeProvider(Protocol):
    """Road travel times between WGS-84 points for a vehicle profile (`driving-car`, `driving-hgv`)."""

    @property
    def identity(self) -> str:
        """Stable name of the provider and its settings; part of the cache key."""
        ...

    def matrix(
        self,
        origins: Sequence[LonLat],
        destinations: Sequence[LonLat],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> TravelMatrix: ...

    def isochrones(
        self,
        points: Sequence[LonLat],
        ranges_s: Sequence[int],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> IsochroneSet: ...

    def directions(
        self,
        points: Sequence[LonLat],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> Route: ...
