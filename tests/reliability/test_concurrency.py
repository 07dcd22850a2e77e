"""Concurrency: real concurrent writers on file SQLite and PostgreSQL.

8 writer processes × 500 operations (issues, transfers, reservations) race for the same 3 hot lots, 10 % of the
operations replay an acknowledged client id. Afterwards: 0 over-issue (no balance < 0, verify_ledger() == []),
0 lost (every acknowledged posting is stored, with its legs), 0 duplicate (one posting per client id), and no lock
error escaped the retry.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import threading
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm.ledger import MovementRow, PostingRow, ReservationRow, StockBalanceRow
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.domain.errors import DomainError, OutOfStock
from stockpile.ledger import reservations as rsv
from stockpile.ledger import stock
from stockpile.ledger.checks import verify_ledger
from stockpile.schemas import (
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReserveCmd,
    ResolveReservationCmd,
    TransferCmd,
)
from tests.conftest import NOW
from tests.support.factory import World

pytestmark = pytest.mark.slow

WRITERS = 8
OPS = int(os.environ.get("CONCURRENCY_OPS", "500"))
HOT = ("H1", "H2", "H3")
W = World()
EXPECTED_REFUSALS = {"out_of_stock", "already_resolved"}


def _receipt(site: str, lot: str, qty: int, actor: str = "k") -> ReceiptCmd:
    return ReceiptCmd(
        client_id=uuid.uuid4(),
        actor=actor,
        occurred_at=NOW - timedelta(days=1),
        site_code=site,
        item_code=W.tent,
        lot_no=lot,
        qty=qty,
        expiry=date(2030, 1, 1),
    )


def _one_op(
    uow: SqlAlchemyUnitOfWork, rng: random.Random, mine: dict[str, list]
) -> tuple[str, object, object]:
    """One random operation; returns (kind, command, result)."""
    roll = rng.random()
    site = rng.choice((W.depot, W.point))
    lot = rng.choice(HOT)
    if roll < 0.10 and mine["acked"]:  # replay an acknowledged id: must give the first result, no new row
        fn, cmd = rng.choice(mine["acked"])
        return "replay", cmd, fn(cmd, uow, NOW)
    if roll < 0.45:
        cmd = IssueCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=NOW,
            site_code=site,
            item_code=W.tent,
            qty=rng.randint(1, 6),
            lot_no=lot,
        )
        return "issue", cmd, stock.issue_stock(cmd, uow, NOW)
    if roll < 0.62:
        other = W.point if site == W.depot else W.depot
        cmd = TransferCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=NOW,
            from_site_code=site,
            to_site_code=other,
            item_code=W.tent,
            qty=rng.randint(1, 6),
            lot_no=lot,
        )
        return "ship", cmd, stock.ship_transfer(cmd, uow, NOW)
    if roll < 0.72 and mine["shipped"]:
        tid = mine["shipped"].pop(rng.randrange(len(mine["shipped"])))
        cmd = ReceiveTransferCmd(client_id=uuid.uuid4(), actor="k", occurred_at=NOW, transfer_id=tid)
        return "receive", cmd, stock.receive_transfer(cmd, uow, NOW)
    if roll < 0.88 or not mine["held"]:
        cmd = ReserveCmd(
            client_id=uuid.uuid4(),
            actor="disp",
            site_code=site,
            item_code=W.tent,
            lot_no=lot,
            qty=rng.randint(1, 6),
        )
        return "reserve", cmd, rsv.reserve(cmd, uow, NOW)
    rid = mine["held"].pop(rng.randrange(len(mine["held"])))
    action = rng.choice(("issue", "release"))
    cmd = ResolveReservationCmd(
        reservation_id=rid, actor="disp", action=action, occurred_at=NOW, client_id=uuid.uuid4()
    )
    return "resolve_" + action, cmd, rsv.resolve_reservation(cmd, uow, NOW)


def writer(url: str, seed: int, ops: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """A writer process: `ops` operations; reports acknowledged ids, refusals and escaped errors."""
    engine = make_engine(url)
    uow = SqlAlchemyUnitOfWork(engine)
    rng = random.Random(seed)
    mine: dict[str, list] = {"acked": [], "shipped": [], "held": []}
    acked: list[tuple[str, str, int]] = []  # (kind, posting or reservation id, legs)
    refused, escaped, replays = 0, [], 0
    fns = {"issue": stock.issue_stock, "ship": stock.ship_transfer}
    for _ in range(ops):
        try:
            kind, cmd, res = _one_op(uow, rng, mine)
        except DomainError as e:
            if e.code in EXPECTED_REFUSALS:
                refused += 1
                continue
            escaped.append(f"{type(e).__name__}: {e}")
            continue
        except Exception as e:  # a lock error or anything else escaping the retry is a failure
            escaped.append(f"{type(e).__name__}: {str(e)[:200]}")
            continue
        if kind == "replay":
            replays += 1
            if not res.replayed:  # type: ignore[attr-defined]
                escaped.append(f"replay of {cmd.client_id} posted again")  # type: ignore[attr-defined]
            continue
        if kind == "reserve":
            mine["held"].append(res.id)  # type: ignore[attr-defined]
            acked.append(("reserve", str(res.id), 0))  # type: ignore[attr-defined]
            continue
        if kind == "resolve_release":
            continue
        acked.append((kind, str(res.posting_id), len(res.movement_seqs)))  # type: ignore[attr-defined]
        if kind in fns:
            mine["acked"].append((fns[kind], cmd))
        if kind == "ship":
            mine["shipped"].append(res.transfer_id)  # type: ignore[attr-defined]
    engine.dispose()
    out.put({"acked": acked, "refused": refused, "escaped": escaped, "replays": replays})


def _stock_up(uow: SqlAlchemyUnitOfWork) -> None:
    for lot in HOT:
        stock.record_receipt(_receipt(W.depot, lot, 1200), uow, NOW)
        stock.record_receipt(_receipt(W.point, lot, 300), uow, NOW)


def test_eight_writers_never_over_issue_lose_or_duplicate(db_url, world, uow, engine):
    """8 processes × 500 ops on 3 hot lots, 10 % replays: 0 over-issue, 0 lost, 0 duplicate, no escaped lock error."""
    _stock_up(uow)
    engine.dispose()  # no pooled connection crosses the fork; each writer opens its own engine
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=writer, args=(db_url, 1000 + i, OPS, out)) for i in range(WRITERS)]
    for p in procs:
        p.start()
    reports = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    escaped = [e for r in reports for e in r["escaped"]]
    assert escaped == []
    acked = [a for r in reports for a in r["acked"]]
    assert sum(r["replays"] for r in reports) >= WRITERS * OPS // 20  # the replay share really ran
    assert verify_ledger(uow) == []
    with engine.connect() as c:
        assert c.execute(select(func.min(StockBalanceRow.on_hand))).scalar_one() >= 0
        n, distinct = c.execute(select(func.count(), func.count(PostingRow.id.distinct()))).one()
        assert n == distinct
        legs: dict[uuid.UUID, int] = dict(
            c.execute(select(MovementRow.posting_id, func.count()).group_by(MovementRow.posting_id)).all()
        )
        held = set(c.execute(select(ReservationRow.id)).scalars())
    for kind, pid, n_legs in acked:  # 0 lost: every acknowledged ok has exactly its movements, once
        if kind == "reserve":
            assert uuid.UUID(pid) in held
        else:
            assert legs.get(uuid.UUID(pid), 0) == n_legs, (kind, pid)


def test_two_dispatchers_race_for_last_units(db_url, world, engine):
    """10 on hand, two dispatchers reserve 7 at once, 200 times: exactly one wins every time."""
    rounds = int(os.environ.get("RACE_ROUNDS", "200"))
    uows = [SqlAlchemyUnitOfWork(engine) for _ in range(2)]
    lots = [f"R{i:03d}" for i in range(rounds)]
    for lot in lots:
        stock.record_receipt(_receipt(W.depot, lot, 10), uows[0], NOW)
    barrier = threading.Barrier(2)
    wins = [[0, 0] for _ in lots]
    errors: list[str] = []

    def dispatcher(k: int) -> None:
        for i, lot in enumerate(lots):
            cmd = ReserveCmd(
                client_id=uuid.uuid4(),
                actor=("disp", "disp2")[k],
                site_code=W.depot,
                item_code=W.tent,
                lot_no=lot,
                qty=7,
            )
            barrier.wait()
            try:
                rsv.reserve(cmd, uows[k], NOW)
                wins[i][k] = 1
            except OutOfStock:
                pass
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=dispatcher, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(sum(w) == 1 for w in wins)
    assert verify_ledger(uows[0]) == []
