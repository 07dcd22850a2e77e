"""Crash: SIGKILL confirm_plan of the demo flood plan (> 50 stops) at points spread over a complete one, on SQLite
and on PostgreSQL.

After every kill the database is either exactly as before or exactly as after a complete confirmation (hash of the
tables confirm_plan writes, plus the movement count), SQLite `PRAGMA integrity_check` is ok and
`verify_ledger() == []` (run once per distinct state: equal content gives the same verdict). Every run starts from
a fresh copy of the demo database (a file copy on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL), so sequence
values match too. CRASH_RUNS sets the count.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from stockpile.adapters.db.engine import make_engine
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch.commands import PlanSettings
from tests.conftest import DEMO_NOW, pg_url_or_skip
from tests.support.crash import (
    admin_engine,
    crash_runs,
    drop_databases,
    end_sessions,
    recreate_database,
)

RUNS = int(os.environ.get("CRASH_RUNS", "50"))
TABLES = (
    "reservation",
    "stock_balance",
    "dispatch_plan",
    "dispatch_order",
    "dispatch_line",
    "dispatch_call_off",
)
pytestmark = pytest.mark.slow


def _state(url: str) -> str:
    """sha256 of the tables confirm_plan writes (rows sorted) and the movement count; checks SQLite integrity."""
    e = make_engine(url, poolclass=NullPool)
    try:
        with e.connect() as c:
            if url.startswith("sqlite"):
                assert c.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            h = hashlib.sha256(
                repr(tuple(c.execute(text("SELECT count(*), max(seq) FROM movement")).one())).encode()
            )
            for t in TABLES:
                for row in sorted(repr(tuple(r)) for r in c.execute(text(f"SELECT * FROM {t}"))):
                    h.update(row.encode())
        return h.hexdigest()
    finally:
        e.dispose()


def _kills(fresh_copy: Callable[[], str], plan: object) -> dict[str, int]:
    """Confirmations killed at points spread over a complete one; the ledger checks pass in every state left."""

    def confirm(url: str) -> None:
        build_services(Settings(database_url=url)).dispatch.confirm(plan, "dispatcher", DEMO_NOW)  # type: ignore[arg-type]

    def verify(url: str) -> None:
        assert build_services(Settings(database_url=url)).ledger.verify_ledger() == []

    return crash_runs(fresh_copy, confirm, _state, verify, RUNS, seed=5)


def _flood_plan(url: str) -> object:
    svc = build_services(Settings(database_url=url))
    plan = svc.dispatch.plan("FLOOD-DEMO", PlanSettings(time_limit_s=2), now=DEMO_NOW)
    assert plan.violations == () and sum(len(r.stops) for r in plan.result.routes) >= 50
    return plan


def test_killed_confirmation_leaves_before_or_after_state(tmp_path, demo_url):
    """A confirmation killed at any point leaves the SQLite database as before or as after, never in between."""
    base = tmp_path / "base.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), base)
    plan = _flood_plan(f"sqlite:///{base}")
    before = _state(f"sqlite:///{base}")
    db = tmp_path / "run.db"

    def fresh_copy() -> str:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copy(base, db)
        return f"sqlite:///{db}"

    assert _state(fresh_copy()) == before
    print(f"sqlite confirmation kills: {_kills(fresh_copy, plan)}")


@pytest.mark.postgres
def test_killed_confirmation_leaves_before_or_after_state_postgresql():
    """PostgreSQL: a confirmation killed at any point leaves the database as before or as after (the dead
    client's transaction is rolled back), and the ledger checks pass."""
    from stockpile.demo.builder import build_demo, create_demo_database

    url = make_url(pg_url_or_skip())
    base_name, run_name = f"{url.database}_dispatch_base", f"{url.database}_dispatch_run"
    base_url = url.set(database=base_name).render_as_string(hide_password=False)
    run_url = url.set(database=run_name).render_as_string(hide_password=False)
    admin = admin_engine(url.render_as_string(hide_password=False))
    recreate_database(admin, base_name)
    create_demo_database(base_url)
    build_demo(base_url, now=DEMO_NOW)
    plan = _flood_plan(base_url)
    before = _state(base_url)
    end_sessions(admin, base_name)  # the template must have no sessions: end the planner's pooled ones

    def fresh_copy() -> str:
        recreate_database(admin, run_name, template=base_name)
        return run_url

    try:
        assert _state(fresh_copy()) == before
        print(f"postgresql confirmation kills: {_kills(fresh_copy, plan)}")
    finally:
        drop_databases(admin, run_name, base_name)
        admin.dispose()
