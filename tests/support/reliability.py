"""Helpers shared by the reliability tests: commands on the minimal world, forked writers, row counts."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from stockpile.adapters.orm.ledger import MovementRow, PostingRow, StockBalanceRow
from stockpile.schemas import IssueCmd, ReceiptCmd, ReserveCmd, TransferCmd
from tests.conftest import NOW
from tests.support.factory import World

W = World()


def receipt(site: str, lot: str, qty: int, item: str = W.tent, actor: str = "k") -> ReceiptCmd:
    """验收入库 of `qty` of `lot` at `site`, posted a day before NOW."""
    return ReceiptCmd(
        client_id=uuid.uuid4(),
        actor=actor,
        occurred_at=NOW - timedelta(days=1),
        site_code=site,
        item_code=item,
        lot_no=lot,
        qty=qty,
        expiry=date(2030, 1, 1),
    )


def issue(site: str, lot: str | None, qty: int, client_id: uuid.UUID | None = None) -> IssueCmd:
    return IssueCmd(
        client_id=client_id or uuid.uuid4(),
        actor="k",
        occurred_at=NOW,
        site_code=site,
        item_code=W.tent,
        qty=qty,
        lot_no=lot,
    )


def transfer(src: str, dst: str, lot: str | None, qty: int) -> TransferCmd:
    return TransferCmd(
        client_id=uuid.uuid4(),
        actor="k",
        occurred_at=NOW,
        from_site_code=src,
        to_site_code=dst,
        item_code=W.tent,
        qty=qty,
        lot_no=lot,
    )


def hold(lot: str, qty: int, actor: str = "disp", site: str = W.depot) -> ReserveCmd:
    return ReserveCmd(
        client_id=uuid.uuid4(), actor=actor, site_code=site, item_code=W.tent, lot_no=lot, qty=qty
    )


def count_rows(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def ledger_rows(engine: Engine) -> tuple[int, int, int]:
    """(postings, movements, Σ on hand): what a refused or rolled-back write must leave unchanged."""
    with engine.connect() as c:
        on_hand = c.execute(select(func.coalesce(func.sum(StockBalanceRow.on_hand), 0))).scalar_one()
    return count_rows(engine, PostingRow), count_rows(engine, MovementRow), int(on_hand)


def run_pair(fns: tuple[Callable[[], Any], Callable[[], Any]]) -> list[Any]:
    """Run two callables at once on two threads (released together by a barrier); each returns or raises."""
    barrier = threading.Barrier(2)
    out: list[Any] = [None, None]

    def run(k: int) -> None:
        barrier.wait()
        try:
            out[k] = fns[k]()
        except Exception as e:  # the caller classifies every outcome
            out[k] = e

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


class Child:
    """A forked writer: runs `body(write_fd)` and exits 0 (3 on an exception); the parent reads its lines."""

    def __init__(self, body: Callable[[int], None]) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(r)
            code = 0
            try:
                body(w)
            except BaseException:
                code = 3
            os._exit(code)
        os.close(w)
        self.pid, self.fd, self.buf, self.status = pid, r, b"", 0

    def lines(self) -> list[str]:
        """Every whole line written so far (a line cut by the kill is not acknowledged)."""
        return [ln for ln in self.buf.decode().split("\n")[:-1] if ln]

    def wait_lines(self, n: int) -> list[str]:
        while len(self.lines()) < n and (chunk := os.read(self.fd, 4096)):
            self.buf += chunk
        return self.lines()

    def kill(self) -> list[str]:
        """SIGKILL (if still running), reap, and return every whole line it wrote."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        return self.wait()

    def wait(self) -> list[str]:
        _, self.status = os.waitpid(self.pid, 0)
        while chunk := os.read(self.fd, 65536):
            self.buf += chunk
        os.close(self.fd)
        return self.lines()

    @property
    def killed(self) -> bool:
        return os.WIFSIGNALED(self.status) and os.WTERMSIG(self.status) == signal.SIGKILL
