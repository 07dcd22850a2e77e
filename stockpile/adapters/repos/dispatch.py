"""Dispatch repository on the unit of work's session: scenarios, fleet, stock sources, confirmed plans."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stockpile import clock
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.dispatch import (
    CallOffRow,
    DispatchLineRow,
    DispatchOrderRow,
    DispatchPlanRow,
    RationNormRow,
    ScenarioDemandRow,
    ScenarioPointRow,
    ScenarioRow,
    VehicleRow,
)
from stockpile.adapters.repos.dispatch_orders import SqlOrderRecords
from stockpile.adapters.repos.dispatch_replan import SqlReplanRecords
from stockpile.domain.dispatch import (
    ItemSpec,
    Norm,
    Scenario,
    ScenarioPoint,
    SiteSpec,
    StockSource,
    VehicleSpec,
)
from stockpile.ports.travel import PROFILES, AvoidAreas, LonLat, Profile, TravelTimeProvider

NEAR_EXPIRY_DAYS = 90
CAPACITY_DAYS = 3  # capacity reserve counted for the first three days of an event


def _scenario_avoid(blocked_geojson: str) -> AvoidAreas | None:
    if not blocked_geojson:
        return None
    geo = json.loads(blocked_geojson)
    polys = geo["coordinates"] if geo.get("type") == "MultiPolygon" else [geo["coordinates"]]
    return AvoidAreas.from_rings("scenario", polys)


def scenario_matrix(
    provider: TravelTimeProvider,
    points: Sequence[tuple[float, float]],
    blocked_geojson: str,
    profile: Profile = "driving-hgv",
) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...], str]:
    """Square matrix over (lon, lat) points for a vehicle profile (heavy truck unless a vehicle's speed profile
    asks for another), avoiding the scenario's blocked areas (GeoJSON)."""
    if profile not in PROFILES:
        raise ValueError(f"profile {profile!r} is not one of {PROFILES}")
    locs = [LonLat(lon, lat) for lon, lat in points]
    m = provider.matrix(locs, locs, profile, _scenario_avoid(blocked_geojson))
    return m.duration_s, m.distance_m, m.source


def scenario_route(
    provider: TravelTimeProvider, points: Sequence[tuple[float, float]], blocked_geojson: str
) -> tuple[list[tuple[float, float]], str]:
    """A heavy truck's line through `points` in order for the map: along the roads when the provider has them
    (road graph, openrouteservice), else straight legs; and the source that drew it."""
    route = provider.directions(
        [LonLat(lon, lat) for lon, lat in points], "driving-hgv", _scenario_avoid(blocked_geojson)
    )
    if not route.reachable or not route.coordinates:
        return [(float(lon), float(lat)) for lon, lat in points], "offline"
    return [(p.lon, p.lat) for p in route.coordinates], route.source


class SqlDispatchRepository(SqlOrderRecords, SqlReplanRecords):
    def __init__(self, session: Session) -> None:
        self.s = session

    # ---- scenario --------------------------------------------------------------------------------------
    def scenario_codes(self) -> list[str]:
        return list(self.s.scalars(select(ScenarioRow.code).order_by(ScenarioRow.code)))

    def scenario(self, code: str) -> Scenario | None:
        sc = self.s.scalars(select(ScenarioRow).where(ScenarioRow.code == code)).one_or_none()
        if sc is None:
            return None
        pts = self.s.scalars(
            select(ScenarioPointRow)
            .where(ScenarioPointRow.scenario_id == sc.id)
            .order_by(ScenarioPointRow.code)
        )
        return Scenario(
            sc.id,
            sc.code,
            sc.name,
            sc.event,
            sc.kind,
            sc.reported_at,
            sc.sustain_days,
            tuple(
                ScenarioPoint(
                    p.code, p.name, p.point_kind, p.lon, p.lat, p.population, p.priority, p.needed_by_minutes
                )
                for p in pts
            ),
            sc.blocked_geojson,
            tuple(c for c in sc.damaged_sites.split(",") if c),
        )

    def shift_scenario(self, scenario_id: int, delta: timedelta) -> None:
        """Move every time of a scenario by `delta`: its report time (needed-by minutes count from it, so the
        deadlines move with it). A new timestamped scenario column must be shifted here too."""
        row = self.s.get(ScenarioRow, scenario_id)
        assert row is not None
        row.reported_at = row.reported_at + delta
        self.s.flush()

    def entered_demand(self, scenario_id: int) -> dict[tuple[str, str], int]:
        d, i = ScenarioDemandRow, orm.ItemRow
        rows = self.s.execute(
            select(d.point_code, i.code, d.qty).join(i, i.id == d.item_id).where(d.scenario_id == scenario_id)
        )
        return {(p, c): q for p, c, q in rows}

    def set_demand(self, scenario_id: int, demand: Mapping[tuple[str, str], int]) -> None:
        """Replace the entered demand of a scenario (what-if: touches no stock)."""
        ids = self._item_ids()
        self.s.execute(delete(ScenarioDemandRow).where(ScenarioDemandRow.scenario_id == scenario_id))
        for (point, item), qty in sorted(demand.items()):
            self.s.add(
                ScenarioDemandRow(scenario_id=scenario_id, point_code=point, item_id=ids[item], qty=qty)
            )

    def norms(self) -> list[Norm]:
        n, i = RationNormRow, orm.ItemRow
        rows = self.s.execute(
            select(i.code, n.units_per_100, n.per_day, n.priority_only).join(i, i.id == n.item_id)
        )
        return [Norm(c, u, d, p) for c, u, d, p in rows]

    def fleet(self) -> list[VehicleSpec]:
        v, s = VehicleRow, orm.SiteRow
        rows = self.s.execute(
            select(v, s.code).join(s, s.id == v.home_site_id).where(v.active).order_by(v.code)
        )
        return [
            VehicleSpec(
                r.code,
                r.name,
                r.ownership,
                home,
                r.capacity_kg,
                r.capacity_dm3,
                r.cold_boxes,
                r.activation_minutes,
                r.speed_profile,
                r.available_hours,
            )
            for r, home in rows
        ] + self.contracted_transport(clock.today())

    def contracted_transport(self, on: date) -> list[VehicleSpec]:
        """协议运力 valid on `on` (reserve planning's contracted_transport): one vehicle per contracted truck, at its
        base depot, available after the activation delay; reserve planning's contracted trucks join the dispatch
        optimizer's fleet this way."""
        from stockpile.adapters.orm.reserve import ContractedTransportRow as T

        s = orm.SiteRow
        rows = self.s.execute(
            select(T, s.code)
            .join(s, s.id == T.base_site_id)
            .where(T.valid_from <= on, T.valid_to >= on)
            .order_by(T.code)
        )
        return [
            VehicleSpec(
                f"{t.code}-{k}",
                f"{t.carrier} #{k}",
                "contracted",
                home,
                t.capacity_kg,
                t.capacity_dm3,
                0,
                t.activation_minutes,
            )
            for t, home in rows
            for k in range(1, t.vehicles + 1)
        ]

    def items(self) -> dict[str, ItemSpec]:
        rows = self.s.scalars(select(orm.ItemRow))
        return {
            r.code: ItemSpec(r.code, r.name_zh, r.base_unit, r.unit_weight_g, r.unit_volume_cm3, r.needs_cold)
            for r in rows
        }

    def sites(self) -> dict[str, SiteSpec]:
        rows = self.s.scalars(select(orm.SiteRow).where(orm.SiteRow.active, orm.SiteRow.lon.is_not(None)))
        return {r.code: SiteSpec(r.code, r.name, r.lon or 0.0, r.lat or 0.0, r.loading_minutes) for r in rows}

    def _item_ids(self) -> dict[str, int]:
        return dict(self.s.execute(select(orm.ItemRow.code, orm.ItemRow.id)).all())

    def site_id(self, code: str) -> int:
        return int(self.s.scalars(select(orm.SiteRow.id).where(orm.SiteRow.code == code)).one())

    def item_id(self, code: str) -> int:
        return int(self.s.scalars(select(orm.ItemRow.id).where(orm.ItemRow.code == code)).one())

    # ---- sources ---------------------------------------------------------------------------------------
    def stock_sources(self, on: date, items: Iterable[str]) -> list[StockSource]:
        """Physical: on hand − reserved of unexpired lots per (site, item); agreement: verified valid quantity."""
        wanted = set(items)
        b, lot, s, i = orm.StockBalanceRow, orm.LotRow, orm.SiteRow, orm.ItemRow
        rows = self.s.execute(
            select(s.code, i.code, lot.expiry, b.on_hand - b.reserved)
            .join(lot, lot.id == b.lot_id)
            .join(s, s.id == b.site_id)
            .join(i, i.id == b.item_id)
            .where(s.active, s.site_type != "transit", b.on_hand > b.reserved)
        )
        phys: dict[tuple[str, str], list[int]] = {}
        soon = on + timedelta(days=NEAR_EXPIRY_DAYS)
        for site, item, expiry, avail in rows:
            if item not in wanted or (expiry is not None and expiry < on):
                continue
            acc = phys.setdefault((site, item), [0, 0])
            acc[0] += int(avail)
            acc[1] |= int(expiry is not None and expiry <= soon)
        out = [StockSource(st, it, q, "physical", 0, bool(ne)) for (st, it), (q, ne) in sorted(phys.items())]
        c, ln = orm.AgreementContractRow, orm.AgreementLineRow
        for code, site, item, agreed, lead, v0, v1, vq in self.s.execute(
            select(
                c.code,
                s.code,
                i.code,
                ln.agreed_qty,
                c.lead_time_minutes,
                c.valid_from,
                c.valid_to,
                ln.last_verified_qty,
            )
            .join(ln, ln.contract_id == c.id)
            .join(s, s.id == c.holder_site_id)
            .join(i, i.id == ln.item_id)
        ):
            if item in wanted and v0 <= on <= v1 and vq is not None and min(agreed, vq) > 0:
                out.append(StockSource(site, item, min(agreed, vq), "agreement", lead, reference=code))
        cap = orm.CapacityReserveRow
        for site, item, per_day, act, v0, v1 in self.s.execute(
            select(s.code, i.code, cap.units_per_day, cap.activation_minutes, cap.valid_from, cap.valid_to)
            .join(s, s.id == cap.producer_site_id)
            .join(i, i.id == cap.item_id)
        ):
            if item in wanted and v0 <= on <= v1:
                total = per_day * CAPACITY_DAYS
                out.append(
                    StockSource(site, item, total, "capacity", act, reference="capacity", per_day=per_day)
                )
        return out

    # ---- confirmed plans -------------------------------------------------------------------------------
    def plan_exists(self, plan_id: uuid.UUID) -> bool:
        return self.s.get(DispatchPlanRow, plan_id) is not None

    def add_plan(
        self,
        plan_id: uuid.UUID,
        scenario_id: int,
        at: datetime,
        actor: str,
        objective: int,
        summary: Mapping[str, Any],
    ) -> None:
        self.s.add(
            DispatchPlanRow(
                id=plan_id,
                scenario_id=scenario_id,
                confirmed_at=at,
                actor=actor,
                objective=objective,
                summary=json.dumps(dict(summary), ensure_ascii=False, sort_keys=True),
                scenario_open=scenario_id,
                voided_by="",
            )
        )
        self.s.flush()

    def add_order(self, doc_no: str, plan_id: uuid.UUID, vehicle: str, lines: list[dict[str, Any]]) -> None:
        self.s.add(DispatchOrderRow(doc_no=doc_no, plan_id=plan_id, vehicle_code=vehicle, state="pending"))
        self.s.flush()
        for n, ln in enumerate(lines, start=1):
            self.s.add(DispatchLineRow(doc_no=doc_no, line_no=n, **ln))
        self.s.flush()

    def add_call_off(
        self,
        cid: uuid.UUID,
        plan_id: uuid.UUID,
        holder_site_id: int,
        item_id: int,
        qty: int,
        ready_at: datetime,
    ) -> None:
        self.s.add(
            CallOffRow(
                id=cid,
                plan_id=plan_id,
                holder_site_id=holder_site_id,
                item_id=item_id,
                qty=qty,
                ready_at=ready_at,
            )
        )

    def orders(self, plan_id: uuid.UUID) -> list[dict[str, Any]]:
        rows = self.s.scalars(
            select(DispatchOrderRow)
            .where(DispatchOrderRow.plan_id == plan_id)
            .order_by(DispatchOrderRow.doc_no)
        )
        return [
            {"doc_no": r.doc_no, "vehicle": r.vehicle_code, "state": r.state, "shipped_at": r.shipped_at}
            for r in rows
        ]

    def order_lines(self, doc_no: str) -> list[dict[str, Any]]:
        ln, i = DispatchLineRow, orm.ItemRow
        rows = self.s.execute(
            select(ln, i.code, i.name_zh, i.name_en, i.base_unit)
            .join(i, i.id == ln.item_id)
            .where(ln.doc_no == doc_no)
            .order_by(ln.line_no)
        )
        return [
            {
                "line_no": r.line_no,
                "job": r.job,
                "kind": r.stop_kind,
                "place_code": r.place_code,
                "place_name": r.place_name,
                "item_code": code,
                "item_name": name,
                "item_name_en": name_en or "",
                "unit": unit,
                "qty": r.qty,
                "eta": r.eta,
            }
            for r, code, name, name_en, unit in rows
        ]

    def order_state(self, doc_no: str) -> str | None:
        r = self.s.get(DispatchOrderRow, doc_no, populate_existing=True)
        return None if r is None else r.state

    def mark_order_shipped(self, doc_no: str, at: datetime) -> None:
        r = self.s.get(DispatchOrderRow, doc_no)
        if r is not None and r.state == "pending":
            r.state, r.shipped_at = "shipped", at

    def reservation_ids(self, plan_ref: str) -> list[uuid.UUID]:
        r = orm.ReservationRow
        return list(self.s.scalars(select(r.id).where(r.plan_ref == plan_ref).order_by(r.id)))

    def call_offs(self, plan_id: uuid.UUID) -> list[dict[str, Any]]:
        c = CallOffRow
        rows = self.s.scalars(select(c).where(c.plan_id == plan_id))
        return [
            {"holder_site_id": r.holder_site_id, "item_id": r.item_id, "qty": r.qty, "ready_at": r.ready_at}
            for r in rows
        ]
