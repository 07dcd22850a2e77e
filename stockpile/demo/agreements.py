"""The demo county's agreement reserves (invented for the demo): three agreement holders (supermarket, food
factory, pharmacy) and one capacity reserve, on a contract term relative to the as-of day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork

# A contract term relative to the as-of day (no calendar-year cliff whatever the date): signed 323 days before, running
# 41 more days (as of 2026-11-20 that is the old 1 Jan – 31 Dec term, so the demo reads as it always did).
TERM_BEFORE_DAYS, TERM_AFTER_DAYS = 323, 41


def contract_term(today: date) -> tuple[date, date]:
    """Start and end of the demo's agreements and capacity reserve, relative to the as-of day."""
    return today - timedelta(days=TERM_BEFORE_DAYS), today + timedelta(days=TERM_AFTER_DAYS)


def build_agreements(uow: SqlAlchemyUnitOfWork, sites: dict[str, int], today: date) -> None:
    """Three agreement holders (supermarket, food factory, pharmacy) and one capacity reserve."""
    ids = uow.master.item_ids()
    y0, y1 = contract_term(today)

    def line(
        code: str, qty: int, price: int, verified_days_ago: int | None, verified: int | None = None
    ) -> dict[str, Any]:
        return _line(ids[code], qty, price, today, verified_days_ago, verified)

    uow.master.add_agreement(
        "XY-2026-001",
        sites["XY-CS"],
        y0,
        y1,
        120,
        contact="联华超市 王经理 0792-0000001",
        subsidy_fen=2_000_000,
        lines=[
            line("1020101", 30000, 150, 40),
            line("1020201", 20000, 350, 40),
            line("1020203", 3000, 1800, 40),
            line("1020204", 10000, 150, 40, 8000),
            line("1030201", 2000, 1500, 40),
        ],
    )
    uow.master.add_agreement(
        "XY-2026-002",
        sites["XY-SP"],
        y0,
        today + timedelta(days=60),
        240,
        contact="康源食品 李厂长 0792-0000002",
        subsidy_fen=1_500_000,
        lines=[line("1020202", 20000, 500, 120), line("1020201", 10000, 350, 120)],
    )
    uow.master.add_agreement(
        "XY-2026-003",
        sites["XY-YF"],
        y0,
        y1,
        90,
        contact="仁和大药房 赵店长 0792-0000003",
        lines=[
            line("1030302", 50000, 50, 20),
            line("1030301", 2000, 1500, 20),
            line("1030401", 500, 6000, None),
        ],
    )
    _add_capacity(uow, sites, ids, y0, y1)


def _line(
    item_id: int, qty: int, price: int, today: date, verified_days_ago: int | None, verified: int | None
) -> dict[str, Any]:
    """An agreement line, last verified ``verified_days_ago`` (the agreed quantity unless ``verified`` says
    otherwise), or never."""
    return {
        "item_id": item_id,
        "agreed_qty": qty,
        "price_fen": price,
        "last_verified_on": today - timedelta(days=verified_days_ago)
        if verified_days_ago is not None
        else None,
        "last_verified_qty": (verified if verified is not None else qty)
        if verified_days_ago is not None
        else None,
    }


def _add_capacity(
    uow: SqlAlchemyUnitOfWork, sites: dict[str, int], ids: dict[str, int], y0: date, y1: date
) -> None:
    """The food factory's capacity reserve: compressed biscuits and instant noodles, activated within 12 hours."""
    uow.master.add_capacity(
        producer_site_id=sites["XY-SP"],
        item_id=ids["1020202"],
        units_per_day=40000,
        activation_minutes=720,
        valid_from=y0,
        valid_to=y1,
    )
    uow.master.add_capacity(
        producer_site_id=sites["XY-SP"],
        item_id=ids["1020201"],
        units_per_day=60000,
        activation_minutes=720,
        valid_from=y0,
        valid_to=y1,
    )
