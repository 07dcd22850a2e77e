"""Map labels without collisions, and a view that fits the data (pure: label specs in, placed labels out).

A label is a box in screen pixels around its anchor point. At the map's opening zoom one pixel is a known number
of degrees, so each box becomes a shapely rectangle in degrees. Labels are placed greedily from the highest rank
down: each tries a few offsets (below, above, right, left of its point, or centred for an area's name) and takes
the first one whose box touches no box placed before and no marker; a label with no free spot is dropped (the map
still names it on hover). Chinese glyphs are about as wide as they are tall, Latin ones about half.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from shapely import Polygon, box

TILE_PX = 512  # deck.gl's world is 512 px wide at zoom 0
EARTH_M = 40_075_016.7  # the equator's length in metres
SIDES: tuple[tuple[int, int], ...] = (
    (0, 1),
    (0, -1),
    (1, 0),
    (-1, 0),
)  # below, above, right, left of a marker
GAPS_PX = (4, 16)  # from the marker's edge: close first, then past a neighbour's marker
CENTRED: tuple[tuple[int, int], ...] = (  # an area's name: its centre, else nudged up, down or aside
    (0, 0),
    (0, -22),
    (0, 22),
    (40, 0),
    (-40, 0),
    (0, -34),
    (0, 34),
    (-40, -22),
    (40, -22),
    (-40, 22),
    (40, 22),
)


@dataclass(frozen=True)
class LabelSpec:
    """A label wanted at (lon, lat): `rank` orders who wins a spot (higher first); `size_px` is the font size;
    `marker_px` the radius of the point's marker (0 for an area's name, which is centred on its point)."""

    key: str
    text: str
    lon: float
    lat: float
    rank: int
    size_px: int = 12
    marker_px: int = 0


@dataclass(frozen=True)
class PlacedLabel:
    key: str
    text: str
    lon: float
    lat: float
    offset: tuple[int, int]  # pixels from the point to the label's centre (x right, y down)
    size_px: int = 12


def text_px(text: str, size_px: int) -> tuple[float, float]:
    """Width and height of a one-line label in pixels (wide glyphs one em, others half an em, plus a margin)."""
    ems = sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in text)
    return ems * size_px + 4, size_px + 4


def degrees_per_px(zoom: float, lat: float) -> tuple[float, float]:
    """(lon, lat) degrees one screen pixel spans at `zoom` near latitude `lat` (Web Mercator)."""
    lon_deg = 360.0 / (TILE_PX * 2**zoom)
    return lon_deg, lon_deg * math.cos(math.radians(lat))


def marker_px(radius_m: float, zoom: float, lat: float, min_px: int = 0) -> int:
    """A marker's radius on screen: `radius_m` metres at `zoom` near `lat`, at least `min_px` (deck.gl's
    radius_min_pixels), rounded up."""
    metres_per_px = EARTH_M * math.cos(math.radians(lat)) / (TILE_PX * 2**zoom)
    return max(min_px, math.ceil(radius_m / metres_per_px))


def markers(
    rows: pd.DataFrame, zoom: float, radius_m: float | str, min_px: int = 0
) -> list[tuple[float, float, int]]:
    """(lon, lat, radius px) of the markers a scatter layer draws for `rows`: `radius_m` metres for all, or the
    name of the rows' radius column; at least `min_px` (its radius_min_pixels)."""
    radii = list(rows[radius_m]) if isinstance(radius_m, str) else [radius_m] * len(rows)
    return [
        (float(lo), float(la), marker_px(float(r), zoom, float(la), min_px))
        for lo, la, r in zip(rows["lon"], rows["lat"], radii, strict=True)
    ]


def fit_zoom(
    bounds: tuple[float, float, float, float], width_px: int = 900, height_px: int = 560, pad: float = 0.08
) -> float:
    """The deepest zoom at which `bounds` (lon_min, lat_min, lon_max, lat_max) fits the map with `pad` kept free
    on each side; capped at 15 for a single point."""
    w, s, e, n = bounds
    mid = math.cos(math.radians((s + n) / 2))
    span_x = max(e - w, 1e-6)
    span_y = max(n - s, 1e-6) / max(mid, 1e-6)
    usable_w, usable_h = width_px * (1 - 2 * pad), height_px * (1 - 2 * pad)
    zoom = min(math.log2(usable_w * 360 / (TILE_PX * span_x)), math.log2(usable_h * 360 / (TILE_PX * span_y)))
    return round(min(zoom, 15.0), 2)


def _candidates(spec: LabelSpec) -> list[tuple[int, int]]:
    """Pixel offsets from the point to the label's centre: an area's name at its centre or nudged; a marker's
    label on each side of it, the box's near edge a small gap past the marker, then a wider gap."""
    if not spec.marker_px:
        return list(CENTRED)
    w, h = text_px(spec.text, spec.size_px)
    return [
        (int(sx * (spec.marker_px + gap + w / 2)), int(sy * (spec.marker_px + gap + h / 2)))
        for gap in GAPS_PX
        for sx, sy in SIDES
    ]


def _box_at(spec: LabelSpec, offset: tuple[int, int], dx: float, dy: float) -> Polygon:
    """The label's box in degrees with its centre `offset` pixels from its point."""
    w, h = text_px(spec.text, spec.size_px)
    cx, cy = spec.lon + offset[0] * dx, spec.lat - offset[1] * dy  # screen y grows downwards, latitude up
    return box(cx - w / 2 * dx, cy - h / 2 * dy, cx + w / 2 * dx, cy + h / 2 * dy)


def place_labels(
    specs: Iterable[LabelSpec],
    zoom: float,
    markers: Sequence[tuple[float, float, int]] = (),
    small: Sequence[tuple[float, float, int]] = (),
) -> list[PlacedLabel]:
    """Labels that fit without overlapping each other or the markers (lon, lat, radius px), highest rank first.
    `small` markers (dense dots such as villages) block only rank-0 labels: a depot's or a township's name may
    lie over a village dot, a village's name may not.

    Rule: no two placed boxes intersect; a label is dropped only when every candidate spot is taken by a label of
    equal or higher rank (or a marker)."""
    ordered = sorted(specs, key=lambda s: (-s.rank, s.key))
    if not ordered:
        return []
    mid_lat = sum(s.lat for s in ordered) / len(ordered)
    dx, dy = degrees_per_px(zoom, mid_lat)

    def squares(dots: Sequence[tuple[float, float, int]]) -> list[Polygon]:
        return [box(lon - r * dx, lat - r * dy, lon + r * dx, lat + r * dy) for lon, lat, r in dots]

    taken, dots = squares(markers), squares(small)
    out = []
    for spec in ordered:
        for offset in _candidates(spec):
            shape = _box_at(spec, offset, dx, dy)
            blockers = taken if spec.rank > 0 else [*taken, *dots]
            if not any(shape.intersects(other) for other in blockers):
                taken.append(shape)
                out.append(PlacedLabel(spec.key, spec.text, spec.lon, spec.lat, offset, spec.size_px))
                break
    return out


def label_boxes(placed: Iterable[PlacedLabel], specs: Iterable[LabelSpec], zoom: float) -> list[Polygon]:
    """The boxes of placed labels in degrees (for tests and debugging)."""
    by_key = {s.key: s for s in specs}
    chosen = [p for p in placed if p.key in by_key]
    if not chosen:
        return []
    dx, dy = degrees_per_px(zoom, sum(s.lat for s in by_key.values()) / len(by_key))
    return [_box_at(by_key[p.key], p.offset, dx, dy) for p in chosen]


def area_labels(areas: pd.DataFrame, rank: int = 2, size_px: int = 16) -> list[LabelSpec]:
    """One centred label per area (code, name, lon, lat): township names on the map."""
    first = areas.drop_duplicates("code")
    return [
        LabelSpec(f"area:{c}", str(n), float(lo), float(la), rank, size_px)
        for c, n, lo, la in zip(first["code"], first["name"], first["lon"], first["lat"], strict=True)
    ]


def site_labels(
    sites: pd.DataFrame, text_col: str = "label", marker_px: int | Sequence[int] = 9
) -> list[LabelSpec]:
    """One label beside each site's marker (code, lon, lat, site_type and `text_col`; `marker_px` one radius for
    all or one per row). Ranks: the county's own depots (site type `depot`) 3, above township names (2,
    `area_labels`), above township points and the rest (1): a township point's label ("城关镇储备点") gives way
    to its township's name, and stays on hover."""
    radii = [marker_px] * len(sites) if isinstance(marker_px, int) else list(marker_px)
    return [
        LabelSpec(f"site:{c}", str(x), float(lo), float(la), 3 if k == "depot" else 1, 12, r)
        for c, x, lo, la, k, r in zip(
            sites["code"], sites[text_col], sites["lon"], sites["lat"], sites["site_type"], radii, strict=True
        )
    ]


def label_frame(placed: Sequence[PlacedLabel]) -> pd.DataFrame:
    """Placed labels as rows for a pydeck TextLayer: lon, lat, text, offset ([x, y] pixels), size (pixels)."""
    return pd.DataFrame(
        [
            {"lon": p.lon, "lat": p.lat, "text": p.text, "offset": list(p.offset), "size": p.size_px}
            for p in placed
        ],
        columns=["lon", "lat", "text", "offset", "size"],
    )
