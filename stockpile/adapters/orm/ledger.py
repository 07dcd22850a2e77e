"""Typed SQLAlchemy 2 tables of the ledger. Named constraints so alembic batch mode can rebuild SQLite tables.

Design notes
- Villages are admin areas (level `village`); shelters (应急避难场所) have their own table. Together they are the
  demand points (see `views.demand_points`).
- `movement` and `posting` are append-only (triggers in `ddl.py`); `stock_balance` is the maintained balance per
  (site, lot) with CHECK (0 ≤ reserved ≤ on_hand), rebuilt and compared by `verify_ledger`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC out; stored as naive UTC so SQLite orders them as text correctly."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


Qty = Annotated[int, mapped_column(BigInteger)]
Code = Annotated[str, mapped_column(String(64))]
Name = Annotated[str, mapped_column(String(200))]
Stamp = Annotated[datetime, mapped_column(UTCDateTime())]
IntPK = Annotated[int, mapped_column(Integer, primary_key=True, autoincrement=True)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class AdminAreaRow(Base):
    __tablename__ = "admin_area"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[Name]
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("admin_area.code"), index=True)
    population: Mapped[int] = mapped_column(Integer, default=0)
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    township_kind: Mapped[str | None] = mapped_column(String(16))
    hazard_weight: Mapped[int] = mapped_column(Integer, default=1)  # 多灾易灾 / 灾后交通困难 exposure weight
    boundary: Mapped[str | None] = mapped_column(Text)  # a township's outline: GeoJSON geometry in WGS-84
    __table_args__ = (CheckConstraint("population >= 0", name="population_nonneg"),)


class SiteRow(Base):
    __tablename__ = "site"
    id: Mapped[IntPK]
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[Name]
    admin_level: Mapped[str] = mapped_column(String(16))
    site_type: Mapped[str] = mapped_column(String(32))
    owner_type: Mapped[str] = mapped_column(String(16))
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    area_code: Mapped[str | None] = mapped_column(ForeignKey("admin_area.code"))
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    loading_minutes: Mapped[int] = mapped_column(Integer, default=15)
    operating_mode: Mapped[str] = mapped_column(String(16), default="normal")
    hazard_types: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    __table_args__ = (CheckConstraint("loading_minutes >= 0", name="loading_nonneg"),)


class ShelterRow(Base):
    __tablename__ = "shelter"
    id: Mapped[IntPK]
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[Name]
    township_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"), index=True)
    lon: Mapped[float]
    lat: Mapped[float]
    capacity_persons: Mapped[int] = mapped_column(Integer, default=0)
    level: Mapped[str] = mapped_column(String(32), default="")  # e.g. 县级 / 乡镇级 / 村级


class ItemRow(Base):
    __tablename__ = "item"
    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(7), unique=True)
    name_zh: Mapped[Name]
    name_en: Mapped[Name]
    base_unit: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    unit_weight_g: Mapped[int] = mapped_column(Integer)
    unit_volume_cm3: Mapped[int] = mapped_column(Integer)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    needs_cold: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_dry: Mapped[bool] = mapped_column(Boolean, default=False)
    hazardous: Mapped[bool] = mapped_column(Boolean, default=False)
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (
        CheckConstraint("unit_weight_g >= 0 AND unit_volume_cm3 >= 0", name="size_nonneg"),
        CheckConstraint("length(code) = 7", name="code_7_digits"),
    )


class ItemPackRow(Base):
    __tablename__ = "item_pack"
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    unit: Mapped[str] = mapped_column(String(16), primary_key=True)
    factor: Mapped[int] = mapped_column(Integer)
    __table_args__ = (CheckConstraint("factor > 1", name="factor_gt_1"),)


class LotRow(Base):
    __tablename__ = "lot"
    id: Mapped[IntPK]
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    lot_no: Mapped[Code]
    expiry: Mapped[date | None] = mapped_column(Date)
    manufactured_on: Mapped[date | None] = mapped_column(Date)
    owner_type: Mapped[str] = mapped_column(String(16), default="government")
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16), default="procured")
    donor: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("item_id", "lot_no", name="uq_lot_item_lot_no"),)


class PostingRow(Base):
    """One command (a form submit, an import file, a plan confirmation): its id is the client id."""

    __tablename__ = "posting"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    actor: Mapped[Code]
    recorded_at: Mapped[Stamp]
    occurred_at: Mapped[Stamp]
    doc_no: Mapped[str] = mapped_column(String(64), default="")
    event_tag: Mapped[str] = mapped_column(String(64), default="")
    remark: Mapped[str] = mapped_column(String(1000), default="")
    legs: Mapped[int] = mapped_column(Integer, default=0)


class MovementRow(Base):
    __tablename__ = "movement"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    posting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posting.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    qty: Mapped[Qty]
    occurred_at: Mapped[Stamp]
    recorded_at: Mapped[Stamp]
    actor: Mapped[Code]
    purpose: Mapped[str] = mapped_column(String(16), default="")
    reason: Mapped[str] = mapped_column(String(16), default="")
    reverses_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    __table_args__ = (
        CheckConstraint("qty <> 0", name="qty_nonzero"),
        CheckConstraint("qty >= -1000000000 AND qty <= 1000000000", name="qty_range"),
        Index("ix_movement_key_time", "site_id", "lot_id", "occurred_at", "seq"),
        Index("ix_movement_site_item", "site_id", "item_id"),
    )


class StockBalanceRow(Base):
    __tablename__ = "stock_balance"
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    on_hand: Mapped[Qty] = mapped_column(default=0)
    reserved: Mapped[Qty] = mapped_column(default=0)
    last_occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        Index("ix_balance_site_item", "site_id", "item_id"),
        Index("ix_balance_item", "item_id"),
    )


class TransferRow(Base):
    """调拨: OUT at the source and IN to 在途 when shipped; IN at the destination once received."""

    __tablename__ = "transfer"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # = the shipping posting id
    from_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    to_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    state: Mapped[str] = mapped_column(String(16))
    shipped_at: Mapped[Stamp]
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    receive_posting_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    __table_args__ = (CheckConstraint("from_site_id <> to_site_id", name="distinct_sites"),)


class TransferLineRow(Base):
    __tablename__ = "transfer_line"
    transfer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transfer.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    qty: Mapped[Qty]
    __table_args__ = (CheckConstraint("qty > 0", name="qty_pos"),)


class StockCountRow(Base):
    """盘点 record: the counted quantity and the adjustment it posted (0 if a later count supersedes it)."""

    __tablename__ = "stock_count"
    id: Mapped[IntPK]
    posting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posting.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    counted: Mapped[Qty]
    system_qty: Mapped[Qty]
    adjustment: Mapped[Qty]
    occurred_at: Mapped[Stamp]
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_count_key_time", "site_id", "lot_id", "occurred_at"),)


class ReservationRow(Base):
    __tablename__ = "reservation"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)  # client id
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    qty: Mapped[Qty]
    plan_ref: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    actor: Mapped[Code]
    created_at: Mapped[Stamp]
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolve_posting_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_pos"),
        Index("ix_reservation_key_state", "site_id", "lot_id", "state"),
    )


class AgreementContractRow(Base):
    """协议储备 contract with an enterprise or supermarket."""

    __tablename__ = "agreement_contract"
    id: Mapped[IntPK]
    code: Mapped[Code] = mapped_column(unique=True)
    holder_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    lead_time_minutes: Mapped[int] = mapped_column(Integer)
    contact: Mapped[str] = mapped_column(String(200), default="")
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    __table_args__ = (
        CheckConstraint("valid_to >= valid_from", name="valid_range"),
        CheckConstraint("lead_time_minutes >= 0", name="lead_nonneg"),
    )


class AgreementLineRow(Base):
    __tablename__ = "agreement_line"
    id: Mapped[IntPK]
    contract_id: Mapped[int] = mapped_column(ForeignKey("agreement_contract.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    agreed_qty: Mapped[Qty]
    price_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    last_verified_on: Mapped[date | None] = mapped_column(Date)
    last_verified_qty: Mapped[int | None] = mapped_column(BigInteger)
    __table_args__ = (
        UniqueConstraint("contract_id", "item_id", name="uq_agreement_line_contract_item"),
        CheckConstraint("agreed_qty > 0", name="agreed_pos"),
    )


class CapacityReserveRow(Base):
    """产能储备: a producer's units per day after an activation lead time."""

    __tablename__ = "capacity_reserve"
    id: Mapped[IntPK]
    producer_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"))
    units_per_day: Mapped[Qty]
    activation_minutes: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    __table_args__ = (CheckConstraint("units_per_day > 0", name="rate_pos"),)


class SettingRow(Base):
    """Key/value reference settings kept in the database (e.g. the freeze date 冻结日期)."""

    __tablename__ = "app_setting"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(1000))
