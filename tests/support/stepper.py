"""Drive the product's own `reserve()` step by step on two connections, like PostgreSQL's isolationtester.

Each session runs `stockpile.ledger.reservations.reserve` on its own thread and engine and pauses at the
product's own steps: after its transaction began (the engine's `begin` event, after the product's
`BEGIN IMMEDIATE` on SQLite), after the balance row was locked (`lock_balances`), and before `commit`. The
controller releases one step at a time; a step that does not reach its next pause is *blocked* (waiting for a lock:
seen in `pg_stat_activity` on PostgreSQL, by a short timeout on SQLite) and completes later, when the other session
lets go.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, event, text

from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.ledger import reservations as rsv
from stockpile.schemas import ReserveCmd
from tests.conftest import NOW

STEPS = ("begin", "read", "reserve", "commit")  # start → begun → locked → committing → done
SQLITE_BLOCKED_AFTER = 0.1  # s without reaching the next pause: the step waits for the database lock


class SteppedUnitOfWork(SqlAlchemyUnitOfWork):
    """The product's unit of work with pauses after `lock_balances` and before `commit`."""

    def __init__(self, engine: Engine, session: Session) -> None:
        super().__init__(engine)
        self.stepped = session

    def __enter__(self):  # type: ignore[no-untyped-def]
        out = super().__enter__()
        lock = self.ledger.lock_balances

        def lock_then_pause(keys: Any) -> Any:
            rows = lock(keys)
            self.stepped.pause("locked")
            return rows

        self.ledger.lock_balances = lock_then_pause  # type: ignore[method-assign]
        return out

    def commit(self) -> None:
        self.stepped.pause("committing")
        super().commit()


class Session:
    """One reserving session: a thread running `reserve(cmd)` that stops at every pause until stepped."""

    def __init__(self, engine: Engine, cmd: ReserveCmd) -> None:
        self.engine, self.cmd = engine, cmd
        self.go = threading.Semaphore(0)
        self.arrived = threading.Event()
        self.at = "new"
        self.pid: int | None = None
        self.outcome: object = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def pause(self, gate: str) -> None:
        self.at = gate
        self.arrived.set()
        self.go.acquire()

    def _run(self) -> None:
        self.pause("start")
        try:
            self.outcome = rsv.reserve(self.cmd, SteppedUnitOfWork(self.engine, self), NOW)
        except Exception as e:  # OutOfStock for the loser; anything else fails the test
            self.outcome = e
        self.at = "done"
        self.arrived.set()

    def on_begin(self, conn: Any) -> None:
        if conn.dialect.name == "postgresql":
            self.pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        self.pause("begun")

    def step(self) -> None:
        self.arrived.clear()
        self.go.release()


def _waits_for_lock(monitor: Engine | None, pid: int | None) -> bool:
    if monitor is None or pid is None:
        return False
    with monitor.connect() as c:
        kind = c.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :p"), {"p": pid})
        return kind.scalar() == "Lock"


def _advance(s: Session, monitor: Engine | None) -> bool:
    """Release one step of `s`; True when it reached its next pause, False when it is blocked on a lock."""
    s.step()
    deadline = time.monotonic() + (5.0 if monitor is not None else SQLITE_BLOCKED_AFTER)
    while time.monotonic() < deadline:
        if s.arrived.wait(0.01):
            return True
        if _waits_for_lock(monitor, s.pid):
            return False
    return s.arrived.is_set()


class Schedule:
    """Two sessions on two engines; `run(perm)` plays one interleaving and returns the steps as executed."""

    def __init__(self, engines: Sequence[Engine], monitor: Engine | None) -> None:
        self.engines, self.monitor = engines, monitor
        self.current: list[Session] = []
        for k, e in enumerate(engines):
            event.listen(e, "begin", lambda conn, k=k: self.current[k].on_begin(conn))

    def run(self, perm: Sequence[int], cmds: Sequence[ReserveCmd]) -> tuple[list[str], list[Session]]:
        ss = self.current = [Session(e, c) for e, c in zip(self.engines, cmds, strict=True)]
        for s in ss:
            s.thread.start()
            assert s.arrived.wait(5)
        blocked, done_steps, played = [False, False], [0, 0], []
        queue = list(perm)
        while queue:
            k = queue[0]
            if blocked[k] and ss[k].arrived.wait(0.05):
                blocked[k] = False
            other = next((i for i, x in enumerate(queue) if x != k), None)
            if blocked[k] and other is None:  # only its own steps are left: the lock must come free now
                assert ss[k].arrived.wait(10), f"session {k + 1} blocked with nothing else to run: deadlock"
                blocked[k] = False
            if blocked[
                k
            ]:  # its step is still waiting: the other session goes first (isolationtester does too)
                assert other is not None
                k = queue.pop(other)
            else:
                queue.pop(0)
            name = f"s{k + 1}.{STEPS[done_steps[k]]}"
            done_steps[k] += 1
            if ss[k].at == "done":  # the loser ends at `reserve` (OutOfStock): its `commit` is a no-op
                played.append(name + "(-)")
                continue
            blocked[k] = not _advance(ss[k], self.monitor)
            played.append(name + ("(blocked)" if blocked[k] else ""))
        for s in ss:  # drain: a blocked step finishes now the other side has committed
            while s.at != "done":
                assert s.arrived.wait(10), f"stuck at {s.at}"
                s.step()
                s.arrived.wait(10)
            s.thread.join(10)
        return played, ss
