"""The demo county's storage sites (invented for the demo): a county depot, an equipment store and a team base,
11 township points, a custodial (代储) enterprise warehouse and three agreement holders."""

from __future__ import annotations

from datetime import date
from typing import Any

from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.demo.county import COUNTY

GOVERNMENT = {"owner_type": "government", "owner_name": "示范县应急管理局"}


def build_sites(uow: SqlAlchemyUnitOfWork, towns: list[dict[str, Any]], today: date) -> dict[str, int]:
    """Every demo site; their ids by code."""
    _county_sites(uow)
    _township_points(uow, towns)
    _enterprise_sites(uow)
    return dict(uow.master.site_ids())


def _county_sites(uow: SqlAlchemyUnitOfWork) -> None:
    """The government's county-level sites: depot XJK, flood equipment store FXK, forest fire team base SLXF."""
    m = uow.master
    m.add_site(
        code="XJK",
        name="示范县救灾物资储备库",
        admin_level="county",
        site_type="depot",
        area_code=COUNTY,
        lon=115.905,
        lat=29.595,
        loading_minutes=20,
        hazard_types="flood,earthquake,fire",
        **GOVERNMENT,
    )
    m.add_site(
        code="FXK",
        name="示范县防汛抗旱物资仓库",
        admin_level="county",
        site_type="equipment_store",
        area_code=COUNTY,
        lon=115.955,
        lat=29.640,
        loading_minutes=25,
        hazard_types="flood,drought",
        **GOVERNMENT,
    )
    m.add_site(
        code="SLXF",
        name="示范县森林消防队营房",
        admin_level="county",
        site_type="team_base",
        area_code=f"{COUNTY}103",
        lon=115.76,
        lat=29.48,
        loading_minutes=15,
        hazard_types="forest_fire",
        **GOVERNMENT,
    )


def _township_points(uow: SqlAlchemyUnitOfWork, towns: list[dict[str, Any]]) -> None:
    """One storage point (XZ01 …) in each of the first 11 townships."""
    for t in towns[:11]:
        uow.master.add_site(
            code=f"XZ{t['index']:02d}",
            name=f"{t['name']}应急物资储备点",
            admin_level="township",
            site_type="point",
            area_code=t["code"],
            lon=round(t["lon"] + 0.004, 5),
            lat=round(t["lat"] - 0.003, 5),
            loading_minutes=10,
            hazard_types="flood",
            **GOVERNMENT,
        )


def _enterprise_sites(uow: SqlAlchemyUnitOfWork) -> None:
    """Enterprise sites: the custodial warehouse DC-WLY and the three agreement holders."""
    m = uow.master
    ent = {"owner_type": "enterprise", "admin_level": "county", "area_code": COUNTY}
    m.add_site(
        code="DC-WLY",
        name="示范县物流园代储仓库",
        site_type="enterprise_warehouse",
        owner_name="示范物流园有限公司",
        lon=115.93,
        lat=29.57,
        loading_minutes=20,
        **ent,
    )
    m.add_site(
        code="XY-CS",
        name="联华超市示范店(协议储备)",
        site_type="supermarket",
        owner_name="联华超市示范店",
        lon=115.91,
        lat=29.61,
        loading_minutes=15,
        **ent,
    )
    m.add_site(
        code="XY-SP",
        name="康源食品厂(协议/产能储备)",
        site_type="producer",
        owner_name="示范康源食品有限公司",
        lon=115.99,
        lat=29.52,
        loading_minutes=30,
        **ent,
    )
    m.add_site(
        code="XY-YF",
        name="仁和大药房(协议储备)",
        site_type="supermarket",
        owner_name="仁和大药房连锁",
        lon=115.90,
        lat=29.605,
        loading_minutes=10,
        **ent,
    )
