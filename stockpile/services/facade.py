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
from stockpile.services import imports, reservations, stock
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
    # ---- app (issue 7): the home map's read model and printable documents (adapters injected by bootstrap) --
    map_view: Any = None
    documents: Any = None
    item_units: Any = None  # item_units.of(code) → [(unit, factor)]: base unit first, then packs

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
        return imports.import_movements(table, actor, self.uow_factory(), now, confirmed, filename)

    def verify_ledger(self) -> list[Any]:
        return verify_ledger(self.uow_factory())

    # ---- app (issue 7): printable documents -----------------------------------------------------------------
    def voucher_pdf(self, posting_id: Any, lang: str = "zh") -> bytes:
        """入库单 / 出库单 / 调拨单 of one posting as a PDF with an embedded CJK font."""
        return bytes(self.documents.voucher_pdf(posting_id, lang))

    def count_sheet_pdf(self, site_code: str, lang: str = "zh", on: date | None = None) -> bytes:
        """盘点表 of one site: every lot with its book quantity and blank columns for the count."""
        return bytes(self.documents.count_sheet_pdf(site_code, lang, on))

    def recent_postings(self, kinds: tuple[str, ...], limit: int = 50) -> Any:
        """The latest postings of some kinds (for picking a document to print)."""
        return self.documents.recent_postings(kinds, limit)

    def import_template(self, lang: str = "zh") -> bytes:
        """An xlsx import template (sheet 导入) with the accepted Chinese headers and two example rows."""
        return bytes(self.documents.import_template(lang))
