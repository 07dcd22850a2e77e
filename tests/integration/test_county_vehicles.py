"""The county workbook's 车辆 sheet carries each truck's driver and phone (printed on its dispatch orders), its speed
profile (小型车 / 货车: the road_speeds.toml sections its travel times use) and the hours it may be on the road;
they are stored, exported unchanged and checked (a bad phone, an unknown profile, more than a day's hours)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from stockpile import clock
from stockpile.adapters.orm.dispatch import VehicleRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch.commands import Place
from stockpile.dispatch.fleet import profile_matrices, vehicle
from stockpile.domain.dispatch import VehicleSpec
from tests.support import county_book
from tests.support.factory import seed_users

EXTRA = ["速度类型", "可用时长(小时)", "司机", "司机电话"]


def book_with(values: list[Any]) -> dict[str, Any]:
    book = county_book.sheets(clock.today())
    headers, rows = book["车辆"]
    car = ["赣B-SY002", "应急皮卡", "自有", "SY-XZ04", 1000, 3000, 0, 0]
    book["车辆"] = (headers + EXTRA, [rows[0] + ["货车", "", "", ""], car + values])
    return book


@pytest.fixture
def svc(engine, db_url):
    seed_users(engine, {"admin": ("admin", ())})
    return build_services(Settings(database_url=db_url))


def test_driver_profile_and_hours_are_stored_and_round_trip(svc, engine):
    data = county_book.xlsx(book_with(["小型车", 8, "张师傅", "139 0797 0001"]))
    assert svc.onboarding.import_workbook(data, "admin").committed
    with engine.connect() as c:
        row = c.execute(select(VehicleRow).where(VehicleRow.code == "赣B-SY002")).one()
    assert (row.plate, row.driver, row.driver_phone) == ("赣B-SY002", "张师傅", "139 0797 0001")
    assert (row.speed_profile, row.available_hours) == ("driving-car", 8)
    back = svc.onboarding.import_workbook(svc.onboarding.export_workbook("admin"), "admin")
    assert back.ok and back.changes == [], back.changes
    assert svc.onboarding.import_workbook(data, "admin").changes == []


BAD = [
    ("phone too short", ["货车", 8, "张师傅", "12345"], "司机电话", "phone_invalid"),
    ("phone with letters", ["货车", 8, "张师傅", "1390797000a"], "司机电话", "phone_invalid"),
    ("unknown profile", ["拖拉机", 8, "张师傅", "13907970001"], "速度类型", "invalid_choice"),
    ("more than a day", ["货车", 30, "张师傅", "13907970001"], "可用时长(小时)", "hours_range"),
    ("hours not whole", ["货车", 7.5, "张师傅", "13907970001"], "可用时长(小时)", "qty_not_integer"),
]


@pytest.mark.parametrize(("name", "values", "column", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_vehicle_row_is_refused_with_its_place(svc, name, values, column, code):
    report = svc.onboarding.import_workbook(county_book.xlsx(book_with(values)), "admin")
    assert not report.committed
    assert any((p.sheet, p.row, p.column, p.code) == ("车辆", 3, column, code) for p in report.errors), (
        report.errors
    )


def test_landline_with_area_code_is_a_phone(svc):
    report = svc.onboarding.import_workbook(
        county_book.xlsx(book_with(["货车", "", "", "0797-8521234"])), "admin"
    )
    assert report.ok, report.errors


def _spec(code: str, profile: str, hours: int | None) -> VehicleSpec:
    return VehicleSpec(code, code, "own", "D", 1000, 3000, 0, 0, profile, hours)


def test_a_car_gets_the_car_matrix_and_its_shift_limit():
    """The router gives a 小型车 the provider's driving-car matrix and stops every truck at its available hours."""
    asked: list[str] = []

    def matrix(points, blocked, profile="driving-hgv"):
        asked.append(profile)
        n = len(points)
        return (
            [[0 if i == j else 60 for j in range(n)] for i in range(n)],
            [[0] * n for _ in range(n)],
            "offline",
        )

    places = [Place("D", "库", 114.5, 25.8, "site"), Place("V", "村", 114.6, 25.8, "point")]
    fleet = [_spec("T1", "driving-hgv", None), _spec("C1", "driving-car", 8)]
    index, mats = profile_matrices(fleet, places, matrix, "")
    assert asked == ["driving-car"] and index == {"driving-car": 0} and mats[0].duration_s[0][1] == 60
    car = vehicle(fleet[1], 0, index.get("driving-car"))
    truck = vehicle(fleet[0], 0, index.get("driving-hgv"))
    assert (car.profile, car.max_duration_s) == (0, 8 * 3600)
    assert truck.profile is None and truck.max_duration_s > 24 * 3600


def test_a_road_closure_refreshes_the_car_matrix_too():
    """Re-planning around a closed road fetches the car's matrix again with the closure, not only the truck's."""
    from optimizer import RoutingProblem
    from stockpile.dispatch.fleet import refreshed_profiles

    asked: list[tuple[str, str]] = []

    def matrix(points, blocked, profile="driving-hgv"):
        asked.append((profile, blocked))
        n, t = len(points), 600 if blocked else 60
        return (
            [[0 if i == j else t for j in range(n)] for i in range(n)],
            [[0] * n for _ in range(n)],
            "offline",
        )

    places = [Place("D", "库", 114.5, 25.8, "site"), Place("V", "村", 114.6, 25.8, "point")]
    index, mats = profile_matrices([_spec("C1", "driving-car", None)], places, matrix, "")
    base = ((0, 60), (60, 0))
    dims = ("g", "cm3", "cold_cm3")
    car = vehicle(_spec("C1", "driving-car", None), 0, index["driving-car"])
    problem = RoutingProblem(base, base, (), (car,), profiles=mats, dimensions=dims)
    after = refreshed_profiles(problem, places, matrix, '{"type": "Polygon"}')
    assert after.profiles[0].duration_s[0][1] == 600 and asked[-1] == ("driving-car", '{"type": "Polygon"}')
    trucks = RoutingProblem(base, base, (), (vehicle(_spec("T1", "driving-hgv", None), 0),), dimensions=dims)
    assert refreshed_profiles(trucks, places, matrix, "x") is trucks
