"""The one place where adapters meet services (STYLE.md §3)."""

from __future__ import annotations

from functools import partial

from stockpile.adapters import exporters, importers
from stockpile.adapters.db import make_engine
from stockpile.adapters.documents import Documents
from stockpile.adapters.item_units import ItemUnits
from stockpile.adapters.mapview import MapView
from stockpile.adapters.uow import SqlAlchemyUnitOfWork
from stockpile.config import Settings, get_settings
from stockpile.services.facade import Services
from stockpile.views import Views


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    views = Views(engine)
    return Services(
        uow_factory=partial(SqlAlchemyUnitOfWork, engine),
        views=views,
        read_table=importers.read_table,
        to_xlsx=exporters.to_xlsx,
        to_csv=exporters.to_csv,
        settings=settings,
        # app (issue 7): home map read model and printable documents
        map_view=MapView(views, settings.tile_url),
        documents=Documents(engine, exporters.to_xlsx),
        item_units=ItemUnits(engine),
    )
