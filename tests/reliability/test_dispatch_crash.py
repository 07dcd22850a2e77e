"""Crash: SIGKILL confirm_plan of the demo flood plan (> 50 stops) at random points, on SQLite
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
import random
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from stockpile.adapters.db.engine import make_engine
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch.commands import PlanSettings
from tests.conftest import DEMO_NOW, pg_url_or_skip

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


def _confirm_in_child(url: str, plan: object) -> int:
    """Fork (modules already imported, so the child starts at once) and confirm there; returns the child pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            build_services(Settings(database_url=url)).dispatch.confirm(plan, "dispatcher", DEMO_NOW)  # type: ignore[arg-type]
            code = 0
        finally:
            os._exit(code)
    return pid


def _crash_runs(fresh_copy: Callable[[], str], plan: object, before: str) -> dict[str, int]:
    """One complete confirmation for the after-state, then RUNS confirmations killed at random points."""
    url = fresh_copy()
    started = time.monotonic()
    _, status = os.waitpid(_confirm_in_child(url, plan), 0)
    window = time.monotonic() - started
    assert os.waitstatus_to_exitcode(status) == 0
    after = _state(url)
    assert after != before
    rng = random.Random(5)
    seen = {before: 0, after: 0}
    verified: set[str] = set()
    for _ in range(RUNS):
        url = fresh_copy()
        pid = _confirm_in_child(url, plan)
        time.sleep(rng.uniform(0, window * 1.1))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        state = _state(url)
        assert state in seen, "partial confirmation visible after SIGKILL"
        if state not in verified:  # same content as a verified state → same verdict
            services = build_services(Settings(database_url=url))
            assert services.ledger.verify_ledger() == []
            verified.add(state)
        seen[state] += 1
    assert seen[before] + seen[after] == RUNS and seen[before] >= 1
    return {"before": seen[before], "after": seen[after]}


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

    print(f"sqlite confirmation kills: {_crash_runs(fresh_copy, plan, before)}")


def _admin(url: str) -> Engine:
    return make_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _recreate(admin: Engine, name: str, template: str | None = None) -> None:
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))


@pytest.mark.postgres
def test_killed_confirmation_leaves_before_or_after_state_postgresql():
    """PostgreSQL: a confirmation killed at any point leaves the database as before or as after (the dead
    client's transaction is rolled back), and the ledger checks pass."""
    from stockpile.demo.builder import build_demo, create_demo_database

    url = make_url(pg_url_or_skip())
    base_name, run_name = f"{url.database}_dispatch_base", f"{url.database}_dispatch_run"
    base_url = url.set(database=base_name).render_as_string(hide_password=False)
    run_url = url.set(database=run_name).render_as_string(hide_password=False)
    admin = _admin(url.render_as_string(hide_password=False))
    _recreate(admin, base_name)
    create_demo_database(base_url)
    build_demo(base_url, now=DEMO_NOW)
    plan = _flood_plan(base_url)
    before = _state(base_url)
    with admin.connect() as c:  # the template must have no sessions: end the planner's pooled ones
        c.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
            {"d": base_name},
        )

    def fresh_copy() -> str:
        _recreate(admin, run_name, template=base_name)
        return run_url

    try:
        print(f"postgresql confirmation kills: {_crash_runs(fresh_copy, plan, before)}")
    finally:
        with admin.connect() as c:
            for name in (run_name, base_name):
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
