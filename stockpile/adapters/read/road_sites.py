"""The county's places a road extract must cover (`relief roads import`): depots and reserve sites, townships and
villages, and shelters — every one that has coordinates."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from stockpile.adapters.orm.ledger import AdminAreaRow, ShelterRow, SiteRow
from stockpile.adapters.travel.roads import Site
from stockpile.ports.travel import LonLat


def county_places(engine: Engine) -> list[Site]:
    with Session(engine) as s:
        sites = s.execute(
            select(SiteRow.code, SiteRow.name, SiteRow.lon, SiteRow.lat).where(
                SiteRow.active.is_(True), SiteRow.lon.is_not(None), SiteRow.lat.is_not(None)
            )
        ).all()
        areas = s.execute(
            select(AdminAreaRow.code, AdminAreaRow.name, AdminAreaRow.lon, AdminAreaRow.lat).where(
                AdminAreaRow.level.in_(("township", "village")),
                AdminAreaRow.lon.is_not(None),
                AdminAreaRow.lat.is_not(None),
            )
        ).all()
        shelters = s.execute(select(ShelterRow.code, ShelterRow.name, ShelterRow.lon, ShelterRow.lat)).all()
    return [
        Site(str(code), str(name), LonLat(float(lon or 0.0), float(lat or 0.0)))
        for code, name, lon, lat in (*sites, *areas, *shelters)
    ]
