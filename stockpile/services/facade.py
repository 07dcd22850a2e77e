"""`Services`: what the app and the CLI call. Built once by bootstrap.build_services(); holds no session or solver,
only factories and injected adapters (the read model, file readers and writers)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from stockpile import clock
from stockpile.coverage import circle as coverage_svc
from stockpile.coverage import siting
from stockpile.coverage.commands import CircleQuery, PrepositionQuery, SitingQuery
from stockpile.dispatch import confirm as dispatch_confirm
from stockpile.dispatch import plan as dispatch_use
from stockpile.dispatch import scenario as dispatch_scenario
from stockpile.dispatch.commands import PlanSettings
from stockpile.imports import ledger_files as imports
from stockpile.imports import masterdata
from stockpile.imports.rows import ImportReport
from stockpile.ledger import reservations, stock
from stockpile.ledger.checks import verify_ledger
from stockpile.ledger.posting import PostingResult
from stockpile.planning import agreements as planning
from stockpile.planning import gap as planning_gap
from stockpile.planning import review as planning_review
from stockpile.planning import rotation as planning_rotation
from stockpile.planning import standards_import as planning_import
from stockpile.planning.commands import CallOffCmd, VerifyCmd
from stockpile.planning.review import CoverageProvider
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.reserve.planning_errors import ReviewMissing
from stockpile.reserve.records import (
    CallOffRecord,
    CheckRecord,
    Contract,
    PlanningConfig,
    Review,
    Snapshot,
    TransportReserve,
)
from stockpile.schemas import (
    AdjustCmd,
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReserveCmd,
    ResolveReservationCmd,
    ReverseCmd,
    TransferCmd,
)
from stockpile.services.facade_reads import ReadServices
from stockpile.services.facade_trust import TrustServices
from stockpile.trust import scoped_reads as reads


@dataclass
class Services(TrustServices, ReadServices):
    uow_factory: Callable[[], AbstractUnitOfWork]
    views: Any
    read_table: Callable[..., Any]
    to_xlsx: Callable[..., bytes]
    to_csv: Callable[..., bytes]
    settings: Any
    read_point: Callable[..., Any]
    # ---- app (issue 7): the home map's read model and printable documents (adapters injected by bootstrap) --
    map_view: Any = None
    documents: Any = None
    item_units: Any = None  # item_units.of(code) → [(unit, factor)]: base unit first, then packs
    hasher: Any = None  # users.PasswordHasherPort (argon2id), wired in bootstrap
    identity_repo: Callable[[Any], Any] | None = None  # OIDC links (facade_oidc.py), wired in bootstrap
    # ---- dispatch (issue 5): injected adapters -------------------------------------------------------------
    dispatch_repo: Callable[[Any], Any] | None = None
    travel_matrix: Any = None
    planner: Callable[..., Any] | None = None
    render_order: Callable[..., tuple[bytes, bytes]] | None = None

    # ---- trust (login, users, write-offs, audit, OIDC): facade_trust.py and facade_oidc.py -----------------
    # ---- keeper use cases --------------------------------------------------------------------------------
    def record_receipt(self, cmd: ReceiptCmd, now: datetime | None = None) -> PostingResult:
        return stock.record_receipt(cmd, self.uow_factory(), now)

    def issue_stock(self, cmd: IssueCmd, now: datetime | None = None) -> PostingResult:
        return stock.issue_stock(cmd, self.uow_factory(), now)

    def ship_transfer(self, cmd: TransferCmd, now: datetime | None = None) -> PostingResult:
        return stock.ship_transfer(cmd, self.uow_factory(), now)

    def receive_transfer(self, cmd: ReceiveTransferCmd, now: datetime | None = None) -> PostingResult:
        return stock.receive_transfer(cmd, self.uow_factory(), now)

    def record_count(self, cmd: CountCmd, now: datetime | None = None) -> PostingResult:
        return stock.record_count(cmd, self.uow_factory(), now)

    def adjust_stock(self, cmd: AdjustCmd, now: datetime | None = None) -> PostingResult:
        return stock.adjust_stock(cmd, self.uow_factory(), now)

    def reverse_posting(self, cmd: ReverseCmd, now: datetime | None = None) -> PostingResult:
        return stock.reverse_posting(cmd, self.uow_factory(), now)

    def suggest_fefo(
        self, site_code: str, item_code: str, qty: int, on: date, actor: str
    ) -> list[tuple[str, int]]:
        return stock.suggest_fefo(self.uow_factory(), site_code, item_code, qty, on, actor)

    def reserve(self, cmd: ReserveCmd, now: datetime | None = None) -> Any:
        return reservations.reserve(cmd, self.uow_factory(), now)

    def resolve_reservation(self, cmd: ResolveReservationCmd, now: datetime | None = None) -> Any:
        return reservations.resolve_reservation(cmd, self.uow_factory(), now)

    # ---- imports, exports, checks --------------------------------------------------------------------------
    def import_file(
        self,
        data: bytes,
        filename: str,
        actor: str,
        confirmed: frozenset[str] = frozenset(),
        now: datetime | None = None,
    ) -> ImportReport:
        """Read (container checks) → validate every row → post all or nothing."""
        table = self.read_table(
            data, filename, max_rows=self.settings.import_max_rows, max_bytes=self.settings.import_max_bytes
        )
        kind = masterdata.detect_kind(table.header)
        if kind == "items":
            return masterdata.import_items(table, actor, self.uow_factory(), now)
        if kind == "sites":
            return masterdata.import_sites(table, actor, self.uow_factory(), self.read_point, now)
        return imports.import_movements(table, actor, self.uow_factory(), now, confirmed, filename)

    def posting_time(self, client_id: Any) -> datetime | None:
        """When an earlier posting with this client id happened (a CLI retry without --at repeats it)."""
        with self.uow_factory() as uow:
            rec = uow.ledger.posting(client_id)
            return None if rec is None else rec.occurred_at

    def verify_ledger(self) -> list[Any]:
        return verify_ledger(self.uow_factory())

    # ---- reserve planning (储备规划, issue 6): agreements, standards, gap, rotation, expiry, annual review ------
    reserve_uow_factory: Callable[[], AbstractUnitOfWork] | None = None
    planning_config: PlanningConfig = field(default_factory=PlanningConfig)
    reserve_views: Any = None
    review_exporter: Any = None  # adapters.review_documents: to_xlsx(doc) / to_pdf(doc) → bytes
    coverage_provider: CoverageProvider | None = None  # guarantee-circle figures, wired when the circle lands

    def _ruow(self) -> Any:
        assert self.reserve_uow_factory is not None, "reserve planning is not wired (bootstrap)"
        return self.reserve_uow_factory()

    def record_verification(self, cmd: VerifyCmd, now: datetime | None = None) -> CheckRecord:
        now = now or clock.now()
        return planning.record_verification(cmd, self._ruow(), _local_day(now), now)

    def call_off(self, cmd: CallOffCmd, now: datetime | None = None) -> CallOffRecord:
        return planning.call_off(cmd, self._ruow(), self.planning_config, now or clock.now())

    def set_check_interval(self, actor: str, contract_code: str, days: int) -> None:
        planning.set_check_interval(self._ruow(), actor, contract_code, days)

    def contracts(self) -> list[Contract]:
        with self._ruow() as uow:
            return list(uow.reserve.contracts())

    def agreement_alerts(self, today: date | None = None) -> list[planning.Alert]:
        return planning.agreement_alerts(self.contracts(), self.planning_config, today or _local_day())

    def check_schedule(self, today: date | None = None) -> list[dict[str, Any]]:
        return planning.check_schedule(self.contracts(), self.planning_config, today or _local_day())

    def fleet_pool(self, on: date | None = None) -> list[TransportReserve]:
        """协议运力 valid on `on`: the dispatch optimizer's fleet pool reads this."""
        return planning.fleet_pool(self._ruow(), on or _local_day())

    def save_transport(self, actor: str, tr: TransportReserve) -> None:
        planning.save_transport(self._ruow(), actor, tr)

    def import_standards(
        self, data: bytes, filename: str, actor: str, now: datetime | None = None
    ) -> ImportReport:
        """上级应急物资储备指导目录 (xlsx/csv) → reserve standards, all or nothing (planner, admin)."""
        table = self.read_table(data, filename, max_rows=self.settings.import_max_rows)
        return planning_import.import_standards(table, actor, self._ruow(), now or clock.now())

    def import_agreements(self, data: bytes, filename: str, actor: str) -> ImportReport:
        table = self.read_table(data, filename, max_rows=self.settings.import_max_rows)
        return planning_import.import_agreements(table, actor, self._ruow())

    def gap_report(self, on: date | None = None) -> dict[str, list[dict[str, Any]]]:
        return planning_gap.gap_report(self._ruow(), on or _local_day(), self.planning_config)

    def expiry_dashboard(self, on: date | None = None, *, actor: str) -> dict[str, list[dict[str, Any]]]:
        """近效期看板; a keeper's is narrowed to the assigned depots (issue 14)."""
        dash = planning_gap.expiry_dashboard(self._ruow(), on or _local_day(), self.planning_config)
        return dict(reads.expiry_dashboard(self.uow_factory(), actor, dash))

    def rotation_plan(self, year: int, today: date | None = None) -> planning_rotation.RotationReport:
        return planning_rotation.rotation_plan(
            self._ruow(), year, today or _local_day(), self.planning_config
        )

    def prepare_review(self, year: int, actor: str, notes: str = "", now: datetime | None = None) -> Review:
        now = now or clock.now()
        cfg, cov = self.planning_config, self.coverage_provider
        return planning_review.prepare_review(
            self._ruow(), year, actor, _local_day(now), now, cfg, cov, notes
        )

    def mark_reviewed(self, year: int, actor: str, now: datetime | None = None) -> Review:
        return planning_review.mark_reviewed(self._ruow(), year, actor, now or clock.now())

    def approve_review(self, year: int, actor: str, now: datetime | None = None) -> Snapshot:
        return planning_review.approve(self._ruow(), year, actor, now or clock.now())

    def review(self, year: int) -> tuple[Review | None, list[Snapshot]]:
        return planning_review.current_review(self._ruow(), year)

    def export_review(self, year: int, fmt: str) -> bytes:
        """xlsx or pdf of the review: the signed snapshot once approved, else the current draft."""
        rv, snaps = self.review(year)
        if rv is None:
            raise ReviewMissing(year=year)
        doc = dict(json.loads(snaps[-1].content)) if snaps else dict(rv.content)
        meta = {
            "state": rv.state.value,
            "preparer": rv.preparer,
            "reviewer": rv.reviewer,
            "approver": rv.approver,
        }
        meta["sha256"] = snaps[-1].sha256 if snaps else None
        writer = self.review_exporter.to_pdf if fmt == "pdf" else self.review_exporter.to_xlsx
        return bytes(writer(doc, meta))

    # ---- app (issue 7): printable documents -----------------------------------------------------------------
    def import_template(self, lang: str = "zh") -> bytes:
        """An xlsx import template (sheet 导入) with the accepted Chinese headers and two example rows."""
        return bytes(self.documents.import_template(lang))

    # ---- coverage: 1-hour circle on stock, siting, pre-positioning, travel times (issue 4) -----------------
    coverage: coverage_svc.CoverageDeps | None = None

    def _coverage(self) -> coverage_svc.CoverageDeps:
        assert self.coverage is not None, "coverage is not wired (bootstrap.build_coverage)"
        return self.coverage

    def coverage_circle(self, query: CircleQuery) -> coverage_svc.CircleReport:
        """Which villages and shelters cannot get the items within T (and the relief-time targets)."""
        return coverage_svc.circle(query, self._coverage())

    def coverage_reach_areas(
        self, report: coverage_svc.CircleReport, avoid: Any = None
    ) -> list[dict[str, Any]]:
        """Isochrone polygons from openrouteservice when enabled; [] offline (the page draws hulls)."""
        return coverage_svc.reach_areas(report, self._coverage(), avoid)

    def coverage_site(self, query: SitingQuery) -> siting.SitingReport:
        """Max-covering what-if: k new reserve points, coverage before and after."""
        return siting.site(query, self._coverage())

    def coverage_preposition(self, query: PrepositionQuery) -> siting.PrepositionReport:
        """Moves of physical stock between existing points that widen the circle."""
        return siting.preposition(query, self._coverage())

    def read_avoid_areas(self, data: bytes, version: str) -> Any:
        """Parse an uploaded GeoJSON of blocked areas (道路中断, 桥梁损毁); BadAvoidAreas on a bad file."""
        return self._coverage().read_avoid_areas(data, version)

    def coverage_norms(self) -> dict[str, Any]:
        """The configured requirement norms by item code."""
        return {n.item_code: n for n in self._coverage().norms}

    def coverage_settings(self) -> dict[str, Any]:
        """Thresholds and profile the circle uses (seconds)."""
        d = self._coverage()
        return {"guarantee_s": d.guarantee_s, "relief_targets_s": d.relief_targets_s, "profile": d.profile}

    # ---- dispatch (issue 5) ------------------------------------------------------------------------------
    def scenarios(self) -> list[str]:
        with self.uow_factory() as uow:
            return list(self._drepo(uow).scenario_codes())

    def scenario_demand(self, code: str) -> tuple[Any, dict[tuple[str, str], int]]:
        """The scenario and its demand per (point, item): entered, else derived from the norms."""
        return dispatch_scenario.scenario_demand(code, self.uow_factory(), self._drepo)

    def save_demand(self, code: str, demand: dict[tuple[str, str], int], actor: str) -> None:
        dispatch_scenario.save_demand(code, demand, actor, self.uow_factory(), self._drepo)

    def rebase_scenario(
        self, code: str, actor: str, to: datetime | None = None, now: datetime | None = None
    ) -> dispatch_scenario.Rebased:
        """Move a drill's report time to `to` (default: now) and every scenario time with it (run_scenario)."""
        return dispatch_scenario.rebase_scenario(code, to, actor, self.uow_factory(), self._drepo, now)

    def fleet(self) -> list[Any]:
        with self.uow_factory() as uow:
            return list(self._drepo(uow).fleet())

    def plan_dispatch(
        self,
        code: str,
        settings: PlanSettings | None = None,
        demand: dict[tuple[str, str], int] | None = None,
        progress: Callable[[Any], None] | None = None,
        now: datetime | None = None,
    ) -> dispatch_use.DispatchPlan:
        assert self.planner is not None and self.travel_matrix is not None
        return dispatch_use.plan_dispatch(
            code,
            self.uow_factory(),
            self._drepo,
            self.travel_matrix,
            self.planner,
            settings or PlanSettings(time_limit_s=self.settings.solve_time_limit_s),
            demand,
            progress,
            now,
        )

    def confirm_plan(
        self, plan: dispatch_use.DispatchPlan, actor: str, now: datetime | None = None
    ) -> dispatch_confirm.Confirmation:
        return dispatch_confirm.confirm_plan(plan, self.uow_factory(), self._drepo, actor, now)

    def mark_shipped(self, doc_no: str, actor: str, now: datetime | None = None) -> int:
        return dispatch_confirm.mark_shipped(doc_no, self.uow_factory(), self._drepo, actor, now)

    def replan_dispatch(
        self, plan: dispatch_use.DispatchPlan, now_s: int, **kw: Any
    ) -> dispatch_use.DispatchPlan:
        """Broken trucks (`broken=`), a closed road (`blocked_geojson=`): delivered and started stops stay."""
        return dispatch_confirm.replan_dispatch(plan, now_s, matrix=self.travel_matrix, **kw)

    def dispatch_orders(self, plan_id: Any) -> list[dict[str, Any]]:
        with self.uow_factory() as uow:
            return list(self._drepo(uow).orders(plan_id))

    def order_documents(self, doc_no: str) -> tuple[bytes, bytes]:
        """(xlsx, pdf) of a confirmed dispatch order."""
        assert self.render_order is not None
        header, lines = dispatch_confirm.order_sheet(doc_no, self.uow_factory(), self._drepo)
        return self.render_order(header, lines)

    def _drepo(self, uow: Any) -> Any:
        assert self.dispatch_repo is not None
        return self.dispatch_repo(uow)


def _local_day(now: datetime | None = None) -> date:
    """The county's calendar day of `now` (default: today on the one clock)."""
    return clock.local_day(now) if now is not None else clock.today()
