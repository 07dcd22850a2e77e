"""Small master-data worlds for tests, written straight through the ORM."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm


@dataclass(frozen=True)
class World:
    county: str = "360499"
    township: str = "360499101"
    depot: str = "D-COUNTY"
    point: str = "D-TS01"
    tent: str = "1010101"
    water: str = "1020101"
    pump: str = "2030101"
    # users (tests/support/factory.seed_users): keeper1 keeps the county depot, keeper2 the township point,
    # k keeps both; disp dispatches, plan plans, admin and admin2 administer
    keeper: str = "keeper1"


# username → (role, depots); passwords are not needed by the services (login tests set their own)
TEST_USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "keeper1": ("keeper", ("D-COUNTY",)),
    "keeper2": ("keeper", ("D-TS01",)),
    "k": ("keeper", ("D-COUNTY", "D-TS01")),
    "disp": ("dispatcher", ()),
    "disp2": ("dispatcher", ()),
    "disp1": ("dispatcher", ()),
    "plan": ("planner", ()),
    "admin": ("admin", ()),
    "admin2": ("admin", ()),
}


def seed_users(engine: Engine, users: dict[str, tuple[str, tuple[str, ...]]] = TEST_USERS) -> None:
    """Users with roles and depot assignments, written straight through the ORM (no password)."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from stockpile.adapters.orm.auth import UserRow, UserSiteRow

    with Session(engine) as s, s.begin():
        codes = {c: i for c, i in s.execute(select(orm.SiteRow.code, orm.SiteRow.id)).all()}
        for name, (role, sites) in users.items():
            u = UserRow(
                username=name, role=role, password_hash="", created_at=datetime(2026, 1, 1, tzinfo=UTC)
            )
            s.add(u)
            s.flush()
            s.add_all([UserSiteRow(user_id=u.id, site_id=codes[c]) for c in sites])


def seed_minimal(engine: Engine) -> World:
    w = World()
    with Session(engine) as s, s.begin():
        s.add(
            orm.AdminAreaRow(
                code=w.county, name="示范县", level="county", population=300000, lon=115.9, lat=29.6
            )
        )
        s.flush()
        s.add(
            orm.AdminAreaRow(
                code=w.township,
                name="城关镇",
                level="township",
                parent_code=w.county,
                population=40000,
                lon=115.92,
                lat=29.61,
                township_kind="zhen",
            )
        )
        s.flush()
        s.add_all(
            [
                orm.SiteRow(
                    code=w.depot,
                    name="县级救灾物资储备库",
                    admin_level="county",
                    site_type="depot",
                    owner_type="government",
                    area_code=w.county,
                    lon=115.9,
                    lat=29.6,
                    loading_minutes=20,
                ),
                orm.SiteRow(
                    code=w.point,
                    name="城关镇储备点",
                    admin_level="township",
                    site_type="point",
                    owner_type="government",
                    area_code=w.township,
                    lon=115.92,
                    lat=29.61,
                    loading_minutes=10,
                ),
            ]
        )
        tent = orm.ItemRow(
            code=w.tent,
            name_zh="单帐篷",
            name_en="Single tent",
            base_unit="顶",
            category="living_relief",
            unit_weight_g=25000,
            unit_volume_cm3=120000,
            price_fen=120000,
        )
        water = orm.ItemRow(
            code=w.water,
            name_zh="瓶装饮用水",
            name_en="Bottled water",
            base_unit="瓶",
            category="living_relief",
            unit_weight_g=600,
            unit_volume_cm3=700,
            shelf_life_days=540,
            price_fen=150,
        )
        pump = orm.ItemRow(
            code=w.pump,
            name_zh="排水泵",
            name_en="Drainage pump",
            base_unit="台",
            category="rescue",
            unit_weight_g=35000,
            unit_volume_cm3=90000,
            price_fen=300000,
        )
        s.add_all([tent, water, pump])
        s.flush()
        s.add(orm.ItemPackRow(item_id=water.id, unit="箱", factor=24))
    seed_users(engine)
    return w
