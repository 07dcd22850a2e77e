"""The county workbook's 用户 sheet in the database: accounts with their depots (user_site) and an informant's
townships (user_area), read as records keyed by user name and written without ever touching an existing
password."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from stockpile import clock
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.auth import UserRow, UserSiteRow
from stockpile.adapters.orm.events import UserAreaRow

Records = dict[tuple[Any, ...], dict[str, Any]]


def read_users(s: Session) -> Records:
    """Every account (active or not) as the sheet shows it: name, display name, role, depots, townships."""
    sites = dict(s.execute(select(orm.SiteRow.id, orm.SiteRow.code)).all())
    by_user: dict[int, list[str]] = {}
    for uid, sid in s.execute(select(UserSiteRow.user_id, UserSiteRow.site_id)):
        by_user.setdefault(uid, []).append(sites[sid])
    towns: dict[int, list[str]] = {}
    for uid, code in s.execute(select(UserAreaRow.user_id, UserAreaRow.area_code)):
        towns.setdefault(uid, []).append(code)
    out: Records = {}
    for u in s.scalars(select(UserRow)):
        out[(u.username,)] = {
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role,
            "sites": tuple(sorted(by_user.get(u.id, []))),
            "townships": tuple(sorted(towns.get(u.id, []))),
        }
    return out


def put_user(s: Session, rec: Mapping[str, Any], password_hash: str | None) -> None:
    """Create the account (with `password_hash`, the hash of its setup code, and must_set_password) or update its
    name, role and scope; an existing account's password is never changed."""
    row = s.scalar(select(UserRow).where(func.upper(UserRow.username) == str(rec["username"]).upper()))
    if row is None:
        row = UserRow(
            username=rec["username"],
            password_hash=password_hash or "",
            must_set_password=True,
            active=True,
            failed_logins=0,
            created_at=clock.now(),
        )
        s.add(row)
    row.display_name, row.role = rec["display_name"] or "", rec["role"]
    s.flush()
    ids = dict(s.execute(select(orm.SiteRow.code, orm.SiteRow.id)).all())
    s.execute(delete(UserSiteRow).where(UserSiteRow.user_id == row.id))
    s.execute(delete(UserAreaRow).where(UserAreaRow.user_id == row.id))
    for code in rec["sites"]:
        s.add(UserSiteRow(user_id=row.id, site_id=ids[code]))
    for code in rec["townships"]:
        s.add(UserAreaRow(user_id=row.id, area_code=code))
    s.flush()
