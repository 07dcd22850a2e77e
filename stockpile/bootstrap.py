"""The one place where adapters meet use cases: it builds the engine, units of work, travel times and document
writers and hands them to one service object per capability (docs/architecture.md)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from optimizer import plan_routes
from stockpile import clock
from stockpile.adapters.db import storage
from stockpile.adapters.db.database_kind import DatabaseState, database_state
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.documents import city_letter
from stockpile.adapters.documents import review as review_documents
from stockpile.adapters.documents.dispatch import order_pdf, order_xlsx
from stockpile.adapters.documents.ledger import Documents
from stockpile.adapters.documents.tables import tables_pdf
from stockpile.adapters.files import boundaries, county_workbook, exporters, geo, importers
from stockpile.adapters.files.importers import RawTable
from stockpile.adapters.jobs import thread_queue
from stockpile.adapters.orm.jobs import SqlJobStore
from stockpile.adapters.orm.oidc import SqlIdentityRepository
from stockpile.adapters.read import coverage_world as coverage_data
from stockpile.adapters.read.item_units import ItemUnits
from stockpile.adapters.read.mapview import MapView
from stockpile.adapters.read.reserve import ReserveViews
from stockpile.adapters.read.views import Views
from stockpile.adapters.repos.city_requests import SqlCityRequestsRepository
from stockpile.adapters.repos.county import county_settings, township_bbox
from stockpile.adapters.repos.dispatch import SqlDispatchRepository, scenario_matrix, scenario_route
from stockpile.adapters.repos.events import SqlEventsRepository
from stockpile.adapters.repos.passwords import Argon2Hasher
from stockpile.adapters.repos.registers import SqlRegistersRepository, load_compensation_rule
from stockpile.adapters.repos.reserve import ReserveUnitOfWork, load_planning_config
from stockpile.adapters.repos.scenarios import SqlScenarioEditRepository
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.adapters.travel.sources import live_travel, road_graph, road_provider
from stockpile.config import Settings, get_settings
from stockpile.coverage.circle import CoverageDeps
from stockpile.coverage.circle import review_rows as coverage_rows
from stockpile.coverage.service import CoverageService
from stockpile.dispatch.service import DispatchService
from stockpile.events.registers_service import RegisterService
from stockpile.events.service import EventService
from stockpile.i18n import t
from stockpile.imports.service import ImportService
from stockpile.jobs import kinds as job_kinds
from stockpile.jobs.service import JobService
from stockpile.ledger.service import LedgerService
from stockpile.onboarding.service import OnboardingService, template_workbook
from stockpile.planning.service import PlanningService
from stockpile.ports.events import CityRequestsRepository, EventsRepository, RegistersRepository
from stockpile.ports.jobs import JobQueue
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.resources import resource
from stockpile.trust.scoped_reads import ScopedReads
from stockpile.trust.service import TrustService

PLANNING_CONFIG = resource("reserve_planning.toml")  # RELIEF_PLANNING_CONFIG overrides the path


def storage_problem(settings: Settings | None = None) -> str | None:
    """Before the app opens the database: a sentence naming what is wrong with it (missing SQLite file — never
    created here —, no tables, corrupt, unreachable), or None when it can be used."""
    settings = settings or get_settings()
    url = settings.database_url
    try:  # the same reading `relief demo` / `relief init` use; never creates a missing file
        state = database_state(url)
        fault = {
            DatabaseState.MISSING: storage.StorageFault("missing"),
            DatabaseState.EMPTY: storage.StorageFault("not_initialised"),
        }.get(state)
    except Exception as e:  # only storage faults become a sentence; anything else is a bug and is raised
        fault = storage.classify(e, url)
        if fault is None:
            raise
    if fault is None:
        return None
    return t(f"storage.{fault.kind}", database=storage.database_label(url), detail=fault.detail)


@dataclass(frozen=True)
class Services:
    """What the app and the CLI call: one service object per capability, plus the read side and file writers the
    screens use for tables and downloads. Built once per process by `build_services`."""

    ledger: LedgerService
    imports: ImportService
    planning: PlanningService
    coverage: CoverageService
    dispatch: DispatchService
    trust: TrustService
    onboarding: OnboardingService
    jobs: JobService
    events: EventService
    registers: RegisterService  # 征用, 捐赠 and the information publication
    reads: ScopedReads  # stock, documents and the map as the actor may see them
    views: Views  # master data and county-wide tables (no depot scoping needed)
    reserve_views: ReserveViews
    map_view: MapView
    item_units: ItemUnits
    settings: Settings
    read_table: Callable[..., RawTable] = importers.read_table
    to_xlsx: Callable[..., bytes] = exporters.to_xlsx
    to_csv: Callable[..., bytes] = exporters.to_csv
    to_pdf: Callable[..., bytes] = tables_pdf  # titled tables as a Chinese PDF (the publication)
    letter_pdf: Callable[..., bytes] = city_letter.letter_pdf  # the 请调函 to the city
    letter_xlsx: Callable[..., bytes] = city_letter.letter_xlsx


def with_county(settings: Settings, engine: Engine) -> Settings:
    """The settings the product runs on: the county's 县情 row (its time zone, guarantee-circle minutes and
    relief-time targets) over the environment's RELIEF_TIMEZONE / RELIEF_GUARANTEE_SECONDS /
    RELIEF_RELIEF_TARGETS_SECONDS, which stand only until a county workbook is imported (docs/onboarding.md)."""
    row = county_settings(engine)
    if row is None:
        return settings
    targets = (row["initial_relief_hours"] * 3600, row["effective_relief_hours"] * 3600)
    return settings.model_copy(
        update={
            "timezone": row["time_zone"],
            "guarantee_seconds": row["guarantee_minutes"] * 60,
            "relief_targets_seconds": targets,
        }
    )


def county_template() -> bytes:
    """The empty county workbook: no database, no settings (`relief county template` before `relief init`)."""
    return template_workbook(county_workbook.write_workbook)


def build_services(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    settings = with_county(settings, engine)
    clock.configure(settings.timezone)  # the one clock reads the county's time zone
    views = Views(engine)
    uow = partial(SqlAlchemyUnitOfWork, engine)
    map_view = MapView(views, settings.tile_url, roads=partial(road_graph, settings))
    documents = Documents(engine, exporters.to_xlsx)
    read_table = partial(
        importers.read_table, max_rows=settings.import_max_rows, max_bytes=settings.import_max_bytes
    )
    coverage = CoverageService(build_coverage(settings, engine))
    planning = PlanningService(
        uow=partial(ReserveUnitOfWork, engine),
        ledger_uow=uow,
        read_table=read_table,
        exporter=review_documents,
        config=load_planning_config(Path(os.environ.get("RELIEF_PLANNING_CONFIG", PLANNING_CONFIG))),
        # the annual review's "coverage within the circle" comes from the coverage capability
        coverage=partial(coverage_rows, coverage.deps),
        coverage_norms_are_reference=coverage.norms_are_reference(),
    )
    dispatch = build_dispatch(settings, uow, documents)
    return Services(
        ledger=LedgerService(uow),
        imports=ImportService(uow, read_table, partial(site_point, engine), documents),
        planning=planning,
        coverage=coverage,
        dispatch=dispatch,
        jobs=build_jobs(settings.database_url, uow, job_kinds.handlers(dispatch, planning, coverage)),
        events=EventService(uow, events_repo, scenario_edit_repo, coverage_data.read_avoid_areas),
        registers=build_registers(settings, uow, documents),
        trust=TrustService(uow, Argon2Hasher(), lambda u: SqlIdentityRepository(u.session)),
        onboarding=OnboardingService(
            uow=uow,
            read_workbook=partial(
                county_workbook.read_workbook,
                max_rows=settings.import_max_rows,
                max_bytes=settings.import_max_bytes,
            ),
            write_workbook=county_workbook.write_workbook,
            read_point=geo.county_point,
            to_crs=geo.to_county_crs,
            hasher=Argon2Hasher(),
            read_boundaries=boundaries.read_boundaries,
            write_boundaries=boundaries.write_boundaries,
        ),
        reads=ScopedReads(uow, views, documents, map_view),
        views=views,
        reserve_views=ReserveViews(engine),
        map_view=map_view,
        item_units=ItemUnits(engine),
        settings=settings,
    )


def build_registers(
    settings: Settings, uow: Callable[[], SqlAlchemyUnitOfWork], documents: Documents
) -> RegisterService:
    """征用, 捐赠, the publication and the 请调函 (with the bureau of the county settings)."""
    rule = load_compensation_rule(settings.registers_file)
    return RegisterService(uow, events_repo, registers_repo, rule, city_requests_repo, documents.bureau)


def build_dispatch(
    settings: Settings, uow: Callable[[], SqlAlchemyUnitOfWork], documents: Documents
) -> DispatchService:
    """The dispatch service: the scenario repository, travel times, the routing engine and the order documents."""
    travel = live_travel(settings)
    return DispatchService(
        uow=uow,
        repo=lambda u: SqlDispatchRepository(u.session),
        travel_matrix=partial(scenario_matrix, travel),
        route_line=partial(scenario_route, travel),
        planner=plan_routes,
        render_order=lambda sheet: (
            order_xlsx(sheet, documents.bureau()),
            order_pdf(sheet, documents.bureau()),
        ),
        time_limit_s=float(settings.solve_time_limit_s),
        guarantee_s=settings.guarantee_seconds,
        target_s=settings.relief_targets_seconds[0],
    )


def events_repo(u: AbstractUnitOfWork) -> EventsRepository:
    """The events repository on a SQLAlchemy unit of work's open session."""
    assert isinstance(u, SqlAlchemyUnitOfWork) and u.session is not None
    return SqlEventsRepository(u.session)


def registers_repo(u: AbstractUnitOfWork) -> RegistersRepository:
    """The 征用 / 捐赠 registers and the publication's reads on a SQLAlchemy unit of work's open session."""
    assert isinstance(u, SqlAlchemyUnitOfWork) and u.session is not None
    return SqlRegistersRepository(u.session)


def city_requests_repo(u: AbstractUnitOfWork) -> CityRequestsRepository:
    """Outgoing requests to the city (请调函) on a SQLAlchemy unit of work's open session."""
    assert isinstance(u, SqlAlchemyUnitOfWork) and u.session is not None
    return SqlCityRequestsRepository(u.session)


def scenario_edit_repo(u: AbstractUnitOfWork) -> SqlScenarioEditRepository:
    assert isinstance(u, SqlAlchemyUnitOfWork) and u.session is not None
    return SqlScenarioEditRepository(u.session)


def site_point(engine: Engine, lon: object, lat: object, crs_text: str | None) -> geo.PointCheck:
    """A depot's declared coordinates in WGS-84, inside the county's area (from its townships; anywhere in China
    before any township is loaded)."""
    bbox = township_bbox(engine)
    return geo.read_declared_point(lon, lat, crs_text, geo.Area(*bbox) if bbox else geo.CHINA)


# ---- jobs: Procrastinate on PostgreSQL, worker threads in process on SQLite -----------------------------------
def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


def build_jobs(url: str, uow: Callable[[], SqlAlchemyUnitOfWork], handlers: dict[str, Any]) -> JobService:
    """The job service; its queue is made on first submit (a reading CLI command starts no worker)."""
    made: list[JobQueue] = []
    svc = JobService(
        uow=uow, store=lambda u: SqlJobStore(u.session), queue=lambda: made[0], handlers=handlers
    )

    def queue() -> JobQueue:
        if not made:
            made.append(job_queue(url, svc))
        return made[0]

    svc.queue = queue
    return svc


def job_queue(url: str, svc: JobService) -> JobQueue:
    if is_postgres(url):
        from stockpile.adapters.jobs.procrastinate_queue import ProcrastinateQueue

        return ProcrastinateQueue(url, svc.run)

    def pending() -> list[Any]:
        with svc.uow() as u:
            return svc.store(u).pending(include_running=True)

    return thread_queue.shared_queue(url, svc.run, pending)


def run_worker(settings: Settings, concurrency: int = 1, stalled_s: float = 10.0) -> None:
    """`relief worker`: Procrastinate's worker on PostgreSQL; on SQLite a poller with worker threads."""
    svc = build_services(settings)
    url = settings.database_url
    if is_postgres(url):
        from stockpile.adapters.jobs.procrastinate_queue import run_worker as run_pg

        run_pg(url, svc.jobs.run, concurrency, stalled_s)
        return

    def pending() -> list[Any]:
        with svc.jobs.uow() as u:
            return svc.jobs.store(u).pending(include_running=False)

    thread_queue.poll_forever(svc.jobs.run, pending, concurrency)


# ---- the 1-hour circle (travel-time sources: stockpile/adapters/travel/sources.py) ----------------------------
def build_coverage(s: Settings, engine: Engine) -> CoverageDeps:
    """The coverage service's adapters: read side, norms file, travel gateway, GeoJSON reader."""
    return CoverageDeps(
        read_world=coverage_data.SqlCoverageReader(engine).load,
        norms=coverage_data.load_norms(s.coverage_norms_file),
        norms_are_reference=s.coverage_norms_file.resolve() == resource("coverage_norms.toml").resolve(),
        travel=coverage_data.TravelGateway(
            live_travel(s), isochrones_from_router=lambda: s.ors_enabled or road_provider(s) is not None
        ),
        read_avoid_areas=coverage_data.read_avoid_areas,
        profile=s.coverage_profile,
        guarantee_s=s.guarantee_seconds,
        relief_targets_s=tuple(s.relief_targets_seconds),
        capacity_batch_s=s.capacity_batch_s,
        siting_time_limit_s=s.siting_time_limit_s,
        solve_time_limit_s=float(s.solve_time_limit_s),
        read_table=partial(importers.read_table, max_rows=s.import_max_rows, max_bytes=s.import_max_bytes),
        read_point=geo.county_point,
    )
