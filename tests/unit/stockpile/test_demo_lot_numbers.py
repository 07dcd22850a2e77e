"""The demo's year of expiries: one lot number per (item, expiry) on every start date (CI's +400 d clock on
2028-01-11 put two expiries in March 2028 under one month-named lot and the ledger refused the second)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from stockpile.demo.reserve import YEAR_OF_EXPIRIES, _receipts


class _Uow:
    """Just enough of a unit of work for ``_receipts``: the items' shelf lives."""

    def __init__(self) -> None:
        rows = [(code, 180) for code, _ in YEAR_OF_EXPIRIES]
        self.session = SimpleNamespace(execute=lambda *_: SimpleNamespace(all=lambda: rows))

    def __enter__(self) -> _Uow:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_every_start_date_gives_one_lot_number_per_item_and_expiry() -> None:
    booked: list[Any] = []
    for offset in range(0, 366):
        today = date(2027, 6, 1) + timedelta(days=offset)  # 2028-01-11 among them
        booked.clear()
        _receipts(
            _Uow(), lambda cmd, uow, now: booked.append(cmd), today, datetime.combine(today, time(12), UTC)
        )
        lots = {(c.item_code, c.lot_no) for c in booked}
        assert len(lots) == len(booked) == 12 * len(YEAR_OF_EXPIRIES), today
