"""Engines for the two supported backends with the settings the ledger relies on.

SQLite: every pooled connection gets WAL, synchronous=FULL, foreign_keys=ON and busy_timeout; the driver's own
transaction handling is switched off and writers start with BEGIN IMMEDIATE (readers, marked `readonly`, with a
deferred BEGIN so they never queue behind writers).
PostgreSQL: READ COMMITTED with row locks (SELECT … FOR UPDATE in key order); serialization failures and deadlocks
are turned into `RetryableConflict` by the unit of work.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from stockpile.adapters.db.ddl import APPEND_ONLY_TABLES, install_append_only_triggers
from stockpile.adapters.orm.all_tables import metadata

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for `url` (sqlite:///… or postgresql+psycopg://…) with the ledger's connection rules."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        for pragma in SQLITE_PRAGMAS:
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        readonly = conn.get_execution_options().get("readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def readonly(engine: Engine) -> Engine:
    """The same pool, marked for read-only transactions (deferred BEGIN on SQLite)."""
    return engine.execution_options(readonly=True)


def create_schema(engine: Engine) -> None:
    """Create every table and the append-only triggers (tests and `relief db init`; migrations do the same)."""
    with engine.begin() as conn:
        metadata.create_all(conn)
        install_append_only_triggers(conn, APPEND_ONLY_TABLES)
