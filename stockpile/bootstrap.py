"""The one place where adapters meet services (STYLE.md §3)."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from stockpile.adapters import exporters, geo, importers, review_documents
from stockpile.adapters.db import make_engine
from stockpile.adapters.documents import Documents
from stockpile.adapters.item_units import ItemUnits
from stockpile.adapters.mapview import MapView
from stockpile.adapters.reserve_repository import ReserveUnitOfWork, load_planning_config
from stockpile.adapters.uow import SqlAlchemyUnitOfWork
from stockpile.config import ROOT, Settings, get_settings
from stockpile.services.facade import Services
from stockpile.views import Views
from stockpile.views_reserve import ReserveViews

PLANNING_CONFIG = ROOT / "data" / "reserve_planning.toml"  # RELIEF_PLANNING_CONFIG overrides the path


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
        read_point=geo.read_declared_point,
        # ---- reserve planning (issue 6) ----
        reserve_uow_factory=partial(ReserveUnitOfWork, engine),
        planning_config=load_planning_config(Path(os.environ.get("RELIEF_PLANNING_CONFIG", PLANNING_CONFIG))),
        reserve_views=ReserveViews(engine),
        review_exporter=review_documents,
        # app (issue 7): home map read model and printable documents
        map_view=MapView(views, settings.tile_url),
        documents=Documents(engine, exporters.to_xlsx),
        item_units=ItemUnits(engine),
    )
