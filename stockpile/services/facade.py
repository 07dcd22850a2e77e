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
from stockpile.services import authz, imports, reservations, stock, users, write_offs
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
    hasher: Any = None  # users.PasswordHasherPort (argon2id), wired in bootstrap

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
    ) -> imports.ImportReport:
        """Read (container checks) → validate every row → post all or nothing."""
        table = self.read_table(
            data, filename, max_rows=self.settings.import_max_rows, max_bytes=self.settings.import_max_bytes
        )
        return imports.import_movements(table, actor, self.uow_factory(), now, confirmed, filename)

    def verify_ledger(self) -> list[Any]:
        return verify_ledger(self.uow_factory())

    # ---- trust: login, users, four-eyes write-offs, audit (services/users.py, write_offs.py, authz.py) -------
    def login(self, username: str, password: str) -> users.Login:
        return users.login(self.uow_factory(), self.hasher, username, password)

    def session_user(self, token: str) -> Any:
        """The login's user re-read from the database, or None (revoked, expired, disabled)."""
        return users.session_user(self.uow_factory(), token)

    def logout(self, token: str) -> None:
        users.logout(self.uow_factory(), token)

    def change_password(self, username: str, old: str, new: str) -> None:
        users.change_password(self.uow_factory(), self.hasher, username, old, new)

    def add_user(
        self, admin: str, username: str, role: str, password: str, sites: tuple[str, ...] = ()
    ) -> None:
        users.add_user(self.uow_factory(), self.hasher, admin, username, role, password, sites)

    def set_role(self, admin: str, username: str, role: str) -> None:
        users.set_role(self.uow_factory(), admin, username, role)

    def set_active(self, admin: str, username: str, active: bool) -> None:
        users.set_active(self.uow_factory(), admin, username, active)

    def set_sites(self, admin: str, username: str, sites: tuple[str, ...]) -> None:
        users.set_sites(self.uow_factory(), admin, username, sites)

    def reset_password(self, admin: str, username: str, password: str) -> None:
        users.reset_password(self.uow_factory(), self.hasher, admin, username, password)

    def list_users(self, admin: str) -> list[users.UserInfo]:
        return users.list_users(self.uow_factory(), admin)

    def audit_log(self, admin: str, limit: int = 500) -> list[dict[str, Any]]:
        return users.audit_log(self.uow_factory(), admin, limit)

    def set_freeze_date(self, admin: str, day: date) -> None:
        users.set_freeze_date(self.uow_factory(), admin, day)

    def visible_site_codes(self, actor: str) -> frozenset[str] | None:
        return authz.visible_site_codes(self.uow_factory(), actor)

    def propose_write_off(self, cmd: WriteOffCmd, now: datetime | None = None) -> Any:
        return write_offs.propose_write_off(cmd, self.uow_factory(), now)

    def approve_write_off(
        self, proposal_id: Any, approver: str, now: datetime | None = None
    ) -> PostingResult:
        return write_offs.approve_write_off(proposal_id, approver, self.uow_factory(), now)

    def reject_write_off(self, proposal_id: Any, approver: str) -> None:
        write_offs.reject_write_off(proposal_id, approver, self.uow_factory())

    def pending_write_offs(self, actor: str) -> list[write_offs.WriteOffProposal]:
        return write_offs.pending_write_offs(self.uow_factory(), actor)
