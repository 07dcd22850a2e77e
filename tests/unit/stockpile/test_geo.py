"""Coordinate rules for imported points: WGS-84 inside, GCJ-02/BD-09 converted once."""

from __future__ import annotations

import math

import prcoords
import pytest
from haversine import Unit, haversine
from hypothesis import given
from hypothesis import strategies as st

from stockpile.adapters.files.geo import DEFAULT_AREA, Area, from_wgs84, parse_crs, read_point, to_wgs84
from stockpile.ports.travel import LonLat

COUNTY_SEAT = LonLat(115.90, 29.60)  # inside the demo area


def _metres(a: LonLat, b: LonLat) -> float:
    return float(haversine((a.lat, a.lon), (b.lat, b.lon), unit=Unit.METERS))


def test_gcj02_import_is_converted_to_wgs84() -> None:
    """A GCJ-02 (高德) point is stored as the WGS-84 point it was shifted from, to within a centimetre."""
    gcj = prcoords.wgs_gcj(prcoords.Coords(COUNTY_SEAT.lat, COUNTY_SEAT.lon))
    assert _metres(LonLat(gcj.lon, gcj.lat), COUNTY_SEAT) > 100  # the shift is real (hundreds of metres)
    check = read_point(gcj.lon, gcj.lat, crs="GCJ02")
    assert check.ok and check.issues == ()
    assert check.point is not None and _metres(check.point, COUNTY_SEAT) < 0.01


def test_bd09_import_is_converted_to_wgs84() -> None:
    """A BD-09 (百度) point is stored as its WGS-84 origin, to within a decimetre."""
    bd = prcoords.wgs_bd(prcoords.Coords(COUNTY_SEAT.lat, COUNTY_SEAT.lon))
    check = read_point(str(bd.lon), str(bd.lat), crs="BD09")
    assert check.point is not None and _metres(check.point, COUNTY_SEAT) < 0.1


@given(
    lon=st.floats(min_value=115.5, max_value=116.3),
    lat=st.floats(min_value=29.2, max_value=30.0),
    crs=st.sampled_from(["GCJ02", "BD09"]),
)
def test_conversion_round_trips_within_a_decimetre(lon: float, lat: float, crs: str) -> None:
    """WGS-84 → map CRS → WGS-84 returns the same place (the map layer and import agree)."""
    p = LonLat(lon, lat)
    back = to_wgs84(*from_wgs84(p, crs), crs)  # type: ignore[arg-type]
    assert _metres(back, p) < 0.1


def test_wgs84_import_is_kept_as_is() -> None:
    """A WGS-84 point passes unchanged, as floats in [lon, lat] order."""
    assert read_point("115.9", "29.6").point == LonLat(115.9, 29.6)


def test_swapped_lat_lon_is_rejected() -> None:
    """|lat| > 90 with |lon| ≤ 90 is reported as swapped, not silently fixed."""
    check = read_point(29.6, 115.9)
    assert check.point is None
    assert [i.code for i in check.issues] == ["geo.swapped"]
    assert "swapped" in check.issues[0].message


def test_swapped_pair_that_fits_the_area_only_when_swapped_is_reported_as_swapped() -> None:
    """lon/lat both ≤ 90 but only the swapped reading is in the county: reported as swapped."""
    check = read_point(29.6, 89.9, area=Area(89.0, 29.0, 90.0, 30.0))
    assert [i.code for i in check.issues] == ["geo.swapped"]


def test_null_island_is_rejected() -> None:
    """(0, 0) is a placeholder, never a depot or village."""
    check = read_point(0, 0.0, area=None)
    assert check.point is None and check.issues[0].code == "geo.null_island"


@pytest.mark.parametrize(
    ("lon", "lat", "code"),
    [
        (200.0, 95.0, "geo.out_of_range"),
        (181.0, 30.0, "geo.out_of_range"),
        (float("nan"), 29.6, "geo.not_a_number"),
        (115.9, float("inf"), "geo.not_a_number"),
        ("115°54'E", "29.6", "geo.dms"),
        ("115.9", "29°36′N", "geo.dms"),
        ("115.9", "N29.6", "geo.dms"),
        ("115,9", "29.6", "geo.decimal_comma"),
        ("abc", "29.6", "geo.not_a_number"),
        ("1.159e2", "29.6", "geo.not_a_number"),
        ("", "29.6", "geo.missing"),
        (None, "29.6", "geo.missing"),
        (True, "29.6", "geo.missing"),
    ],
)
def test_impossible_or_non_decimal_values_are_rejected(lon: object, lat: object, code: str) -> None:
    """NaN, ∞, |lat| > 90 & |lon| > 180, DMS, decimal commas, text and blanks are errors with a code."""
    check = read_point(lon, lat)
    assert check.point is None
    assert code in [i.code for i in check.issues]
    assert all(i.severity == "error" and i.message for i in check.issues)


def test_full_width_digits_are_read_after_nfkc() -> None:
    """`１１５.９` (full-width) reads as 115.9, as the import preview shows."""
    assert read_point("１１５.９", "２９.６").point == LonLat(115.9, 29.6)


def test_point_outside_the_county_is_rejected_by_default() -> None:
    """A point outside the configured area is an error naming the area."""
    check = read_point(114.3, 30.6)  # Wuhan
    assert check.point is None
    assert check.issues[0].code == "geo.out_of_area" and "115.5" in check.issues[0].message


def test_point_outside_the_county_can_be_a_warning() -> None:
    """With out_of_area='warning' the point is kept and the issue is a warning the user must tick."""
    check = read_point(114.3, 30.6, out_of_area="warning")
    assert check.point == LonLat(114.3, 30.6)
    assert check.issues[0].severity == "warning"


def test_area_check_uses_the_converted_point() -> None:
    """A GCJ-02 point just inside the box edge is judged after conversion to WGS-84."""
    edge = Area(115.5, 29.2, 115.9, 30.0)
    wgs = LonLat(115.8985, 29.6)  # 150 m inside the east edge in WGS-84
    gcj = from_wgs84(wgs, "GCJ02")
    assert gcj.lon > edge.max_lon  # the raw GCJ-02 value lies outside
    check = read_point(gcj.lon, gcj.lat, crs="GCJ02", area=edge)
    assert check.ok and math.isclose(check.point.lon, wgs.lon, abs_tol=1e-7)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "crs"),
    [
        ("WGS-84", "WGS84"),
        ("gcj-02", "GCJ02"),
        ("高德", "GCJ02"),
        ("百度", "BD09"),
        ("", "WGS84"),
        (None, "WGS84"),
    ],
)
def test_declared_crs_names_are_recognised(text: str | None, crs: str) -> None:
    """The import's source-CRS column accepts common spellings; blank means WGS-84."""
    assert parse_crs(text) == crs


def test_unknown_crs_is_an_issue() -> None:
    """An unknown CRS name is a coded issue, not a guess."""
    out = parse_crs("CGCS2000-GK")
    assert not isinstance(out, str) and out.code == "geo.unknown_crs"


def test_default_area_is_the_demo_county() -> None:
    """The default box is roughly 115.5–116.3 E, 29.2–30.0 N."""
    assert (DEFAULT_AREA.min_lon, DEFAULT_AREA.max_lon, DEFAULT_AREA.min_lat, DEFAULT_AREA.max_lat) == (
        115.5,
        116.3,
        29.2,
        30.0,
    )
