"""The demo's database: created and marked as a demo, checked before anything demo goes in, wiped on request."""

from __future__ import annotations

from pathlib import Path

from stockpile.adapters.db.database_kind import DatabaseState, database_state, mark
from stockpile.adapters.db.engine import make_engine
from stockpile.domain.errors import DomainError


class NotADemoDatabase(DomainError):
    """Demo data and demo accounts only go into a database created as a demo."""

    code = "not_a_demo_database"


def database_label(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def create_demo_database(url: str) -> None:
    """Create the database at `url` as a demo: migrate it and mark it `demo` in the database itself. Only a SQLite
    file that does not exist yet or a database without any table may become a demo; a demo is migrated again."""
    from stockpile.adapters.db.migrate import upgrade

    state = database_state(url)
    if state not in (DatabaseState.MISSING, DatabaseState.EMPTY, DatabaseState.DEMO):
        raise NotADemoDatabase(state=str(state), database=database_label(url))
    upgrade(url)
    if state != DatabaseState.DEMO:
        mark(url, DatabaseState.DEMO)


def require_demo_database(url: str) -> None:
    state = database_state(url)
    if state != DatabaseState.DEMO:
        raise NotADemoDatabase(state=str(state), database=database_label(url))


def has_data(url: str) -> bool:
    """True if the database already holds items (the demo, or real data)."""
    from sqlalchemy import func, select

    from stockpile.adapters.orm.ledger import ItemRow

    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return bool(c.execute(select(func.count()).select_from(ItemRow)).scalar())
    finally:
        engine.dispose()


def wipe(url: str) -> None:
    """Remove everything (only for `relief demo --force`, only in a demo database): delete the SQLite file or drop
    the PG schema."""
    from sqlalchemy import text

    require_demo_database(url)
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()
