"""Concurrency: two real connections (or processes) racing on one reservation, one client id, or opposite transfers.

Every test runs on file SQLite and on PostgreSQL; each racer has its own engine, so its own connection pool.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import uuid
from functools import partial

import pytest
from sqlalchemy import func, select

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm.ledger import MovementRow, ReservationRow, StockBalanceRow, TransferRow
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.domain.errors import AlreadyResolved, DomainError
from stockpile.ledger import reservations as rsv
from stockpile.ledger import stock
from stockpile.ledger.checks import verify_ledger
from stockpile.ledger.posting import PostingResult
from stockpile.schemas import ReceiveTransferCmd, ResolveReservationCmd, ReverseCmd
from tests.conftest import NOW
from tests.support.reliability import W, hold, issue, receipt, run_pair, transfer

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("RACE_ROUNDS_SMALL", "50"))


@pytest.fixture
def two_uows(db_url, world):
    """Two units of work on two engines: two connection pools, as two app servers would have."""
    engines = [make_engine(db_url) for _ in range(2)]
    yield [SqlAlchemyUnitOfWork(e) for e in engines]
    for e in engines:
        e.dispose()


def _resolve(uow: SqlAlchemyUnitOfWork, rid: uuid.UUID, action: str):  # type: ignore[no-untyped-def]
    cmd = ResolveReservationCmd(
        reservation_id=rid, actor="disp", action=action, occurred_at=NOW, client_id=uuid.uuid4()
    )
    return lambda: rsv.resolve_reservation(cmd, uow, NOW)


def test_concurrent_post_and_void_one_wins(two_uows, engine):
    """Post (issue) and void (release) of one pending hold at once, ×50: exactly one wins, the other is
    refused with AlreadyResolved and changes nothing; balances stay consistent."""
    a, b = two_uows
    stock.record_receipt(receipt(W.depot, "PV", 10 * ROUNDS), a, NOW)
    issued = 0
    for i in range(ROUNDS):
        res = rsv.reserve(hold("PV", 3), a, NOW)
        post_first = i % 2 == 0  # alternate which connection posts
        fns = (_resolve(a, res.id, "issue"), _resolve(b, res.id, "release"))
        outcome = run_pair(fns if post_first else (fns[1], fns[0]))
        posted, voided = outcome if post_first else (outcome[1], outcome[0])
        lost = [o for o in (posted, voided) if isinstance(o, Exception)]
        assert len(lost) == 1 and isinstance(lost[0], AlreadyResolved), outcome
        with engine.connect() as c:
            state = c.execute(select(ReservationRow.state).where(ReservationRow.id == res.id)).scalar_one()
        if isinstance(posted, PostingResult):
            issued += 3
            assert state == "issued"
        else:
            assert state == "released" and voided is None  # a release returns no posting
        assert lost[0].params["state"] == state  # the loser is told what the winner did
    with engine.connect() as c:
        on_hand, reserved = c.execute(
            select(func.sum(StockBalanceRow.on_hand), func.sum(StockBalanceRow.reserved))
        ).one()
    assert (on_hand, reserved) == (10 * ROUNDS - issued, 0)
    assert 0 < issued < 3 * ROUNDS or ROUNDS < 4  # both sides won sometimes: the race was real
    assert verify_ledger(a) == []


def test_one_client_id_from_two_connections_writes_one_row(two_uows, engine):
    """The same command (same client id) posted at once from two connections → one movement; the second
    answer is the first result (replayed), never an error."""
    a, b = two_uows
    stock.record_receipt(receipt(W.depot, "ID", 10 * ROUNDS), a, NOW)
    for _ in range(ROUNDS):
        cmd = issue(W.depot, "ID", 1)
        first, second = run_pair(
            (partial(stock.issue_stock, cmd, a, NOW), partial(stock.issue_stock, cmd, b, NOW))
        )
        assert isinstance(first, PostingResult) and isinstance(second, PostingResult), (first, second)
        assert first.posting_id == second.posting_id == cmd.client_id
        assert sorted([first.replayed, second.replayed]) == [False, True]
        with engine.connect() as c:
            n = c.execute(select(func.count()).where(MovementRow.posting_id == cmd.client_id)).scalar_one()
        assert n == 1
    with engine.connect() as c:
        assert c.execute(select(func.sum(StockBalanceRow.on_hand))).scalar_one() == 9 * ROUNDS
    assert verify_ledger(a) == []


def _receive(uow: SqlAlchemyUnitOfWork, transfer_id: uuid.UUID):  # type: ignore[no-untyped-def]
    cmd = ReceiveTransferCmd(client_id=uuid.uuid4(), actor="k", occurred_at=NOW, transfer_id=transfer_id)
    return lambda: stock.receive_transfer(cmd, uow, NOW)


def _cancel(uow: SqlAlchemyUnitOfWork, transfer_id: uuid.UUID):  # type: ignore[no-untyped-def]
    cmd = ReverseCmd(client_id=uuid.uuid4(), actor="k", occurred_at=NOW, posting_id=transfer_id)
    return lambda: stock.reverse_posting(cmd, uow, NOW)


@pytest.mark.parametrize("other", ["receive", "cancel"])
def test_a_transfer_is_received_or_cancelled_once(two_uows, engine, other):
    """Two receipts (or a receipt and a cancellation) of one in-transit transfer at once, ×50: exactly one
    wins; the loser is told AlreadyResolved, never OutOfStock or a lock error, and 在途 is cleared once."""
    a, b = two_uows
    stock.record_receipt(receipt(W.depot, "TR", 3 * ROUNDS), a, NOW)
    second = {"receive": _receive, "cancel": _cancel}[other]
    for i in range(ROUNDS):
        tid = stock.ship_transfer(transfer(W.depot, W.point, "TR", 3), a, NOW).transfer_id
        fns = (_receive(a, tid), second(b, tid))
        outcome = run_pair(fns if i % 2 == 0 else (fns[1], fns[0]))
        lost = [o for o in outcome if isinstance(o, Exception)]
        assert len(lost) == 1 and isinstance(lost[0], AlreadyResolved), outcome
    b_ = StockBalanceRow
    with engine.connect() as c:
        per_site = dict(c.execute(select(b_.site_id, func.sum(b_.on_hand)).group_by(b_.site_id)).all())
        states = set(c.execute(select(TransferRow.state)).scalars())
    assert sum(per_site.values()) == 3 * ROUNDS  # nothing created or lost; nothing left in transit
    assert states <= {"received", "cancelled"} and (other == "cancel" or states == {"received"})
    assert verify_ledger(a) == []


def _shuttle(url: str, src: str, dst: str, rounds: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """A keeper process: ship `src → dst` by FEFO over both lots, then receive it at `dst`, `rounds` times."""
    engine = make_engine(url)
    uow = SqlAlchemyUnitOfWork(engine)
    done, escaped = 0, []
    for _ in range(rounds):
        try:
            shipped = stock.ship_transfer(transfer(src, dst, None, 3), uow, NOW)
            cmd = ReceiveTransferCmd(
                client_id=uuid.uuid4(), actor="k", occurred_at=NOW, transfer_id=shipped.transfer_id
            )
            stock.receive_transfer(cmd, uow, NOW)
            done += 1
        except DomainError as e:
            escaped.append(f"{e.code}: {e.params}")
        except Exception as e:  # a deadlock escaping the retry lands here
            escaped.append(f"{type(e).__name__}: {str(e)[:200]}")
    engine.dispose()
    out.put({"done": done, "escaped": escaped})


def test_opposite_transfers_do_not_deadlock(db_url, world, uow, engine):
    """A→B in one process while B→A runs in another (ship + receive, ×50 each): no deadlock or lock error
    escapes the retry, every transfer is received, and Σ on-hand + 在途 per lot is conserved."""
    for lot in ("X1", "X2"):  # two lots, so FEFO locks several rows per side
        stock.record_receipt(receipt(W.depot, lot, 2 * ROUNDS), uow, NOW)
        stock.record_receipt(receipt(W.point, lot, 2 * ROUNDS), uow, NOW)
    engine.dispose()
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_shuttle, args=(db_url, W.depot, W.point, ROUNDS, out)),
        ctx.Process(target=_shuttle, args=(db_url, W.point, W.depot, ROUNDS, out)),
    ]
    for p in procs:
        p.start()
    reports = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert [e for r in reports for e in r["escaped"]] == []
    assert [r["done"] for r in reports] == [ROUNDS, ROUNDS]
    b = StockBalanceRow
    with engine.connect() as c:
        per_lot = dict(c.execute(select(b.lot_id, func.sum(b.on_hand)).group_by(b.lot_id)).all())
        states = set(c.execute(select(TransferRow.state)).scalars())
    assert sorted(per_lot.values()) == [4 * ROUNDS, 4 * ROUNDS]
    assert states == {"received"}
    assert verify_ledger(uow) == []


def test_two_write_off_proposals_for_one_lot_at_once_leave_one_pending(two_uows, engine):
    """报废 four-eyes: a lot waiting for approval is not proposed again, even when two keepers press 提交报废申请
    at the same moment on two connections: exactly one proposal is pending, the other is refused."""
    from stockpile.adapters.orm.auth import WriteOffProposalRow
    from stockpile.ledger import write_offs
    from stockpile.schemas import WriteOffCmd

    a, b = two_uows
    for i in range(ROUNDS):
        lot = f"WO{i}"
        stock.record_receipt(receipt(W.depot, lot, 10), a, NOW)

        def propose(uow, lot=lot):  # type: ignore[no-untyped-def]
            cmd = WriteOffCmd(
                client_id=uuid.uuid4(), actor="k", occurred_at=NOW, site_code=W.depot,
                item_code=W.tent, lot_no=lot, qty=2, reason="damaged",
            )  # fmt: skip
            return lambda: write_offs.propose_write_off(cmd, uow, NOW)

        outcome = run_pair((propose(a), propose(b)))
        refused = [o for o in outcome if isinstance(o, DomainError)]
        assert len(refused) == 1 and refused[0].params.get("reason") == "write_off_pending", outcome
    with engine.connect() as c:
        pending = c.execute(
            select(func.count())
            .select_from(WriteOffProposalRow)
            .where(WriteOffProposalRow.state == "pending")
        ).scalar_one()
    assert pending == ROUNDS
