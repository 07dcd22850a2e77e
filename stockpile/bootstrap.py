"""The one place where adapters meet services (STYLE.md §3)."""

from __future__ import annotations

from functools import partial

from stockpile.adapters import exporters, importers
from stockpile.adapters.db import make_engine
from stockpile.adapters.passwords import Argon2Hasher
from stockpile.adapters.uow import SqlAlchemyUnitOfWork
from stockpile.config import Settings, get_settings
from stockpile.services.facade import Services
from stockpile.views import Views


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    return Services(
        uow_factory=partial(SqlAlchemyUnitOfWork, engine),
        views=Views(engine),
        read_table=importers.read_table,
        to_xlsx=exporters.to_xlsx,
        to_csv=exporters.to_csv,
        settings=settings,
        hasher=Argon2Hasher(),  # trust: argon2id login
    )
