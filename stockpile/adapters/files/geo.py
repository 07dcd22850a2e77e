"""Coordinates: read, check and convert imported points to WGS-84 `LonLat`.

Rules:
- Inside the system every point is WGS-84 `[lon, lat]`. A file may declare GCJ-02 (高德, 腾讯) or BD-09 (百度);
  those are converted here, once, with `prcoords` (GCJ-02 → WGS-84 iteratively to ≈ 0.1 mm).
- Values must be plain decimal degrees in two numeric columns. DMS (`30°30'N`), a decimal comma (`30,5`), text,
  NaN/∞, (0, 0) "null island", |lat| > 90 or |lon| > 180 are errors; |lat| > 90 with |lon| ≤ 90 "looks swapped".
- A point outside the configured area (default: the demo county, 115.5–116.3 E, 29.2–30.0 N) is an error, or
  a warning when the caller asks for `out_of_area="warning"` (the page then needs a tick to accept it).
- Functions return an error code (i18n key) and an English message; the importer adds row, column and value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, NamedTuple

import prcoords

from stockpile.ports.travel import LonLat

Crs = Literal["WGS84", "GCJ02", "BD09"]
Severity = Literal["error", "warning"]

_CRS_ALIASES: dict[str, Crs] = {
    "wgs84": "WGS84",
    "wgs-84": "WGS84",
    "wgs 84": "WGS84",
    "epsg:4326": "WGS84",
    "gps": "WGS84",
    "gcj02": "GCJ02",
    "gcj-02": "GCJ02",
    "高德": "GCJ02",
    "腾讯": "GCJ02",
    "amap": "GCJ02",
    "tencent": "GCJ02",
    "bd09": "BD09",
    "bd-09": "BD09",
    "bd09ll": "BD09",
    "百度": "BD09",
    "baidu": "BD09",
}

_DMS = re.compile(r"[°º′″'\"度分秒]|^[NSEWnsew]|[NSEWnsew]$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$", re.ASCII)
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$", re.ASCII)  # ٣٠.٥ is not a number here


@dataclass(frozen=True, slots=True)
class Area:
    """A lon/lat bounding box (WGS-84, degrees) that imported points must fall in."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, p: LonLat) -> bool:
        return self.min_lon <= p.lon <= self.max_lon and self.min_lat <= p.lat <= self.max_lat


DEFAULT_AREA = Area(min_lon=115.5, min_lat=29.2, max_lon=116.3, max_lat=30.0)  # the demo county's box
CHINA = Area(min_lon=73.4, min_lat=18.1, max_lon=135.1, max_lat=53.6)  # a point outside cannot be a county's


def county_point(
    lon: object, lat: object, crs: str, bbox: tuple[float, float, float, float] | None
) -> PointCheck:
    """A county-workbook point in its declared system, inside the county's box (or, without one, in China)."""
    return read_declared_point(lon, lat, crs, Area(*bbox) if bbox else CHINA)


def to_county_crs(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A stored WGS-84 point written back in the county's declared system (GCJ-02, BD-09 or WGS-84)."""
    parsed = parse_crs(crs)
    p = from_wgs84(LonLat(lon, lat), parsed if isinstance(parsed, str) else "WGS84")
    return p.lon, p.lat


class CoordinateIssue(NamedTuple):
    """One problem with a point: `code` is an i18n key, `message` English; the caller adds row/column/value."""

    code: str
    message: str
    severity: Severity = "error"
    axis: str = ""  # "lon" or "lat" when one cell is wrong, "" when the pair is (swapped, outside)


class PointCheck(NamedTuple):
    """The WGS-84 point (None when any issue is an error) and every issue found."""

    point: LonLat | None
    issues: tuple[CoordinateIssue, ...]

    @property
    def ok(self) -> bool:
        return self.point is not None


def parse_crs(text: str | None) -> Crs | CoordinateIssue:
    """Map a declared source CRS (`WGS-84`, `GCJ-02`, `高德`, `BD-09`, `百度`, …) to its code; blank → WGS84."""
    if text is None or not str(text).strip():
        return "WGS84"
    key = str(text).strip().lower()
    if key in _CRS_ALIASES:
        return _CRS_ALIASES[key]
    return CoordinateIssue(
        "geo.unknown_crs", f"unknown coordinate system {text!r}: use WGS-84, GCJ-02 or BD-09"
    )


def parse_degrees(value: object, axis: str) -> float | CoordinateIssue:
    """Read one decimal-degree value; DMS, decimal commas, text, blanks and non-finite numbers are issues."""
    if value is None or isinstance(value, bool):
        return CoordinateIssue("geo.missing", f"{axis} is empty", axis=axis)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            return CoordinateIssue("geo.missing", f"{axis} is empty", axis=axis)
        if _DMS.search(text):
            return CoordinateIssue(
                "geo.dms", f"{axis} {text!r} is degrees-minutes-seconds: use decimal degrees", axis=axis
            )
        if _DECIMAL_COMMA.match(text):
            return CoordinateIssue(
                "geo.decimal_comma", f"{axis} {text!r} uses a decimal comma: write 30.5", axis=axis
            )
        if not _PLAIN_NUMBER.match(text):
            return CoordinateIssue("geo.not_a_number", f"{axis} {text!r} is not a decimal number", axis=axis)
        number = float(text)
    if not math.isfinite(number):
        return CoordinateIssue("geo.not_a_number", f"{axis} is not a finite number", axis=axis)
    return number


def check_range(lon: float, lat: float) -> CoordinateIssue | None:
    """Null island, impossible values and swapped columns, on raw decimal degrees."""
    if lon == 0.0 and lat == 0.0:
        return CoordinateIssue("geo.null_island", "(0, 0) is a placeholder, not a place")
    if abs(lat) > 90 and abs(lon) <= 90:
        return CoordinateIssue("geo.swapped", f"lat {lat} > 90 while lon {lon} ≤ 90: lat/lon look swapped")
    if abs(lat) > 90 or abs(lon) > 180:
        axis = "" if abs(lat) > 90 and abs(lon) > 180 else ("lat" if abs(lat) > 90 else "lon")
        return CoordinateIssue("geo.out_of_range", f"lon {lon} / lat {lat} outside ±180 / ±90", axis=axis)
    return None


def to_wgs84(lon: float, lat: float, crs: Crs) -> LonLat:
    """Convert a GCJ-02 or BD-09 point to WGS-84; outside China GCJ-02 is WGS-84, so the point is kept."""
    if crs == "WGS84":
        return LonLat(lon, lat)
    src = prcoords.Coords(lat, lon)  # prcoords is (lat, lon)
    if not prcoords.sanity_in_china_p(src):
        return LonLat(lon, lat)
    out = prcoords.gcj_wgs_bored(src) if crs == "GCJ02" else prcoords.bd_wgs_bored(src)
    return LonLat(float(out.lon), float(out.lat))


def from_wgs84(point: LonLat, crs: Crs) -> LonLat:
    """Convert a WGS-84 point for a GCJ-02 or BD-09 map or geocoder (exact forward transform)."""
    if crs == "WGS84":
        return point
    src = prcoords.Coords(point.lat, point.lon)
    if not prcoords.sanity_in_china_p(src):
        return point
    out = prcoords.wgs_gcj(src, False) if crs == "GCJ02" else prcoords.wgs_bd(src, False)
    return LonLat(float(out.lon), float(out.lat))


def read_point(
    lon: object,
    lat: object,
    crs: Crs = "WGS84",
    area: Area | None = DEFAULT_AREA,
    out_of_area: Severity = "error",
) -> PointCheck:
    """Check one imported point and return it in WGS-84, or the issues that stop it.

    Order: parse both values → range checks on the raw numbers → convert from `crs` → area check on WGS-84.
    A point outside `area` whose swapped reading falls inside is reported as `geo.swapped`.
    """
    parsed = (parse_degrees(lon, "lon"), parse_degrees(lat, "lat"))
    issues = tuple(p for p in parsed if isinstance(p, CoordinateIssue))
    if issues:
        return PointCheck(None, issues)
    x, y = parsed
    assert isinstance(x, float) and isinstance(y, float)
    bad = check_range(x, y)
    if bad is not None:
        return PointCheck(None, (bad,))
    point = to_wgs84(x, y, crs)
    if area is None or area.contains(point):
        return PointCheck(point, ())
    if abs(y) <= 180 and abs(x) <= 90 and area.contains(to_wgs84(y, x, crs)):
        swapped = CoordinateIssue("geo.swapped", f"lon {x} / lat {y} lie outside the area but fit swapped")
        return PointCheck(None, (swapped,))
    where = f"{area.min_lon}–{area.max_lon} E, {area.min_lat}–{area.max_lat} N"
    issue = CoordinateIssue(
        "geo.out_of_area", f"({point.lon:.6f}, {point.lat:.6f}) is outside the area {where}", out_of_area
    )
    return PointCheck(point if out_of_area == "warning" else None, (issue,))


def read_declared_point(
    lon: object, lat: object, crs_text: str | None, area: Area | None = DEFAULT_AREA
) -> PointCheck:
    """`read_point` with the source CRS given as text from an import column (blank = WGS-84)."""
    crs = parse_crs(crs_text)
    if isinstance(crs, CoordinateIssue):
        return PointCheck(None, (crs,))
    return read_point(lon, lat, crs, area)
