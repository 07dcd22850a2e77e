"""Schema migrations through alembic (`relief db upgrade`); the same head on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from stockpile.resources import resource


def alembic_config(url: str) -> Config:
    """Built in code (no alembic.ini needed): the migrations ship inside the package (stockpile/resources)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resource("migrations")))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Bring the database at `url` to the newest schema (creating it if empty)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    from sqlalchemy import inspect, text

    from stockpile.adapters.db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as c:
            if not inspect(c).has_table("alembic_version"):
                return None
            return c.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
