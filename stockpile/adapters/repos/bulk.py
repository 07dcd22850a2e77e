"""Bulk appends straight to the driver's executemany (the ledger's hot path, bench/ledger_bench.py): each value is
converted as SQLAlchemy would bind it, without building ORM objects or a Core statement per row."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session


def converters(dialect: str, cols: tuple[str, ...]) -> list[Any]:
    """Per column: what SQLAlchemy would bind (UUID → 32 hex on SQLite, aware → naive-UTC text on SQLite,
    naive UTC on PostgreSQL); datetimes are converted once per distinct value (legs share timestamps)."""
    sqlite = dialect == "sqlite"
    memo: dict[datetime, object] = {}

    def dt(v: datetime) -> object:
        out = memo.get(v)
        if out is None:
            naive = v.astimezone(UTC).replace(tzinfo=None)
            out = memo[v] = naive.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else naive
        return out

    def uid(v: uuid.UUID) -> object:
        return v.hex if sqlite else v

    kinds = {"id": uid, "posting_id": uid, "occurred_at": dt, "recorded_at": dt}
    return [kinds.get(c) for c in cols]


def insert_many(
    session: Session, dialect: str, table: str, cols: tuple[str, ...], rows: Iterable[tuple[object, ...]]
) -> None:
    """Rows are value tuples in the order of `cols`; one executemany on the session's connection."""
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
    conv = [(i, f) for i, f in enumerate(converters(dialect, cols)) if f is not None]
    params = []
    for r in rows:
        t = list(r)
        for i, f in conv:
            t[i] = f(t[i])
        params.append(tuple(t))
    session.connection().exec_driver_sql(sql, params)
