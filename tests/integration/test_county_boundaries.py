"""Township boundary polygons from the bureau's GeoJSON (given with the workbook): matched by township code or name,
shapely-checked, converted from the declared coordinate system, stored, exported and imported back unchanged, and
drawn on the maps instead of the Voronoi sketch; every bad feature is refused with its number."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import Polygon
from sqlalchemy import func, select

from stockpile import clock
from stockpile.adapters.orm import ledger as orm
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.domain.errors import FileRejected
from tests.support import county_book
from tests.support.factory import seed_users

EAST = f"{county_book.COUNTY}101"  # 东山镇


@pytest.fixture
def svc(engine, db_url):
    seed_users(engine, {"admin": ("admin", ())})
    return build_services(Settings(database_url=db_url))


def _import(svc: Any, shapes: Any, crs: str = "WGS-84", **kw: Any) -> Any:
    book = county_book.sheets(clock.today())
    book["县情"][1][0][7] = crs
    data = json.dumps(shapes, ensure_ascii=False).encode() if isinstance(shapes, dict) else shapes
    return svc.onboarding.import_workbook(county_book.xlsx(book), "admin", boundaries=data, **kw)


@pytest.mark.parametrize("crs", ["WGS-84", "GCJ-02"])
def test_boundaries_are_stored_and_round_trip(svc, crs):
    first = _import(svc, county_book.boundaries(), crs)
    assert first.committed, first.errors
    assert sum(c.sheet == "乡镇边界(GeoJSON)" and c.kind == "added" for c in first.changes) == 6
    assert _import(svc, county_book.boundaries(), crs).changes == []  # the same file twice changes nothing
    shapes = svc.onboarding.export_boundaries("admin")
    feats = json.loads(shapes)["features"]
    assert {f["properties"]["乡镇名称"] for f in feats} == {t[0] for t in county_book.TOWNSHIPS}
    back = svc.onboarding.import_workbook(svc.onboarding.export_workbook("admin"), "admin", boundaries=shapes)
    assert back.ok and back.changes == [], back.changes
    without = svc.onboarding.import_workbook(svc.onboarding.export_workbook("admin"), "admin")
    assert (
        without.changes == [] and svc.onboarding.export_boundaries("admin") is not None
    )  # kept as they were


def test_gcj02_file_is_converted_to_wgs84(svc, engine):
    _import(svc, county_book.boundaries(), "GCJ-02")
    with engine.connect() as c:
        text = c.execute(select(orm.AdminAreaRow.boundary).where(orm.AdminAreaRow.code == EAST)).scalar_one()
    lon0 = json.loads(text)["coordinates"][0][0][0]
    assert (
        0.003 < abs(lon0 - (114.540 - 0.03)) < 0.01
    )  # GCJ-02 → WGS-84 moves points by some hundred metres here


def test_matched_by_name_and_a_file_without_a_township_clears_it(svc):
    assert _import(svc, county_book.boundaries(keyed_by="XZQMC")).committed
    fewer = county_book.boundaries()
    fewer["features"] = fewer["features"][1:]
    report = _import(svc, fewer)
    assert [(c.key, c.kind) for c in report.changes if c.sheet == "乡镇边界(GeoJSON)"] == [(EAST, "deleted")]


def test_map_draws_the_real_boundary_instead_of_the_sketch(svc):
    book = county_book.sheets(clock.today())
    assert svc.onboarding.import_workbook(county_book.xlsx(book), "admin").committed
    sketch = svc.map_view.townships()
    assert _import(svc, county_book.boundaries()).committed
    drawn = svc.map_view.townships()
    east = drawn[drawn["code"] == EAST]["polygon"].iloc[0]
    assert Polygon(east).equals_exact(
        Polygon(county_book.boundaries()["features"][0]["geometry"]["coordinates"][0]), 1e-5
    )
    assert (
        not sketch.empty and list(sketch["code"].unique()) != [] and set(drawn["code"]) == set(sketch["code"])
    )


def test_only_some_boundaries_leave_the_sketch_for_the_rest_without_overlap(svc):
    one = county_book.boundaries()
    one["features"] = one["features"][:1]
    assert _import(svc, one).committed
    drawn = svc.map_view.townships()
    real = Polygon(drawn[drawn["code"] == EAST]["polygon"].iloc[0])
    others = [Polygon(r) for r in drawn[drawn["code"] != EAST]["polygon"]]
    assert others and all(real.intersection(p).area < 1e-8 for p in others)


def _spoil(index: int, geometry: Any = None, props: Any = None) -> dict[str, Any]:
    fc = county_book.boundaries()
    if geometry is not None:
        fc["features"][index]["geometry"] = geometry
    if props is not None:
        fc["features"][index]["properties"] = props
    return fc


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[114.5, 25.8], [114.6, 25.9], [114.6, 25.8], [114.5, 25.9], [114.5, 25.8]]],
}
FAR = {"type": "Polygon", "coordinates": [[[116.0, 29.0], [116.1, 29.0], [116.1, 29.1], [116.0, 29.0]]]}
BAD = [
    (
        "a point, not a polygon",
        _spoil(1, {"type": "Point", "coordinates": [114.4, 25.8]}),
        2,
        "boundary_not_polygon",
    ),
    ("self-crossing ring", _spoil(2, BOWTIE), 3, "boundary_invalid"),
    (
        "unknown township",
        _spoil(3, props={"XZQDM": "360724999", "XZQMC": "不存在镇"}),
        4,
        "boundary_unknown_township",
    ),
    ("same township twice", _spoil(4, props={"XZQDM": EAST}), 5, "boundary_duplicate"),
    ("far outside the county", _spoil(5, FAR), 6, "boundary_outside_county"),
]


@pytest.mark.parametrize(("name", "shapes", "number", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_feature_is_refused_with_its_number(svc, engine, name, shapes, number, code):
    report = _import(svc, shapes)
    assert not report.committed
    assert any((p.sheet, p.row, p.code) == ("乡镇边界(GeoJSON)", number, code) for p in report.errors), (
        report.errors
    )
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(orm.AdminAreaRow)).scalar_one() == 0


@pytest.mark.parametrize("data", [b"not json", b'{"type": "Feature"}', b"\xff\xfe"])
def test_a_file_that_is_not_geojson_is_refused(svc, data):
    with pytest.raises(FileRejected) as e:
        _import(svc, data)
    assert e.value.code == "boundaries_not_geojson"
