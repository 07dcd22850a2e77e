"""Offline travel times (`HaversineMatrix`) and the provider that falls back to them (`FallbackProvider`).

Offline rule: distance_m = ceil(haversine_m × circuity), duration_s = ceil(haversine_m × circuity ÷
speed), circuity (detour factor, default 1.3) and speeds per profile (car 50 km/h, hgv 40 km/h) from config,
rounded once. Results carry `source="offline"`; pages label them 估算（直线距离×系数）.

Avoid areas offline (an approximation, documented in docs/travel-times.md): a pair whose straight segment, drawn
in lon/lat degrees, touches an avoid polygon is either multiplied by `avoid_penalty` (default 1.5: "a detour") or
marked `UNREACHABLE` (`avoid_policy="unreachable"`). Offline isochrones are geodesic circles of radius
speed × T ÷ circuity minus the avoid polygons (the piece holding the centre is kept).
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, TypeVar

import numpy as np
import shapely
from haversine import Unit, haversine_vector, inverse_haversine_vector
from shapely.geometry import MultiPolygon, Point
from shapely.geometry import Polygon as ShapelyPolygon

from stockpile.ports.travel import (
    NOTICE_FALLBACK_OFFLINE,
    UNREACHABLE,
    AvoidAreas,
    Isochrone,
    IsochroneSet,
    LonLat,
    Polygon,
    Profile,
    Route,
    TravelMatrix,
    TravelTimeProvider,
    TravelTimeUnavailable,
)

Answer = TypeVar("Answer", TravelMatrix, IsochroneSet, Route)
log = logging.getLogger(__name__)

DEFAULT_SPEEDS_KMH: Mapping[str, float] = {"driving-car": 50.0, "driving-hgv": 40.0}
AvoidPolicy = Literal["penalty", "unreachable"]
_CIRCLE_VERTICES = 72


def _avoid_geometry(avoid: AvoidAreas) -> MultiPolygon:
    polys = [ShapelyPolygon(poly[0], holes=poly[1:]) for poly in avoid.polygons]
    geom = MultiPolygon([shapely.make_valid(p) if not p.is_valid else p for p in polys if not p.is_empty])
    shapely.prepare(geom)
    return geom


def _crossings(origins: Sequence[LonLat], destinations: Sequence[LonLat], avoid: AvoidAreas) -> np.ndarray:
    """Boolean (origins × destinations): the straight segment touches an avoid polygon."""
    o = np.asarray(origins, dtype=float).reshape(-1, 1, 1, 2)
    d = np.asarray(destinations, dtype=float).reshape(1, -1, 1, 2)
    segs = np.concatenate(np.broadcast_arrays(o, d), axis=2).reshape(-1, 2, 2)
    lines = shapely.linestrings(segs)
    hit = shapely.intersects(lines, _avoid_geometry(avoid))
    return np.asarray(hit, dtype=bool).reshape(len(origins), len(destinations))


class HaversineMatrix:
    """Straight-line × detour factor ÷ speed: the offline `TravelTimeProvider` (never fails, never networks)."""

    def __init__(
        self,
        circuity: float = 1.3,
        speeds_kmh: Mapping[str, float] = DEFAULT_SPEEDS_KMH,
        avoid_policy: AvoidPolicy = "penalty",
        avoid_penalty: float = 1.5,
    ) -> None:
        if not (circuity >= 1.0 and math.isfinite(circuity)):
            raise ValueError("circuity (detour factor) must be a finite number ≥ 1")
        if any(not (v > 0 and math.isfinite(v)) for v in speeds_kmh.values()):
            raise ValueError("speeds must be positive km/h")
        if not avoid_penalty >= 1.0:
            raise ValueError("avoid_penalty must be ≥ 1")
        self.circuity = circuity
        self.speeds_kmh = dict(speeds_kmh)
        self.avoid_policy = avoid_policy
        self.avoid_penalty = avoid_penalty

    @property
    def identity(self) -> str:
        speeds = ",".join(f"{k}={v:g}" for k, v in sorted(self.speeds_kmh.items()))
        return (
            f"haversine(circuity={self.circuity:g};{speeds};avoid={self.avoid_policy}x{self.avoid_penalty:g})"
        )

    def speed_m_s(self, profile: Profile) -> float:
        if profile not in self.speeds_kmh:
            raise ValueError(f"no offline speed configured for profile {profile!r}")
        return self.speeds_kmh[profile] / 3.6

    def _grids(
        self,
        origins: Sequence[LonLat],
        destinations: Sequence[LonLat],
        profile: Profile,
        avoid: AvoidAreas | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        speed = self.speed_m_s(profile)
        if not origins or not destinations:
            empty = np.zeros((len(origins), len(destinations)), dtype=np.int64)
            return empty, empty.copy()
        a = np.array([(p.lat, p.lon) for p in destinations], dtype=float)
        b = np.array([(p.lat, p.lon) for p in origins], dtype=float)
        straight_m = haversine_vector(a, b, Unit.METERS, comb=True)  # [origin i, destination j]
        factor = np.full(straight_m.shape, self.circuity)
        blocked = np.zeros(straight_m.shape, dtype=bool)
        if avoid is not None:
            crossing = _crossings(origins, destinations, avoid) & (straight_m > 0)
            if self.avoid_policy == "penalty":
                factor = np.where(crossing, self.circuity * self.avoid_penalty, factor)
            else:
                blocked = crossing
        road_m = straight_m * factor
        distance = np.ceil(road_m).astype(np.int64)
        duration = np.ceil(road_m / speed).astype(np.int64)
        distance[blocked] = UNREACHABLE
        duration[blocked] = UNREACHABLE
        return duration, distance

    def matrix(
        self,
        origins: Sequence[LonLat],
        destinations: Sequence[LonLat],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> TravelMatrix:
        """ceil(haversine × circuity ÷ speed) seconds and ceil(haversine × circuity) metres per pair."""
        duration, distance = self._grids(origins, destinations, profile, avoid)
        return TravelMatrix(
            duration_s=tuple(tuple(int(v) for v in row) for row in duration.tolist()),
            distance_m=tuple(tuple(int(v) for v in row) for row in distance.tolist()),
            source="offline",
        )

    def isochrone_polygon(
        self, centre: LonLat, range_s: int, profile: Profile, avoid: AvoidAreas | None
    ) -> Polygon:
        """Geodesic circle of radius speed × T ÷ circuity around `centre`, minus avoid polygons."""
        radius_m = self.speed_m_s(profile) * range_s / self.circuity
        bearings = np.linspace(0.0, 2 * math.pi, _CIRCLE_VERTICES, endpoint=False)
        lats, lons = inverse_haversine_vector(
            np.array([(centre.lat, centre.lon)] * _CIRCLE_VERTICES),
            np.full(_CIRCLE_VERTICES, radius_m),
            bearings,
            unit=Unit.METERS,
        )
        shape = ShapelyPolygon(list(zip(lons.tolist(), lats.tolist(), strict=True)))
        if avoid is not None:
            shape = _piece_holding(shape.difference(_avoid_geometry(avoid)), Point(centre))
        return _as_rings(shape)

    def isochrones(
        self,
        points: Sequence[LonLat],
        ranges_s: Sequence[int],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> IsochroneSet:
        found = tuple(
            Isochrone(i, int(r), self.isochrone_polygon(p, int(r), profile, avoid), "offline")
            for i, p in enumerate(points)
            for r in sorted(ranges_s)
        )
        return IsochroneSet(isochrones=found, source="offline")

    def directions(
        self, points: Sequence[LonLat], profile: Profile, avoid: AvoidAreas | None = None
    ) -> Route:
        """Straight legs between consecutive points, each estimated as in `matrix`."""
        if len(points) < 2:
            raise ValueError("directions need at least two points")
        legs = [self._grids([a], [b], profile, avoid) for a, b in itertools.pairwise(points)]
        leg_s = tuple(int(dur[0, 0]) for dur, _ in legs)
        leg_m = tuple(int(dist[0, 0]) for _, dist in legs)
        if UNREACHABLE in leg_s:
            return Route((), UNREACHABLE, UNREACHABLE, "offline", leg_duration_s=leg_s)
        return Route(
            tuple(LonLat(*p) for p in points), sum(leg_s), sum(leg_m), "offline", leg_duration_s=leg_s
        )


def _piece_holding(geom: shapely.Geometry, centre: Point) -> ShapelyPolygon:
    parts = list(getattr(geom, "geoms", [geom]))
    polys = [p for p in parts if isinstance(p, ShapelyPolygon) and not p.is_empty]
    if not polys:
        return ShapelyPolygon()
    holding = [p for p in polys if p.covers(centre)]
    return holding[0] if holding else max(polys, key=lambda p: p.area)


def _as_rings(shape: ShapelyPolygon) -> Polygon:
    if shape.is_empty:
        return ()
    rings = [shape.exterior, *shape.interiors]
    return tuple(tuple(LonLat(float(x), float(y)) for x, y in ring.coords) for ring in rings)


class FallbackProvider:
    """Ask `primary` (openrouteservice); when it is unavailable answer from `fallback` with a visible notice.

    Only `TravelTimeUnavailable` triggers the fallback: the ORS adapter turns every network, HTTP, quota and
    malformed-reply failure into it. Any other exception is a bug and propagates.
    """

    def __init__(self, primary: TravelTimeProvider, fallback: TravelTimeProvider) -> None:
        self.primary = primary
        self.fallback = fallback

    @property
    def identity(self) -> str:
        """The primary's identity: only its answers are authoritative (fallback answers are flagged, not cached)."""
        return self.primary.identity

    def _answer(self, ask: Callable[[TravelTimeProvider], Answer]) -> Answer:
        """The primary's answer; when it is unavailable, the fallback's, marked with the notice and the reason."""
        try:
            return ask(self.primary)
        except TravelTimeUnavailable as exc:
            log.warning("travel-time provider unavailable, using fallback: %s", exc)
            detail = f"{exc.code}: {exc.detail}; estimated offline with {self.fallback.identity}"
            return dataclasses.replace(ask(self.fallback), notice=NOTICE_FALLBACK_OFFLINE, detail=detail)

    def matrix(
        self,
        origins: Sequence[LonLat],
        destinations: Sequence[LonLat],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> TravelMatrix:
        return self._answer(lambda p: p.matrix(origins, destinations, profile, avoid))

    def isochrones(
        self,
        points: Sequence[LonLat],
        ranges_s: Sequence[int],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> IsochroneSet:
        return self._answer(lambda p: p.isochrones(points, ranges_s, profile, avoid))

    def directions(
        self, points: Sequence[LonLat], profile: Profile, avoid: AvoidAreas | None = None
    ) -> Route:
        return self._answer(lambda p: p.directions(points, profile, avoid))
