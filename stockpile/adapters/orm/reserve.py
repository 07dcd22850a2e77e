"""Tables of reserve planning (储备规划): agreement checks (核查), call-offs (调用), contracted transport (协议运力),
reserve standards (储备定额) and the annual storage-plan review (年度储备计划审查) with its frozen signed snapshot.

The contract, its lines and capacity reserves live in `orm/ledger.py`. `reserve_review_snapshot` is append-only:
the triggers are installed by migration 0002_reserve and, for `create_schema`, by the `after_create` hook below.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from stockpile.adapters.db.ddl import install_append_only_triggers
from stockpile.adapters.orm.ledger import Base, Code, IntPK, Name, Qty, Stamp, UTCDateTime

APPEND_ONLY_RESERVE_TABLES = ("reserve_review_snapshot",)


class AgreementCheckRow(Base):
    """核查: one visit to an agreement holder; the verified quantity of each line is in `agreement_check_line`."""

    __tablename__ = "agreement_check"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # client id
    contract_id: Mapped[int] = mapped_column(ForeignKey("agreement_contract.id"), index=True)
    checked_on: Mapped[date] = mapped_column(Date)
    inspector: Mapped[Name]
    remark: Mapped[str] = mapped_column(String(1000), default="")
    actor: Mapped[Code]
    recorded_at: Mapped[Stamp]


class AgreementCheckLineRow(Base):
    __tablename__ = "agreement_check_line"
    check_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agreement_check.id"), primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("agreement_line.id"), primary_key=True)
    verified_qty: Mapped[Qty]
    __table_args__ = (CheckConstraint("verified_qty >= 0", name="verified_nonneg"),)


class AgreementCheckPlanRow(Base):
    """Check schedule: every `interval_days` per contract (default from settings when absent)."""

    __tablename__ = "agreement_check_plan"
    contract_id: Mapped[int] = mapped_column(ForeignKey("agreement_contract.id"), primary_key=True)
    interval_days: Mapped[int] = mapped_column(Integer)
    __table_args__ = (CheckConstraint("interval_days > 0", name="interval_pos"),)


class AgreementCallOffRow(Base):
    """调用: agreement stock drawn in an emergency, with the 调用补偿 owed to the holder."""

    __tablename__ = "agreement_calloff"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # client id
    contract_id: Mapped[int] = mapped_column(ForeignKey("agreement_contract.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("agreement_line.id"))
    qty: Mapped[Qty]
    called_at: Mapped[Stamp]
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    compensation_fen: Mapped[int] = mapped_column(BigInteger)
    event_tag: Mapped[str] = mapped_column(String(64), default="")
    to_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    actor: Mapped[Code]
    recorded_at: Mapped[Stamp]
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_pos"),
        CheckConstraint("compensation_fen >= 0 AND unit_price_fen >= 0", name="money_nonneg"),
    )


class ContractedTransportRow(Base):
    """协议运力: a transport company's vehicles on call; the dispatch fleet pool reads it (capacity per vehicle)."""

    __tablename__ = "contracted_transport"
    id: Mapped[IntPK]
    code: Mapped[Code] = mapped_column(unique=True)
    carrier: Mapped[Name]
    base_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    vehicles: Mapped[int] = mapped_column(Integer)
    capacity_kg: Mapped[int] = mapped_column(Integer)  # per vehicle
    capacity_dm3: Mapped[int] = mapped_column(Integer)  # per vehicle
    activation_minutes: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    contact: Mapped[str] = mapped_column(String(200), default="")
    __table_args__ = (
        CheckConstraint("vehicles > 0 AND capacity_kg > 0 AND capacity_dm3 > 0", name="fleet_pos"),
        CheckConstraint("activation_minutes >= 0", name="activation_nonneg"),
        CheckConstraint("valid_to >= valid_from", name="valid_range"),
    )


class ReserveStandardRow(Base):
    """储备定额 per admin level × item (× one area, or `area_code = ''` for every area of the level).

    basis `absolute`: `qty`; basis `per_capita`: ceil(population × per_1000_per_day × sustain_days / 1000).
    `agreement_cap_pct` caps the share of the standard agreement stock may cover (e.g. 20 of 30 days → 66).
    """

    __tablename__ = "reserve_standard"
    id: Mapped[IntPK]
    level: Mapped[str] = mapped_column(String(16))
    area_code: Mapped[str] = mapped_column(String(12), default="")
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    basis: Mapped[str] = mapped_column(String(16))
    qty: Mapped[Qty] = mapped_column(default=0)
    per_1000_per_day: Mapped[int] = mapped_column(Integer, default=0)
    sustain_days: Mapped[int] = mapped_column(Integer, default=0)
    counts_physical: Mapped[bool] = mapped_column(Boolean, default=True)
    counts_custodial: Mapped[bool] = mapped_column(Boolean, default=True)
    counts_agreement: Mapped[bool] = mapped_column(Boolean, default=True)
    agreement_cap_pct: Mapped[int] = mapped_column(Integer, default=100)
    source: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        UniqueConstraint("level", "area_code", "item_id", name="uq_reserve_standard_key"),
        CheckConstraint("qty >= 0 AND per_1000_per_day >= 0 AND sustain_days >= 0", name="amounts_nonneg"),
        CheckConstraint("agreement_cap_pct >= 0 AND agreement_cap_pct <= 100", name="cap_pct_range"),
        CheckConstraint("basis IN ('absolute', 'per_capita')", name="basis_known"),
    )


class ReserveReviewRow(Base):
    """年度储备计划审查: one per year; state prepared → reviewed → approved (approver ≠ preparer)."""

    __tablename__ = "reserve_review"
    id: Mapped[IntPK]
    year: Mapped[int] = mapped_column(Integer, unique=True)
    state: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)  # JSON of the prepared document
    preparer: Mapped[Code]
    prepared_at: Mapped[Stamp]
    reviewer: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approver: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(String(2000), default="")
    __table_args__ = (
        CheckConstraint("state IN ('prepared', 'reviewed', 'approved')", name="state_known"),
        CheckConstraint("approver IS NULL OR approver <> preparer", name="four_eyes"),
    )


class ReserveReviewSnapshotRow(Base):
    """The signed version, frozen: JSON blob + its sha256 (append-only)."""

    __tablename__ = "reserve_review_snapshot"
    id: Mapped[IntPK]
    review_id: Mapped[int] = mapped_column(ForeignKey("reserve_review.id"))
    year: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    approver: Mapped[Code]
    approved_at: Mapped[Stamp]
    __table_args__ = (Index("ix_reserve_review_snapshot_year", "year"),)


@event.listens_for(ReserveReviewSnapshotRow.__table__, "after_create")
def _append_only(target: Table, connection: Connection, **_: Any) -> None:
    install_append_only_triggers(connection, APPEND_ONLY_RESERVE_TABLES)
