"""Reserve-planning repository (rows ↔ `stockpile.reserve.records`) and the unit of work that carries it.

`ReserveUnitOfWork` is the ledger's `SqlAlchemyUnitOfWork` plus `uow.reserve`; nothing is written unless the use
case commits.
"""

from __future__ import annotations

import json
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm import reserve as r
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.ports.uow import AbstractReserveUnitOfWork
from stockpile.reserve.records import (
    AreaRef,
    CallOffRecord,
    CheckRecord,
    Contract,
    ContractLine,
    ItemRef,
    PlanningConfig,
    ReleaseChannelCfg,
    Review,
    ReviewState,
    SiteRef,
    Snapshot,
    Standard,
    StandardBasis,
    StockLot,
    TransportReserve,
)


class SqlReserveRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # ---- reference ---------------------------------------------------------------------------------------
    def areas(self) -> list[AreaRef]:
        a = orm.AdminAreaRow
        return [
            AreaRef(x.code, x.name, x.level, x.parent_code, x.population)
            for x in self.s.scalars(select(a).order_by(a.code))
        ]

    def sites(self) -> list[SiteRef]:
        s = orm.SiteRow
        return [
            SiteRef(x.id, x.code, x.name, x.admin_level, x.area_code or "", x.site_type, x.owner_type)
            for x in self.s.scalars(select(s).where(s.active.is_(True)).order_by(s.code))
        ]

    def items(self) -> list[ItemRef]:
        i = orm.ItemRow
        return [
            ItemRef(x.id, x.code, x.name_zh, x.base_unit, x.price_fen, x.shelf_life_days, x.name_en or "")
            for x in self.s.scalars(select(i).order_by(i.code))
        ]

    def stock_lots(self) -> list[StockLot]:
        """Every non-zero balance with its lot's expiry; government goods at a non-government site = custodial."""
        b, lt, s = orm.StockBalanceRow, orm.LotRow, orm.SiteRow
        q = (
            select(
                b.site_id, b.item_id, b.lot_id, lt.lot_no, lt.expiry, b.on_hand, lt.owner_type, s.owner_type
            )
            .join(lt, lt.id == b.lot_id)
            .join(s, s.id == b.site_id)
            .where(b.on_hand > 0, s.site_type != "transit")
            .order_by(b.site_id, b.item_id, lt.expiry, b.lot_id)
        )
        out = []
        for site_id, item_id, lot_id, lot_no, expiry, on_hand, lot_owner, site_owner in self.s.execute(q):
            if lot_owner != "government":
                continue  # enterprise-owned goods are not government reserve
            mode = "physical" if site_owner == "government" else "custodial"
            out.append(StockLot(site_id, item_id, lot_id, lot_no, expiry, on_hand, mode))
        return out

    # ---- agreements ----------------------------------------------------------------------------------------
    def contracts(self) -> list[Contract]:
        c, ln, s, i = orm.AgreementContractRow, orm.AgreementLineRow, orm.SiteRow, orm.ItemRow
        plans = dict(
            self.s.execute(
                select(r.AgreementCheckPlanRow.contract_id, r.AgreementCheckPlanRow.interval_days)
            ).all()
        )
        lines: dict[int, list[ContractLine]] = {}
        for row, code in self.s.execute(select(ln, i.code).join(i, i.id == ln.item_id).order_by(ln.id)):
            lines.setdefault(row.contract_id, []).append(
                ContractLine(
                    row.id,
                    row.item_id,
                    code,
                    row.agreed_qty,
                    row.price_fen,
                    row.last_verified_on,
                    row.last_verified_qty,
                )
            )
        out = []
        for x, scode, sname in self.s.execute(
            select(c, s.code, s.name).join(s, s.id == c.holder_site_id).order_by(c.code)
        ):
            out.append(
                Contract(
                    x.id,
                    x.code,
                    x.holder_site_id,
                    scode,
                    sname,
                    x.valid_from,
                    x.valid_to,
                    x.lead_time_minutes,
                    x.contact,
                    x.subsidy_fen,
                    plans.get(x.id),
                    tuple(lines.get(x.id, [])),
                )
            )
        return out

    def contract(self, code: str) -> Contract | None:
        return next((c for c in self.contracts() if c.code == code), None)

    def set_check_interval(self, contract_id: int, days: int) -> None:
        row = self.s.get(r.AgreementCheckPlanRow, contract_id)
        if row is None:
            self.s.add(r.AgreementCheckPlanRow(contract_id=contract_id, interval_days=days))
        else:
            row.interval_days = days
        self.s.flush()

    def check(self, check_id: uuid.UUID) -> CheckRecord | None:
        row = self.s.get(r.AgreementCheckRow, check_id)
        if row is None:
            return None
        code = self.s.scalar(
            select(orm.AgreementContractRow.code).where(orm.AgreementContractRow.id == row.contract_id)
        )
        lines = self.s.execute(
            select(r.AgreementCheckLineRow.line_id, r.AgreementCheckLineRow.verified_qty)
            .where(r.AgreementCheckLineRow.check_id == check_id)
            .order_by(r.AgreementCheckLineRow.line_id)
        ).all()
        return CheckRecord(
            row.id, code or "", row.checked_on, row.inspector, row.remark, tuple((a, b) for a, b in lines)
        )

    def add_check(self, rec: CheckRecord, contract_id: int, actor: str, now: datetime) -> None:
        """Store the check and move each line's last verified date/qty forward (an older check never overrides)."""
        self.s.add(
            r.AgreementCheckRow(
                id=rec.id,
                contract_id=contract_id,
                checked_on=rec.checked_on,
                inspector=rec.inspector,
                remark=rec.remark,
                actor=actor,
                recorded_at=now,
            )
        )
        self.s.flush()
        for line_id, qty in rec.verified:
            self.s.add(r.AgreementCheckLineRow(check_id=rec.id, line_id=line_id, verified_qty=qty))
            line = self.s.get(orm.AgreementLineRow, line_id)
            assert line is not None
            if line.last_verified_on is None or line.last_verified_on <= rec.checked_on:
                line.last_verified_on, line.last_verified_qty = rec.checked_on, qty
        self.s.flush()

    def checks(self, contract_code: str | None = None) -> list[CheckRecord]:
        c, k = orm.AgreementContractRow, r.AgreementCheckRow
        q = select(k.id).join(c, c.id == k.contract_id).order_by(k.checked_on.desc(), k.recorded_at.desc())
        if contract_code:
            q = q.where(c.code == contract_code)
        return [x for cid in self.s.scalars(q) if (x := self.check(cid)) is not None]

    def calloff(self, calloff_id: uuid.UUID) -> CallOffRecord | None:
        return next((x for x in self.calloffs() if x.id == calloff_id), None)

    def add_calloff(
        self, rec: CallOffRecord, contract_id: int, to_site_id: int | None, actor: str, now: datetime
    ) -> None:
        self.s.add(
            r.AgreementCallOffRow(
                id=rec.id,
                contract_id=contract_id,
                line_id=rec.line_id,
                qty=rec.qty,
                called_at=rec.called_at,
                unit_price_fen=rec.unit_price_fen,
                compensation_fen=rec.compensation_fen,
                event_tag=rec.event_tag,
                to_site_id=to_site_id,
                actor=actor,
                recorded_at=now,
            )
        )
        self.s.flush()

    def calloffs(self) -> list[CallOffRecord]:
        k, c, ln, i = r.AgreementCallOffRow, orm.AgreementContractRow, orm.AgreementLineRow, orm.ItemRow
        q = (
            select(k, c.code, i.code)
            .join(c, c.id == k.contract_id)
            .join(ln, ln.id == k.line_id)
            .join(i, i.id == ln.item_id)
            .order_by(k.called_at)
        )
        return [
            CallOffRecord(
                x.id, cc, x.line_id, ic, x.qty, x.called_at, x.unit_price_fen, x.compensation_fen, x.event_tag
            )
            for x, cc, ic in self.s.execute(q)
        ]

    # ---- transport ------------------------------------------------------------------------------------------
    def transports(self) -> list[TransportReserve]:
        t = r.ContractedTransportRow
        return [
            TransportReserve(
                x.code,
                x.carrier,
                x.base_site_id,
                x.vehicles,
                x.capacity_kg,
                x.capacity_dm3,
                x.activation_minutes,
                x.valid_from,
                x.valid_to,
                x.contact,
            )
            for x in self.s.scalars(select(t).order_by(t.code))
        ]

    def add_transport(self, tr: TransportReserve) -> None:
        row = self.s.scalar(select(r.ContractedTransportRow).where(r.ContractedTransportRow.code == tr.code))
        values = {k: getattr(tr, k) for k in TransportReserve.__slots__ if k != "code"}
        if row is None:
            self.s.add(r.ContractedTransportRow(code=tr.code, **values))
        else:
            for k, v in values.items():
                setattr(row, k, v)
        self.s.flush()

    # ---- standards ------------------------------------------------------------------------------------------
    def standards(self) -> list[Standard]:
        st, i = r.ReserveStandardRow, orm.ItemRow
        q = select(st, i.code).join(i, i.id == st.item_id).order_by(st.level, st.area_code, i.code)
        return [
            Standard(
                x.level,
                x.area_code,
                code,
                StandardBasis(x.basis),
                x.qty,
                x.per_1000_per_day,
                x.sustain_days,
                x.counts_physical,
                x.counts_custodial,
                x.counts_agreement,
                x.agreement_cap_pct,
                x.source,
            )
            for x, code in self.s.execute(q)
        ]

    def replace_standards(self, rows: Iterable[Standard], now: datetime) -> int:
        """Replace the whole standards table (an import is the full catalogue, all or nothing)."""
        ids = dict(self.s.execute(select(orm.ItemRow.code, orm.ItemRow.id)).all())
        self.s.execute(delete(r.ReserveStandardRow))
        n = 0
        for x in rows:
            self.s.add(
                r.ReserveStandardRow(
                    level=x.level,
                    area_code=x.area_code,
                    item_id=ids[x.item_code],
                    basis=x.basis.value,
                    qty=x.qty,
                    per_1000_per_day=x.per_1000_per_day,
                    sustain_days=x.sustain_days,
                    counts_physical=x.counts_physical,
                    counts_custodial=x.counts_custodial,
                    counts_agreement=x.counts_agreement,
                    agreement_cap_pct=x.agreement_cap_pct,
                    source=x.source,
                    imported_at=now,
                )
            )
            n += 1
        self.s.flush()
        return n

    # ---- annual review -------------------------------------------------------------------------------------
    def review(self, year: int) -> Review | None:
        x = self.s.scalar(select(r.ReserveReviewRow).where(r.ReserveReviewRow.year == year))
        if x is None:
            return None
        return Review(
            x.year,
            ReviewState(x.state),
            json.loads(x.content),
            x.preparer,
            x.prepared_at,
            x.reviewer,
            x.reviewed_at,
            x.approver,
            x.approved_at,
            x.notes,
        )

    def save_review(self, rv: Review) -> None:
        row = self.s.scalar(
            select(r.ReserveReviewRow).where(r.ReserveReviewRow.year == rv.year).with_for_update()
        )
        values: dict[str, Any] = {
            "state": rv.state.value,
            "content": json.dumps(rv.content, ensure_ascii=False, sort_keys=True, default=str),
            "preparer": rv.preparer,
            "prepared_at": rv.prepared_at,
            "reviewer": rv.reviewer,
            "reviewed_at": rv.reviewed_at,
            "approver": rv.approver,
            "approved_at": rv.approved_at,
            "notes": rv.notes,
        }
        if row is None:
            self.s.add(r.ReserveReviewRow(year=rv.year, **values))
        else:
            for k, v in values.items():
                setattr(row, k, v)
        self.s.flush()

    def add_snapshot(self, snap: Snapshot) -> None:
        review_id = self.s.scalar(select(r.ReserveReviewRow.id).where(r.ReserveReviewRow.year == snap.year))
        assert review_id is not None
        self.s.add(
            r.ReserveReviewSnapshotRow(
                review_id=review_id,
                year=snap.year,
                content=snap.content,
                sha256=snap.sha256,
                approver=snap.approver,
                approved_at=snap.approved_at,
            )
        )
        self.s.flush()

    def snapshots(self, year: int) -> list[Snapshot]:
        t = r.ReserveReviewSnapshotRow
        q = select(t).where(t.year == year).order_by(t.id)
        return [Snapshot(x.year, x.content, x.sha256, x.approver, x.approved_at) for x in self.s.scalars(q)]

    def count_checks_since(self, since: date) -> int:
        return int(
            self.s.scalar(
                select(func.count())
                .select_from(r.AgreementCheckRow)
                .where(r.AgreementCheckRow.checked_on >= since)
            )
            or 0
        )


class ReserveUnitOfWork(SqlAlchemyUnitOfWork, AbstractReserveUnitOfWork):
    """The ledger unit of work plus `reserve` (agreements, standards, reviews)."""

    def __enter__(self) -> Self:
        super().__enter__()
        assert self.session is not None
        self.reserve = SqlReserveRepository(self.session)
        return self


def load_planning_config(path: Path) -> PlanningConfig:
    """Reserve-planning reference data from TOML (stockpile/resources/reserve_planning.toml); missing file → defaults."""
    if not path.exists():
        return PlanningConfig()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    channels = tuple(ReleaseChannelCfg(**c) for c in raw.pop("channels", []))
    budget = raw.pop("quarter_budget_fen", None)
    if budget is not None and (len(budget) != 4 or any(int(b) < 0 for b in budget)):
        raise ValueError(f"{path}: quarter_budget_fen needs four non-negative amounts (Q1–Q4)")
    cfg = PlanningConfig(
        **raw, quarter_budget_fen=tuple(int(b) for b in budget) if budget is not None else None
    )
    return replace(cfg, channels=channels) if channels else cfg
