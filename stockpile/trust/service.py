"""The trust capability as the app and the CLI call it: login (password and the county's OIDC provider), users and
their depots, the freeze date and backdating window, and the audit log. Each call opens a fresh unit of work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz, first_login, oidc, users


@dataclass(frozen=True)
class TrustService:
    uow: Callable[[], AbstractUnitOfWork]
    hasher: users.PasswordHasherPort
    identities: Callable[[Any], Any]  # unit of work → the OIDC identity-link repository

    # ---- sign-in ---------------------------------------------------------------------------------------
    def login(
        self, username: str, password: str, hours: int = users.SESSION_HOURS, channel: str = "app"
    ) -> users.Login:
        return users.login(self.uow(), self.hasher, username, password, hours=hours, channel=channel)

    def set_first_password(
        self, username: str, setup_code: str, new: str, hours: int = users.SESSION_HOURS, channel: str = "app"
    ) -> users.Login:
        """First login of an account made by the county workbook: its setup code and a new password → a session."""
        return first_login.set_first_password(
            self.uow(), self.hasher, username, setup_code, new, hours=hours, channel=channel
        )

    def session_user(self, token: str) -> Any:
        """The login's user re-read from the database, or None (revoked, expired, disabled)."""
        return users.session_user(self.uow(), token)

    def logout(self, token: str) -> None:
        users.logout(self.uow(), token)

    def change_password(self, username: str, old: str, new: str) -> None:
        users.change_password(self.uow(), self.hasher, username, old, new)

    def login_oidc(self, issuer: str, subject: str, email: str = "") -> users.Login:
        """A server-side login for the local user linked to (issuer, subject); LoginFailed otherwise."""
        return oidc.login_oidc(self.uow(), self.identities, issuer, subject, email)

    # ---- administration (admin only; the use cases check) ---------------------------------------------------
    def bootstrap_admin(self, username: str, password: str) -> None:
        """The first admin of an installation (`relief init`); refused once any user exists."""
        users.bootstrap_admin(self.uow(), self.hasher, username, password)

    def add_user(
        self, admin: str, username: str, role: str, password: str, sites: tuple[str, ...] = ()
    ) -> None:
        users.add_user(self.uow(), self.hasher, admin, username, role, password, sites)

    def set_role(self, admin: str, username: str, role: str) -> None:
        users.set_role(self.uow(), admin, username, role)

    def set_active(self, admin: str, username: str, active: bool) -> None:
        users.set_active(self.uow(), admin, username, active)

    def set_sites(self, admin: str, username: str, sites: tuple[str, ...]) -> None:
        users.set_sites(self.uow(), admin, username, sites)

    def reset_password(self, admin: str, username: str, password: str) -> None:
        users.reset_password(self.uow(), self.hasher, admin, username, password)

    def list_users(self, admin: str) -> list[users.UserInfo]:
        return users.list_users(self.uow(), admin)

    def audit_log(self, admin: str, limit: int = 500) -> list[dict[str, Any]]:
        return users.audit_log(self.uow(), admin, limit)

    def set_freeze_date(self, admin: str, day: date) -> None:
        users.set_freeze_date(self.uow(), admin, day)

    def set_backdate_days(self, admin: str, days: int) -> None:
        """Postings more than `days` back need an admin with a grant on the depot."""
        users.set_backdate_days(self.uow(), admin, days)

    def link_identity(self, admin: str, username: str, issuer: str, subject: str, email: str = "") -> None:
        oidc.link_identity(self.uow(), self.identities, admin, username, issuer, subject, email)

    def unlink_identity(self, admin: str, issuer: str, subject: str) -> None:
        oidc.unlink_identity(self.uow(), self.identities, admin, issuer, subject)

    def list_identities(self, admin: str) -> list[Any]:
        return oidc.list_identities(self.uow(), self.identities, admin)

    # ---- what the session may see ------------------------------------------------------------------------
    def is_demo_database(self) -> bool:
        """True only in a database created by `relief demo`: the login page lists demo accounts and the training
        role picker works only there."""
        with self.uow() as uow:
            return bool(uow.ledger.database_kind() == "demo")

    def visible_site_codes(self, actor: str) -> frozenset[str] | None:
        return authz.visible_site_codes(self.uow(), actor)
