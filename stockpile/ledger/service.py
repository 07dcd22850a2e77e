"""The ledger capability as the app and the CLI call it: keepers' postings (验收入库, 出库, 调拨, 盘点, 调整, 冲销),
holds, four-eyes write-offs (报废) and the ledger's own checks. Each call opens a fresh unit of work; the rules live
in the use-case modules next to this one."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from stockpile.domain.ledger import LedgerError
from stockpile.domain.model import Reservation
from stockpile.ledger import reservations, stock, write_offs
from stockpile.ledger.checks import verify_ledger
from stockpile.ledger.posting import PostingResult
from stockpile.ports.uow import AbstractUnitOfWork
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


@dataclass(frozen=True)
class LedgerService:
    uow: Callable[[], AbstractUnitOfWork]

    # ---- postings ----------------------------------------------------------------------------------------
    def record_receipt(self, cmd: ReceiptCmd, now: datetime | None = None) -> PostingResult:
        return stock.record_receipt(cmd, self.uow(), now)

    def issue_stock(self, cmd: IssueCmd, now: datetime | None = None) -> PostingResult:
        return stock.issue_stock(cmd, self.uow(), now)

    def ship_transfer(self, cmd: TransferCmd, now: datetime | None = None) -> PostingResult:
        return stock.ship_transfer(cmd, self.uow(), now)

    def receive_transfer(self, cmd: ReceiveTransferCmd, now: datetime | None = None) -> PostingResult:
        return stock.receive_transfer(cmd, self.uow(), now)

    def record_count(self, cmd: CountCmd, now: datetime | None = None) -> PostingResult:
        return stock.record_count(cmd, self.uow(), now)

    def adjust_stock(self, cmd: AdjustCmd, now: datetime | None = None) -> PostingResult:
        return stock.adjust_stock(cmd, self.uow(), now)

    def reverse_posting(self, cmd: ReverseCmd, now: datetime | None = None) -> PostingResult:
        return stock.reverse_posting(cmd, self.uow(), now)

    def suggest_fefo(
        self, site_code: str, item_code: str, qty: int, on: date, actor: str
    ) -> list[tuple[str, int]]:
        """First-expiry-first-out lots for an issue of `qty` (the keeper may override)."""
        return stock.suggest_fefo(self.uow(), site_code, item_code, qty, on, actor)

    def posting_time(self, client_id: uuid.UUID) -> datetime | None:
        """When an earlier posting with this client id happened (a CLI retry without --at repeats it)."""
        with self.uow() as uow:
            rec = uow.ledger.posting(client_id)
            return None if rec is None else rec.occurred_at

    def posting_window(self) -> tuple[date | None, int]:
        """The freeze date (冻结日期) and the backdate window in days, as stored now."""
        with self.uow() as uow:
            return uow.ledger.freeze_date(), int(uow.ledger.backdate_days())

    # ---- holds (预留) --------------------------------------------------------------------------------------
    def reserve(self, cmd: ReserveCmd, now: datetime | None = None) -> Reservation:
        return reservations.reserve(cmd, self.uow(), now)

    def resolve_reservation(
        self, cmd: ResolveReservationCmd, now: datetime | None = None
    ) -> PostingResult | None:
        return reservations.resolve_reservation(cmd, self.uow(), now)

    # ---- write-offs (报废): proposed by one person, approved by another ------------------------------------
    def propose_write_off(self, cmd: WriteOffCmd, now: datetime | None = None) -> uuid.UUID:
        return write_offs.propose_write_off(cmd, self.uow(), now)

    def approve_write_off(
        self, proposal_id: uuid.UUID, approver: str, now: datetime | None = None
    ) -> PostingResult:
        return write_offs.approve_write_off(proposal_id, approver, self.uow(), now)

    def reject_write_off(self, proposal_id: uuid.UUID, approver: str) -> None:
        write_offs.reject_write_off(proposal_id, approver, self.uow())

    def pending_write_offs(self, actor: str) -> list[write_offs.WriteOffProposal]:
        return write_offs.pending_write_offs(self.uow(), actor)

    # ---- checks ----------------------------------------------------------------------------------------
    def verify_ledger(self) -> list[LedgerError]:
        """Every ledger invariant re-checked from the stored movements; [] when the books agree."""
        return verify_ledger(self.uow())
