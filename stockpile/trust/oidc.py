"""Optional sign-in through a county's identity provider (OIDC via Streamlit's `st.login`), mapped to LOCAL users.

The identity provider only proves who the person is (`iss` + `sub` of the ID token). Access still comes from the
local account: an admin links an external identity to an existing user (`link_identity`), and `login_oidc` admits
only a linked, active user, opening the same revocable server-side session as the password login (no
auto-provisioning: an unknown identity is refused and audited). Role, depots and active flag are re-read on every
later call exactly as for password logins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from stockpile import clock
from stockpile.domain.errors import InvalidCommand
from stockpile.ports.repos import IdentityLink, IdentityRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz
from stockpile.trust.users import Login, LoginFailed, open_session

RepoOf = Callable[[AbstractUnitOfWork], IdentityRepository]  # the unit of work → its identity repository


def _clean(issuer: str, subject: str) -> tuple[str, str]:
    issuer, subject = issuer.strip(), subject.strip()
    if not issuer or not subject or len(issuer) > 255 or len(subject) > 255:
        raise InvalidCommand(reason="oidc_identity")
    return issuer, subject


def login_oidc(
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    issuer: str,
    subject: str,
    email: str = "",
    now: datetime | None = None,
) -> Login:
    """A session for the local user linked to (issuer, subject) if that user is active; else LoginFailed.
    Both outcomes are audited (action `login_oidc`; no tokens)."""
    at = now or clock.now()
    issuer, subject = _clean(issuer, subject)
    with uow:
        username = repo_of(uow).username_for(issuer, subject)
        rec = uow.auth.user(username) if username else None
        if rec is None or not rec.active:
            who = (username or email or subject)[:64]
            detail = {
                "result": "inactive" if rec else "unknown_identity",
                "issuer": issuer,
                "subject": subject,
            }
            authz.audit_ok(uow, who, "login_oidc", at, detail=detail, outcome="login_failed")
            uow.commit()
            raise LoginFailed()
        login = open_session(uow, rec, at)
        authz.audit_ok(uow, rec.username, "login_oidc", at, detail={"result": "ok", "issuer": issuer})
        uow.commit()
        return login


@authz.records_denials
def link_identity(
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    admin: str,
    username: str,
    issuer: str,
    subject: str,
    email: str = "",
    now: datetime | None = None,
) -> None:
    """Admin: let the identity-provider account (issuer, subject) sign in as the local user `username`."""
    issuer, subject = _clean(issuer, subject)
    at = now or clock.now()
    with uow:
        authz.require(uow, admin, "manage_users", None, None, username)
        rec = uow.auth.user(username)
        if rec is None:
            raise InvalidCommand(reason="unknown_user", username=username)
        repo = repo_of(uow)
        if repo.username_for(issuer, subject) is not None:
            raise InvalidCommand(reason="identity_linked", subject=subject)
        repo.link(rec.id, issuer, subject, email.strip()[:254], at)
        detail = {"issuer": issuer, "subject": subject}
        authz.audit_ok(uow, admin, "link_oidc", at, rec.username, detail=detail)
        uow.commit()


@authz.records_denials
def unlink_identity(
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    admin: str,
    issuer: str,
    subject: str,
    now: datetime | None = None,
) -> None:
    """Admin: remove a link; the linked user's logins end at once (they may have come through it)."""
    issuer, subject = _clean(issuer, subject)
    at = now or clock.now()
    with uow:
        authz.require(uow, admin, "manage_users", None, None, subject)
        repo = repo_of(uow)
        username = repo.username_for(issuer, subject)
        rec = uow.auth.user(username) if username else None
        if rec is None or not repo.unlink(issuer, subject):
            raise InvalidCommand(reason="identity_unknown", subject=subject)
        uow.auth.revoke_sessions(at, user_id=rec.id)
        detail = {"issuer": issuer, "subject": subject}
        authz.audit_ok(uow, admin, "unlink_oidc", at, rec.username, detail=detail)
        uow.commit()


@authz.records_denials
def list_identities(uow: AbstractUnitOfWork, repo_of: RepoOf, admin: str) -> list[IdentityLink]:
    """Admin: every link (user, issuer, subject, email, since)."""
    with uow:
        authz.require(uow, admin, "manage_users", None)
        return list(repo_of(uow).links())
