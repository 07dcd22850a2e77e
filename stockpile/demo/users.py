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


def build_users(uow: SqlAlchemyUnitOfWork, sites: dict[str, int], now: datetime) -> None:
    """Demo users: two admins, a dispatcher, a planner, one keeper per depot or point, and keeper_demo."""
    from stockpile.adapters.repos.passwords import Argon2Hasher

    hasher = Argon2Hasher()
    hashes = {role: hasher.hash(pw) for role, pw in DEMO_PASSWORDS.items()}
    depots = {c: i for c, i in sites.items() if c == "XJK" or c.startswith("XZ")}
    auth = uow.auth
    for name, role in (
        ("admin", "admin"),
        ("admin2", "admin"),
        ("dispatcher", "dispatcher"),
        ("planner", "planner"),
    ):
        auth.add_user(name, role, hashes[name], "", now)
    for code, sid in sorted(depots.items()):
        uid = auth.add_user(f"keeper_{code.lower()}", "keeper", hashes["keeper"], f"{code} 保管员", now)
        auth.set_sites(uid, frozenset({sid}))
    uid = auth.add_user("keeper_demo", "keeper", hashes["keeper"], "演示保管员", now)
    auth.set_sites(uid, frozenset(depots.values()))
