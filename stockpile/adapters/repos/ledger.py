"""SQLAlchemy repository of the ledger: maps rows ↔ domain objects, locks balance rows, applies legs.

Locking (I7): balance rows are created if missing (INSERT … ON CONFLICT DO NOTHING) and then locked with
SELECT … FOR UPDATE in canonical (site, lot) order on PostgreSQL; SQLite writers hold the database lock from
BEGIN IMMEDIATE, so FOR UPDATE is not needed there.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.domain.ledger import DEFAULT_BACKDATE_DAYS
from stockpile.domain.model import (
    AdminLevel,
    Balance,
    Category,
    Item,
    LonLat,
    Lot,
    LotSource,
    Movement,
    MovementKind,
    OperatingMode,
    OwnerType,
    Reservation,
    ReservationState,
    Site,
    SiteType,
    StockCount,
    Transfer,
    TransferLine,
)
from stockpile.ports.repos import NewPosting, PostingRecord

__all__ = ["PostingRecord", "SqlLedgerRepository", "item_from_row", "lot_from_row", "site_from_row"]

TRANSIT_CODE = "TRANSIT"  # the virtual 在途 location


def item_from_row(r: orm.ItemRow, packs: Sequence[tuple[str, int]] = ()) -> Item:
    return Item(
        id=r.id,
        code=r.code,
        name_zh=r.name_zh,
        name_en=r.name_en,
        base_unit=r.base_unit,
        category=Category(r.category),
        unit_weight_g=r.unit_weight_g,
        unit_volume_cm3=r.unit_volume_cm3,
        shelf_life_days=r.shelf_life_days,
        needs_cold=r.needs_cold,
        needs_dry=r.needs_dry,
        hazardous=r.hazardous,
        price_fen=r.price_fen,
        packs=tuple(packs),
    )


def site_from_row(r: orm.SiteRow) -> Site:
    return Site(
        id=r.id,
        code=r.code,
        name=r.name,
        admin_level=AdminLevel(r.admin_level),
        site_type=SiteType(r.site_type),
        owner_type=OwnerType(r.owner_type),
        area_code=r.area_code or "",
        location=LonLat(r.lon or 0.0, r.lat or 0.0),
        loading_minutes=r.loading_minutes,
        operating_mode=OperatingMode(r.operating_mode),
        hazard_types=tuple(h for h in r.hazard_types.split(",") if h),
        owner_name=r.owner_name,
        active=r.active,
    )


def lot_from_row(r: orm.LotRow) -> Lot:
    return Lot(
        id=r.id,
        item_id=r.item_id,
        lot_no=r.lot_no,
        expiry=r.expiry,
        manufactured_on=r.manufactured_on,
        owner_type=OwnerType(r.owner_type),
        owner_name=r.owner_name,
        source=LotSource(r.source),
        donor=r.donor,
        received_at=r.received_at,
    )


class SqlLedgerRepository:
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

    # Bulk appends go straight to the driver's executemany: the ledger's hot path (bench/ledger_bench.py).
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

    def _converters(self, cols: tuple[str, ...]) -> list[Any]:
        """Per column: what SQLAlchemy would bind (UUID → 32 hex on SQLite, aware → naive-UTC text on SQLite,
        naive UTC on PostgreSQL); datetimes are converted once per distinct value (legs share timestamps)."""
        sqlite = self.dialect == "sqlite"
        memo: dict[datetime, object] = {}

        def dt(v: datetime) -> object:
            out = memo.get(v)
            if out is None:
                naive = v.astimezone(UTC).replace(tzinfo=None)
                out = memo[v] = naive.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else naive
            return out

        def uid(v: uuid.UUID) -> object:
            return v.hex if sqlite else v

        kinds = {"id": uid, "posting_id": uid, "occurred_at": dt, "recorded_at": dt}
        return [kinds.get(c) for c in cols]

    def _insert_many(self, table: str, cols: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> None:
        """Rows are value tuples in the order of `cols`."""
        mark = "?" if self.dialect == "sqlite" else "%s"
        sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
        conv = [(i, f) for i, f in enumerate(self._converters(cols)) if f is not None]
        params = []
        for r in rows:
            t = list(r)
            for i, f in conv:
                t[i] = f(t[i])
            params.append(tuple(t))
        self.s.connection().exec_driver_sql(sql, params)

    def add_postings(self, postings: Sequence[NewPosting]) -> None:
        if postings:
            self._insert_many(
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
        self._insert_many(
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
        """I4-style: UPDATE … WHERE state = 'in_transit'; False if it was already resolved."""
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
        """I4: UPDATE … WHERE state = 'pending'; False when someone resolved it first."""
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
        """I12: postings more than this many days back need the admin right (default 30)."""
        v = self.s.scalar(select(orm.SettingRow.value).where(orm.SettingRow.key == "backdate_days"))
        return int(v) if v else DEFAULT_BACKDATE_DAYS

    def database_kind(self) -> str | None:
        """`demo` (made by `relief demo`), `county` (made by `relief init`) or None (issue 14 item 1)."""
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
