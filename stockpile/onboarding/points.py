"""Coordinates of the county workbook: read in the county's declared system, converted to WGS-84, and checked
against the county's own area.

Townships come first and need only be in China; the county's area is the box around their seats with a margin
(`domain.county_area`, about 15 km), and every village, shelter and depot must fall inside it. When the file declares
GCJ-02 or BD-09 and converting moves a point more than 300 m across the border, the file may really be WGS-84:
that is a warning naming the row.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from stockpile.domain.county_area import Bbox, county_bbox
from stockpile.onboarding.parse import Parsed
from stockpile.onboarding.sheets import SHELTERS, SITES, TOWNSHIPS, VILLAGES, Sheet

SHIFT_WARN_M = 300.0
# (lon cell, lat cell, declared system, county box or None for "anywhere in China") → a point check with
# `.point` (WGS-84 `.lon`/`.lat`, or None) and `.issues` (each with `.code` and `.severity`)
ReadPoint = Callable[[Any, Any, str, Bbox | None], Any]


def _inside(bbox: Bbox, lon: float, lat: float) -> bool:
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    dx = (a[0] - b[0]) * 111_320 * math.cos(lat)
    dy = (a[1] - b[1]) * 110_540
    return math.hypot(dx, dy)


def read_points(out: Parsed, crs: str, read_point: ReadPoint) -> Bbox | None:
    """Convert every coordinate in place (townships, then the rest inside the county's area); returns the area."""
    _sheet_points(out, TOWNSHIPS, crs, None, read_point)
    seats = [
        (r["lon"], r["lat"])
        for r in out.records.get(TOWNSHIPS.id, {}).values()
        if isinstance(r.get("lon"), float) and isinstance(r.get("lat"), float)
    ]
    bbox = county_bbox(seats)
    for sheet in (VILLAGES, SHELTERS, SITES):
        _sheet_points(out, sheet, crs, bbox, read_point)
    return bbox


def _sheet_points(out: Parsed, sheet: Sheet, crs: str, bbox: Bbox | None, read_point: ReadPoint) -> None:
    for key, rec in out.records.get(sheet.id, {}).items():
        row = out.row_of(sheet, key)
        raw_lon, raw_lat = rec.get("lon"), rec.get("lat")
        check = read_point(raw_lon, raw_lat, crs, bbox)
        value = f"{_txt(raw_lon)}, {_txt(raw_lat)}"
        for issue in check.issues:
            code = issue.code.replace("geo.", "geo_")
            if bbox is None and code == "geo_out_of_area":
                code = "geo_out_of_china"
            out.error(sheet, row, "纬度" if getattr(issue, "axis", "") == "lat" else "经度", value, code)
        if check.point is None:
            rec["lon"] = rec["lat"] = None
            continue
        rec["lon"], rec["lat"] = round(check.point.lon, 6), round(check.point.lat, 6)
        if bbox is not None and crs != "WGS84":
            _shift_warning(out, sheet, row, value, (raw_lon, raw_lat), (rec["lon"], rec["lat"]), bbox)


def _shift_warning(
    out: Parsed,
    sheet: Sheet,
    row: int,
    value: str,
    raw: tuple[Any, Any],
    converted: tuple[float, float],
    bbox: Bbox,
) -> None:
    try:
        as_given = (float(raw[0]), float(raw[1]))
    except (TypeError, ValueError):
        return
    crosses = _inside(bbox, *as_given) != _inside(bbox, *converted)
    if crosses and _metres(as_given, converted) > SHIFT_WARN_M:
        out.warn(sheet, row, "经度", value, "crs_shift_crosses_border")


def _txt(v: Any) -> str:
    return "" if v is None else str(v)
