"""The county itself (县情): one row naming the county, its GB/T 2260 code, the bureau printed on documents, its
time zone, the guarantee-circle minutes, the relief-time targets and the coordinate system its workbook uses.

Written by the county workbook import (`relief county import`); a database without the row is a county not yet
onboarded (documents then fall back to the catalogue's bureau name).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from stockpile.adapters.orm.ledger import Base, UTCDateTime


class CountyRow(Base):
    __tablename__ = "county_setting"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(200))
    bureau: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    guarantee_minutes: Mapped[int] = mapped_column(Integer, default=60)
    initial_relief_hours: Mapped[int] = mapped_column(Integer, default=8)
    effective_relief_hours: Mapped[int] = mapped_column(Integer, default=10)
    crs: Mapped[str] = mapped_column(String(8), default="WGS84")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("guarantee_minutes > 0", name="guarantee_pos"),
        CheckConstraint("initial_relief_hours > 0 AND effective_relief_hours > 0", name="targets_pos"),
    )
