"""Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.db.migrate import upgrade
from stockpile.adapters.orm.all_tables import metadata
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.ledger.stock import record_receipt
from stockpile.schemas import ReceiptCmd
from tests.conftest import NOW, pg_url_or_skip
from tests.support.factory import seed_minimal


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    url = pg_url_or_skip()
    e = make_engine(url)
    with e.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    e.dispose()
    return url


def test_alembic_upgrade_head_matches_the_models(empty_url):
    """`relief db upgrade` on an empty database gives the models' schema: autogenerate finds no difference."""
    upgrade(empty_url)
    engine = make_engine(empty_url)
    with engine.connect() as c:
        opts = {"compare_type": False, "include_name": _ours}
        diff = compare_metadata(MigrationContext.configure(c, opts=opts), metadata)
    engine.dispose()
    assert diff == []


def _ours(name, type_, parent_names):
    """Procrastinate's tables (PostgreSQL job queue) are its own schema, applied by our migration: not compared."""
    return not (type_ == "table" and str(name).startswith("procrastinate_"))


def test_migrated_movement_table_is_append_only(empty_url):
    """The migration installs the append-only triggers too."""
    upgrade(empty_url)
    engine = make_engine(empty_url)
    w = seed_minimal(engine)
    uow = SqlAlchemyUnitOfWork(engine)
    record_receipt(
        ReceiptCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=NOW,
            site_code=w.depot,
            item_code=w.tent,
            lot_no="T1",
            qty=5,
        ),
        uow,
        NOW,
    )
    for sql in ("DELETE FROM movement", "UPDATE posting SET actor = 'x'"):
        with pytest.raises(DBAPIError), engine.begin() as c:
            c.execute(text(sql))
    engine.dispose()


def test_migrations_have_a_single_head():
    """Parallel branches are always joined: `alembic upgrade head` means one thing."""
    from alembic.script import ScriptDirectory

    from stockpile.adapters.db.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1
