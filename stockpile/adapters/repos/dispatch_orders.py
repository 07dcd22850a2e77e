"""The order side of the dispatch repository: open plans per scenario, orders with their depots, holds with lot
numbers, state changes, voiding and receipts (签收). Mixed into `SqlDispatchRepository`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.dispatch import (
    DispatchOrderRow,
    DispatchPlanRow,
    OrderDepotRow,
    ReceiptLineRow,
    ScenarioRow,
    ShipLineRow,
    VehicleRow,
)
from stockpile.adapters.orm.events import DisasterEventRow, ReliefRequestRow
from stockpile.adapters.orm.registers import EventScenarioRow
from stockpile.domain.events import RequestLine

ORDER_FIELDS = (
    "doc_no",
    "plan_id",
    "state",
    "plate",
    "driver",
    "driver_phone",
    "shipped_at",
    "picked_at",
    "delivered_at",
    "closed_at",
    "voided_at",
    "received_by",
    "receipt_note",
    "superseded_by",
)


class SqlOrderRecords:
    s: Session

    def lock_scenario(self, scenario_id: int) -> None:
        """Row lock on the scenario (PostgreSQL): two confirmations of one scenario queue here."""
        self.s.execute(select(ScenarioRow.id).where(ScenarioRow.id == scenario_id).with_for_update())

    def sibling_scenarios(self, scenario_id: int) -> list[tuple[int, str, uuid.UUID | None]]:
        """(id, code, open plan) of the other scenarios made from the scenario's event (copies included), by id;
        one query, however many scenarios the event has."""
        es, sc, p = EventScenarioRow, ScenarioRow, DispatchPlanRow
        events = select(es.event_id).where(es.scenario_id == scenario_id)
        q = (
            select(sc.id, sc.code, p.id)
            .join(es, es.scenario_id == sc.id)
            .outerjoin(p, p.scenario_open == sc.id)
            .where(es.event_id.in_(events), sc.id != scenario_id)
            .distinct()
            .order_by(sc.id)
        )
        return [(i, c, live) for i, c, live in self.s.execute(q)]

    def open_plan(self, scenario_id: int) -> uuid.UUID | None:
        p = DispatchPlanRow
        return self.s.scalar(select(p.id).where(p.scenario_open == scenario_id))

    def plan_record(self, plan_id: uuid.UUID) -> dict[str, Any] | None:
        r = self.s.get(DispatchPlanRow, plan_id, populate_existing=True)
        if r is None:
            return None
        sc = self.s.get(ScenarioRow, r.scenario_id)
        return {
            "id": r.id,
            "scenario_id": r.scenario_id,
            "scenario": sc.code if sc else "",
            "scenario_name": sc.name if sc else "",
            "confirmed_at": r.confirmed_at,
            "actor": r.actor,
            "open": r.scenario_open is not None,
            "voided_at": r.voided_at,
        }

    def close_plan(self, plan_id: uuid.UUID, at: datetime, actor: str, voided: bool) -> None:
        """The scenario is free for a new plan: voided (holds released) or every order closed."""
        r = self.s.get(DispatchPlanRow, plan_id)
        assert r is not None
        r.scenario_open = None
        if voided:
            r.voided_at, r.voided_by = at, actor
        self.s.flush()

    def order_vehicle(self, doc_no: str, vehicle: str) -> None:
        """Copy plate, driver and phone of the vehicle onto the order (a reprint shows the truck that was sent)."""
        v = self.s.scalar(select(VehicleRow).where(VehicleRow.code == vehicle))
        o = self.s.get(DispatchOrderRow, doc_no)
        if v is not None and o is not None:
            o.plate, o.driver, o.driver_phone = v.plate, v.driver, v.driver_phone

    def vehicle_name(self, code: str) -> str:
        """The vehicle's name as the fleet list has it ("" for a contracted vehicle or one deleted since)."""
        return self.s.scalar(select(VehicleRow.name).where(VehicleRow.code == code)) or ""

    def add_order_depots(self, doc_no: str, site_ids: Iterable[int]) -> None:
        for sid in sorted(set(site_ids)):
            self.s.add(OrderDepotRow(doc_no=doc_no, site_id=sid, state="pending", shipped_by=""))
        self.s.flush()

    def order(self, doc_no: str, lock: bool = False) -> dict[str, Any] | None:
        q = select(DispatchOrderRow).where(DispatchOrderRow.doc_no == doc_no)
        r = self.s.scalar(q.with_for_update() if lock else q.execution_options(populate_existing=True))
        if r is None:
            return None
        out = {f: getattr(r, f) for f in ORDER_FIELDS}
        out["vehicle"] = r.vehicle_code
        return out

    def order_nos(self, prefix: str) -> list[str]:
        """The order numbers that begin with `prefix` (its plan's DD + 8 hex digits, as a typed number does)."""
        q = select(DispatchOrderRow.doc_no).where(DispatchOrderRow.doc_no.startswith(prefix, autoescape=True))
        return list(self.s.scalars(q.order_by(DispatchOrderRow.doc_no)))

    def order_depots(self, doc_no: str) -> list[dict[str, Any]]:
        d, s = OrderDepotRow, orm.SiteRow
        rows = self.s.execute(
            select(d, s.code, s.name)
            .join(s, s.id == d.site_id)
            .where(d.doc_no == doc_no)
            .order_by(s.code)
            .execution_options(populate_existing=True)
        )
        sums: dict[int, tuple[int, int]] = {}
        for sid, planned, shipped in self.s.execute(
            select(ShipLineRow.site_id, func.sum(ShipLineRow.planned_qty), func.sum(ShipLineRow.shipped_qty))
            .where(ShipLineRow.doc_no == doc_no)
            .group_by(ShipLineRow.site_id)
        ):
            sums[sid] = (int(planned), int(shipped))
        return [
            {"site_id": r.site_id, "site": code, "site_name": name, "state": r.state, "shipped_at": r.shipped_at,
             "shipped_by": r.shipped_by, "planned_qty": sums.get(r.site_id, (None, None))[0],
             "shipped_qty": sums.get(r.site_id, (None, None))[1]}
            for r, code, name in rows
        ]  # fmt: skip

    def set_depot_state(self, doc_no: str, site_id: int, state: str, at: datetime, actor: str) -> None:
        r = self.s.get(OrderDepotRow, (doc_no, site_id))
        assert r is not None
        r.state = state
        if state == "picked":
            r.picked_at = at
        if state == "shipped":
            r.shipped_at, r.shipped_by = at, actor
        self.s.flush()

    def set_order_state(self, doc_no: str, state: str, at: datetime, **fields: Any) -> None:
        """Move the order to `state`, stamping the state's time column (picked_at, shipped_at, …)."""
        r = self.s.get(DispatchOrderRow, doc_no)
        assert r is not None
        r.state = state
        stamp = {"picked": "picked_at", "shipped": "shipped_at", "delivered": "delivered_at"}.get(state)
        stamp = stamp or {"closed": "closed_at", "void": "voided_at"}.get(state)
        if stamp:
            setattr(r, stamp, at)
        for k, v in fields.items():
            setattr(r, k, v)
        self.s.flush()

    def void_depots(self, doc_no: str) -> None:
        self.s.execute(update(OrderDepotRow).where(OrderDepotRow.doc_no == doc_no).values(state="void"))

    def order_holds(self, doc_no: str) -> list[dict[str, Any]]:
        """The order's holds with depot, item and lot (FEFO order), in every state."""
        r, s, i, lot = orm.ReservationRow, orm.SiteRow, orm.ItemRow, orm.LotRow
        rows = self.s.execute(
            select(r.id, r.site_id, s.code, i.code, lot.lot_no, lot.expiry, r.qty, r.state)
            .join(s, s.id == r.site_id)
            .join(i, i.id == r.item_id)
            .join(lot, lot.id == r.lot_id)
            .where(r.plan_ref == doc_no)
            .order_by(s.code, i.code, lot.expiry, lot.lot_no)
        )
        keys = ("id", "site_id", "site", "item_code", "lot_no", "expiry", "qty", "state")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    def order_list(self, scenario: str = "", vehicle: str = "", state: str = "") -> list[dict[str, Any]]:
        o, p, sc, v = DispatchOrderRow, DispatchPlanRow, ScenarioRow, VehicleRow
        q = (
            select(o, sc.code, p.confirmed_at, v.name)
            .join(p, p.id == o.plan_id)
            .join(sc, sc.id == p.scenario_id)
            .outerjoin(v, v.code == o.vehicle_code)  # its name as the fleet list has it (none once deleted)
        )
        if scenario:
            q = q.where(sc.code == scenario)
        if vehicle:
            q = q.where(o.vehicle_code == vehicle)
        if state:
            q = q.where(o.state == state)
        out = []
        for r, code, at, name in self.s.execute(q.order_by(p.confirmed_at.desc(), o.doc_no)):
            rec = {f: getattr(r, f) for f in ORDER_FIELDS}
            rec.update(vehicle=r.vehicle_code, vehicle_name=name or "", scenario=code, confirmed_at=at)
            rec["depots"] = self.order_depots(r.doc_no)
            out.append(rec)
        return out

    def add_receipt_lines(self, doc_no: str, lines: Mapping[tuple[str, int], tuple[int, int, str]]) -> None:
        """(place, item id) → (planned, received, reason)."""
        for (place, item_id), (planned, got, reason) in sorted(lines.items()):
            self.s.add(
                ReceiptLineRow(
                    doc_no=doc_no,
                    place_code=place,
                    item_id=item_id,
                    planned_qty=planned,
                    received_qty=got,
                    reason=reason,
                )
            )
        self.s.flush()

    def receipt_lines(self, doc_no: str) -> list[dict[str, Any]]:
        ln, i = ReceiptLineRow, orm.ItemRow
        rows = self.s.execute(
            select(ln, i.code, i.name_zh, i.name_en).join(i, i.id == ln.item_id).where(ln.doc_no == doc_no)
        )
        return [
            {"place_code": r.place_code, "item_code": c, "item_name": n, "item_name_en": en or "",
             "planned": r.planned_qty, "received": r.received_qty, "reason": r.reason}
            for r, c, n, en in rows
        ]  # fmt: skip

    def add_ship_lines(
        self, doc_no: str, site_id: int, lines: Mapping[str, tuple[int, int, str, str]]
    ) -> None:
        """item code → (planned, shipped, reason code, note) of one depot part as it left."""
        q = select(orm.ItemRow.code, orm.ItemRow.id).where(orm.ItemRow.code.in_(list(lines)))
        ids = {code: item_id for code, item_id in self.s.execute(q)}
        for item, (planned, shipped, reason, note) in sorted(lines.items()):
            self.s.add(
                ShipLineRow(
                    doc_no=doc_no,
                    site_id=site_id,
                    item_id=ids[item],
                    planned_qty=planned,
                    shipped_qty=shipped,
                    reason=reason,
                    note=note,
                )
            )
        self.s.flush()

    def ship_lines(self, doc_no: str) -> list[dict[str, Any]]:
        """What each depot part loaded per item, against what it held (empty until a part ships)."""
        ln, s, i = ShipLineRow, orm.SiteRow, orm.ItemRow
        rows = self.s.execute(
            select(ln, s.code, s.name, i.code, i.name_zh, i.name_en, i.base_unit)
            .join(s, s.id == ln.site_id)
            .join(i, i.id == ln.item_id)
            .where(ln.doc_no == doc_no)
            .order_by(s.code, i.code)
        )
        return [
            {"site": sc, "site_name": sn, "item_code": ic, "item_name": n, "item_name_en": en or "", "unit": u,
             "planned": r.planned_qty, "shipped": r.shipped_qty, "reason": r.reason, "note": r.note}
            for r, sc, sn, ic, n, en, u in rows
        ]  # fmt: skip

    def planned_requests(self, scenario_id: int) -> list[RequestLine]:
        """Request lines planned into the scenario and not yet fully delivered, locked (签收 adds to them)."""
        r, e, i = ReliefRequestRow, DisasterEventRow, orm.ItemRow
        q = (
            select(r, e.code, i.code)
            .join(e, e.id == r.event_id)
            .join(i, i.id == r.item_id)
            .where(r.scenario_id == scenario_id, r.status.in_(("planned", "part_delivered")))
            .order_by(r.id)
            .with_for_update()
        )
        return [
            RequestLine(x.id, ev, x.township_code, item, x.qty, x.priority, x.needed_by, x.destination, x.status,
                        x.approved_qty, x.reason, x.requested_by, x.decided_by, x.delivered_qty)
            for x, ev, item in self.s.execute(q)
        ]  # fmt: skip

    def set_request_delivered(self, request_id: int, delivered_qty: int, status: str) -> None:
        r = ReliefRequestRow
        self.s.execute(update(r).where(r.id == request_id).values(delivered_qty=delivered_qty, status=status))
