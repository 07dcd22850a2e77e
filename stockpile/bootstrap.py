"""The one place where adapters meet services (STYLE.md §3)."""

from __future__ import annotations

from functools import partial

from optimizer.routing_engine import plan_routes
from stockpile.adapters import exporters, geo, importers
from stockpile.adapters.db import make_engine
from stockpile.adapters.dispatch_documents import order_pdf, order_xlsx
from stockpile.adapters.dispatch_repo import SqlDispatchRepository, scenario_matrix
from stockpile.adapters.matrix import HaversineMatrix
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
        read_point=geo.read_declared_point,
        # ---- dispatch (issue 5); offline matrix until the circle branch wires the providers -------------
        dispatch_repo=lambda uow: SqlDispatchRepository(uow.session),
        travel_matrix=partial(
            scenario_matrix,
            HaversineMatrix(
                circuity=settings.detour_factor,
                speeds_kmh={"driving-car": settings.speed_car_kmh, "driving-hgv": settings.speed_hgv_kmh},
            ),
        ),
        planner=plan_routes,
        render_order=lambda header, lines: (order_xlsx(header, lines), order_pdf(header, lines)),
    )
