"""Reserve-planning part of the demo county that no workbook holds (SYNTHETIC): agreement check schedules and a
year of verification history (核查), one call-off (调用) with compensation, and a year of expiries (monthly
short-shelf-life lots at the county depot, received through the ledger's own receipt use case passed in as
`receive`). Contracted transport (协议运力) and the reserve standards (储备定额) are the demo workbook's sheets.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.repos.reserve import SqlReserveRepository
from stockpile.reserve.records import CallOffRecord, CheckRecord
from stockpile.schemas import ReceiptCmd

DEMO_NS = uuid.UUID("0b7c51f4-2f55-4a43-9e3c-5a6d2c3e9b11")
INSPECTORS = ("应急局 刘科长", "应急局 陈干事", "财政局 周科员")
CHECK_INTERVALS = {"XY-2026-001": 90, "XY-2026-002": 60, "XY-2026-003": 120}
YEAR_OF_EXPIRIES = (("1020101", 2000), ("1020201", 1500), ("1020203", 300), ("1020204", 1000))


def _history(repo: SqlReserveRepository, today: date, now: datetime) -> None:
    """Earlier checks every interval back to a year ago, then the latest one matching the lines' last check."""
    for c in repo.contracts():
        interval = CHECK_INTERVALS.get(c.code, 90)
        repo.set_check_interval(c.id, interval)
        last = max((ln.last_verified_on for ln in c.lines if ln.last_verified_on), default=None)
        if last is None:
            continue
        n = 0
        day = last - timedelta(days=interval)
        while day >= max(c.valid_from, today - timedelta(days=365)):
            verified = tuple((ln.line_id, ln.agreed_qty - (n % 2) * ln.agreed_qty // 20) for ln in c.lines)
            rec = CheckRecord(
                uuid.uuid5(DEMO_NS, f"{c.code}/{day}"), c.code, day, INSPECTORS[n % 3], "", verified
            )
            repo.add_check(rec, c.id, "demo", now)
            day -= timedelta(days=interval)
            n += 1
        latest = tuple(
            (ln.line_id, ln.last_verified_qty)
            for ln in c.lines
            if ln.last_verified_on == last and ln.last_verified_qty is not None
        )
        rec = CheckRecord(
            uuid.uuid5(DEMO_NS, f"{c.code}/{last}"), c.code, last, INSPECTORS[0], "季度核查", latest
        )
        repo.add_check(rec, c.id, "demo", now)


def _calloff(repo: SqlReserveRepository, now: datetime) -> None:
    c = repo.contract("XY-2026-001")
    assert c is not None
    ln = next(x for x in c.lines if x.item_code == "1020201")
    at = now - timedelta(days=75)
    rec = CallOffRecord(
        uuid.uuid5(DEMO_NS, "calloff/1"),
        c.code,
        ln.line_id,
        ln.item_code,
        2000,
        at,
        ln.price_fen,
        2000 * ln.price_fen,
        "汛期转移安置",
    )
    repo.add_calloff(rec, c.id, None, "demo", now)


def _receipts(uow: Any, receive: Callable[..., Any], today: date, now: datetime) -> int:
    """A lot a month for the next year of short-shelf-life goods at the county depot (a year of expiries)."""
    with uow:
        life = dict(uow.session.execute(select(orm.ItemRow.code, orm.ItemRow.shelf_life_days)).all())
    n = 0
    for code, qty in YEAR_OF_EXPIRIES:
        for month in range(12):
            expiry = today + timedelta(days=20 + 30 * month)
            made = expiry - timedelta(days=int(life[code]))
            at = datetime.combine(max(made, today - timedelta(days=20)), time(9), tzinfo=UTC)
            cmd = ReceiptCmd(
                client_id=uuid.uuid5(DEMO_NS, f"receipt/{code}/{month}"),
                actor="keeper_demo",
                occurred_at=min(at, now),
                site_code="XJK",
                item_code=code,
                # the expiry's whole date: 30-day steps put two expiries in one calendar month (03-01, 03-31)
                lot_no=f"R{expiry:%Y%m%d}-{code[-3:]}",
                qty=qty,
                expiry=expiry,
                manufactured_on=made,
                supplier="框架协议供应商（示范）",
            )
            receive(cmd, uow, now)
            n += 1
    return n


def build_reserve_demo(uow: Any, today: date, now: datetime, receive: Callable[..., Any]) -> int:
    """Add the reserve-planning data to a freshly built demo county; returns the number of lots received."""
    with uow:
        repo = SqlReserveRepository(uow.session)
        _history(repo, today, now)
        _calloff(repo, now)
        uow.commit()
    return _receipts(uow, receive, today, now)
