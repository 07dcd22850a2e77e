"""The 征用 and 捐赠 registers on the unit of work's session, and the reads of an event's information publication
(stock by area, deliveries of the event's scenarios, agreement and capacity reserves called off)."""

from __future__ import annotations

import tomllib
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.dispatch import (
    CallOffRow,
    DispatchLineRow,
    DispatchOrderRow,
    DispatchPlanRow,
    ReceiptLineRow,
    VehicleRow,
)
from stockpile.adapters.orm.events import DisasterEventRow
from stockpile.adapters.orm.registers import DonationRow, DonationUseRow, EventScenarioRow, RequisitionRow
from stockpile.adapters.orm.reserve import AgreementCallOffRow
from stockpile.domain.registers import CompensationRule, Donation, DonationUse, Requisition

VEHICLE_PREFIX = "ZY-"  # a requisitioned vehicle's code in the fleet: ZY-<register id>


class SqlRegistersRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # ---- lookups -----------------------------------------------------------------------------------------
    def _event_id(self, code: str) -> int | None:
        return self.s.scalar(select(DisasterEventRow.id).where(DisasterEventRow.code == code))

    def _codes(self, row: type[orm.Base], key: str = "code") -> dict[int, str]:
        return dict(self.s.execute(select(row.id, getattr(row, key))).all())  # type: ignore[attr-defined]

    def _id_of(self, row: type[orm.Base], code: str) -> int | None:
        return self.s.scalar(select(row.id).where(row.code == code))  # type: ignore[attr-defined]

    def site_known(self, code: str) -> bool:
        s = orm.SiteRow
        return self.s.scalar(select(func.count()).where(s.code == code, s.site_type != "transit")) == 1

    # ---- 征用 ----------------------------------------------------------------------------------------------
    def add_requisition(self, r: Requisition, by: str, at: datetime) -> int:
        row = RequisitionRow(
            event_id=self._event_id(r.event_code),
            kind=r.kind,
            owner=r.owner,
            owner_contact=r.owner_contact,
            item_id=self._id_of(orm.ItemRow, r.item_code) if r.item_code else None,
            qty=r.qty,
            description=r.description,
            condition=r.condition,
            taken_at=r.taken_at,
            price_fen=r.price_fen,
            daily_rate_fen=r.daily_rate_fen,
            plate=r.plate,
            capacity_kg=r.capacity_kg,
            capacity_dm3=r.capacity_dm3,
            site_id=self._id_of(orm.SiteRow, r.home_site) if r.home_site else None,
            recorded_by=by,
            recorded_at=at,
        )
        self.s.add(row)
        self.s.flush()
        return row.id

    def _requisition(self, row: RequisitionRow, events: dict[int, str], items: dict[int, str]) -> Requisition:
        sites = self._codes(orm.SiteRow) if row.site_id else {}
        return Requisition(
            row.id,
            events[row.event_id],
            row.kind,
            row.owner,
            row.owner_contact,
            items.get(row.item_id or 0, ""),
            row.qty,
            row.description,
            row.condition,
            row.taken_at,
            row.price_fen,
            row.daily_rate_fen,
            row.plate,
            row.capacity_kg,
            row.capacity_dm3,
            sites.get(row.site_id or 0, ""),
            row.lot_no,
            row.vehicle_code,
            row.received_at,
            row.returned_at,
            row.consumed_at,
            row.returned_qty,
        )

    def requisition(self, rid: int) -> Requisition | None:
        row = self.s.get(RequisitionRow, rid, with_for_update=True)
        if row is None:
            return None
        return self._requisition(row, self._codes(DisasterEventRow), self._codes(orm.ItemRow))

    def requisitions(self, event_code: str | None) -> list[Requisition]:
        q = select(RequisitionRow).order_by(RequisitionRow.owner, RequisitionRow.id)
        if event_code is not None:
            q = q.where(RequisitionRow.event_id == self._event_id(event_code))
        events, items = self._codes(DisasterEventRow), self._codes(orm.ItemRow)
        return [self._requisition(r, events, items) for r in self.s.scalars(q)]

    def set_received(self, rid: int, site: str, lot_no: str, posting_id: uuid.UUID, at: datetime) -> None:
        self.s.execute(
            update(RequisitionRow)
            .where(RequisitionRow.id == rid)
            .values(
                site_id=self._id_of(orm.SiteRow, site), lot_no=lot_no, posting_id=posting_id, received_at=at
            )
        )

    def add_vehicle(self, r: Requisition) -> str:
        """The requisitioned vehicle joins the fleet (ownership requisitioned) at its depot until returned."""
        code = f"{VEHICLE_PREFIX}{r.id}"
        self.s.add(
            VehicleRow(
                code=code,
                name=r.description or r.plate or code,
                ownership="requisitioned",
                home_site_id=self._id_of(orm.SiteRow, r.home_site),
                capacity_kg=r.capacity_kg,
                capacity_dm3=r.capacity_dm3,
                plate=r.plate,
            )
        )
        self.s.execute(update(RequisitionRow).where(RequisitionRow.id == r.id).values(vehicle_code=code))
        self.s.flush()
        return code

    def close_requisition(self, rid: int, at: datetime, consumed: bool, returned_qty: int = 0) -> None:
        row = self.s.get(RequisitionRow, rid)
        assert row is not None
        if consumed:
            row.consumed_at = at
        else:
            row.returned_at = at
            row.returned_qty = returned_qty
        if row.vehicle_code:
            self.s.execute(update(VehicleRow).where(VehicleRow.code == row.vehicle_code).values(active=False))
        self.s.flush()

    # ---- 捐赠 ----------------------------------------------------------------------------------------------
    def add_donation(self, d: Donation, posting_id: uuid.UUID | None, by: str) -> int:
        row = DonationRow(
            event_id=self._event_id(d.event_code) if d.event_code else None,
            donor=d.donor,
            donor_kind=d.donor_kind,
            donor_contact=d.donor_contact,
            item_id=self._id_of(orm.ItemRow, d.item_code),
            qty=d.qty,
            lot_no=d.lot_no,
            expiry=d.expiry,
            site_id=self._id_of(orm.SiteRow, d.site_code),
            status=d.status,
            reason=d.reason,
            posting_id=posting_id,
            received_at=d.received_at,
            recorded_by=by,
        )
        self.s.add(row)
        self.s.flush()
        return row.id

    def _donations(self, where: object | None) -> list[Donation]:
        events, items, sites = (
            self._codes(DisasterEventRow),
            self._codes(orm.ItemRow),
            self._codes(orm.SiteRow),
        )
        q = select(DonationRow).order_by(DonationRow.received_at, DonationRow.id)
        if where is not None:
            q = q.where(where)  # type: ignore[arg-type]
        return [
            Donation(
                r.id,
                events.get(r.event_id or 0, ""),
                r.donor,
                r.donor_kind,
                r.donor_contact,
                items[r.item_id],
                r.qty,
                r.lot_no,
                r.expiry,
                sites[r.site_id],
                r.status,
                r.reason,
                r.received_at,
            )
            for r in self.s.scalars(q)
        ]

    def donation(self, did: int) -> Donation | None:
        self.s.get(DonationRow, did, with_for_update=True)  # the row lock: two uses at once cannot overdraw
        found = self._donations(DonationRow.id == did)
        return found[0] if found else None

    def donation_of_posting(self, posting_id: uuid.UUID) -> Donation | None:
        found = self._donations(DonationRow.posting_id == posting_id)
        return found[0] if found else None

    def donations(self, event_code: str | None) -> list[Donation]:
        if event_code is None:
            return self._donations(None)
        return self._donations(DonationRow.event_id == self._event_id(event_code))

    def donation_uses(self, event_code: str | None) -> list[DonationUse]:
        u = DonationUseRow
        events = self._codes(DisasterEventRow)
        q = select(u).order_by(u.used_at, u.id)
        if event_code is not None:
            q = q.where(u.event_id == self._event_id(event_code))
        return [
            DonationUse(r.donation_id, events[r.event_id], r.village_code, r.qty, r.used_at)
            for r in self.s.scalars(q)
        ]

    def add_donation_use(self, u: DonationUse, posting_id: uuid.UUID, by: str) -> None:
        self.s.add(
            DonationUseRow(
                donation_id=u.donation_id,
                event_id=self._event_id(u.event_code),
                village_code=u.village,
                qty=u.qty,
                posting_id=posting_id,
                used_at=u.used_at,
                recorded_by=by,
            )
        )
        self.s.flush()

    # ---- information publication --------------------------------------------------------------------------
    def area_names(self) -> dict[str, tuple[str, str]]:
        """Area and shelter code → (name, level); a shelter's level reads ``shelter`` (a request may go to one)."""
        a, sh = orm.AdminAreaRow, orm.ShelterRow
        out = {c: (n, "shelter") for c, n in self.s.execute(select(sh.code, sh.name))}
        out.update({c: (n, lv) for c, n, lv in self.s.execute(select(a.code, a.name, a.level))})
        return out

    def item_names(self) -> dict[str, tuple[str, str, str]]:
        i = orm.ItemRow
        rows = self.s.execute(select(i.code, i.name_zh, i.name_en, i.base_unit))
        return {c: (zh, en or zh, unit) for c, zh, en, unit in rows}

    def site_names(self) -> dict[str, str]:
        return {c: n for c, n in self.s.execute(select(orm.SiteRow.code, orm.SiteRow.name))}

    def stock_by_area(self) -> list[tuple[str, str, int]]:
        """(area code of the site, item code, on hand) over every depot and point; no lot, no site."""
        b, s, i = orm.StockBalanceRow, orm.SiteRow, orm.ItemRow
        q = (
            select(s.area_code, i.code, func.sum(b.on_hand))
            .join(s, s.id == b.site_id)
            .join(i, i.id == b.item_id)
            .where(s.site_type != "transit", s.area_code.is_not(None))
            .group_by(s.area_code, i.code)
            .having(func.sum(b.on_hand) > 0)
        )
        return [(a or "", c, int(q_)) for a, c, q_ in self.s.execute(q)]

    def _plan_ids(self, event_code: str) -> list[uuid.UUID]:
        p, es = DispatchPlanRow, EventScenarioRow
        q = (
            select(p.id)
            .join(es, es.scenario_id == p.scenario_id)
            .where(es.event_id == self._event_id(event_code))
        )
        return list(self.s.scalars(q.where(p.voided_at.is_(None))))

    def deliveries(self, event_code: str) -> list[tuple[str, str, int]]:
        """(order state, item code, qty) of every delivery stop of the event's confirmed plans: what was signed
        for once an order is received (签收: a stop short of 60 bottles counts 60 fewer), what it carries before."""
        o, ln, i, rl = DispatchOrderRow, DispatchLineRow, orm.ItemRow, ReceiptLineRow
        plans = self._plan_ids(event_code)
        signed = select(rl.doc_no).where(rl.doc_no == o.doc_no).exists()
        carried = (
            select(o.state, i.code, func.sum(ln.qty))
            .join(ln, ln.doc_no == o.doc_no)
            .join(i, i.id == ln.item_id)
            .where(o.plan_id.in_(plans), ln.stop_kind == "delivery", o.state != "void", ~signed)
            .group_by(o.state, i.code)
        )
        received = (
            select(o.state, i.code, func.sum(rl.received_qty))
            .join(rl, rl.doc_no == o.doc_no)
            .join(i, i.id == rl.item_id)
            .where(o.plan_id.in_(plans), o.state != "void")
            .group_by(o.state, i.code)
        )
        return [(st, c, int(n)) for q in (carried, received) for st, c, n in self.s.execute(q)]

    def call_offs(self, event_code: str) -> list[tuple[str, str, int]]:
        """(agreement | capacity, item code, qty) called off for the event: the confirmed plans' call-offs (a
        holder with a 产能储备 of the item counts as capacity) and the agreement call-offs tagged with the event."""
        c, i, cap = CallOffRow, orm.ItemRow, orm.CapacityReserveRow
        producers = {(s, i) for s, i in self.s.execute(select(cap.producer_site_id, cap.item_id))}
        out: list[tuple[str, str, int]] = []
        q = select(c.holder_site_id, c.item_id, i.code, c.qty).join(i, i.id == c.item_id)
        for site, item, code, qty in self.s.execute(q.where(c.plan_id.in_(self._plan_ids(event_code)))):
            out.append(("capacity" if (site, item) in producers else "agreement", code, int(qty)))
        a, line = AgreementCallOffRow, orm.AgreementLineRow
        q2 = select(i.code, a.qty).join(line, line.id == a.line_id).join(i, i.id == line.item_id)
        out += [
            ("agreement", code, int(qty)) for code, qty in self.s.execute(q2.where(a.event_tag == event_code))
        ]
        return out


def load_compensation_rule(path: Path) -> CompensationRule:
    """The 补偿 rule from TOML (settings.registers_file, shipped as stockpile/resources/event_registers.toml);
    a missing file → the defaults."""
    if not path.exists():
        return CompensationRule()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    keys = ("price_permille", "vehicle_daily_rate_fen", "min_days")
    return CompensationRule(**{k: int(data[k]) for k in keys if k in data})
