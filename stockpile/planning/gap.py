"""Gap report (储备缺口) and expiry dashboard (近效期看板).

Gap rules:
- A standard (level, area, item) applies to that area, or to every area of the level when `area` is "".
- A site counts towards the scope (level L, area A) when its admin level is L and its area is A or lies inside A;
  so do agreement holders (their valid, verified quantity, see `agreements.counted_agreement`).
- Counted = physical (if the standard counts it) + custodial 代储 (if counted) + agreement (if counted, at most
  `agreement_cap_pct` % of the standard). Expired lots never count. Gap = max(0, standard − counted).
- Days of supply = counted ÷ daily need at the per-capita norm (`reserve.standards.days_of_supply`); none for
  absolute standards (no consumption norm). Counting, the agreement cap and the gap are `reserve.standards.site_gap`
  applied to the whole scope.
- Site rows show each site's stock; they carry the scope's standard only where the site is the scope's only
  site (otherwise the standard belongs to the level, not to one building).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from stockpile.planning.agreements import counted_agreement
from stockpile.ports.uow import AbstractReserveUnitOfWork
from stockpile.reserve import expiry
from stockpile.reserve import standards as rules
from stockpile.reserve.records import (
    AreaRef,
    CallOffRecord,
    Contract,
    ItemRef,
    PlanningConfig,
    SiteRef,
    Standard,
    StandardBasis,
    StockLot,
)


@dataclass(frozen=True, slots=True)
class ReserveData:
    """Everything the gap, rotation and review computations read, loaded in one unit of work."""

    areas: tuple[AreaRef, ...]
    sites: tuple[SiteRef, ...]
    items: tuple[ItemRef, ...]
    lots: tuple[StockLot, ...]
    contracts: tuple[Contract, ...]
    calloffs: tuple[CallOffRecord, ...]
    standards: tuple[Standard, ...]

    def area(self, code: str) -> AreaRef | None:
        return next((a for a in self.areas if a.code == code), None)


def load_data(uow: AbstractReserveUnitOfWork) -> ReserveData:
    with uow:
        r = uow.reserve
        return ReserveData(
            tuple(r.areas()),
            tuple(r.sites()),
            tuple(r.items()),
            tuple(r.stock_lots()),
            tuple(r.contracts()),
            tuple(r.calloffs()),
            tuple(r.standards()),
        )


def _inside(data: ReserveData, code: str, ancestor: str) -> bool:
    parents = {a.code: a.parent_code for a in data.areas}
    cur: str | None = code
    while cur:
        if cur == ancestor:
            return True
        cur = parents.get(cur)
    return False


def scopes(data: ReserveData) -> list[tuple[Standard, AreaRef]]:
    """Every (standard, area) pair the standards define; an area-specific row overrides the level-wide one."""
    specific = {(s.level, s.area_code, s.item_code) for s in data.standards if s.area_code}
    out = []
    for s in data.standards:
        for a in data.areas:
            if a.level != s.level or (s.area_code and a.code != s.area_code):
                continue
            if not s.area_code and (s.level, a.code, s.item_code) in specific:
                continue
            out.append((s, a))
    return out


def _scope_sites(data: ReserveData, level: str, area: str) -> list[SiteRef]:
    return [x for x in data.sites if x.level == level and _inside(data, x.area_code, area)]


def rule_of(std: Standard) -> rules.ReserveStandard:
    """A DB standard as the pure rule (`reserve.standards.ReserveStandard`)."""
    modes = {
        rules.ReserveMode.PHYSICAL: std.counts_physical,
        rules.ReserveMode.CUSTODIAL: std.counts_custodial,
        rules.ReserveMode.AGREEMENT: std.counts_agreement,
    }
    per_capita = std.basis is StandardBasis.PER_CAPITA
    return rules.ReserveStandard(
        rules.AdminLevel(std.level),
        std.item_code,
        absolute_qty=None if per_capita else std.qty,
        norm=rules.PerCapitaNorm(std.per_1000_per_day, 1000) if per_capita else None,
        sustain_days=max(1, std.sustain_days),
        counted_modes=frozenset(m for m, on in modes.items() if on),
        max_agreement_share=(std.agreement_cap_pct, 100),
    )


def scope_gap(std: Standard, area: AreaRef, physical: int, custodial: int, agreement: int) -> rules.GapLine:
    """`reserve.standards.site_gap` applied to a whole scope (level × area) with the area's population:
    modes that count, the agreement cap, gap and days of supply at the per-capita norm."""
    key = f"{std.level}:{area.code}"
    scope = rules.Site(key, rules.AdminLevel(std.level), area.code, area.population)
    held = [
        rules.Holding(key, std.item_code, rules.ReserveMode.PHYSICAL, physical),
        rules.Holding(key, std.item_code, rules.ReserveMode.CUSTODIAL, custodial),
        rules.Holding(key, std.item_code, rules.ReserveMode.AGREEMENT, agreement),
    ]
    rule = rule_of(std)
    return rules.site_gap(scope, rule, held, rule.norm)


def gap_rows(data: ReserveData, on: date, cfg: PlanningConfig) -> list[dict[str, Any]]:
    """One row per scope × item: standard, physical, custodial, agreement, counted, gap, days of supply."""
    items = {i.code: i for i in data.items}
    by_id = {i.id: i.code for i in data.items}
    rows = []
    for std, area in scopes(data):
        sites = _scope_sites(data, std.level, area.code)
        ids = {x.id for x in sites}
        item = items[std.item_code]
        lots = [
            lt
            for lt in data.lots
            if lt.site_id in ids
            and by_id[lt.item_id] == std.item_code
            and (lt.expiry is None or lt.expiry > on)
        ]
        physical = sum(lt.on_hand for lt in lots if lt.mode == "physical")
        custodial = sum(lt.on_hand for lt in lots if lt.mode == "custodial")
        agreement = sum(
            counted_agreement(c, ln, on, list(data.calloffs), cfg.check_interval_days)
            for c in data.contracts
            if c.holder_site_id in ids
            for ln in c.lines
            if ln.item_code == std.item_code
        )
        g = scope_gap(std, area, physical, custodial, agreement)
        rows.append(
            {
                "scope": std.level,
                "area_code": area.code,
                "area_name": area.name,
                "site_code": sites[0].code if len(sites) == 1 else "",
                "item_code": item.code,
                "item_name": item.name,
                "unit": item.unit,
                "standard": g.standard,
                "physical": physical,
                "custodial": custodial,
                "agreement": agreement,
                "agreement_counted": g.agreement_counted,
                "counted": g.counted,
                "gap": g.gap,
                "coverage_pct": 100 * g.counted // g.standard if g.standard else 100,
                "days_of_supply": g.days_of_supply,
            }
        )
    return rows


def site_rows(data: ReserveData, on: date, gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per site × item: unexpired stock; the standard and gap where the site is its scope's only site."""
    by_id = {i.id: i for i in data.items}
    sole = {(g["site_code"], g["item_code"]): g for g in gaps if g["site_code"]}
    qty: dict[tuple[int, int], int] = defaultdict(int)
    for lt in data.lots:
        if lt.expiry is None or lt.expiry > on:
            qty[(lt.site_id, lt.item_id)] += lt.on_hand
    sites = {x.id: x for x in data.sites}
    rows = []
    for (sid, iid), q in sorted(qty.items()):
        s, it = sites[sid], by_id[iid]
        g = sole.get((s.code, it.code))
        rows.append(
            {
                "scope": "site",
                "area_code": s.area_code,
                "area_name": s.name,
                "site_code": s.code,
                "item_code": it.code,
                "item_name": it.name,
                "unit": it.unit,
                "standard": g["standard"] if g else None,
                "physical": q,
                "gap": g["gap"] if g else None,
                "days_of_supply": g["days_of_supply"] if g else None,
            }
        )
    return rows


def gap_report(
    uow: AbstractReserveUnitOfWork, on: date, cfg: PlanningConfig
) -> dict[str, list[dict[str, Any]]]:
    """Gap report per county, township (and village) scope and per site."""
    data = load_data(uow)
    gaps = gap_rows(data, on, cfg)
    return {"scopes": gaps, "sites": site_rows(data, on, gaps)}


def expiry_rows(data: ReserveData, on: date) -> list[dict[str, Any]]:
    """Per site × item × bucket (`reserve.expiry`: expired, ≤30, ≤60, ≤90, ≤180 days): quantity, value (fen)."""
    items = {i.id: i for i in data.items}
    sites = {s.id: s for s in data.sites}
    lots = [
        expiry.StockLot(
            sites[lt.site_id].code,
            items[lt.item_id].code,
            str(lt.lot_id),
            lt.on_hand,
            lt.expiry,
            items[lt.item_id].price_fen,
        )
        for lt in data.lots
    ]
    n_lots: dict[tuple[str, str, str | None], int] = defaultdict(int)
    for x in lots:
        n_lots[(x.site_id, x.item_code, expiry.bucket_of(x.expiry, on))] += 1
    by_site = {s.code: s for s in data.sites}
    by_item = {i.code: i for i in data.items}
    order = ["expired", *(f"le_{d}" for d in expiry.DEFAULT_THRESHOLDS)]
    rows = [
        {
            "bucket": ln.bucket,
            "site_code": ln.site_id,
            "site_name": by_site[ln.site_id].name,
            "item_code": ln.item_code,
            "item_name": by_item[ln.item_code].name,
            "unit": by_item[ln.item_code].unit,
            "lots": n_lots[(ln.site_id, ln.item_code, ln.bucket)],
            "qty": ln.qty,
            "value_fen": ln.value_fen,
        }
        for ln in expiry.expiry_report(lots, on)
    ]
    return sorted(rows, key=lambda r: (order.index(r["bucket"]), r["site_code"], r["item_code"]))


def move_to_agreement(data: ReserveData, on: date, cfg: PlanningConfig) -> list[dict[str, Any]]:
    """Items `reserve.expiry.recommend_agreement_reserve` picks (short shelf life, 000:295) that are held
    physically with stock expiring within 180 days: the retailer's own turnover would do the rotating."""
    profiles = [expiry.ItemProfile(i.code, i.shelf_life_days) for i in data.items]
    picked = {
        r.item_code: r.reason
        for r in expiry.recommend_agreement_reserve(profiles, cfg.short_shelf_life_days, 10**9)
    }
    price = {i.id: i.price_fen for i in data.items}
    at_risk: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for lt in data.lots:
        if lt.expiry is None or lt.mode != "physical":
            continue
        c = at_risk[lt.item_id]
        c[0] += lt.on_hand
        if (lt.expiry - on).days <= 180:
            c[1] += lt.on_hand
            c[2] += lt.on_hand * price[lt.item_id]
    holders = {ln.item_code for c in data.contracts if c.valid_to >= on for ln in c.lines}
    rows = []
    for it in data.items:
        held, risky, value = at_risk.get(it.id, [0, 0, 0])
        if it.code not in picked or risky == 0:
            continue
        rows.append(
            {
                "item_code": it.code,
                "item_name": it.name,
                "unit": it.unit,
                "shelf_life_days": it.shelf_life_days,
                "physical_qty": held,
                "at_risk_qty": risky,
                "at_risk_value_fen": value,
                "has_agreement": it.code in holders,
                "recommendation": "extend_agreement" if it.code in holders else "new_agreement",
            }
        )
    return sorted(rows, key=lambda r: -int(r["at_risk_value_fen"]))


def expiry_dashboard(
    uow: AbstractReserveUnitOfWork, on: date, cfg: PlanningConfig
) -> dict[str, list[dict[str, Any]]]:
    data = load_data(uow)
    return {"buckets": expiry_rows(data, on), "recommendations": move_to_agreement(data, on, cfg)}
