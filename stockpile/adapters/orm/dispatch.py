"""Dispatch tables (调度): scenarios with demand, ration norms, the fleet, confirmed plans, orders and call-offs.

A plan lives in memory while the dispatcher explores; only a confirmed plan is written (with its lines, dispatch
orders 调拨单 and agreement call-offs). Reservations themselves are the ledger's `reservation` rows whose
`plan_ref` is the order number.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from stockpile.adapters.orm.ledger import Base, UTCDateTime


class RationNormRow(Base):
    """Per-person norm (保障标准) of an item: units per 100 persons, per day or once per event (configuration)."""

    __tablename__ = "ration_norm"
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    units_per_100: Mapped[int] = mapped_column(Integer)
    per_day: Mapped[bool] = mapped_column(Boolean, default=True)
    priority_only: Mapped[bool] = mapped_column(Boolean, default=False)  # e.g. medical kits: shelters only
    __table_args__ = (CheckConstraint("units_per_100 > 0", name="norm_pos"),)


class ScenarioRow(Base):
    """A disaster event (live), an exercise (drill) or a what-if for pre-positioning."""

    __tablename__ = "dispatch_scenario"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(32))  # flood, earthquake, ...
    kind: Mapped[str] = mapped_column(String(16))  # live | drill | prepositioning
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sustain_days: Mapped[int] = mapped_column(Integer, default=3)
    blocked_geojson: Mapped[str] = mapped_column(Text, default="")
    damaged_sites: Mapped[str] = mapped_column(String(500), default="")  # comma-separated site codes
    __table_args__ = (
        CheckConstraint("kind IN ('live','drill','prepositioning')", name="kind_known"),
        CheckConstraint("sustain_days >= 1", name="sustain_pos"),
    )


class ScenarioPointRow(Base):
    """An affected point (village, shelter, medical point): population, priority class, needed-by."""

    __tablename__ = "scenario_point"
    scenario_id: Mapped[int] = mapped_column(ForeignKey("dispatch_scenario.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    point_kind: Mapped[str] = mapped_column(String(16))  # village | shelter | medical
    lon: Mapped[float]
    lat: Mapped[float]
    population: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 1 = shelters and medical first
    needed_by_minutes: Mapped[int] = mapped_column(Integer, default=480)
    __table_args__ = (CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),)


class ScenarioDemandRow(Base):
    """Entered demand per point × item (overrides the demand derived from norms)."""

    __tablename__ = "scenario_demand"
    scenario_id: Mapped[int] = mapped_column(ForeignKey("dispatch_scenario.id"), primary_key=True)
    point_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    qty: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (CheckConstraint("qty >= 0", name="qty_nonneg"),)


class VehicleRow(Base):
    """A truck: own, contracted (after an activation delay) or requisitioned; capacities and home depot."""

    __tablename__ = "vehicle"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    ownership: Mapped[str] = mapped_column(String(16))  # own | contracted | requisitioned
    home_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    capacity_kg: Mapped[int] = mapped_column(Integer)
    capacity_dm3: Mapped[int] = mapped_column(Integer)
    cold_boxes: Mapped[int] = mapped_column(Integer, default=0)
    activation_minutes: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    plate: Mapped[str] = mapped_column(String(32), default="")  # 车牌号, printed on the order
    driver: Mapped[str] = mapped_column(String(64), default="")
    driver_phone: Mapped[str] = mapped_column(String(32), default="")
    speed_profile: Mapped[str] = mapped_column(String(16), default="driving-hgv")  # road_speeds.toml section
    available_hours: Mapped[int | None] = mapped_column(
        Integer
    )  # hours on the road per dispatch (None: no limit)
    __table_args__ = (
        CheckConstraint("ownership IN ('own','contracted','requisitioned')", name="ownership_known"),
        CheckConstraint("capacity_kg > 0 AND capacity_dm3 > 0 AND cold_boxes >= 0", name="capacity_pos"),
    )


class DispatchPlanRow(Base):
    """A confirmed plan; its id is the in-memory plan's id (confirming twice finds it).

    `scenario_open` holds the scenario id while the plan is open and NULL once it is voided: the unique constraint
    lets only one open plan per scenario exist, even when two dispatchers confirm at the same moment."""

    __tablename__ = "dispatch_plan"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("dispatch_scenario.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    objective: Mapped[int] = mapped_column(BigInteger)
    summary: Mapped[str] = mapped_column(Text, default="")  # KPIs as JSON
    scenario_open: Mapped[int | None] = mapped_column(Integer, unique=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_by: Mapped[str] = mapped_column(String(64), default="")
    plan_json: Mapped[str] = mapped_column(Text, default="")  # the whole plan, so it can be re-planned (0013)
    supersedes: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # a re-plan: the plan it replaced
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # replaced by this re-plan


ORDER_STATES = ("pending", "picked", "shipped", "delivered", "closed", "void", "superseded")


class DispatchOrderRow(Base):
    """调拨单: one per vehicle; state pending → picked → shipped → delivered → closed (or void before shipping).

    Plate, driver and phone are copied from the vehicle when the plan is confirmed, so a reprint shows the truck
    that was sent even after the fleet table changes."""

    __tablename__ = "dispatch_order"
    doc_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_plan.id"), index=True)
    vehicle_code: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    plate: Mapped[str] = mapped_column(String(32), default="")
    driver: Mapped[str] = mapped_column(String(64), default="")
    driver_phone: Mapped[str] = mapped_column(String(32), default="")
    picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_by: Mapped[str] = mapped_column(String(64), default="")
    receipt_note: Mapped[str] = mapped_column(Text, default="")
    superseded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the re-plan that replaced this order
    __table_args__ = (
        CheckConstraint(
            "state IN ('pending','picked','shipped','delivered','closed','void','superseded')",
            name="state_known",
        ),
    )


class OrderDepotRow(Base):
    """One depot's part of an order (出库单): its keeper picks and ships the lines held at that depot."""

    __tablename__ = "dispatch_order_depot"
    doc_no: Mapped[str] = mapped_column(ForeignKey("dispatch_order.doc_no"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending | picked | shipped | void
    picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_by: Mapped[str] = mapped_column(String(64), default="")


class ShipLineRow(Base):
    """What a depot part loaded of an item (发运明细): planned (held) against shipped, with the reason from the
    catalogue (and a note) when it loaded less. Written for every item when the part ships, in full or not."""

    __tablename__ = "dispatch_ship_line"
    doc_no: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    planned_qty: Mapped[int] = mapped_column(BigInteger)
    shipped_qty: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (
        CheckConstraint("shipped_qty >= 0 AND shipped_qty <= planned_qty", name="shipped_range"),
        ForeignKeyConstraint(
            ["doc_no", "site_id"], ["dispatch_order_depot.doc_no", "dispatch_order_depot.site_id"]
        ),
    )


class ReceiptLineRow(Base):
    """签收: what a stop received of an item, against what the order planned, with the reason of any shortage."""

    __tablename__ = "dispatch_receipt_line"
    doc_no: Mapped[str] = mapped_column(ForeignKey("dispatch_order.doc_no"), primary_key=True)
    place_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    planned_qty: Mapped[int] = mapped_column(BigInteger)
    received_qty: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (CheckConstraint("received_qty >= 0", name="received_nonneg"),)


class DispatchLineRow(Base):
    """One stop of an order: what a vehicle picks up or drops, where and when (planned ETA)."""

    __tablename__ = "dispatch_line"
    doc_no: Mapped[str] = mapped_column(ForeignKey("dispatch_order.doc_no"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(128))
    stop_kind: Mapped[str] = mapped_column(String(16))  # pickup | delivery
    place_code: Mapped[str] = mapped_column(String(32))
    place_name: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    qty: Mapped[int] = mapped_column(BigInteger)
    eta: Mapped[datetime] = mapped_column(UTCDateTime())


class CallOffRow(Base):
    """协议储备 call-off (动用通知) for an agreement holder, recorded when the plan is confirmed."""

    __tablename__ = "dispatch_call_off"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dispatch_plan.id"), index=True)
    holder_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    qty: Mapped[int] = mapped_column(BigInteger)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (CheckConstraint("qty > 0", name="qty_pos"),)
