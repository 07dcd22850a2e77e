"""The demo county is built from its own shipped workbook: the same file, its dates moved to the demo's as-of day,
imported again over the built demo changes nothing; every sheet of the workbook is in it; its dates follow the
as-of day."""

from __future__ import annotations

from datetime import date, timedelta

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.files.geo import county_point
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.demo.workbook import DEMO_WORKBOOK, WORKBOOK_DAY, contract_term, demo_workbook
from stockpile.onboarding.county import import_county
from stockpile.onboarding.sheets import SHEETS
from tests.conftest import DEMO_NOW


def test_the_shipped_workbook_is_the_demo_county(demo_url):
    """Importing the demo's own workbook (as a dry run) over the demo: every record is already there, unchanged."""
    today = clock.local_day(DEMO_NOW)
    uow = SqlAlchemyUnitOfWork(make_engine(demo_url))
    report = import_county(demo_workbook(today), "admin", uow, county_point, dry_run=True, now=DEMO_NOW)
    assert report.ok, report.errors[:5]
    assert report.changes == [], report.changes[:10]


def test_every_sheet_has_rows():
    """Every sheet but the optional ones (the demo's logins are made by the builder, with demo passwords)."""
    raw = demo_workbook(WORKBOOK_DAY)
    for sheet in (s for s in SHEETS if not s.optional):
        assert raw[sheet.name][1], f"{DEMO_WORKBOOK}: {sheet.name} is empty"


def test_dates_move_with_the_as_of_day():
    later = WORKBOOK_DAY + timedelta(days=400)
    rows = demo_workbook(later)["协议储备"][1]
    starts = {cells["有效期起"].date() for _, cells in rows}
    assert starts <= {contract_term(later)[0]} and contract_term(WORKBOOK_DAY)[0] == date(2026, 1, 1)
