"""The demo county's own workbook (stockpile/resources/demo_county.xlsx): every record a county's workbook can hold
(县情, townships, villages, shelters, depots, items, standards, norms, fleet, agreements, capacity, transport),
imported through the same onboarding use case a real county uses.

The workbook was written once by `relief county export` from the generated county as of WORKBOOK_DAY; its dates
(contract terms, last checks) are moved by as many days as the demo's as-of day lies after that day, so the demo
reads the same whatever day it is built. To change the demo county, export it, edit, and save it here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from stockpile.adapters.files.county_workbook import RawSheet, read_workbook
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.resources import resource

DEMO_WORKBOOK = "demo_county.xlsx"
WORKBOOK_DAY = date(2026, 11, 20)  # the as-of day the shipped workbook's dates were written for
COUNTY = "369921"


def _moved(v: Any, delta: timedelta) -> Any:
    if isinstance(v, datetime | date):
        return v + delta
    return v


def demo_workbook(today: date) -> dict[str, RawSheet]:
    """The shipped workbook as read from the file, every date moved from WORKBOOK_DAY to `today`."""
    raw = read_workbook(resource(DEMO_WORKBOOK).read_bytes())
    delta = today - WORKBOOK_DAY
    return {
        name: (header, [(n, {h: _moved(v, delta) for h, v in cells.items()}) for n, cells in rows])
        for name, (header, rows) in raw.items()
    }


def demo_items(uow: SqlAlchemyUnitOfWork) -> dict[str, dict[str, Any]]:
    """The imported items (code → price and shelf life), in code order, for the generated history."""
    i, session = orm.ItemRow, uow.session
    assert session is not None
    q = select(i.code, i.price_fen, i.shelf_life_days).order_by(i.code)
    return {c: {"code": c, "price_fen": p or 0, "shelf_life_days": s} for c, p, s in session.execute(q).all()}


def contract_term(today: date) -> tuple[date, date]:
    """Start and end of the demo's agreements and capacity reserve as of `today` (in the workbook, as of
    WORKBOOK_DAY: 1 January to 31 December 2026), moved with the as-of day like every date of the workbook."""
    delta = today - WORKBOOK_DAY
    return date(2026, 1, 1) + delta, date(2026, 12, 31) + delta
