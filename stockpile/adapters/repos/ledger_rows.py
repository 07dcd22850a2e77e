"""Ledger rows → domain objects: items, sites and lots as the use cases see them."""

from __future__ import annotations

from collections.abc import Sequence

from stockpile.adapters.orm import ledger as orm
from stockpile.domain.model import (
    AdminLevel,
    Category,
    Item,
    LonLat,
    Lot,
    LotSource,
    OperatingMode,
    OwnerType,
    Site,
    SiteType,
)


def item_from_row(r: orm.ItemRow, packs: Sequence[tuple[str, int]] = ()) -> Item:
    return Item(
        id=r.id,
        code=r.code,
        name_zh=r.name_zh,
        name_en=r.name_en,
        base_unit=r.base_unit,
        category=Category(r.category),
        unit_weight_g=r.unit_weight_g,
        unit_volume_cm3=r.unit_volume_cm3,
        shelf_life_days=r.shelf_life_days,
        needs_cold=r.needs_cold,
        needs_dry=r.needs_dry,
        hazardous=r.hazardous,
        price_fen=r.price_fen,
        packs=tuple(packs),
    )


def site_from_row(r: orm.SiteRow) -> Site:
    return Site(
        id=r.id,
        code=r.code,
        name=r.name,
        admin_level=AdminLevel(r.admin_level),
        site_type=SiteType(r.site_type),
        owner_type=OwnerType(r.owner_type),
        area_code=r.area_code or "",
        location=LonLat(r.lon or 0.0, r.lat or 0.0),
        loading_minutes=r.loading_minutes,
        operating_mode=OperatingMode(r.operating_mode),
        hazard_types=tuple(h for h in r.hazard_types.split(",") if h),
        owner_name=r.owner_name,
        active=r.active,
    )


def lot_from_row(r: orm.LotRow) -> Lot:
    return Lot(
        id=r.id,
        item_id=r.item_id,
        lot_no=r.lot_no,
        expiry=r.expiry,
        manufactured_on=r.manufactured_on,
        owner_type=OwnerType(r.owner_type),
        owner_name=r.owner_name,
        source=LotSource(r.source),
        donor=r.donor,
        received_at=r.received_at,
    )
