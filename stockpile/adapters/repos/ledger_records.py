"""The ledger repository's records beside postings and balances: transfers on 在途, stock counts, reservations,
the ledger's settings and the reconciliation reads of the checks.

``LedgerRecords`` is a base of ``SqlLedgerRepository`` (ledger.py): it reads and writes through its session.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.domain.ledger import DEFAULT_BACKDATE_DAYS
from stockpile.domain.model import Reservation, ReservationState, StockCount, Transfer, TransferLine


class LedgerRecords:
    """Transfers, counts, reservations, settings and checks, inside the unit of work's session ``s``."""

    s: Session

    # ---- transfers ------------------------------------------------------------------------------------------
    def add_transfer(
        self,
        transfer_id: uuid.UUID,
        from_id: int,
        to_id: int,
        at: datetime,
        lines: list[tuple[int, int, int]],
    ) -> None:
        self.s.add(
            orm.TransferRow(
                id=transfer_id, from_site_id=from_id, to_site_id=to_id, state="in_transit", shipped_at=at
            )
        )
        self.s.flush()
        self.s.execute(
            insert(orm.TransferLineRow),
            [
                {"transfer_id": transfer_id, "lot_id": lot, "item_id": item, "qty": q}
                for lot, item, q in lines
            ],
        )

    def transfer(
        self, transfer_id: uuid.UUID, lock: bool = False
    ) -> tuple[Transfer, list[TransferLine]] | None:
        """A transfer and its lines; ``lock`` takes the row lock first (SELECT … FOR UPDATE), so a second receipt
        or cancellation waits for the first and then reads its outcome (SQLite's writer lock already serialises)."""
        row = self.s.get(orm.TransferRow, transfer_id, populate_existing=True, with_for_update=lock)
        if row is None:
            return None
        lines = self.s.scalars(
            select(orm.TransferLineRow).where(orm.TransferLineRow.transfer_id == transfer_id)
        )
        return (
            Transfer(row.id, row.from_site_id, row.to_site_id, row.state, row.shipped_at),
            [TransferLine(ln.lot_id, ln.item_id, ln.qty) for ln in lines],
        )

    def resolve_transfer(
        self, transfer_id: uuid.UUID, new_state: str, at: datetime, posting_id: uuid.UUID | None
    ) -> bool:
        """Resolved at most once: UPDATE … WHERE state = 'in_transit'; False if it was already resolved."""
        t = orm.TransferRow
        res = self.s.execute(
            update(t)
            .where(t.id == transfer_id, t.state == "in_transit")
            .values(state=new_state, received_at=at, receive_posting_id=posting_id)
            .execution_options(synchronize_session=False)
        )
        return bool(res.rowcount)  # type: ignore[attr-defined]

    # ---- counts ---------------------------------------------------------------------------------------------
    def later_count_exists(self, site_id: int, lot_id: int, at: datetime) -> bool:
        c = orm.StockCountRow
        q = select(c.id).where(c.site_id == site_id, c.lot_id == lot_id, c.occurred_at > at).limit(1)
        return self.s.scalar(q) is not None

    def add_count(self, count: StockCount) -> None:
        c = count
        values = {
            "posting_id": c.posting_id,
            "site_id": c.site_id,
            "lot_id": c.lot_id,
            "item_id": c.item_id,
            "counted": c.counted,
            "system_qty": c.system_qty,
            "adjustment": c.adjustment,
            "occurred_at": c.occurred_at,
            "superseded": c.superseded,
        }
        self.s.execute(insert(orm.StockCountRow), [values])

    # ---- reservations ---------------------------------------------------------------------------------------
    def reservation(self, rid: uuid.UUID) -> Reservation | None:
        r = self.s.get(orm.ReservationRow, rid, populate_existing=True)
        if r is None:
            return None
        return Reservation(
            r.id, r.site_id, r.item_id, r.lot_id, r.qty, r.plan_ref, ReservationState(r.state), r.expires_at
        )

    def add_reservation(self, res: Reservation, actor: str, created_at: datetime) -> None:
        values = {
            "id": res.id,
            "site_id": res.site_id,
            "lot_id": res.lot_id,
            "item_id": res.item_id,
            "qty": res.qty,
            "plan_ref": res.plan_ref,
            "state": res.state.value,
            "actor": actor,
            "created_at": created_at,
            "expires_at": res.expires_at,
        }
        self.s.execute(insert(orm.ReservationRow), [values])

    def resolve_reservation(
        self, rid: uuid.UUID, state: str, at: datetime, posting_id: uuid.UUID | None
    ) -> bool:
        """Resolved at most once: UPDATE … WHERE state = 'pending'; False when someone resolved it first."""
        r = orm.ReservationRow
        res = self.s.execute(
            update(r)
            .where(r.id == rid, r.state == "pending")
            .values(state=state, resolved_at=at, resolve_posting_id=posting_id)
            .execution_options(synchronize_session=False)
        )
        return bool(res.rowcount)  # type: ignore[attr-defined]

    def pending_reservations_due(self, now: datetime) -> list[uuid.UUID]:
        r = orm.ReservationRow
        q = select(r.id).where(r.state == "pending", r.expires_at.is_not(None), r.expires_at <= now)
        return list(self.s.scalars(q))

    # ---- settings -------------------------------------------------------------------------------------------
    def freeze_date(self) -> date | None:
        v = self.s.scalar(select(orm.SettingRow.value).where(orm.SettingRow.key == "freeze_date"))
        return date.fromisoformat(v) if v else None

    def backdate_days(self) -> int:
        """Postings more than this many days back need the admin right (default 30)."""
        v = self.s.scalar(select(orm.SettingRow.value).where(orm.SettingRow.key == "backdate_days"))
        return int(v) if v else DEFAULT_BACKDATE_DAYS

    def database_kind(self) -> str | None:
        """`demo` (made by `relief demo`), `county` (made by `relief init`) or None."""
        return self.s.scalar(select(orm.SettingRow.value).where(orm.SettingRow.key == "database_kind"))

    def set_setting(self, key: str, value: str) -> None:
        row = self.s.get(orm.SettingRow, key)
        if row is None:
            self.s.add(orm.SettingRow(key=key, value=value))
        else:
            row.value = value
        self.s.flush()

    # ---- checks ---------------------------------------------------------------------------------------------
    def movement_sums(self) -> dict[tuple[int, int], int]:
        m = orm.MovementRow
        rows = self.s.execute(
            select(m.site_id, m.lot_id, func.sum(m.qty)).group_by(m.site_id, m.lot_id)
        ).all()
        return {(s, lot): int(q) for s, lot, q in rows}

    def stored_balances(self) -> dict[tuple[int, int], tuple[int, int]]:
        b = orm.StockBalanceRow
        rows = self.s.execute(select(b.site_id, b.lot_id, b.on_hand, b.reserved)).all()
        return {(s, lot): (int(o), int(r)) for s, lot, o, r in rows if o or r}

    def pending_sums(self) -> dict[tuple[int, int], int]:
        r = orm.ReservationRow
        rows = self.s.execute(
            select(r.site_id, r.lot_id, func.sum(r.qty))
            .where(r.state == "pending")
            .group_by(r.site_id, r.lot_id)
        ).all()
        return {(s, lot): int(q) for s, lot, q in rows}

    def histories(self) -> dict[tuple[int, int], list[int]]:
        m = orm.MovementRow
        out: dict[tuple[int, int], list[int]] = {}
        q = select(m.site_id, m.lot_id, m.qty).order_by(m.site_id, m.lot_id, m.occurred_at, m.seq)
        for s, lot, qty in self.s.execute(q):
            out.setdefault((s, lot), []).append(int(qty))
        return out
