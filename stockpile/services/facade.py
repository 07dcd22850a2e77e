"""`Services`: what the app and the CLI call. Built once by bootstrap.build_services(); holds no session or solver,
only factories and injected adapters (the read model, file readers and writers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

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
    WriteOffCmd,
)
from stockpile.services import coverage as coverage_svc
from stockpile.services import imports, masterdata, reservations, siting, stock
from stockpile.services.checks import verify_ledger
from stockpile.services.posting import PostingResult
from stockpile.unit_of_work import AbstractUnitOfWork


@dataclass
class Services:
    uow_factory: Callable[[], AbstractUnitOfWork]
    views: Any
    read_table: Callable[..., Any]
    to_xlsx: Callable[..., bytes]
    to_csv: Callable[..., bytes]
    settings: Any
    read_point: Callable[..., Any]

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

    def write_off(self, cmd: WriteOffCmd, now: datetime | None = None) -> PostingResult:
        return stock.write_off(cmd, self.uow_factory(), now)

    def adjust_stock(self, cmd: AdjustCmd, now: datetime | None = None) -> PostingResult:
        return stock.adjust_stock(cmd, self.uow_factory(), now)

    def reverse_posting(self, cmd: ReverseCmd, now: datetime | None = None) -> PostingResult:
        return stock.reverse_posting(cmd, self.uow_factory(), now)

    def suggest_fefo(self, site_code: str, item_code: str, qty: int, on: date) -> list[tuple[str, int]]:
        return stock.suggest_fefo(self.uow_factory(), site_code, item_code, qty, on)

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
    ) -> imports.ImportReport:
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

    # ---- coverage: 1-hour circle on stock, siting, pre-positioning, travel times (issue 4) -----------------
    coverage: coverage_svc.CoverageDeps | None = None

    def _coverage(self) -> coverage_svc.CoverageDeps:
        assert self.coverage is not None, "coverage is not wired (bootstrap.build_coverage)"
        return self.coverage

    def coverage_circle(self, query: coverage_svc.CircleQuery) -> coverage_svc.CircleReport:
        """Which villages and shelters cannot get the items within T (and the relief-time targets)."""
        return coverage_svc.circle(query, self._coverage())

    def coverage_reach_areas(
        self, report: coverage_svc.CircleReport, avoid: Any = None
    ) -> list[dict[str, Any]]:
        """Isochrone polygons from openrouteservice when enabled; [] offline (the page draws hulls)."""
        return coverage_svc.reach_areas(report, self._coverage(), avoid)

    def coverage_site(self, query: siting.SitingQuery) -> siting.SitingReport:
        """Max-covering what-if: k new reserve points, coverage before and after."""
        return siting.site(query, self._coverage())

    def coverage_preposition(self, query: siting.PrepositionQuery) -> siting.PrepositionReport:
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
