"""Outgoing requests to the city (请调函): one row per letter (event, number, reason, needed-by, who and when) and
its lines (item × quantity). Recorded once; the letter is printed from these rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stockpile.adapters.orm.ledger import Base, UTCDateTime


class CityRequestRow(Base):
    """A 请调函 to the city for one event; `number` (请调〔year〕n号) is unique."""

    __tablename__ = "city_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("disaster_event.id"), index=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(500))
    needed_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    __table_args__ = (UniqueConstraint("year", "serial"),)


class CityRequestLineRow(Base):
    """One item asked for in a 请调函."""

    __tablename__ = "city_request_line"
    request_id: Mapped[int] = mapped_column(ForeignKey("city_request.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id"), primary_key=True)
    qty: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (CheckConstraint("qty > 0", name="qty_pos"),)
