"""Alembic environment: URL from the `sqlalchemy.url` option (set by `relief db upgrade`) or Settings."""

from __future__ import annotations

from alembic import context

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm.all_tables import metadata as target_metadata_all
from stockpile.adapters.orm.ledger import UTCDateTime
from stockpile.config import get_settings

config = context.config
target_metadata = target_metadata_all


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render our UTC type as a plain DateTime so migrations never import model code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(
            connection=connectable,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
