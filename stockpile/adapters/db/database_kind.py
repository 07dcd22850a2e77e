"""What kind of database `DATABASE_URL` points at, written in the database itself.

`relief demo` marks the database it creates as a demo (`app_setting.database_kind = 'demo'`); `relief init` marks a
real installation (`'county'`). Demo data and demo accounts only ever go into a database marked `demo`, and only a
database with no table at all (or a SQLite file that does not exist yet) may become one. A database created before
the marker existed is `unmarked` and is treated as real.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from sqlalchemy import insert, inspect, select, update
from sqlalchemy.engine import make_url

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm.ledger import SettingRow

KIND_KEY = "database_kind"


class DatabaseState(StrEnum):
    MISSING = "missing"  # SQLite file absent
    EMPTY = "empty"  # reachable, no table at all
    DEMO = "demo"  # created by `relief demo`
    COUNTY = "county"  # created by `relief init`
    UNMARKED = "unmarked"  # tables but no marker (made by `relief db upgrade`, or an older database)


def sqlite_path(url: str) -> Path | None:
    """The file of a file SQLite URL, else None (PostgreSQL, in-memory SQLite)."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def database_state(url: str) -> DatabaseState:
    """Look without creating anything: a missing SQLite file stays missing."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return DatabaseState.MISSING
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            tables = set(inspect(c).get_table_names())
            if not tables:
                return DatabaseState.EMPTY
            if SettingRow.__tablename__ not in tables:
                return DatabaseState.UNMARKED
            kind = c.execute(select(SettingRow.value).where(SettingRow.key == KIND_KEY)).scalar()
    finally:
        engine.dispose()
    if kind == DatabaseState.DEMO:
        return DatabaseState.DEMO
    if kind == DatabaseState.COUNTY:
        return DatabaseState.COUNTY
    return DatabaseState.UNMARKED


def mark(url: str, kind: DatabaseState) -> None:
    """Write the marker (a migrated database only): `demo` or `county`."""
    if kind not in (DatabaseState.DEMO, DatabaseState.COUNTY):
        raise ValueError(kind)
    engine = make_engine(url)
    try:
        with engine.begin() as c:
            found = c.execute(select(SettingRow.key).where(SettingRow.key == KIND_KEY)).scalar()
            if found is None:
                c.execute(insert(SettingRow).values(key=KIND_KEY, value=str(kind)))
            else:
                c.execute(update(SettingRow).where(SettingRow.key == KIND_KEY).values(value=str(kind)))
    finally:
        engine.dispose()
