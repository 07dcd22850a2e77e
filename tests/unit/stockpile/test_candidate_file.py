"""The candidate file of a siting what-if (coverage/candidates.py) read with the real file and point readers."""

from __future__ import annotations

import pytest

from stockpile.adapters.files.geo import county_point
from stockpile.adapters.files.importers import read_table
from stockpile.coverage.candidates import MAX_CANDIDATES, county_area, read_candidates

AREA = (115.5, 29.2, 116.3, 30.0)


def _read(text: str, area=AREA, encoding: str = "utf-8"):
    return read_candidates(read_table(text.encode(encoding), "c.csv"), county_point, area)


def test_a_good_file_gives_every_candidate_with_its_name_or_code():
    got = _read("编码,名称,经度,纬度\nc1,候选甲,115.8,29.75\nC2,,116.05,29.7\n")
    assert got.ok and [(c.code, c.name, c.lon, c.lat) for c in got.candidates] == [
        ("C1", "候选甲", 115.8, 29.75),
        ("C2", "C2", 116.05, 29.7),
    ]


def test_a_gb18030_file_from_excel_reads_the_same():
    assert (
        _read("编码,名称,经度,纬度\nC1,候选甲,115.8,29.75\n", encoding="gb18030").candidates[0].name
        == "候选甲"
    )


def test_every_bad_row_is_reported_and_no_candidate_is_given():
    got = _read("code,name,lon,lat\nC1,a,115.8,29.75\nC2,b,abc,29.7\nC1,c,115.9,29.8\nC3,d,29.7,115.9\n")
    assert not got.ok and got.candidates == ()
    assert [(e.row, e.column, e.code) for e in got.errors] == [
        (3, "lon", "geo_not_a_number"),
        (4, "code", "duplicate_code"),
        (5, "lon", "geo_swapped"),
    ]
    assert got.errors[0].value == "abc, 29.7"


def test_without_townships_a_point_need_only_be_in_china():
    assert _read("code,lon,lat\nC1,121.47,31.23\n", area=None).ok
    assert [e.code for e in _read("code,lon,lat\nC1,2.35,48.86\n", area=None).errors] == ["geo_out_of_china"]


def test_an_unknown_coordinate_system_is_named():
    got = _read("code,lon,lat,crs\nC1,115.8,29.75,火星\n")
    assert [(e.row, e.code) for e in got.errors] == [(2, "geo_unknown_crs")]


def test_too_many_rows_is_one_error_not_a_long_wait():
    body = "".join(f"C{i},115.8,29.75\n" for i in range(MAX_CANDIDATES + 1))
    assert [e.code for e in _read("code,lon,lat\n" + body).errors] == ["too_many_rows"]


@pytest.mark.parametrize(
    ("townships", "area"),
    [
        ({}, None),
        ({"1": ("城关镇", 115.9, 29.6), "2": ("新村乡", None, None)}, (115.75, 29.45, 116.05, 29.75)),
    ],
)
def test_the_county_area_is_the_box_round_its_seats(townships, area):
    got = county_area(townships)
    assert got == area if area is None else got == pytest.approx(area)
