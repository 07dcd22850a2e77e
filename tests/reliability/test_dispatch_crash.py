"""Crash (RELIABILITY.md §2): SIGKILL confirm_plan of the demo flood plan (> 50 stops) at random points on SQLite.

After every kill the database is either exactly as before or exactly as after a complete confirmation (hash of the
tables confirm_plan writes, plus the movement count), `PRAGMA integrity_check` is ok and `verify_ledger() == []`
(run once per distinct state: equal content gives the same verdict). CRASH_RUNS sets the count.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.services.dispatch import PlanSettings
from tests.conftest import DEMO_NOW

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


def _state(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        h = hashlib.sha256(repr(con.execute("SELECT count(*), max(seq) FROM movement").fetchone()).encode())
        for t in TABLES:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
            for row in con.execute(f"SELECT * FROM {t} ORDER BY {', '.join(cols)}"):
                h.update(repr(row).encode())
        return h.hexdigest()
    finally:
        con.close()


def _confirm_in_child(db: Path, plan: object) -> int:
    """Fork (modules already imported, so the child starts at once) and confirm there; returns the child pid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            build_services(Settings(database_url=f"sqlite:///{db}")).confirm_plan(
                plan, "dispatcher", DEMO_NOW
            )  # type: ignore[arg-type]
            code = 0
        finally:
            os._exit(code)
    return pid


def test_killed_confirmation_leaves_before_or_after_state(tmp_path, demo_url):
    """A confirmation killed at any point leaves the database as before or as after, never in between."""
    base = tmp_path / "base.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), base)
    svc = build_services(Settings(database_url=f"sqlite:///{base}"))
    plan = svc.plan_dispatch("FLOOD-DEMO", PlanSettings(time_limit_s=2), now=DEMO_NOW)
    assert plan.violations == () and sum(len(r.stops) for r in plan.result.routes) >= 50
    before = _state(base)
    full = tmp_path / "full.db"
    shutil.copy(base, full)
    started = time.monotonic()
    _, status = os.waitpid(_confirm_in_child(full, plan), 0)
    window = time.monotonic() - started
    assert os.waitstatus_to_exitcode(status) == 0
    after = _state(full)
    assert after != before
    rng = random.Random(5)
    seen = {before: 0, after: 0}
    verified: set[str] = set()
    for _ in range(RUNS):
        db = tmp_path / "run.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copy(base, db)
        pid = _confirm_in_child(db, plan)
        time.sleep(rng.uniform(0, window * 1.1))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        state = _state(db)
        assert state in seen, "partial confirmation visible after SIGKILL"
        if state not in verified:  # same content as a verified state → same verdict
            assert build_services(Settings(database_url=f"sqlite:///{db}")).verify_ledger() == []
            verified.add(state)
        seen[state] += 1
    assert seen[before] + seen[after] == RUNS
