"""The county workbook's optional 用户 sheet: accounts by user name, role and scope (a keeper's depots, an
informant's townships).

A new account is made without a password: it gets a one-time setup code (shown to the admin once, only its
Argon2id hash is stored) and must choose a password at first login (`trust/first_login.py`). A listed account that
exists keeps its password; its name, role and scope follow the sheet (a change revokes its logins, as the user
admin's own role and depot changes do). Accounts the sheet does not list are left alone: leaving a row out never
disables anyone. Every creation and change is audited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from stockpile.onboarding.parse import Parsed, Problem
from stockpile.onboarding.sheets import SITES, TOWNSHIPS, USERS, label_of
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz
from stockpile.trust.first_login import hash_setup_code, new_setup_code
from stockpile.trust.passwords import PasswordHasherPort
from stockpile.trust.users import valid_username

FIELDS = ("display_name", "role", "sites", "townships")


def check_users(out: Parsed) -> None:
    """User names usable at login (once, whatever the case), roles with the scope they need, known depots and
    townships."""
    recs = out.records.get(USERS.id, {})
    folded = Counter(str(k[0]).casefold() for k in recs)
    sites = {k[0] for k in out.records.get(SITES.id, {})}
    towns = {k[0] for k in out.records.get(TOWNSHIPS.id, {})}
    for key, r in recs.items():
        row, name = out.row_of(USERS, key), str(key[0])
        if not valid_username(name):
            out.error(USERS, row, "用户名", name, "username_invalid")
        elif folded[name.casefold()] > 1:
            out.error(USERS, row, "用户名", name, "duplicate_username")
        for code in r.get("sites") or ():
            if code not in sites:
                out.error(USERS, row, "负责库点编码", code, "unknown_site")
        for code in r.get("townships") or ():
            if code not in towns:
                out.error(USERS, row, "负责乡镇代码", code, "unknown_township")
        role = r.get("role")
        if role == "keeper" and not r.get("sites"):
            out.error(USERS, row, "负责库点编码", "", "role_needs_depots")
        if role == "informant" and not r.get("townships"):
            out.error(USERS, row, "负责乡镇代码", "", "role_needs_townships")
        if role not in (None, "informant") and r.get("townships"):
            out.error(USERS, row, "负责乡镇代码", ";".join(r["townships"]), "townships_only_informant")


def _existing(uow: AbstractUnitOfWork) -> dict[str, dict[str, Any]]:
    return {str(k[0]).casefold(): v for k, v in uow.county.users().items()}


def apply_users(
    uow: AbstractUnitOfWork,
    parsed: Parsed,
    hasher: PasswordHasherPort | None,
    actor: str,
    at: datetime,
    make_codes: bool,
) -> tuple[list[tuple[str, str, tuple[str, ...]]], dict[str, str], list[Problem]]:
    """Create and update the sheet's accounts: (changes as (user, kind, changed headers), setup codes of the new
    accounts (when `make_codes`), problems such as demoting the last admin)."""
    have = _existing(uow)
    changes: list[tuple[str, str, tuple[str, ...]]] = []
    codes: dict[str, str] = {}
    for key, rec in parsed.records.get(USERS.id, {}).items():
        before = have.get(str(key[0]).casefold())
        if before is None:
            code = new_setup_code() if make_codes else ""
            stored = hash_setup_code(hasher, code) if hasher is not None and make_codes else "!"
            uow.county.put_user(rec, stored)
            detail = {f: _plain(rec[f]) for f in FIELDS} | {"via": "county_workbook"}
            authz.audit_ok(uow, actor, "add_user", at, rec["username"], detail=detail)
            changes.append((rec["username"], "added", ()))
            if make_codes:
                codes[rec["username"]] = code
            continue
        diff = tuple(f for f in FIELDS if before.get(f) != rec.get(f))
        if not diff:
            continue
        if problem := _last_admin(uow, parsed, key, before, rec):
            return [], {}, [problem]
        uow.county.put_user({**rec, "username": before["username"]}, None)
        user = uow.auth.user(before["username"])
        if user is not None and ({"role", "sites", "townships"} & set(diff)):
            uow.auth.revoke_sessions(at, user_id=user.id)
        detail = {f: {"from": _plain(before.get(f)), "to": _plain(rec.get(f))} for f in diff}
        authz.audit_ok(
            uow, actor, "update_user", at, before["username"], detail=detail | {"via": "county_workbook"}
        )
        changes.append((before["username"], "changed", tuple(USERS.column(f).header for f in diff)))
    return changes, codes, []


def _last_admin(
    uow: AbstractUnitOfWork,
    parsed: Parsed,
    key: tuple[Any, ...],
    before: Mapping[str, Any],
    rec: Mapping[str, Any],
) -> Problem | None:
    """The last active admin keeps the role (as in the user admin)."""
    if before.get("role") != "admin" or rec.get("role") == "admin":
        return None
    user = uow.auth.user(str(before["username"]))
    if user is None or not user.active or uow.auth.count_active_admins() > 1:
        return None
    shown = label_of(USERS.column("role"), rec.get("role"))  # 调度员 as typed, not the stored "dispatcher"
    return Problem(USERS.name, parsed.row_of(USERS, key), "角色", str(shown), "last_admin")


def _plain(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v
