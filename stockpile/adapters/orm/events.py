"""Disaster events (灾情): events, reports per village with their needs, township requests (请领) and the
townships an informant (灾情信息员) reports for.

A follow-up report (续报) is a new row pointing at the report it supersedes; nothing is overwritten, so the
history of figures stays readable. A request line is decided once (approved / partly / refused with a reason).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from stockpile.adapters.orm.ledger import Base, UTCDateTime


class DisasterEventRow(Base):
    """An event: kind (flood …), the area hit (county or township code), response level, first report time."""

    __tablename__ = "disaster_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    area_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    level: Mapped[int] = mapped_column(Integer)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),)


class DisasterReportRow(Base):
    """One report (初报 or 续报) for one village: affected and relocated persons, damaged houses, who and when."""

    __tablename__ = "disaster_report"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("disaster_event.id"), index=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    village_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    affected: Mapped[int] = mapped_column(Integer)
    relocated: Mapped[int] = mapped_column(Integer)
    damaged_houses: Mapped[int] = mapped_column(Integer)
    reporter: Mapped[str] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("disaster_report.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (
        CheckConstraint(
            "affected >= 0 AND relocated >= 0 AND damaged_houses >= 0 AND relocated <= affected",
            name="figures_valid",
        ),
    )


class DisasterReportNeedRow(Base):
    """An urgent need named in a report: item × quantity."""

    __tablename__ = "disaster_report_need"
    report_id: Mapped[int] = mapped_column(ForeignKey("disaster_report.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    qty: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (CheckConstraint("qty > 0", name="qty_pos"),)


class ReliefRequestRow(Base):
    """A request line (请领) from a township to the county and the county's decision on it."""

    __tablename__ = "relief_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("disaster_event.id"), index=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    qty: Mapped[int] = mapped_column(BigInteger)
    priority: Mapped[int] = mapped_column(Integer, default=2)
    needed_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    destination: Mapped[str] = mapped_column(String(32))  # a village or shelter code
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    approved_qty: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500), default="")
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_scenario.id"))  # the plan's scenario
    delivered_qty: Mapped[int | None] = mapped_column(BigInteger)  # received on 签收 of the orders serving it
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_pos"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority_range"),
        CheckConstraint(
            "status IN ('submitted','approved','partly','refused','planned','part_delivered','delivered')",
            name="status_known",
        ),
        CheckConstraint(
            "approved_qty IS NULL OR (approved_qty >= 0 AND approved_qty <= qty)", name="approved"
        ),
    )


class UserAreaRow(Base):
    """The townships an informant (灾情信息员) reports for: their own scope, as depots are a keeper's."""

    __tablename__ = "user_area"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"), primary_key=True)
