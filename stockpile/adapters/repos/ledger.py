"""SQLAlchemy repository of the ledger: maps rows ↔ domain objects, locks balance rows, applies legs.

Locking: balance rows are created if missing (INSERT … ON CONFLICT DO NOTHING) and then locked with
SELECT … FOR UPDATE in canonical (site, lot) order on PostgreSQL; SQLite writers hold the database lock from
BEGIN IMMEDIATE, so FOR UPDATE is not needed there.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.repos.bulk import insert_many
from stockpile.adapters.repos.ledger_records import LedgerRecords
from stockpile.adapters.repos.ledger_rows import item_from_row, lot_from_row, site_from_row
from stockpile.domain.model import (
    AdminLevel,
    Balance,
    Item,
    Lot,
    Movement,
    MovementKind,
    OwnerType,
    Site,
    SiteType,
)
from stockpile.ports.repos import NewPosting, PostingRecord

__all__ = ["PostingRecord", "SqlLedgerRepository", "item_from_row", "lot_from_row", "site_from_row"]

TRANSIT_CODE = "TRANSIT"  # the virtual 在途 location


class SqlLedgerRepository(LedgerRecords):
    """All ledger reads and writes a use case needs, inside the unit of work's session."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.dialect = session.get_bind().dialect.name
        self._transit_id: int | None = None
        self._items: dict[str, Item | None] = {}
        self._sites: dict[str, Site | None] = {}

    # ---- master data -------------------------------------------------------------------------------------
    def item_by_code(self, code: str) -> Item | None:
        """Master data is read once per unit of work (a use case never changes it)."""
        if code not in self._items:
            row = self.s.scalar(select(orm.ItemRow).where(orm.ItemRow.code == code))
            if row is None:
                return None
            packs = self.s.execute(
                select(orm.ItemPackRow.unit, orm.ItemPackRow.factor).where(orm.ItemPackRow.item_id == row.id)
            ).all()
            self._items[code] = item_from_row(row, [(u, f) for u, f in packs])
        return self._items[code]

    def site_by_code(self, code: str) -> Site | None:
        if code not in self._sites:
            row = self.s.scalar(select(orm.SiteRow).where(orm.SiteRow.code == code))
            if row is None:
                return None
            self._sites[code] = site_from_row(row)
        return self._sites[code]

    def site_by_id(self, site_id: int) -> Site:
        return site_from_row(self.s.get_one(orm.SiteRow, site_id))

    def transit_site_id(self) -> int:
        """The 在途 location; created on first use."""
        if self._transit_id is None:
            sid = self.s.scalar(select(orm.SiteRow.id).where(orm.SiteRow.code == TRANSIT_CODE))
            if sid is None:
                row = orm.SiteRow(
                    code=TRANSIT_CODE,
                    name="在途",
                    admin_level=AdminLevel.COUNTY.value,
                    site_type=SiteType.TRANSIT.value,
                    owner_type=OwnerType.GOVERNMENT.value,
                    loading_minutes=0,
                )
                self.s.add(row)
                self.s.flush()
                sid = row.id
            self._transit_id = sid
        return self._transit_id

    # ---- lots ---------------------------------------------------------------------------------------------
    def lot(self, item_id: int, lot_no: str) -> Lot | None:
        row = self.s.scalar(
            select(orm.LotRow).where(orm.LotRow.item_id == item_id, orm.LotRow.lot_no == lot_no)
        )
        return None if row is None else lot_from_row(row)

    def lots_for_items(self, item_ids: Iterable[int]) -> dict[tuple[int, str], Lot]:
        """Every lot of the given items, keyed (item, lot number): one query for a whole import."""
        ids = sorted(set(item_ids))
        q = select(orm.LotRow).where(orm.LotRow.item_id.in_(ids))
        return {(r.item_id, r.lot_no): lot_from_row(r) for r in self.s.scalars(q)}

    def add_lots(self, lots: list[Lot]) -> dict[tuple[int, str], Lot]:
        """Insert many new lots in one executemany; returns them with their ids."""
        if not lots:
            return {}
        self.s.execute(
            insert(orm.LotRow),
            [
                {
                    "item_id": x.item_id,
                    "lot_no": x.lot_no,
                    "expiry": x.expiry,
                    "manufactured_on": x.manufactured_on,
                    "owner_type": x.owner_type.value,
                    "owner_name": x.owner_name,
                    "source": x.source.value,
                    "donor": x.donor,
                    "received_at": x.received_at,
                }
                for x in lots
            ],
        )
        wanted = {(x.item_id, x.lot_no) for x in lots}
        return {k: v for k, v in self.lots_for_items({x.item_id for x in lots}).items() if k in wanted}

    def lot_by_id(self, lot_id: int) -> Lot:
        return lot_from_row(self.s.get_one(orm.LotRow, lot_id))

    def add_lot(self, lot: Lot) -> Lot:
        row = orm.LotRow(
            item_id=lot.item_id,
            lot_no=lot.lot_no,
            expiry=lot.expiry,
            manufactured_on=lot.manufactured_on,
            owner_type=lot.owner_type.value,
            owner_name=lot.owner_name,
            source=lot.source.value,
            donor=lot.donor,
            received_at=lot.received_at,
        )
        self.s.add(row)
        self.s.flush()
        return lot_from_row(row)

    # ---- balances -----------------------------------------------------------------------------------------
    def lock_balances(self, keys: Iterable[tuple[int, int, int]]) -> dict[tuple[int, int], Balance]:
        """Create missing (site, lot) balance rows and lock them all in canonical order. Keys: (site, item, lot).
        Returns what the rows hold now; changes go back through `set_balances`."""
        wanted = sorted({(s, lot, i) for s, i, lot in keys})
        if not wanted:
            return {}
        values = [
            {"site_id": s, "lot_id": lot, "item_id": i, "on_hand": 0, "reserved": 0} for s, lot, i in wanted
        ]
        ins = (pg_insert if self.dialect == "postgresql" else sqlite_insert)(orm.StockBalanceRow)
        self.s.execute(ins.on_conflict_do_nothing(index_elements=["site_id", "lot_id"]), values)
        out: dict[tuple[int, int], Balance] = {}
        b = orm.StockBalanceRow
        for start in range(0, len(wanted), 400):
            chunk = [(s, lot) for s, lot, _ in wanted[start : start + 400]]
            q = (
                select(b)
                .where(tuple_(b.site_id, b.lot_id).in_(chunk))
                .order_by(b.site_id, b.lot_id)
                .execution_options(populate_existing=True)
            )
            if self.dialect == "postgresql":
                q = q.with_for_update()
            out.update({(r.site_id, r.lot_id): self.to_balance(r) for r in self.s.scalars(q)})
        return out

    def lock_item_balances(self, site_id: int, item_id: int) -> list[tuple[Balance, Lot]]:
        """Every balance row of an item at a site with its lot, locked (the FEFO candidates)."""
        q = (
            select(orm.StockBalanceRow, orm.LotRow)
            .join(orm.LotRow, orm.LotRow.id == orm.StockBalanceRow.lot_id)
            .where(orm.StockBalanceRow.site_id == site_id, orm.StockBalanceRow.item_id == item_id)
            .order_by(orm.StockBalanceRow.site_id, orm.StockBalanceRow.lot_id)
            .execution_options(populate_existing=True)
        )
        if self.dialect == "postgresql":
            q = q.with_for_update(of=orm.StockBalanceRow)
        return [(self.to_balance(b), lot_from_row(lot)) for b, lot in self.s.execute(q).all()]

    def balance_as_of(self, site_id: int, lot_id: int, at: datetime) -> int:
        q = select(func.coalesce(func.sum(orm.MovementRow.qty), 0)).where(
            orm.MovementRow.site_id == site_id,
            orm.MovementRow.lot_id == lot_id,
            orm.MovementRow.occurred_at <= at,
        )
        return int(self.s.scalar(q) or 0)

    def qtys_after_with_time(self, site_id: int, lot_id: int, at: datetime) -> list[tuple[datetime, int]]:
        """Legs of a key after `at`, in (occurred_at, seq) order."""
        q = (
            select(orm.MovementRow.occurred_at, orm.MovementRow.qty)
            .where(
                orm.MovementRow.site_id == site_id,
                orm.MovementRow.lot_id == lot_id,
                orm.MovementRow.occurred_at > at,
            )
            .order_by(orm.MovementRow.occurred_at, orm.MovementRow.seq)
        )
        return [(t, int(q_)) for t, q_ in self.s.execute(q).all()]

    @staticmethod
    def to_balance(row: orm.StockBalanceRow) -> Balance:
        return Balance(row.site_id, row.item_id, row.lot_id, row.on_hand, row.reserved, row.last_occurred_at)

    # ---- postings and movements ---------------------------------------------------------------------------
    def posting(self, posting_id: uuid.UUID) -> PostingRecord | None:
        row = self.s.get(orm.PostingRow, posting_id)
        if row is None:
            return None
        seqs = self.s.scalars(
            select(orm.MovementRow.seq)
            .where(orm.MovementRow.posting_id == posting_id)
            .order_by(orm.MovementRow.seq)
        ).all()
        return PostingRecord(
            row.id,
            row.kind,
            row.digest,
            json.loads(row.payload),
            row.actor,
            row.recorded_at,
            tuple(seqs),
            row.occurred_at,
        )

    # Bulk appends go straight to the driver's executemany (repos/bulk.py): the ledger's hot path
    # (bench/ledger_bench.py).
    POSTING_COLS = (
        "id",
        "kind",
        "digest",
        "payload",
        "actor",
        "recorded_at",
        "occurred_at",
        "doc_no",
        "event_tag",
        "remark",
        "legs",
    )
    MOVEMENT_COLS = (
        "seq",
        "id",
        "posting_id",
        "kind",
        "site_id",
        "item_id",
        "lot_id",
        "qty",
        "occurred_at",
        "recorded_at",
        "actor",
        "purpose",
        "reason",
        "reverses_seq",
    )

    def add_postings(self, postings: Sequence[NewPosting]) -> None:
        if postings:
            insert_many(
                self.s,
                self.dialect,
                "posting",
                self.POSTING_COLS,
                (
                    (
                        p.id,
                        p.kind,
                        p.digest,
                        p.payload_json,
                        p.actor,
                        p.recorded_at,
                        p.occurred_at,
                        p.doc_no,
                        p.event_tag,
                        p.remark,
                        p.legs,
                    )
                    for p in postings
                ),
            )

    def _next_seqs(self, n: int) -> list[int]:
        """Movement seqs for n new legs: SQLite writers are serialised (BEGIN IMMEDIATE), so max + 1…;
        PostgreSQL takes n values from the column's sequence in one round trip."""
        conn = self.s.connection()
        if self.dialect == "sqlite":
            top = int(conn.exec_driver_sql("SELECT COALESCE(MAX(seq), 0) FROM movement").scalar() or 0)
            return list(range(top + 1, top + n + 1))
        q = "SELECT nextval(pg_get_serial_sequence('movement', 'seq')) FROM generate_series(1, %s)"
        return [int(x) for x in conn.exec_driver_sql(q, (n,)).scalars()]

    def add_movements(self, moves: Sequence[Movement]) -> list[int]:
        """Append movements in one executemany and return their seqs in input order (their own seq is ignored)."""
        if not moves:
            return []
        seqs = self._next_seqs(len(moves))
        insert_many(
            self.s,
            self.dialect,
            "movement",
            self.MOVEMENT_COLS,
            (
                (
                    seq,
                    m.id,
                    m.posting_id,
                    m.kind.value,
                    m.site_id,
                    m.item_id,
                    m.lot_id,
                    m.qty,
                    m.occurred_at,
                    m.recorded_at,
                    m.actor,
                    m.purpose,
                    m.reason,
                    m.reverses_seq,
                )
                for m, seq in zip(moves, seqs, strict=True)
            ),
        )
        return seqs

    def set_balances(self, values: list[tuple[int, int, int, int, datetime | None]]) -> None:
        """Write new (on_hand, reserved, last_occurred_at) to locked balance rows in one executemany."""
        if not values:
            return
        b = orm.StockBalanceRow.__table__
        stmt = (
            update(b)  # type: ignore[arg-type]
            .where(b.c.site_id == bindparam("k_site"), b.c.lot_id == bindparam("k_lot"))
            .values(
                on_hand=bindparam("v_on_hand"),
                reserved=bindparam("v_reserved"),
                last_occurred_at=bindparam("v_last", type_=orm.UTCDateTime()),
            )
        )
        params = [
            {"k_site": s, "k_lot": lot, "v_on_hand": o, "v_reserved": r, "v_last": t}
            for s, lot, o, r, t in values
        ]
        self.s.connection().execute(stmt, params)

    def movements_of(self, posting_id: uuid.UUID) -> list[Movement]:
        q = (
            select(orm.MovementRow)
            .where(orm.MovementRow.posting_id == posting_id)
            .order_by(orm.MovementRow.seq)
        )
        return [
            Movement(
                r.seq,
                r.id,
                r.posting_id,
                MovementKind(r.kind),
                r.site_id,
                r.item_id,
                r.lot_id,
                r.qty,
                r.occurred_at,
                r.recorded_at,
                r.actor,
                r.reverses_seq,
                r.purpose,
                r.reason,
            )
            for r in self.s.scalars(q)
        ]

    def reversed_seqs(self, seqs: Sequence[int]) -> set[int]:
        got = self.s.scalars(
            select(orm.MovementRow.reverses_seq).where(orm.MovementRow.reverses_seq.in_(list(seqs)))
        )
        return {int(x) for x in got if x is not None}
