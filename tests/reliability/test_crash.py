"""Faults: a 2 000-row batch import killed with SIGKILL at random points, 50 times per backend.

After each kill the database is reopened and must equal the before- or the after-state (sha256 of a canonical dump
of the ledger tables, by natural keys so rolled-back sequence values do not matter), pass SQLite
`PRAGMA integrity_check`, and `verify_ledger() == []`; an import the child reported committed must be there.
The writer is a forked child (no interpreter start-up per run); the parent kills it after a random delay spread over
the measured import time.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from stockpile.adapters.db.engine import create_schema, make_engine
from stockpile.adapters.files import importers
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.imports import ledger_files as imports
from stockpile.ledger.checks import verify_ledger
from tests.conftest import NOW, pg_url_or_skip
from tests.support.factory import seed_minimal

pytestmark = pytest.mark.slow

KILLS = int(os.environ.get("CRASH_KILLS", "50"))
ROWS = 2000
DUMP = {
    "posting": "SELECT CAST(id AS TEXT), kind, digest, payload, actor, occurred_at, recorded_at, legs FROM posting",
    "movement": (
        "SELECT CAST(m.id AS TEXT), CAST(m.posting_id AS TEXT), m.kind, s.code, i.code, l.lot_no, m.qty, "
        "m.occurred_at FROM movement m JOIN site s ON s.id = m.site_id JOIN item i ON i.id = m.item_id "
        "JOIN lot l ON l.id = m.lot_id"
    ),
    "lot": "SELECT i.code, l.lot_no, l.expiry FROM lot l JOIN item i ON i.id = l.item_id",
    "balance": (
        "SELECT s.code, l.lot_no, b.on_hand, b.reserved FROM stock_balance b JOIN site s ON s.id = b.site_id "
        "JOIN lot l ON l.id = b.lot_id"
    ),
    "audit": "SELECT at, actor, action, outcome, target, client_id, before_qty, after_qty FROM audit_event",
}


def import_file() -> bytes:
    head = "业务类型,库点编码,物资编码,批次号,数量,有效期至,发生时间"
    rows = [
        f"入库,D-COUNTY,1010101,C{i % 20:02d},{1 + i % 50},,2026-05-31 08:{i // 60:02d}:{i % 60:02d}"
        for i in range(ROWS)
    ]
    return ("\n".join([head, *rows]) + "\n").encode()


def dump_hash(url: str) -> str:
    e = make_engine(url)
    h = hashlib.sha256()
    with e.connect() as c:
        for name, sql in DUMP.items():
            rows = sorted(repr(tuple(r)) for r in c.execute(text(sql)))
            h.update(f"{name}:{len(rows)}\n".encode())
            for r in rows:
                h.update(r.encode())
    e.dispose()
    return h.hexdigest()


def child_import(url: str, data: bytes, wfd: int) -> None:
    """In the forked child: import the file, then report 'committed' through the pipe."""
    try:
        engine = make_engine(url)
        report = imports.import_movements(
            importers.read_table(data, "crash.csv"), "keeper1", SqlAlchemyUnitOfWork(engine), NOW
        )
        if report.ok:
            os.write(wfd, b"committed")
        os._exit(0)
    except BaseException:
        os._exit(3)


def run_child(url: str, data: bytes, kill_after: float | None) -> tuple[bool, bool]:
    """Fork a writer; SIGKILL it after `kill_after` s (None: let it finish). Returns (reported committed, killed)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(r)
        child_import(url, data, w)
    os.close(w)
    killed = False
    if kill_after is not None:
        time.sleep(kill_after)
        try:
            os.kill(pid, signal.SIGKILL)
            killed = True
        except ProcessLookupError:
            pass
    _, status = os.waitpid(pid, 0)
    msg = os.read(r, 64)
    os.close(r)
    if not killed:
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return msg == b"committed", killed and os.WIFSIGNALED(status)


def check_reopened(url: str, states: dict[str, str], committed: bool) -> str:
    e = make_engine(url)
    if url.startswith("sqlite"):
        with e.connect() as c:
            assert c.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
    assert verify_ledger(SqlAlchemyUnitOfWork(e)) == []
    e.dispose()
    got = dump_hash(url)
    assert got in (states["before"], states["after"])
    if committed:
        assert got == states["after"]
    return "after" if got == states["after"] else "before"


def _crash_loop(url: str, reset) -> dict[str, int]:  # type: ignore[no-untyped-def]
    data = import_file()
    states = {"before": dump_hash(url)}
    t0 = time.monotonic()
    committed, _ = run_child(url, data, None)
    duration = time.monotonic() - t0
    assert committed
    states["after"] = dump_hash(url)
    assert states["after"] != states["before"]
    reset()
    rng = random.Random(20261123)
    seen = {"before": 0, "after": 0, "killed": 0}
    for _ in range(KILLS):
        committed, killed = run_child(url, data, rng.uniform(0.0, duration * 1.15))
        seen["killed"] += killed
        if not killed:  # the first, cold run overstates the window: shrink it until kills land inside
            duration = max(0.05, duration * 0.8)
        state = check_reopened(url, states, committed)
        seen[state] += 1
        if state == "after":
            reset()
    assert seen["killed"] >= KILLS // 2 and seen["before"] >= 1
    return seen


def test_sigkilled_import_leaves_before_or_after_state_sqlite(tmp_path):
    """SQLite (WAL, synchronous=FULL): 50 SIGKILLs mid-import → integrity ok, ledger checks pass, before or after."""
    template = tmp_path / "template.db"
    e = make_engine(f"sqlite:///{template}")
    create_schema(e)
    seed_minimal(e)
    e.dispose()
    db = tmp_path / "crash.db"
    url = f"sqlite:///{db}"

    def reset() -> None:
        for suffix in ("-wal", "-shm"):
            (tmp_path / f"crash.db{suffix}").unlink(missing_ok=True)
        shutil.copy(template, db)

    reset()
    seen = _crash_loop(url, reset)
    print(f"sqlite crash runs: {seen}")


@pytest.mark.postgres
def test_sigkilled_import_leaves_before_or_after_state_postgresql():
    """PostgreSQL: the killed client's transaction is rolled back; the ledger equals the before or after state."""
    url = pg_url_or_skip()
    from tests.conftest import reset_pg

    def reset() -> None:
        e = make_engine(url)
        reset_pg(e)
        seed_minimal(e)
        e.dispose()

    reset()
    seen = _crash_loop(url, reset)
    print(f"postgresql crash runs: {seen} at {datetime.now(UTC):%H:%M:%S}")
