"""The county's 县情 row drives the product at run time: its time zone sets the clock, its guarantee-circle minutes
and relief-time targets set the coverage circle and dispatch's plan defaults; before a county is imported, the
environment's settings stand in. A time zone the clock does not know is refused with its row."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from tests.support import county_book
from tests.support.factory import seed_users


@pytest.fixture
def zone_back() -> Iterator[None]:
    yield
    clock.configure("Asia/Shanghai")


def _book(zone: str, minutes: int, initial_h: int, effective_h: int) -> bytes:
    book = county_book.sheets(clock.today())
    rows = book["县情"][1]
    rows[0][3:7] = [zone, minutes, initial_h, effective_h]
    return county_book.xlsx(book)


def test_the_county_row_drives_clock_circle_and_plans(engine, db_url, zone_back):
    seed_users(engine, {"admin": ("admin", ())})
    env = Settings(database_url=db_url, guarantee_seconds=1800, relief_targets_seconds=(3600, 7200))
    before = build_services(env)  # no county yet: the environment's settings
    assert before.coverage.deps.guarantee_s == 1800
    assert before.dispatch.plan_settings().guarantee_s == 1800
    report = before.onboarding.import_workbook(_book("Asia/Urumqi", 45, 6, 9), "admin")
    assert report.ok, report.errors
    svc = build_services(env)
    assert str(clock.county_tz()) == "Asia/Urumqi"
    assert svc.settings.timezone == "Asia/Urumqi"
    assert svc.coverage.deps.guarantee_s == 45 * 60
    assert svc.coverage.deps.relief_targets_s == (6 * 3600, 9 * 3600)
    plan = svc.dispatch.plan_settings(time_limit_s=3.0)
    assert (plan.guarantee_s, plan.target_s, plan.time_limit_s) == (45 * 60, 6 * 3600, 3.0)


def test_an_unknown_time_zone_is_refused_with_its_row(engine, db_url):
    seed_users(engine, {"admin": ("admin", ())})
    svc = build_services(Settings(database_url=db_url))
    report = svc.onboarding.import_workbook(_book("Asia/Gotham", 60, 8, 10), "admin")
    assert [(p.sheet, p.row, p.column, p.value, p.code) for p in report.errors] == [
        ("县情", 2, "时区", "Asia/Gotham", "unknown_time_zone")
    ]
