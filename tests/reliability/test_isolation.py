"""Every interleaving of two reserving sessions, in the spirit of isolationtester's classroom-scheduling.

Two sessions each reserve 7 of the same 10 units through the product's `reserve()`; the steps begin / read (lock the
balance row) / reserve / commit of both are interleaved in all C(8, 4) = 70 orders. No order may over-reserve. A
control shows that SQLite's deferred BEGIN (without the product's `BEGIN IMMEDIATE`) fails the same schedule.
"""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from sqlalchemy import func, select

from stockpile.adapters.db.engine import SQLITE_PRAGMAS, create_schema, make_engine
from stockpile.adapters.orm.ledger import ReservationRow, StockBalanceRow
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.domain.errors import OutOfStock
from stockpile.domain.model import Reservation
from stockpile.ledger import stock
from stockpile.ledger.checks import verify_ledger
from tests.conftest import NOW
from tests.support.factory import seed_minimal
from tests.support.reliability import W, hold, receipt
from tests.support.stepper import Schedule

pytestmark = pytest.mark.slow

PERMS = sorted(set(itertools.permutations((0, 0, 0, 0, 1, 1, 1, 1))))


@pytest.fixture
def schedule(db_url, world):
    engines = [make_engine(db_url) for _ in range(2)]
    monitor = make_engine(db_url) if db_url.startswith("postgresql") else None
    yield Schedule(engines, monitor)
    for e in [*engines, monitor]:
        if e is not None:
            e.dispose()


def test_reserve_all_interleavings(schedule, uow, engine):
    """Two sessions reserving 7 of the same 10 units, in every one of the 70 step orders: exactly one
    reservation is made, the other session gets OutOfStock, reserved never exceeds on hand."""
    assert len(PERMS) == 70
    for i in range(len(PERMS)):
        stock.record_receipt(receipt(W.depot, f"IL{i:02d}", 10), uow, NOW)
    blocked = 0
    for i, perm in enumerate(PERMS):
        lot = f"IL{i:02d}"
        played, sessions = schedule.run(perm, [hold(lot, 7, "disp"), hold(lot, 7, "disp2")])
        outcomes = sorted(type(s.outcome).__name__ for s in sessions)
        assert outcomes == ["OutOfStock", "Reservation"], (played, [s.outcome for s in sessions])
        assert all(isinstance(s.outcome, Reservation | OutOfStock) for s in sessions)
        blocked += any("blocked" in p for p in played)
        with engine.connect() as c:
            b = StockBalanceRow
            on_hand, reserved = c.execute(
                select(b.on_hand, b.reserved).join_from(b, ReservationRow, ReservationRow.lot_id == b.lot_id)
            ).first() or (None, None)
            n = c.execute(select(func.count()).select_from(ReservationRow)).scalar_one()
        assert (on_hand, reserved, n) == (10, 7, i + 1), played
    # the lock really was contended: on SQLite the second BEGIN IMMEDIATE waits, on PostgreSQL FOR UPDATE does
    print(f"{blocked} of 70 interleavings had a step waiting for the lock")
    assert blocked >= 20
    assert verify_ledger(uow) == []


SCHEDULE = (0, 0, 1, 1, 0, 0, 1, 1)  # s1 begin, s1 read, s2 begin, s2 read, s1 reserve, s1 commit, s2 …


def _deferred_read_then_write(path: str) -> list[str]:
    """The same schedule on two raw sqlite3 connections with the product's pragmas but a plain deferred BEGIN."""
    cons = [sqlite3.connect(path, isolation_level=None, timeout=5) for _ in range(2)]
    for con in cons:
        for pragma in SQLITE_PRAGMAS:
            con.execute(pragma)
    seen: list[str] = []
    avail = [0, 0]
    steps = {0: 0, 1: 0}
    sql_reserve = "UPDATE stock_balance SET reserved = reserved + 7 WHERE reserved + 7 <= on_hand"
    for k in SCHEDULE:
        con, step = cons[k], ("begin", "read", "reserve", "commit")[steps[k]]
        steps[k] += 1
        try:
            if step == "begin":
                con.execute("BEGIN")
            elif step == "read":
                avail[k] = con.execute("SELECT on_hand - reserved FROM stock_balance").fetchone()[0]
            elif step == "reserve" and avail[k] >= 7:
                con.execute(sql_reserve.replace("WHERE reserved + 7 <= on_hand", ""))  # decided on the read
            elif step == "commit" and con.in_transaction:
                con.execute("COMMIT")
            seen.append(f"s{k + 1}.{step}")
        except sqlite3.OperationalError as e:
            seen.append(f"s{k + 1}.{step}: {e}")
            con.execute("ROLLBACK")
    for con in cons:
        con.close()
    return seen


def test_sqlite_deferred_begin_fails(tmp_path):
    """The control case: without BEGIN IMMEDIATE, read-then-write by two SQLite writers fails to upgrade the read
    (`database is locked`, SQLITE_BUSY_SNAPSHOT) in a schedule the product engine runs cleanly."""
    db_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = make_engine(db_url)
    create_schema(engine)
    seed_minimal(engine)
    uow = SqlAlchemyUnitOfWork(engine)
    schedule = Schedule([make_engine(db_url) for _ in range(2)], None)
    stock.record_receipt(receipt(W.depot, "CTL", 10), uow, NOW)
    path = db_url.removeprefix("sqlite:///")
    copy = tmp_path / "control.db"
    with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    seen = _deferred_read_then_write(str(copy))
    assert seen[:6] == ["s1.begin", "s1.read", "s2.begin", "s2.read", "s1.reserve", "s1.commit"], seen
    assert seen[6].startswith("s2.reserve: database is locked"), seen  # the stale read cannot become a write
    played, sessions = schedule.run(SCHEDULE, [hold("CTL", 7, "disp"), hold("CTL", 7, "disp2")])
    assert played[2] == "s2.begin(blocked)", played  # BEGIN IMMEDIATE: the second writer waits at BEGIN
    assert isinstance(sessions[0].outcome, Reservation) and isinstance(sessions[1].outcome, OutOfStock)
    with engine.connect() as c:
        assert c.execute(select(StockBalanceRow.reserved)).scalar_one() == 7
    assert verify_ledger(uow) == []
    for e in [engine, *schedule.engines]:
        e.dispose()
