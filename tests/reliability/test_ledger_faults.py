"""Faults injected into real writes: a failure or SIGKILL between transfer legs, a kill right
after commit, a full disk, a terminated PostgreSQL backend, a killed writer. Afterwards the database holds whole
postings only, `verify_ledger() == []`, and (SQLite) `PRAGMA integrity_check` is ok.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from sqlalchemy import event, select

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.files import importers
from stockpile.adapters.orm.ledger import PostingRow, TransferRow
from stockpile.adapters.repos.ledger import SqlLedgerRepository
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.domain.errors import DatabaseUnavailable, StorageFull
from stockpile.domain.model import Movement
from stockpile.imports import ledger_files as imports
from stockpile.ledger import stock
from stockpile.ledger.checks import verify_ledger
from tests.conftest import NOW, pg_url_or_skip, reset_pg
from tests.reliability.test_crash import dump_hash, import_file
from tests.support.factory import seed_minimal
from tests.support.reliability import Child, W, count_rows, issue, ledger_rows, receipt, transfer

pytestmark = pytest.mark.slow


class InjectedFault(RuntimeError):
    """Stands for a crash of the process or the server between two statements of one transaction."""


def _out_leg_only(write_first: object) -> object:
    """A replacement for `add_movements` that writes the first leg (the OUT leg), then calls `write_first`."""
    original = SqlLedgerRepository.add_movements

    def add_movements(self: SqlLedgerRepository, rows: list[Movement]) -> list[int]:
        assert [r.kind for r in rows] == ["transfer_out", "transit_in"]
        original(self, rows[:1])
        self.s.flush()
        write_first()  # type: ignore[operator]
        raise AssertionError("unreachable")

    return add_movements


def _integrity_ok(url: str) -> None:
    if url.startswith("sqlite"):
        e = make_engine(url)
        with e.connect() as c:
            assert c.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        e.dispose()


def test_failure_after_out_leg_stores_neither_leg(db_url, world, uow, engine, monkeypatch):
    """A failure after the transfer OUT leg is written and before the IN-transit leg stores neither leg, no
    transfer and no balance change; the same command posts whole afterwards."""
    stock.record_receipt(receipt(W.depot, "T1", 10), uow, NOW)
    before = ledger_rows(engine)

    def fail() -> None:
        raise InjectedFault("after the OUT leg")

    cmd = transfer(W.depot, W.point, "T1", 4)
    with monkeypatch.context() as m:
        m.setattr(SqlLedgerRepository, "add_movements", _out_leg_only(fail))
        with pytest.raises(InjectedFault):
            stock.ship_transfer(cmd, uow, NOW)
    assert ledger_rows(engine) == before and count_rows(engine, TransferRow) == 0
    assert verify_ledger(uow) == []
    stock.ship_transfer(cmd, uow, NOW)  # the retry posts both legs once
    assert ledger_rows(engine)[1] == before[1] + 2 and verify_ledger(uow) == []


def test_sigkill_between_transfer_legs_stores_neither_leg(db_url, world, uow, engine):
    """A writer SIGKILLed between the OUT and the IN-transit leg leaves neither; the ledger stays whole."""
    stock.record_receipt(receipt(W.depot, "T2", 10), uow, NOW)
    before = ledger_rows(engine)
    engine.dispose()

    def body(w: int) -> None:
        SqlLedgerRepository.add_movements = _out_leg_only(lambda: (os.write(w, b"out\n"), time.sleep(60)))  # type: ignore[method-assign]
        stock.ship_transfer(
            transfer(W.depot, W.point, "T2", 4), SqlAlchemyUnitOfWork(make_engine(db_url)), NOW
        )

    child = Child(body)
    assert child.wait_lines(1) == ["out"]
    child.kill()
    assert child.killed
    _integrity_ok(db_url)
    assert ledger_rows(engine) == before and count_rows(engine, TransferRow) == 0
    assert verify_ledger(uow) == []


def _commit_then_die(url: str, cmd: object, fn: object) -> Child:
    """A client whose process dies right after its commit succeeded, before the answer reached it."""

    def body(w: int) -> None:
        uow = SqlAlchemyUnitOfWork(make_engine(url))
        commit = uow.commit

        def commit_and_die() -> None:
            commit()
            os.kill(os.getpid(), signal.SIGKILL)

        uow.commit = commit_and_die  # type: ignore[method-assign]
        fn(cmd, uow, NOW)  # type: ignore[operator]
        os.write(w, b"answered\n")  # never reached

    return Child(body)


def test_kill_after_commit_then_resubmit_is_already_posted(db_url, world, uow, engine):
    """A client killed right after its commit resubmits the same command: "already posted" (the first
    result, replayed), and one movement per leg, not two."""
    stock.record_receipt(receipt(W.depot, "K1", 50), uow, NOW)
    engine.dispose()
    cases = [
        (receipt(W.depot, "K1", 5), stock.record_receipt, 1),
        (issue(W.depot, "K1", 3), stock.issue_stock, 1),
        (transfer(W.depot, W.point, "K1", 2), stock.ship_transfer, 2),
    ]
    for cmd, fn, legs in cases:
        child = _commit_then_die(db_url, cmd, fn)
        assert child.wait() == [] and child.killed  # the client never saw an answer
        again = fn(cmd, uow, NOW)
        assert again.replayed and again.posting_id == cmd.client_id
        assert len(again.movement_seqs) == legs
        assert count_rows(engine, PostingRow, PostingRow.id == cmd.client_id) == 1
    assert verify_ledger(uow) == []


def _small_file() -> importers.Table:  # type: ignore[name-defined]
    return importers.read_table(import_file(), "batch.csv")


def test_import_on_full_disk_commits_nothing(tmp_path):
    """SQLite: the disk fills up mid-import (PRAGMA max_page_count) → StorageFull, a clear error; nothing is
    committed, integrity_check ok, verify_ledger() == [], and the same file imports once there is room."""
    url = f"sqlite:///{tmp_path / 'full.db'}"
    e = make_engine(url)
    from stockpile.adapters.db.engine import create_schema

    create_schema(e)
    seed_minimal(e)
    with e.connect() as c:
        pages = c.exec_driver_sql("PRAGMA page_count").scalar_one()
    e.dispose()
    before = dump_hash(url)
    full = make_engine(url)

    @event.listens_for(full, "connect")
    def _cap(dbapi_conn: object, _rec: object) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 8}")  # type: ignore[attr-defined]

    with pytest.raises(StorageFull) as err:
        imports.import_movements(_small_file(), "keeper1", SqlAlchemyUnitOfWork(full), NOW)
    assert err.value.code == "storage_full"
    full.dispose()
    _integrity_ok(url)
    assert dump_hash(url) == before
    roomy = make_engine(url)
    assert verify_ledger(SqlAlchemyUnitOfWork(roomy)) == []
    assert imports.import_movements(_small_file(), "keeper1", SqlAlchemyUnitOfWork(roomy), NOW).ok
    roomy.dispose()


@pytest.mark.postgres
def test_import_with_killed_backend_commits_nothing(monkeypatch):
    """PostgreSQL: the importing connection's backend is terminated (pg_terminate_backend) mid-import →
    DatabaseUnavailable, a clear error; nothing is committed, verify_ledger() == [], and a re-import works."""
    url = pg_url_or_skip()
    engine = make_engine(url)
    reset_pg(engine)
    seed_minimal(engine)
    before = dump_hash(url)
    killer = make_engine(url)
    original = SqlLedgerRepository.add_movements
    killed: list[int] = []

    def add_movements(self: SqlLedgerRepository, rows: list[Movement]) -> list[int]:
        if not killed:  # half the batch is in, then the server ends this backend
            original(self, rows[: len(rows) // 2])
            pid = self.s.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            with killer.connect() as c:
                assert c.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})").scalar_one()
            killed.append(pid)
        return original(self, rows)

    monkeypatch.setattr(SqlLedgerRepository, "add_movements", add_movements)
    uow = SqlAlchemyUnitOfWork(engine)
    with pytest.raises(DatabaseUnavailable) as err:
        imports.import_movements(_small_file(), "keeper1", uow, NOW)
    assert err.value.code == "database_unavailable" and killed
    assert dump_hash(url) == before
    assert verify_ledger(uow) == []
    monkeypatch.undo()
    assert imports.import_movements(_small_file(), "keeper1", uow, NOW).ok
    for e in (engine, killer):
        e.dispose()


def _post_and_acknowledge(url: str, w: int) -> None:
    """A keeper posting receipts and issues as fast as it can, printing each acknowledged client id."""
    uow = SqlAlchemyUnitOfWork(make_engine(url))
    for i in range(100_000):
        cmd = receipt(W.depot, f"A{i % 7}", 5) if i % 3 else issue(W.depot, None, 1)
        fn = stock.record_receipt if i % 3 else stock.issue_stock
        try:
            fn(cmd, uow, NOW)  # type: ignore[operator]
        except Exception:  # the first issue may find no stock yet: not acknowledged, not printed
            continue
        os.write(w, f"{cmd.client_id}\n".encode())


def test_acknowledged_movement_survives_sigkill(db_url, world, uow, engine):
    """A writer SIGKILLed mid-stream (3 times): every client id it was told is committed exists afterwards,
    SQLite integrity_check is ok and verify_ledger() == [] (WAL + synchronous=FULL)."""
    engine.dispose()
    acked: list[str] = []
    for kill in range(3):
        child = Child(lambda w: _post_and_acknowledge(db_url, w))
        child.wait_lines(20 + 15 * kill)
        acked += child.kill()
        assert child.killed
        _integrity_ok(db_url)
        with engine.connect() as c:
            stored = {str(x) for x in c.execute(select(PostingRow.id)).scalars()}
        assert {str(uuid.UUID(a)) for a in acked} <= stored
        assert verify_ledger(uow) == []
    assert len(acked) >= 60
