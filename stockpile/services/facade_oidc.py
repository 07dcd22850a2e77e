"""The OIDC part of the `Services` facade (a mixin): sign-in through the county's identity provider and the admin's
links between external identities and local users (trust/oidc.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import oidc
from stockpile.trust.users import Login


class OidcServices:
    uow_factory: Callable[[], AbstractUnitOfWork]
    identity_repo: Callable[[Any], Any] | None

    def _irepo(self, uow: Any) -> Any:
        assert self.identity_repo is not None, "external identities are not wired (bootstrap)"
        return self.identity_repo(uow)

    def login_oidc(self, issuer: str, subject: str, email: str = "") -> Login:
        """A server-side login for the local user linked to (issuer, subject); LoginFailed otherwise."""
        return oidc.login_oidc(self.uow_factory(), self._irepo, issuer, subject, email)

    def link_identity(self, admin: str, username: str, issuer: str, subject: str, email: str = "") -> None:
        oidc.link_identity(self.uow_factory(), self._irepo, admin, username, issuer, subject, email)

    def unlink_identity(self, admin: str, issuer: str, subject: str) -> None:
        oidc.unlink_identity(self.uow_factory(), self._irepo, admin, issuer, subject)

    def list_identities(self, admin: str) -> list[Any]:
        return oidc.list_identities(self.uow_factory(), self._irepo, admin)
