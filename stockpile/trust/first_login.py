"""First login of an account made without a password (the county workbook's 用户 sheet).

Such an account holds only the hash of a one-time setup code (初始设置码) that the import showed the admin once,
and `must_set_password`. With it no password logs in: the right setup code only answers `PasswordNotSet` (the
login form then asks for a new password), a wrong one is a failed login like any other (counted, locking the
account after 5). `set_first_password` proves the code, applies the password rules (Argon2id, `passwords.py`),
stores the new hash, clears the state and opens the session, all audited. Only someone the admin gave the code
to can claim the account: a name alone is never enough.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from stockpile import clock
from stockpile.ports.repos import UserRecord
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz
from stockpile.trust.passwords import PasswordHasherPort, check_password, setup_code_text
from stockpile.trust.users import (
    LOCK_MINUTES,
    MAX_FAILURES,
    SESSION_HOURS,
    Login,
    LoginFailed,
    _dummy_hash,
    open_session,
)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or copied from paper


def new_setup_code() -> str:
    """A one-time setup code like `K7QM-3XWD-PA9R` (60 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def hash_setup_code(hasher: PasswordHasherPort, code: str) -> str:
    return hasher.hash(setup_code_text(code))


def verify_setup_code(hasher: PasswordHasherPort, stored_hash: str, code: str) -> bool:
    return hasher.verify(stored_hash, setup_code_text(code))


def _refused(uow: AbstractUnitOfWork, rec: UserRecord, ok: bool, at: datetime) -> bool:
    """Audit and count a refused first login (locked, or a wrong code); False when the code may be used."""
    if rec.locked_until is not None and rec.locked_until > at:
        detail: dict[str, object] = {"result": "locked", "until": clock.format_dt(rec.locked_until)}
    elif not ok:
        failures = rec.failed_logins + 1
        locked = at + timedelta(minutes=LOCK_MINUTES) if failures >= MAX_FAILURES else None
        uow.auth.update_user(rec.id, failed_logins=0 if locked else failures, locked_until=locked)
        detail = {"result": "bad_setup_code", "failures": failures}
    else:
        return False
    authz.audit_ok(uow, rec.username, "set_first_password", at, detail=detail, outcome="login_failed")
    uow.commit()
    return True


def set_first_password(
    uow: AbstractUnitOfWork,
    hasher: PasswordHasherPort,
    username: str,
    setup_code: str,
    new: str,
    now: datetime | None = None,
    hours: int = SESSION_HOURS,
    channel: str = "app",
) -> Login:
    """The account's first password, proved by its setup code; a session on success. LoginFailed for a wrong
    name or code, a locked account or an account that already has a password (one answer for all)."""
    at = now or clock.now()
    check_password(hasher, new, username)
    with uow:
        rec = uow.auth.user(username)
        if rec is None or not rec.active or not rec.must_set_password or not rec.password_hash:
            hasher.verify(_dummy_hash(hasher), setup_code)
            raise LoginFailed()
        ok = verify_setup_code(hasher, rec.password_hash, setup_code)
        if _refused(uow, rec, ok, at):
            raise LoginFailed()
        values = {"password_hash": hasher.hash(new), "must_set_password": False}
        uow.auth.update_user(rec.id, failed_logins=0, locked_until=None, **values)
        uow.auth.revoke_sessions(at, user_id=rec.id)
        login = open_session(uow, rec, at, hours)
        authz.audit_ok(uow, username, "set_first_password", at, username, detail={"channel": channel})
        uow.commit()
        return login
