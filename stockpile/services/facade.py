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
from stockpile.services import dispatch as dispatch_use
from stockpile.services import dispatch_confirm, dispatch_scenario, imports, masterdata, reservations, stock
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
    # ---- dispatch (issue 5): injected adapters -------------------------------------------------------------
    dispatch_repo: Callable[[Any], Any] | None = None
    travel_matrix: Any = None
    planner: Callable[..., Any] | None = None
    render_order: Callable[..., tuple[bytes, bytes]] | None = None

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

    # ---- dispatch (issue 5) ------------------------------------------------------------------------------
    def scenarios(self) -> list[str]:
        with self.uow_factory() as uow:
            return list(self._drepo(uow).scenario_codes())

    def scenario_demand(self, code: str) -> tuple[Any, dict[tuple[str, str], int]]:
        """The scenario and its demand per (point, item): entered, else derived from the norms."""
        return dispatch_scenario.scenario_demand(code, self.uow_factory(), self._drepo)

    def save_demand(self, code: str, demand: dict[tuple[str, str], int]) -> None:
        dispatch_scenario.save_demand(code, demand, self.uow_factory(), self._drepo)

    def fleet(self) -> list[Any]:
        with self.uow_factory() as uow:
            return list(self._drepo(uow).fleet())

    def plan_dispatch(
        self,
        code: str,
        settings: dispatch_use.PlanSettings | None = None,
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
            settings or dispatch_use.PlanSettings(time_limit_s=self.settings.solve_time_limit_s),
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
