"""The registers of an event: 征用 (requisitioned goods and vehicles, with what the county owes), 捐赠 (donations,
their acceptance and their uses) and the link from an event to the dispatch scenarios made from it.

A requisitioned or donated lot enters stock only through the ledger's receipt (the lot row carries source and
donor); these rows record who, what, when and the posting that stocked it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from stockpile.adapters.orm.ledger import Base, UTCDateTime


class EventScenarioRow(Base):
    """A dispatch scenario made from an event (the publication reads its deliveries)."""

    __tablename__ = "event_scenario"
    event_id: Mapped[int] = mapped_column(ForeignKey("disaster_event.id"), primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("dispatch_scenario.id"), primary_key=True)


class RequisitionRow(Base):
    """征用: goods (item × qty at a market price) or a vehicle (plate, capacities, a daily rate) taken for an event."""

    __tablename__ = "requisition"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("disaster_event.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(200))
    owner_contact: Mapped[str] = mapped_column(String(64), default="")
    item_id: Mapped[int | None] = mapped_column(ForeignKey("item.id"))
    qty: Mapped[int] = mapped_column(BigInteger, default=0)
    description: Mapped[str] = mapped_column(String(200), default="")
    condition: Mapped[str] = mapped_column(String(200), default="")
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    daily_rate_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    plate: Mapped[str] = mapped_column(String(32), default="")
    capacity_kg: Mapped[int] = mapped_column(Integer, default=0)
    capacity_dm3: Mapped[int] = mapped_column(Integer, default=0)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    lot_no: Mapped[str] = mapped_column(String(64), default="")
    vehicle_code: Mapped[str] = mapped_column(String(32), default="")
    posting_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_qty: Mapped[int] = mapped_column(BigInteger, default=0)  # goods handed back unused
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        CheckConstraint("kind IN ('goods','vehicle')", name="kind_known"),
        CheckConstraint("qty >= 0 AND price_fen >= 0 AND daily_rate_fen >= 0", name="amounts_nonneg"),
    )


class DonationRow(Base):
    """捐赠: a donor's lot, accepted into a depot's stock or refused at acceptance (expired, failed inspection)."""

    __tablename__ = "donation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("disaster_event.id"), index=True)
    donor: Mapped[str] = mapped_column(String(200))
    donor_kind: Mapped[str] = mapped_column(String(16))
    donor_contact: Mapped[str] = mapped_column(String(64), default="")
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    qty: Mapped[int] = mapped_column(BigInteger)
    lot_no: Mapped[str] = mapped_column(String(64))
    expiry: Mapped[date | None] = mapped_column(Date)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32), default="")
    posting_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(64))
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_pos"),
        CheckConstraint("status IN ('accepted','refused')", name="status_known"),
        CheckConstraint("donor_kind IN ('organisation','person')", name="donor_kind_known"),
    )


class DonationUseRow(Base):
    """One use of a donation: issued to a village of an event (the ledger's issue is `posting_id`)."""

    __tablename__ = "donation_use"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("disaster_event.id"))
    village_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    qty: Mapped[int] = mapped_column(BigInteger)
    posting_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(64))
    __table_args__ = (CheckConstraint("qty > 0", name="qty_pos"),)
