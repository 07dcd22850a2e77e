"""Login and user administration: Argon2id passwords, lockout, server-side sessions, roles and depot scope.

Login: one Argon2id verify on every path (a dummy hash for unknown or inactive users, so timing does not tell
whether a name exists); 5 failures lock the account for LOCK_MINUTES, and a locked account gets the very same answer
as a wrong name or password (`login_failed`), so the lockout does not tell either; only the audit log records the
lock. Success makes a random token whose sha256 is
stored as a server-side session (logout, a password change, deactivation or a role change revoke it). Admin use
cases go through the POLICY (`manage_users`) and are audited; the last active admin cannot be demoted or disabled.
The password policy and the hasher port live in `passwords.py` (re-exported here).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from stockpile import clock
from stockpile.domain.errors import DomainError, InvalidCommand, UnknownSite
from stockpile.domain.model import Actor
from stockpile.ports.repos import UserRecord
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz
from stockpile.trust.passwords import MIN_PASSWORD as MIN_PASSWORD
from stockpile.trust.passwords import PasswordHasherPort as PasswordHasherPort
from stockpile.trust.passwords import check_password as _check_password
from stockpile.trust.passwords import setup_code_text

MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12


class LoginFailed(DomainError):
    """Wrong name or password, or a locked account: one answer for all three (never says which)."""

    code = "login_failed"


class PasswordNotSet(DomainError):
    """The setup code was right: the account has no password yet and must choose one (`first_login.py`)."""

    code = "password_not_set"


class LastAdmin(DomainError):
    code = "last_admin"


@dataclass(frozen=True, slots=True)
class Login:
    token: str
    username: str
    role: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class UserInfo:
    username: str
    display_name: str
    role: str
    active: bool
    site_codes: tuple[str, ...]
    locked: bool
    must_set_password: bool = False  # made by the county workbook, no password chosen yet


_DUMMY: dict[int, str] = {}


def _dummy_hash(hasher: PasswordHasherPort) -> str:
    """A real hash of a random password, made once per hasher: verified for unknown users (same cost)."""
    key = id(hasher)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_urlsafe(16))
    return _DUMMY[key]


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(
    uow: AbstractUnitOfWork,
    hasher: PasswordHasherPort,
    username: str,
    password: str,
    now: datetime | None = None,
    hours: int = SESSION_HOURS,
    channel: str = "app",
) -> Login:
    """A session token for the right password; LoginFailed otherwise, also for a locked account (each attempt
    audited, the lock only in the audit row)."""
    at = now or clock.now()
    with uow:
        rec = uow.auth.user(username)
        if rec is None or not rec.active or not rec.password_hash:
            hasher.verify(_dummy_hash(hasher), password)
            authz.audit_ok(
                uow, username[:64], "login", at, detail={"result": "unknown"}, outcome="login_failed"
            )
            uow.commit()
            raise LoginFailed()
        ok = hasher.verify(
            rec.password_hash, setup_code_text(password) if rec.must_set_password else password
        )
        if rec.locked_until is not None and rec.locked_until > at:
            lock = {"result": "locked", "until": clock.format_dt(rec.locked_until)}  # for the admin only
            authz.audit_ok(uow, username, "login", at, detail=lock, outcome="login_failed")
            uow.commit()
            raise LoginFailed()  # the same answer as an unknown name: the lockout does not reveal who exists
        if not ok:
            failures = rec.failed_logins + 1
            locked = at + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
            uow.auth.update_user(rec.id, failed_logins=0 if locked else failures, locked_until=locked)
            detail = {"result": "bad_password", "failures": failures}
            authz.audit_ok(uow, username, "login", at, detail=detail, outcome="login_failed")
            uow.commit()
            raise LoginFailed()
        if rec.must_set_password:  # a setup code (county workbook): it only leads to choosing a password
            authz.audit_ok(uow, username, "login", at, detail={"result": "must_set_password"}, outcome="ok")
            uow.commit()
            raise PasswordNotSet()
        values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if hasher.needs_rehash(rec.password_hash):
            values["password_hash"] = hasher.hash(password)
        uow.auth.update_user(rec.id, **values)
        login = open_session(uow, rec, at, hours)
        authz.audit_ok(uow, username, "login", at, detail={"result": "ok", "channel": channel})
        uow.commit()
        return login


def open_session(uow: AbstractUnitOfWork, rec: UserRecord, at: datetime, hours: int = SESSION_HOURS) -> Login:
    """A revocable server-side login for an authenticated user: only the token's sha256 is stored (12 h; the CLI's
    `relief login` asks for fewer, `cli_session_hours`)."""
    token = secrets.token_urlsafe(32)
    until = at + timedelta(hours=max(1, min(hours, SESSION_HOURS)))
    uow.auth.add_session(uuid.uuid4(), _sha(token), rec.id, at, until)
    return Login(token, rec.username, rec.role, until)


def session_user(uow: AbstractUnitOfWork, token: str, now: datetime | None = None) -> Actor | None:
    """The login's user as stored now, or None if the session was revoked, expired or the user disabled."""
    at = now or clock.now()
    with uow:
        row = uow.auth.session_by_token(_sha(token))
        if row is None or row.revoked_at is not None or row.expires_at <= at:
            return None
        rec = uow.auth.user_by_id(row.user_id)
        if rec is None or not rec.active:
            return None
        return Actor(rec.username, rec.role, rec.site_ids)


def logout(uow: AbstractUnitOfWork, token: str, now: datetime | None = None) -> None:
    """Revoke this login server-side: the token is worthless afterwards."""
    at = now or clock.now()
    with uow:
        row = uow.auth.session_by_token(_sha(token))
        uow.auth.revoke_sessions(at, token_sha256=_sha(token))
        if row is not None:
            rec = uow.auth.user_by_id(row.user_id)
            authz.audit_ok(uow, rec.username if rec else "?", "logout", at)
        uow.commit()


def change_password(
    uow: AbstractUnitOfWork,
    hasher: PasswordHasherPort,
    username: str,
    old: str,
    new: str,
    now: datetime | None = None,
) -> None:
    """The user's own password change; every existing login of the user is revoked."""
    at = now or clock.now()
    _check_password(hasher, new, username)
    with uow:
        rec = uow.auth.user(username)
        if rec is None or not rec.active or not hasher.verify(rec.password_hash, old):
            raise LoginFailed()
        uow.auth.update_user(rec.id, password_hash=hasher.hash(new), must_set_password=False)
        uow.auth.revoke_sessions(at, user_id=rec.id)
        authz.audit_ok(uow, username, "change_password", at, username)
        uow.commit()


def _site_ids(uow: AbstractUnitOfWork, codes: tuple[str, ...] | list[str]) -> frozenset[int]:
    out = set()
    for c in codes:
        site = uow.ledger.site_by_code(c)
        if site is None or site.site_type.value == "transit":
            raise UnknownSite(site_code=c)
        out.add(site.id)
    return frozenset(out)


@authz.records_denials
def _admin_op(
    uow: AbstractUnitOfWork, admin: str, now: datetime | None, fn: Any, action: str = "manage_users"
) -> Any:
    at = now or clock.now()
    with uow:
        authz.require(uow, admin, action, None)
        out = fn(at)
        uow.commit()
        return out


USERNAME = re.compile(r"[^\s;；,，]{2,64}")


def valid_username(name: str) -> bool:
    """2-64 characters, no space, comma or semicolon, no control or format character (a right-to-left override
    makes a name read as another); the same rule for the county workbook and `relief user add`."""
    return bool(USERNAME.fullmatch(name)) and not any(unicodedata.category(c) in ("Cc", "Cf") for c in name)


def add_user(
    uow: AbstractUnitOfWork,
    hasher: PasswordHasherPort,
    admin: str,
    username: str,
    role: str,
    password: str,
    site_codes: tuple[str, ...] = (),
    display_name: str = "",
    now: datetime | None = None,
) -> None:
    if role not in authz.ROLES:
        raise InvalidCommand(reason="unknown_role", role=role)
    if not valid_username(username):
        raise InvalidCommand(reason="username_invalid", username=username[:64])
    if role == "keeper" and not site_codes:  # a keeper without a depot could do nothing
        raise InvalidCommand(reason="keeper_needs_depots", username=username)
    _check_password(hasher, password, username)

    def op(at: datetime) -> None:
        if uow.auth.user(username) is not None:
            raise InvalidCommand(reason="user_exists", username=username)
        uid = uow.auth.add_user(username, role, hasher.hash(password), display_name, at)
        uow.auth.set_sites(uid, _site_ids(uow, site_codes))
        authz.audit_ok(
            uow, admin, "add_user", at, username, detail={"role": role, "sites": sorted(site_codes)}
        )

    _admin_op(uow, admin, now, op)


def _user_or_raise(uow: AbstractUnitOfWork, username: str) -> Any:
    rec = uow.auth.user(username)
    if rec is None:
        raise InvalidCommand(reason="unknown_user", username=username)
    return rec


def _keep_last_admin(uow: AbstractUnitOfWork, rec: UserRecord) -> None:
    if rec.role == "admin" and rec.active and uow.auth.count_active_admins() <= 1:
        raise LastAdmin(username=rec.username)


def set_role(
    uow: AbstractUnitOfWork, admin: str, username: str, role: str, now: datetime | None = None
) -> None:
    """Grant a role (a user has exactly one); the user's logins are revoked."""
    if role not in authz.ROLES:
        raise InvalidCommand(reason="unknown_role", role=role)

    def op(at: datetime) -> None:
        rec = _user_or_raise(uow, username)
        if role != "admin":
            _keep_last_admin(uow, rec)
        uow.auth.update_user(rec.id, role=role)
        uow.auth.revoke_sessions(at, user_id=rec.id)
        authz.audit_ok(uow, admin, "set_role", at, username, detail={"from": rec.role, "to": role})

    _admin_op(uow, admin, now, op)


def set_active(
    uow: AbstractUnitOfWork, admin: str, username: str, active: bool, now: datetime | None = None
) -> None:
    """Enable or disable a user; disabling revokes every login at once."""

    def op(at: datetime) -> None:
        rec = _user_or_raise(uow, username)
        if not active:
            _keep_last_admin(uow, rec)
            uow.auth.revoke_sessions(at, user_id=rec.id)
        uow.auth.update_user(rec.id, active=active, failed_logins=0, locked_until=None)
        authz.audit_ok(uow, admin, "set_active", at, username, detail={"active": active})

    _admin_op(uow, admin, now, op)


def set_sites(
    uow: AbstractUnitOfWork,
    admin: str,
    username: str,
    site_codes: tuple[str, ...],
    now: datetime | None = None,
) -> None:
    """Replace a keeper's depot assignments (the next call of the keeper sees the new scope)."""

    def op(at: datetime) -> None:
        rec = _user_or_raise(uow, username)
        uow.auth.set_sites(rec.id, _site_ids(uow, site_codes))
        before = sorted(uow.auth.site_codes(rec.site_ids).values()) if rec.site_ids else []
        authz.audit_ok(
            uow, admin, "set_sites", at, username, detail={"from": before, "to": sorted(site_codes)}
        )

    _admin_op(uow, admin, now, op)


def reset_password(
    uow: AbstractUnitOfWork,
    hasher: PasswordHasherPort,
    admin: str,
    username: str,
    password: str,
    now: datetime | None = None,
) -> None:
    _check_password(hasher, password, username)

    def op(at: datetime) -> None:
        rec = _user_or_raise(uow, username)
        values = {"password_hash": hasher.hash(password), "must_set_password": False}
        uow.auth.update_user(rec.id, failed_logins=0, locked_until=None, **values)
        uow.auth.revoke_sessions(at, user_id=rec.id)
        authz.audit_ok(uow, admin, "reset_password", at, username)

    _admin_op(uow, admin, now, op)


def list_users(uow: AbstractUnitOfWork, admin: str, now: datetime | None = None) -> list[UserInfo]:
    def op(at: datetime) -> list[UserInfo]:
        codes = uow.auth.site_codes()
        return [
            UserInfo(
                r.username,
                r.display_name,
                r.role,
                r.active,
                tuple(sorted(codes[s] for s in r.site_ids if s in codes)),
                r.locked_until is not None and r.locked_until > at,
                r.must_set_password,
            )
            for r in uow.auth.users()
        ]

    return list(_admin_op(uow, admin, now, op))


def audit_log(uow: AbstractUnitOfWork, admin: str, limit: int = 500) -> list[dict[str, Any]]:
    """The latest audit rows, newest first (admin only)."""

    def op(_at: datetime) -> list[dict[str, Any]]:
        rows = uow.auth.audit_events()[-limit:]
        keys = ("id", "at", "actor", "action", "outcome", "target", "client_id", "before_qty", "after_qty")
        return [{k: getattr(r, k) for k in keys} for r in reversed(rows)]

    return list(_admin_op(uow, admin, None, op, "view_audit"))


def set_freeze_date(uow: AbstractUnitOfWork, admin: str, day: date, now: datetime | None = None) -> None:
    """冻结日期: postings before it are refused. Not after today (county time): a freeze date in the future (9999-12-31
    was taken) would close periods no one has posted in yet."""

    def op(at: datetime) -> None:
        if day > at.astimezone(clock.county_tz()).date():
            raise InvalidCommand(reason="freeze_date_in_future", day=day.isoformat())
        before = uow.ledger.freeze_date()
        uow.ledger.set_setting("freeze_date", day.isoformat())
        authz.audit_ok(uow, admin, "set_freeze_date", at, day.isoformat(), detail={"from": str(before)})

    _admin_op(uow, admin, now, op, "set_freeze_date")


def set_backdate_days(uow: AbstractUnitOfWork, admin: str, days: int, now: datetime | None = None) -> None:
    """补录期限: postings more than `days` back need the admin right, like those before the freeze date."""
    if not 0 <= days <= 3660:
        raise InvalidCommand(reason="backdate_days", days=days)

    def op(at: datetime) -> None:
        before = uow.ledger.backdate_days()
        uow.ledger.set_setting("backdate_days", str(days))
        authz.audit_ok(uow, admin, "set_backdate_days", at, str(days), detail={"from": before})

    _admin_op(uow, admin, now, op, "set_freeze_date")


def bootstrap_admin(
    uow: AbstractUnitOfWork,
    hasher: PasswordHasherPort,
    username: str,
    password: str,
    now: datetime | None = None,
) -> None:
    """First run only: create the first admin when the database has no user at all."""
    at = now or clock.now()
    _check_password(hasher, password, username)
    with uow:
        if uow.auth.users():
            raise InvalidCommand(reason="users_exist")
        uow.auth.add_user(username, "admin", hasher.hash(password), "", at)
        authz.audit_ok(uow, username, "bootstrap_admin", at, username)
        uow.commit()
