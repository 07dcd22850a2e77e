"""What is available to dispatch (可调用): physical and custodial stock now, agreement stock after its call-off lead
time, capacity reserve after activation. Agreements are records, not movements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from stockpile.domain.model import (
    AgreementLine,
    Balance,
    CapacityReserve,
    Lot,
    OwnerType,
    ReserveMode,
    Site,
    SiteType,
)


@dataclass(frozen=True, slots=True)
class Source:
    """One source of an item: how many units, from where, ready after how many minutes."""

    site_id: int
    item_id: int
    mode: ReserveMode
    qty: int
    lead_minutes: int
    per_day: int = 0  # capacity reserve: units per day once active
    reference: str = ""


def reserve_mode(site: Site, lot: Lot) -> ReserveMode:
    """Government goods at a government site are 实物; at an enterprise site they are 企业代储."""
    if lot.owner_type is OwnerType.GOVERNMENT and site.owner_type is not OwnerType.GOVERNMENT:
        return ReserveMode.CUSTODIAL
    return ReserveMode.PHYSICAL


def available_sources(
    balances: Iterable[Balance],
    lots: Mapping[int, Lot],
    sites: Mapping[int, Site],
    agreements: Iterable[AgreementLine],
    capacity: Iterable[CapacityReserve],
    on: date,
) -> list[Source]:
    """Every source per (site, item, mode): on hand − reserved of unexpired lots (loading minutes as lead time),
    valid and verified agreement quantity with its lead time, valid capacity reserve with its activation time."""
    physical: dict[tuple[int, int, ReserveMode], int] = {}
    for b in balances:
        site, lot = sites.get(b.site_id), lots[b.lot_id]
        if site is None or site.site_type is SiteType.TRANSIT or not site.active or lot.is_expired_on(on):
            continue
        if b.available <= 0:
            continue
        key = (b.site_id, b.item_id, reserve_mode(site, lot))
        physical[key] = physical.get(key, 0) + b.available
    out = [Source(s, i, mode, q, sites[s].loading_minutes) for (s, i, mode), q in sorted(physical.items())]
    for a in agreements:
        q = a.counted_qty(on)
        if q > 0:
            load = sites[a.holder_site_id].loading_minutes if a.holder_site_id in sites else 0
            out.append(
                Source(
                    a.holder_site_id,
                    a.item_id,
                    ReserveMode.AGREEMENT,
                    q,
                    a.lead_time_minutes + load,
                    reference=a.contract_code,
                )
            )
    for c in capacity:
        if c.is_valid_on(on):
            out.append(
                Source(
                    c.producer_site_id,
                    c.item_id,
                    ReserveMode.CAPACITY,
                    0,
                    c.activation_minutes,
                    per_day=c.units_per_day,
                )
            )
    return out
