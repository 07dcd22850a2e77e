"""Places for the events tests: a second township, three villages (two of 城关镇, one of 沙洲镇), a shelter, a
water norm and the informant inf1 of 城关镇, written straight through the ORM on top of `seed_minimal`."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.auth import UserRow
from stockpile.adapters.orm.dispatch import RationNormRow
from stockpile.adapters.orm.events import UserAreaRow

T2 = "360499102"  # a second township
V1, V2, V3 = "360499101201", "360499101202", "360499102201"  # two villages of 城关镇, one of the second
SHELTER = "SH-01"


def seed_places(engine, world) -> None:
    with Session(engine) as s, s.begin():
        s.add(
            orm.AdminAreaRow(
                code=T2, name="沙洲镇", level="township", parent_code=world.county, lon=115.95, lat=29.63
            )
        )
        s.flush()
        for code, town, name in (
            (V1, world.township, "东村"),
            (V2, world.township, "西村"),
            (V3, T2, "南村"),
        ):
            s.add(
                orm.AdminAreaRow(
                    code=code, name=name, level="village", parent_code=town, lon=115.91, lat=29.62
                )
            )
        s.add(
            orm.ShelterRow(
                code=SHELTER, name="城关中学避难场所", township_code=world.township, lon=115.93, lat=29.6
            )
        )
        s.add(
            RationNormRow(
                item_id=s.scalar(select(orm.ItemRow.id).where(orm.ItemRow.code == world.water)),
                units_per_100=300,
                per_day=True,
                priority_only=False,
            )
        )
        inf = UserRow(
            username="inf1", role="informant", password_hash="", created_at=datetime(2026, 1, 1, tzinfo=UTC)
        )
        s.add(inf)
        s.flush()
        s.add(UserAreaRow(user_id=inf.id, area_code=world.township))
