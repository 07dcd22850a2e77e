"""The SIGKILL harness of the crash tests (dispatch confirmation, order steps): fork a step, kill it at points spread
over a complete run, and check that every database left behind is the before- or the after-state.

PostgreSQL copies come from `CREATE DATABASE … TEMPLATE`, SQLite copies from a file copy (the callers' ``fresh``)."""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Callable

from sqlalchemy import Engine, text
from sqlalchemy.pool import NullPool

from stockpile.adapters.db.engine import make_engine

Step = Callable[[str], None]


def fork_step(step: Step, url: str) -> int:
    """Fork (modules already imported, so the child starts at once) and run ``step(url)`` there; the child's pid.
    The child exits 0 only when the step returned."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            step(url)
            code = 0
        finally:
            os._exit(code)
    return pid


def crash_runs(
    fresh: Callable[[], str],
    step: Step,
    state: Callable[[str], str],
    verify: Callable[[str], None],
    runs: int,
    seed: int,
) -> dict[str, int]:
    """One complete run of ``step`` on a ``fresh`` copy for the after-state, then ``runs`` runs killed by SIGKILL.

    Kill times are spread over the whole run, one per stratum of [0, 1.6 × the complete run's time), so every
    phase of the step gets kills however the machine's load shifts its commit. After each kill ``state(url)`` must
    be the before- or the after-state; ``verify(url)`` runs once per distinct state (equal content, equal verdict).
    Returns how many runs ended in each state; at least one must end before."""
    url = fresh()
    before = state(url)
    started = time.monotonic()
    _, status = os.waitpid(fork_step(step, url), 0)
    window = time.monotonic() - started
    assert os.waitstatus_to_exitcode(status) == 0, "the complete run failed"
    after = state(url)
    assert after != before
    verify(url)
    rng = random.Random(seed)
    seen = {before: 0, after: 0}
    verified = {after}
    for k in range(runs):
        url = fresh()
        pid = fork_step(step, url)
        time.sleep((k + rng.random()) / runs * 1.6 * window)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:  # finished before the kill: it must have finished well
            assert os.waitstatus_to_exitcode(status) == 0, "the step failed in a run that was not killed"
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        now = state(url)
        assert now in seen, "a half-done step is visible after SIGKILL"
        if now not in verified:
            verify(url)
            verified.add(now)
        seen[now] += 1
    assert seen[before] + seen[after] == runs
    assert seen[before] >= 1, seen  # how many land after the commit depends on the machine's load: printed
    return {"before": seen[before], "after": seen[after]}


def admin_engine(url: str) -> Engine:
    """A PostgreSQL engine outside transactions (CREATE / DROP DATABASE)."""
    return make_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def recreate_database(admin: Engine, name: str, template: str | None = None) -> None:
    """Drop ``name`` (ending its sessions) and create it again, as a copy of ``template`` when given."""
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))


def end_sessions(admin: Engine, name: str) -> None:
    """End every session on ``name`` (a template must have none: pooled connections stay open)."""
    with admin.connect() as c:
        c.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": name}
        )


def drop_databases(admin: Engine, *names: str) -> None:
    with admin.connect() as c:
        for name in names:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
