"""Township boundaries as a bureau has them: a GeoJSON FeatureCollection (exported from its shapefile of township
outlines, e.g. with QGIS or ogr2ogr), one feature per township, keyed by a property holding the township's code or
name (乡镇代码 / XZQDM / code, 乡镇名称 / XZQMC / name: any property whose value is a township's code or name).

Read here, shapely-checked and converted to WGS-84 with prcoords from the county's declared system; which township a
feature is, and whether it lies in the county, the onboarding use case decides. Written back (export) in the declared
system, keyed by 乡镇代码 and 乡镇名称, so exporting and importing again changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shapely.geometry import shape
from shapely.validation import explain_validity

from stockpile.adapters.files.geo import from_wgs84, parse_crs, to_wgs84
from stockpile.domain.errors import FileRejected
from stockpile.ports.travel import LonLat

MAX_BYTES = 50 * 1024 * 1024  # a county's township outlines at survey detail stay far below this


@dataclass(frozen=True, slots=True)
class BoundaryFeature:
    """One feature: its place in the file (1 = first), its property values (what names the township), its geometry
    in WGS-84 (GeoJSON dict, None when unusable) with bounds, or the problem's code and detail."""

    number: int
    keys: tuple[str, ...]
    geometry: Mapping[str, Any] | None = None
    bounds: tuple[float, float, float, float] | None = None
    problem: str = ""
    detail: str = ""


def _crs(crs: str) -> Any:
    parsed = parse_crs(crs)
    return parsed if isinstance(parsed, str) else "WGS84"


def _convert(coords: Any, fn: Callable[[float, float], tuple[float, float]]) -> Any:
    if coords and isinstance(coords[0], int | float):
        lon, lat = fn(float(coords[0]), float(coords[1]))
        return [round(lon, 6), round(lat, 6)]
    return [_convert(c, fn) for c in coords]


def _wgs(lon: float, lat: float, crs: Any) -> tuple[float, float]:
    p = to_wgs84(lon, lat, crs)
    return p.lon, p.lat


def _feature(number: int, feat: Any, crs: Any) -> BoundaryFeature:
    props = feat.get("properties") if isinstance(feat, dict) else None
    keys = tuple(
        str(v).strip() for v in (props or {}).values() if isinstance(v, str | int) and str(v).strip()
    )
    geom = feat.get("geometry") if isinstance(feat, dict) else None
    kind = geom.get("type") if isinstance(geom, dict) else None
    if not isinstance(geom, dict) or kind not in ("Polygon", "MultiPolygon"):
        return BoundaryFeature(number, keys, problem="boundary_not_polygon", detail=str(kind or ""))
    try:
        coords = _convert(geom["coordinates"], lambda lo, la: _wgs(lo, la, crs))
        poly = shape({"type": kind, "coordinates": coords})
    except (KeyError, TypeError, ValueError, IndexError) as e:
        return BoundaryFeature(number, keys, problem="boundary_invalid", detail=str(e)[:80])
    if poly.is_empty or not poly.is_valid:
        return BoundaryFeature(number, keys, problem="boundary_invalid", detail=explain_validity(poly)[:80])
    return BoundaryFeature(number, keys, {"type": kind, "coordinates": coords}, tuple(poly.bounds))


def read_boundaries(data: bytes, crs: str) -> list[BoundaryFeature]:
    """Every feature of a GeoJSON FeatureCollection; FileRejected for a file that is not one."""
    if len(data) > MAX_BYTES:
        raise FileRejected("file_too_large", size=len(data), cap=MAX_BYTES)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as e:
        raise FileRejected("boundaries_not_geojson") from e
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not doc.get("features"):
        raise FileRejected("boundaries_not_geojson")
    declared = _crs(crs)
    return [_feature(n, f, declared) for n, f in enumerate(doc["features"], 1)]


def write_boundaries(rows: list[tuple[str, str, Mapping[str, Any]]], crs: str) -> bytes:
    """(township code, name, WGS-84 geometry) → a FeatureCollection in the county's declared system."""
    declared = _crs(crs)

    def back(lon: float, lat: float) -> tuple[float, float]:
        p = from_wgs84(LonLat(lon, lat), declared)
        return p.lon, p.lat

    features = [
        {
            "type": "Feature",
            "properties": {"乡镇代码": code, "乡镇名称": name},
            "geometry": {"type": g["type"], "coordinates": _convert(g["coordinates"], back)},
        }
        for code, name, g in rows
    ]
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
