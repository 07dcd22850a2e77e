"""The demo's logins (invented for the demo): two admins, a dispatcher, a planner and keepers."""

from __future__ import annotations

from datetime import datetime

from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork

# Demo logins (documented in docs/trust.md and SECURITY.md; change them before real use):
# admin / admin-demo-2026 and admin2 / admin2-demo-2026 (four-eyes needs two admins), dispatcher /
# dispatch-demo-2026, planner / planner-demo-2026, keeper_xjk (county depot XJK) / keeper-demo-2026,
# keeper_xz01 … (one per township point) / keeper-demo-2026, keeper_demo (all depots; the generated history's
# actor) / keeper-demo-2026.
DEMO_PASSWORDS = {
    "admin": "admin-demo-2026",
    "admin2": "admin2-demo-2026",
    "dispatcher": "dispatch-demo-2026",
    "planner": "planner-demo-2026",
    "keeper": "keeper-demo-2026",
}
STAFF = (("admin", "admin"), ("admin2", "admin"), ("dispatcher", "dispatcher"), ("planner", "planner"))


def _hash(password: str) -> str:
    from stockpile.adapters.repos.passwords import Argon2Hasher

    return Argon2Hasher().hash(password)


def build_staff(uow: SqlAlchemyUnitOfWork, now: datetime) -> None:
    """Two admins, a dispatcher and a planner: they exist before the county's workbook (an admin imports it)."""
    for name, role in STAFF:
        uow.auth.add_user(name, role, _hash(DEMO_PASSWORDS[name]), "", now)


def build_keepers(uow: SqlAlchemyUnitOfWork, sites: dict[str, int], now: datetime) -> None:
    """One keeper per depot or point, and keeper_demo (all of them), once the workbook has made the depots."""
    keeper = _hash(DEMO_PASSWORDS["keeper"])
    depots = {c: i for c, i in sites.items() if c == "XJK" or c.startswith("XZ")}
    auth = uow.auth
    for code, sid in sorted(depots.items()):
        uid = auth.add_user(f"keeper_{code.lower()}", "keeper", keeper, f"{code} 保管员", now)
        auth.set_sites(uid, frozenset({sid}))
    uid = auth.add_user("keeper_demo", "keeper", keeper, "演示保管员", now)
    auth.set_sites(uid, frozenset(depots.values()))
