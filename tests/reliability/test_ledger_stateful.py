"""Stateful test: the ledger use cases against a plain dict model; after every step the balances match the
movements, no running balance is below 0, 0 ≤ reserved ≤ on hand, and stock in transit is conserved.

One rule per use case (receive, issue, transfer ship/receive, count, four-eyes write-off, reserve, resolve, reverse)
plus `replay` (same client id) and `backdate`. Each outcome must be the one the model allows (TigerBeetle's auditor):
success where the model says the stock is there, the exact refusal otherwise. Swarm: each run enables a random
subset of the rules. Runs on a file SQLite copied from one prepared template; ≥ 5 000 executed steps, counted.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from stockpile.adapters.db.engine import create_schema, make_engine
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.domain.errors import (
    AlreadyResolved,
    AlreadyReversed,
    ExistsWithDifferent,
    NegativeLaterBalance,
    OutOfStock,
    UnknownLot,
)
from stockpile.ledger import reservations as rsv
from stockpile.ledger import stock, write_offs
from stockpile.ledger.checks import verify_ledger
from stockpile.schemas import (
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReserveCmd,
    ResolveReservationCmd,
    ReverseCmd,
    TransferCmd,
    WriteOffCmd,
)
from tests.conftest import NOW
from tests.support.factory import World, seed_minimal

pytestmark = pytest.mark.slow

W = World()
SITES = (W.depot, W.point)
LOTS = ("A", "B", "C")
RULES = (
    "receive",
    "issue",
    "ship",
    "receive_transfer",
    "count",
    "write_off",
    "reserve",
    "resolve",
    "reverse",
    "replay",
    "backdate",
)
MIN_STEPS = int(__import__("os").environ.get("STATEFUL_MIN_STEPS", "5000"))
STEPS = {"n": 0}
TEMPLATE: dict[str, Path] = {}
sites = st.sampled_from(SITES)
lots = st.sampled_from(LOTS)
qtys = st.integers(1, 40)


def _template(tmp: Path) -> Path:
    if "db" not in TEMPLATE:
        path = tmp / "template.db"
        e = make_engine(f"sqlite:///{path}")
        create_schema(e)
        seed_minimal(e)
        uow = SqlAlchemyUnitOfWork(e)
        with uow:
            uow.ledger.transit_site_id()  # the 在途 location exists from the start (its id is cached per run)
            uow.commit()
        e.dispose()  # the last connection to close checkpoints the WAL into the file
        TEMPLATE["db"] = path
    return TEMPLATE["db"]


class LedgerMachine(RuleBasedStateMachine):
    """The model: on_hand/reserved per (site, lot), transit per lot, legs per key with their times."""

    workdir: Path

    def __init__(self) -> None:
        super().__init__()
        path = self.workdir / f"run-{uuid.uuid4().hex}.db"
        shutil.copy(_template(self.workdir), path)
        self.path = path
        self.engine = make_engine(f"sqlite:///{path}")
        self.uow = SqlAlchemyUnitOfWork(self.engine)
        self.t = NOW - timedelta(days=30)
        self.start = self.t
        self.seq = 0
        self.on_hand: dict[tuple[str, str], int] = {}
        self.reserved: dict[tuple[str, str], int] = {}
        self.legs: dict[tuple[str, str], list[tuple[object, int, int]]] = {}
        self.transit: dict[str, int] = {}
        self.inflow = 0  # Σ receipts − issues − write-offs ± counts ± reversals (conserved across transfers)
        self.known: set[str] = set()
        self.transfers: dict[uuid.UUID, tuple[str, str, int, bool]] = {}
        self.holds: dict[uuid.UUID, tuple[str, str, int]] = {}
        self.postings: list[tuple[uuid.UUID, str, str, int]] = []  # (posting, site, lot, signed qty)
        self.reversed: set[uuid.UUID] = set()
        self.replayable: list[tuple[object, object]] = []  # (use case, command)
        self.enabled: frozenset[str] = frozenset(RULES)
        self.ids: dict[str, int] = {}
        self.lot_ids: dict[str, int] = {}

    def teardown(self) -> None:
        self.engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.path) + suffix).unlink(missing_ok=True)

    # ---- model helpers --------------------------------------------------------------------------------------
    def _tick(self) -> object:
        STEPS["n"] += 1
        self.t += timedelta(minutes=1)
        return self.t

    def _avail(self, key: tuple[str, str]) -> int:
        return self.on_hand.get(key, 0) - self.reserved.get(key, 0)

    def _leg(self, key: tuple[str, str], qty: int, at: object) -> None:
        self.seq += 1
        self.on_hand[key] = self.on_hand.get(key, 0) + qty
        self.legs.setdefault(key, []).append((at, self.seq, qty))

    def _expect(self, fn, ok: bool, err: type[Exception] = OutOfStock):  # type: ignore[no-untyped-def]
        """Run the use case: success exactly when the model allows it, else exactly `err`."""
        if ok:
            return fn()
        with pytest.raises(err):
            fn()
        return None

    # ---- rules ----------------------------------------------------------------------------------------------
    @initialize(enabled=st.sets(st.sampled_from(RULES), min_size=3))
    def swarm(self, enabled: set[str]) -> None:
        self.enabled = frozenset(enabled | {"receive"})

    def _on(name: str):  # type: ignore[no-untyped-def]
        return precondition(lambda self: name in self.enabled)

    @_on("receive")
    @rule(site=sites, lot=lots, qty=qtys)
    def receive(self, site: str, lot: str, qty: int) -> None:
        at = self._tick()
        cmd = ReceiptCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=at,
            site_code=site,
            item_code=W.tent,
            lot_no=lot,
            qty=qty,
        )
        res = stock.record_receipt(cmd, self.uow, at)
        self.known.add(lot)
        self._leg((site, lot), qty, at)
        self.inflow += qty
        self.postings.append((res.posting_id, site, lot, qty))
        self.replayable.append((stock.record_receipt, cmd))

    @_on("issue")
    @rule(site=sites, lot=lots, qty=qtys)
    def issue(self, site: str, lot: str, qty: int) -> None:
        at = self._tick()
        cmd = IssueCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=at,
            site_code=site,
            item_code=W.tent,
            qty=qty,
            lot_no=lot,
        )
        if lot not in self.known:
            return self._expect(lambda: stock.issue_stock(cmd, self.uow, at), False, UnknownLot)
        res = self._expect(lambda: stock.issue_stock(cmd, self.uow, at), self._avail((site, lot)) >= qty)
        if res is not None:
            self._leg((site, lot), -qty, at)
            self.inflow -= qty
            self.postings.append((res.posting_id, site, lot, -qty))
            self.replayable.append((stock.issue_stock, cmd))
        return None

    @_on("ship")
    @rule(src=sites, lot=lots, qty=qtys)
    def ship(self, src: str, lot: str, qty: int) -> None:
        at = self._tick()
        dst = SITES[1 - SITES.index(src)]
        cmd = TransferCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=at,
            from_site_code=src,
            to_site_code=dst,
            item_code=W.tent,
            qty=qty,
            lot_no=lot,
        )
        if lot not in self.known:
            return self._expect(lambda: stock.ship_transfer(cmd, self.uow, at), False, UnknownLot)
        res = self._expect(lambda: stock.ship_transfer(cmd, self.uow, at), self._avail((src, lot)) >= qty)
        if res is not None:
            self._leg((src, lot), -qty, at)
            self.transit[lot] = self.transit.get(lot, 0) + qty
            self.transfers[res.transfer_id] = (dst, lot, qty, False)
        return None

    @_on("receive_transfer")
    @precondition(lambda self: bool(self.transfers))
    @rule(data=st.data())
    def receive_transfer(self, data: st.DataObject) -> None:
        at = self._tick()
        tid = data.draw(st.sampled_from(list(self.transfers)))
        dst, lot, qty, done = self.transfers[tid]
        cmd = ReceiveTransferCmd(client_id=uuid.uuid4(), actor="k", occurred_at=at, transfer_id=tid)
        res = self._expect(lambda: stock.receive_transfer(cmd, self.uow, at), not done, AlreadyResolved)
        if res is not None:
            self.transit[lot] -= qty
            self._leg((dst, lot), qty, at)
            self.transfers[tid] = (dst, lot, qty, True)

    @_on("count")
    @rule(site=sites, lot=lots, counted=st.integers(0, 60))
    def count(self, site: str, lot: str, counted: int) -> None:
        """Counted − balance at t; refused when it would leave less than the reserved quantity."""
        at = self._tick()
        cmd = CountCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=at,
            site_code=site,
            item_code=W.tent,
            lot_no=lot,
            counted=counted,
        )
        if lot not in self.known:
            return self._expect(lambda: stock.record_count(cmd, self.uow, at), False, UnknownLot)
        key = (site, lot)
        res = self._expect(
            lambda: stock.record_count(cmd, self.uow, at), counted >= self.reserved.get(key, 0)
        )
        if res is not None:
            adj = counted - self.on_hand.get(key, 0)
            assert res.extra["adjustment"] == adj
            if adj:
                self._leg(key, adj, at)
                self.inflow += adj
        return None

    @_on("write_off")
    @rule(site=sites, lot=lots, qty=qtys)
    def write_off(self, site: str, lot: str, qty: int) -> None:
        at = self._tick()
        cmd = WriteOffCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=at,
            site_code=site,
            item_code=W.tent,
            lot_no=lot,
            qty=qty,
            reason="damaged",
        )
        if lot not in self.known:
            return self._expect(lambda: write_offs.propose_write_off(cmd, self.uow, at), False, UnknownLot)
        pid = write_offs.propose_write_off(cmd, self.uow, at)
        ok = self._avail((site, lot)) >= qty
        res = self._expect(lambda: write_offs.approve_write_off(pid, "admin", self.uow, at), ok)
        if res is not None:
            self._leg((site, lot), -qty, at)
            self.inflow -= qty
        else:  # a refused approval leaves the request pending; the admin rejects it so the lot may be proposed again
            write_offs.reject_write_off(pid, "admin", self.uow, at)
        return None

    @_on("reserve")
    @rule(site=sites, lot=lots, qty=qtys)
    def reserve(self, site: str, lot: str, qty: int) -> None:
        at = self._tick()
        cmd = ReserveCmd(
            client_id=uuid.uuid4(), actor="disp", site_code=site, item_code=W.tent, lot_no=lot, qty=qty
        )
        if lot not in self.known:
            return self._expect(lambda: rsv.reserve(cmd, self.uow, at), False, UnknownLot)
        res = self._expect(lambda: rsv.reserve(cmd, self.uow, at), self._avail((site, lot)) >= qty)
        if res is not None:
            self.reserved[(site, lot)] = self.reserved.get((site, lot), 0) + qty
            self.holds[res.id] = (site, lot, qty)
        return None

    @_on("resolve")
    @precondition(lambda self: bool(self.holds))
    @rule(data=st.data(), action=st.sampled_from(["issue", "release"]), twice=st.booleans())
    def resolve(self, data: st.DataObject, action: str, twice: bool) -> None:
        """A hold resolves once; issuing it takes the held quantity out of on-hand and reserved."""
        at = self._tick()
        rid = data.draw(st.sampled_from(list(self.holds)))
        site, lot, qty = self.holds.pop(rid)
        cmd = ResolveReservationCmd(reservation_id=rid, actor="disp", action=action, occurred_at=at)
        rsv.resolve_reservation(cmd, self.uow, at)
        self.reserved[(site, lot)] -= qty
        if action == "issue":
            self._leg((site, lot), -qty, at)
            self.inflow -= qty
        if twice:
            with pytest.raises(AlreadyResolved):
                rsv.resolve_reservation(cmd.model_copy(update={"action": "release"}), self.uow, at)

    @_on("reverse")
    @precondition(lambda self: bool(self.postings))
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        """Once per posting; reversing a receipt needs the stock still available."""
        at = self._tick()
        pid, site, lot, qty = data.draw(st.sampled_from(self.postings))
        cmd = ReverseCmd(client_id=uuid.uuid4(), actor="k", occurred_at=at, posting_id=pid)
        if pid in self.reversed:
            return self._expect(lambda: stock.reverse_posting(cmd, self.uow, at), False, AlreadyReversed)
        ok = qty < 0 or self._avail((site, lot)) >= qty
        if self._expect(lambda: stock.reverse_posting(cmd, self.uow, at), ok) is not None:
            self.reversed.add(pid)
            self._leg((site, lot), -qty, at)
            self.inflow -= qty
        return None

    @_on("replay")
    @precondition(lambda self: bool(self.replayable))
    @rule(data=st.data(), other=st.booleans())
    def replay(self, data: st.DataObject, other: bool) -> None:
        """Same id + same payload → the first result, nothing new; other payload → ExistsWithDifferent."""
        at = self._tick()
        fn, cmd = data.draw(st.sampled_from(self.replayable))
        if other:
            changed = cmd.model_copy(update={"qty": cmd.qty + 1})  # type: ignore[attr-defined]
            with pytest.raises(ExistsWithDifferent):
                fn(changed, self.uow, at)  # type: ignore[operator]
        else:
            assert fn(cmd, self.uow, at).replayed  # type: ignore[operator]

    @_on("backdate")
    @rule(site=sites, lot=lots, qty=qtys, back=st.integers(1, 600), receipt=st.booleans())
    def backdate(self, site: str, lot: str, qty: int, back: int, receipt: bool) -> None:
        """A backdated issue is refused if any running balance from its time on would go negative."""
        self._tick()
        at = max(self.start + timedelta(seconds=30), self.t - timedelta(minutes=back, seconds=30))
        key = (site, lot)
        if receipt:
            cmd = ReceiptCmd(
                client_id=uuid.uuid4(),
                actor="k",
                occurred_at=at,
                site_code=site,
                item_code=W.tent,
                lot_no=lot,
                qty=qty,
            )
            stock.record_receipt(cmd, self.uow, self.t)
            self.known.add(lot)
            self._leg(key, qty, at)
            self.inflow += qty
            return
        cmd = IssueCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=at,
            site_code=site,
            item_code=W.tent,
            qty=qty,
            lot_no=lot,
        )
        if lot not in self.known:
            self._expect(lambda: stock.issue_stock(cmd, self.uow, self.t), False, UnknownLot)
            return
        expected = self._backdated_issue_outcome(key, at, qty)
        res = self._expect(
            lambda: stock.issue_stock(cmd, self.uow, self.t), expected is None, expected or OutOfStock
        )
        if res is not None:
            self._leg(key, -qty, at)
            self.inflow -= qty

    def _backdated_issue_outcome(self, key: tuple[str, str], at: object, qty: int) -> type[Exception] | None:
        """None if allowed, else the refusal the rules give: not available now (FEFO pick) or short at `at` →
        OutOfStock; a later running balance below zero → NegativeLaterBalance."""
        if self._avail(key) < qty:
            return OutOfStock
        legs = sorted(self.legs.get(key, []), key=lambda x: (x[0], x[1]))
        before = sum(q for t, _, q in legs if t <= at)  # type: ignore[operator]
        if before - qty < 0:
            return OutOfStock
        running = before - qty
        for t, _, q in legs:
            if t > at:  # type: ignore[operator]
                running += q
                if running < 0:
                    return NegativeLaterBalance
        return None

    # ---- invariants -------------------------------------------------------------------------------------------
    @invariant()
    def ledger_agrees(self) -> None:
        """Stored balances = model, verify_ledger() == [], 0 ≤ reserved ≤ on hand = Σ pending holds,
        every prefix ≥ 0, and stock is conserved across transfers."""
        assert verify_ledger(self.uow) == []
        with self.uow:
            repo = self.uow.ledger
            stored = repo.stored_balances()
            pending = repo.pending_sums()
            if not self.ids:  # ids never change: looked up once per run
                self.ids = {s: repo.site_by_code(s).id for s in SITES} | {"transit": repo.transit_site_id()}
            for lot in self.known - set(self.lot_ids):
                self.lot_ids[lot] = repo.lot(repo.item_by_code(W.tent).id, lot).id
        names, lot_ids, transit_id = self.ids, self.lot_ids, self.ids["transit"]
        want = {
            (names[s], lot_ids[lot]): (self.on_hand.get((s, lot), 0), self.reserved.get((s, lot), 0))
            for (s, lot) in set(self.on_hand) | set(self.reserved)
            if self.on_hand.get((s, lot), 0) or self.reserved.get((s, lot), 0)
        }
        want |= {(transit_id, lot_ids[lot]): (q, 0) for lot, q in self.transit.items() if q}
        assert stored == want
        assert pending == {k: r for k, (_, r) in want.items() if r}
        for key, legs in self.legs.items():
            running = 0
            for _, _, q in sorted(legs, key=lambda x: (x[0], x[1])):
                running += q
                assert running >= 0, key
            assert 0 <= self.reserved.get(key, 0) <= self.on_hand.get(key, 0)
        # Σ on-hand + in transit = Σ in − out − write-offs ± counts ± reversals, in the model and the database
        assert sum(self.on_hand.values()) + sum(self.transit.values()) == self.inflow
        assert sum(o for o, _ in stored.values()) == self.inflow


def test_ledger_machine_runs_5000_steps_without_a_violation(tmp_path):
    """≥ 5 000 executed use-case steps against the model, 0 invariant violations (counted, not assumed)."""
    shm = Path("/dev/shm")
    LedgerMachine.workdir = (
        Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() else tmp_path
    )  # tmpfs: no fsync cost
    TEMPLATE.clear()
    STEPS["n"] = 0
    cfg = settings(
        max_examples=15,
        stateful_step_count=50,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    rounds = 0
    while STEPS["n"] < MIN_STEPS and rounds < 40:
        run_state_machine_as_test(LedgerMachine, settings=cfg)
        rounds += 1
    shutil.rmtree(LedgerMachine.workdir, ignore_errors=True)
    print(f"stateful ledger: {STEPS['n']} executed steps in {rounds} rounds")
    assert STEPS["n"] >= MIN_STEPS
