"""openrouteservice replies → our types: matrix grids, isochrone polygons, a route's line and legs.

Every wrong shape (missing keys, wrong sizes, non-numbers, negative or non-finite values) raises
`TravelTimeUnavailable("malformed_reply")`; `null` in a matrix means unreachable, not malformed. Durations and
distances are rounded up once (`math.ceil`) to int seconds and metres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from stockpile.ports.travel import UNREACHABLE, Isochrone, LonLat, TravelTimeUnavailable


def _number(v: object, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
        raise malformed(f"{what} holds {v!r}, not a number ≥ 0")
    return float(v)


def _grid(body: object, key: str, rows: int, cols: int) -> list[list[Any]]:
    grid = body.get(key) if isinstance(body, dict) else None
    if (
        not isinstance(grid, list)
        or len(grid) != rows
        or any(not isinstance(r, list) or len(r) != cols for r in grid)
    ):
        raise malformed(f"matrix reply lacks '{key}' as a {rows}×{cols} array")
    return grid


def parse_matrix(body: object, rows: int, cols: int) -> tuple[list[list[int]], list[list[int]]]:
    """ORS matrix JSON → (duration_s, distance_m) int grids; `null` in either → UNREACHABLE in both."""
    durations = _grid(body, "durations", rows, cols)
    distances = _grid(body, "distances", rows, cols)
    out_s = [[0] * cols for _ in range(rows)]
    out_m = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            s, m = durations[i][j], distances[i][j]
            if s is None or m is None:
                out_s[i][j] = out_m[i][j] = UNREACHABLE
            else:
                out_s[i][j] = math.ceil(_number(s, "durations"))
                out_m[i][j] = math.ceil(_number(m, "distances"))
    return out_s, out_m


def _positions(coords: object, what: str, min_len: int) -> tuple[LonLat, ...]:
    if not isinstance(coords, list) or len(coords) < min_len:
        raise malformed(f"{what} is not a list of ≥ {min_len} positions")
    out = []
    for c in coords:
        if not isinstance(c, list) or len(c) < 2 or not all(_finite(v) for v in c[:2]):
            raise malformed(f"{what} position {c!r} is not [lon, lat]")
        out.append(LonLat(float(c[0]), float(c[1])))
    return tuple(out)


def _finite(v: object) -> bool:
    return not isinstance(v, bool) and isinstance(v, int | float) and math.isfinite(v)


def malformed(detail: str) -> TravelTimeUnavailable:
    return TravelTimeUnavailable("malformed_reply", detail)


def parse_isochrones(
    body: object, n_points: int, ranges_s: Sequence[int]
) -> dict[tuple[int, int], Isochrone]:
    """ORS isochrones GeoJSON → {(group_index, range_s): Isochrone}; every pair asked for must be present."""
    features = body.get("features") if isinstance(body, dict) else None
    if not isinstance(features, list):
        raise malformed("isochrones reply has no 'features' list")
    found: dict[tuple[int, int], Isochrone] = {}
    for f in features:
        props = f.get("properties") if isinstance(f, dict) else None
        geom = f.get("geometry") if isinstance(f, dict) else None
        if not isinstance(props, dict) or not isinstance(geom, dict) or geom.get("type") != "Polygon":
            raise malformed("isochrone feature lacks properties or a Polygon")
        idx, value = props.get("group_index"), props.get("value")
        if not isinstance(idx, int) or not 0 <= idx < n_points:
            raise malformed(f"isochrone group_index {idx!r} out of range")
        rng = round(_number(value, "isochrone value"))
        rings = geom.get("coordinates")
        if not isinstance(rings, list) or not rings:
            raise malformed("isochrone Polygon has no rings")
        found[(idx, rng)] = Isochrone(
            idx, rng, tuple(_positions(r, "isochrone ring", 4) for r in rings), "ors"
        )
    missing = [(i, r) for i in range(n_points) for r in ranges_s if (i, r) not in found]
    if missing:
        raise malformed(f"isochrones reply misses (point, range) {missing[:3]}")
    return found


def parse_route(body: object) -> tuple[tuple[LonLat, ...], int, int, tuple[int, ...]]:
    """ORS directions GeoJSON → (coordinates, duration_s, distance_m, per-leg duration_s)."""
    features = body.get("features") if isinstance(body, dict) else None
    if not isinstance(features, list) or not features or not isinstance(features[0], dict):
        raise malformed("directions reply has no route feature")
    feature = features[0]
    props, geom = feature.get("properties"), feature.get("geometry")
    if not isinstance(props, dict) or not isinstance(geom, dict) or geom.get("type") != "LineString":
        raise malformed("route feature lacks properties or a LineString")
    summary = props.get("summary")
    coords = geom.get("coordinates")
    if not isinstance(summary, dict) or not isinstance(coords, list):
        raise malformed("route lacks a summary or coordinates")
    line = _positions(coords, "route", 0)
    segments = props.get("segments", [])
    if not isinstance(segments, list) or any(not isinstance(s, dict) for s in segments):
        raise malformed("route segments are not objects")
    legs = tuple(math.ceil(_number(s.get("duration", 0), "segment duration")) for s in segments)
    duration = math.ceil(_number(summary.get("duration", 0), "route duration"))
    distance = math.ceil(_number(summary.get("distance", 0), "route distance"))
    return line, duration, distance, legs
