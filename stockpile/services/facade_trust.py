"""The trust part of the `Services` facade (a mixin): login, users, freeze date and backdating, four-eyes
write-offs and the audit log (trust/users.py, ledger/write_offs.py, trust/authz.py). The OIDC sign-in is its own
mixin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from stockpile.ledger import write_offs
from stockpile.ledger.posting import PostingResult
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.schemas import WriteOffCmd
from stockpile.services.facade_oidc import OidcServices
from stockpile.trust import authz, users


class TrustServices(OidcServices):
    uow_factory: Callable[[], AbstractUnitOfWork]
    hasher: Any

    def login(
        self, username: str, password: str, hours: int = users.SESSION_HOURS, channel: str = "app"
    ) -> users.Login:
        return users.login(self.uow_factory(), self.hasher, username, password, hours=hours, channel=channel)

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

    def set_backdate_days(self, admin: str, days: int) -> None:
        """Postings more than `days` back need an admin (with a grant on the depot)."""
        users.set_backdate_days(self.uow_factory(), admin, days)

    def posting_window(self) -> tuple[date | None, int]:
        """The freeze date (冻结日期) and the backdate window in days, as stored now."""
        with self.uow_factory() as uow:
            return uow.ledger.freeze_date(), int(uow.ledger.backdate_days())

    def is_demo_database(self) -> bool:
        """True only in a database created as a demo (`relief demo`): the login page lists demo accounts and the
        training role picker works only there."""
        with self.uow_factory() as uow:
            return bool(uow.ledger.database_kind() == "demo")

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
