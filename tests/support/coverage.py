"""Small coverage worlds for service tests: a fake read side and a fixed travel matrix (no database, no network).

`reference_circle` is the brute-force rule written independently of the optimizer: list every (arrival, qty)
a point can get, sort, and find when the running total first reaches the requirement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from stockpile.coverage.circle import CoverageDeps
from stockpile.domain.coverage_world import CoverageWorld, DemandSite, RequirementNorm
from stockpile.domain.model import (
    AdminLevel,
    AgreementLine,
    Balance,
    LonLat,
    Lot,
    OwnerType,
    Site,
    SiteType,
)

ON = date(2026, 6, 1)
ITEMS = {"1010101": (1, "单帐篷", "顶"), "1020101": (2, "瓶装水", "瓶")}


@dataclass(frozen=True)
class FakeMatrix:
    duration_s: tuple[tuple[int, ...], ...]
    source: str = "offline"
    notice: str | None = None
    detail: str = ""


@dataclass
class FakeTravel:
    """Looks the travel time up by (origin, destination) coordinates; unknown pairs are unreachable (-1)."""

    times: dict[tuple[tuple[float, float], tuple[float, float]], int]
    calls: list[object] = field(default_factory=list)

    def matrix(self, origins, destinations, profile, avoid=None) -> FakeMatrix:
        self.calls.append(avoid)
        return FakeMatrix(tuple(tuple(self.times.get((o, d), -1) for d in destinations) for o in origins))

    def isochrones(self, points, ranges_s, profile, avoid=None):
        return None


def site(i: int, loading_min: int, kind: SiteType = SiteType.POINT) -> Site:
    owner = OwnerType.GOVERNMENT if kind in (SiteType.POINT, SiteType.DEPOT) else OwnerType.ENTERPRISE
    return Site(
        id=i,
        code=f"S{i}",
        name=f"库{i}",
        admin_level=AdminLevel.TOWNSHIP,
        site_type=kind,
        owner_type=owner,
        area_code="T1",
        location=LonLat(115.0 + i / 100, 29.0),
        loading_minutes=loading_min,
    )


def village(j: int, population: int, township: str = "T1") -> DemandSite:
    return DemandSite(f"V{j}", f"村{j}", "village", township, population, 116.0 + j / 100, 29.5, 1 + j % 3)


def world(
    sites: list[Site],
    villages: list[DemandSite],
    stock: dict[tuple[int, str], int],
    agreements: list[tuple[int, str, int, int]] = (),  # (site id, item, qty, lead minutes)
) -> CoverageWorld:
    lots = {k: Lot(k, ITEMS[item][0], f"L{k}", None) for k, (_, item) in enumerate(stock, start=1)}
    balances = tuple(
        Balance(s, ITEMS[item][0], k, q, 0)
        for k, ((s, item), q) in enumerate(stock.items(), start=1)
        if q > 0
    )
    ags = tuple(
        AgreementLine(f"C{n}", s, ITEMS[item][0], q, lead, date(2026, 1, 1), date(2026, 12, 31), ON, q)
        for n, (s, item, q, lead) in enumerate(agreements)
    )
    return CoverageWorld(
        items=dict(ITEMS),
        townships={"T1": ("一镇", 116.0, 29.5), "T2": ("二乡", 116.1, 29.6)},
        demand=tuple(villages),
        sites={s.id: s for s in sites},
        balances=balances,
        lots=lots,
        agreements=ags,
        capacity=(),
    )


def deps(w: CoverageWorld, travel: FakeTravel, norms: tuple[RequirementNorm, ...], **kw) -> CoverageDeps:
    return CoverageDeps(
        read_world=lambda: w,
        norms=norms,
        travel=travel,
        read_avoid_areas=lambda data, version: None,
        **kw,
    )


def reference_circle(
    w: CoverageWorld, travel: FakeTravel, norm: RequirementNorm, item: str, threshold_s: int, damaged=()
) -> dict[str, str | None]:
    """Brute force: point code → None (covered) or the reason, for one item at one threshold."""
    offers: list[tuple[Site, int, int]] = []  # (site, ready seconds before travel, qty)
    item_id = ITEMS[item][0]
    for b in w.balances:
        if b.item_id == item_id and w.sites[b.site_id].code not in damaged:
            s = w.sites[b.site_id]
            offers.append((s, s.loading_minutes * 60, b.on_hand - b.reserved))
    for a in w.agreements:
        s = w.sites[a.holder_site_id]
        if a.item_id == item_id and s.code not in damaged:
            offers.append((s, (a.lead_time_minutes + s.loading_minutes) * 60, a.counted_qty(ON)))
    out: dict[str, str | None] = {}
    for p in w.demand:
        need = norm.required(p.population, p.kind)
        if need == 0:
            continue

        def earliest(zero_leads: bool, p=p, need=need) -> float:
            arr = []
            for s, ready, q in offers:
                t = travel.times.get(((s.location.lon, s.location.lat), (p.lon, p.lat)), -1)
                if t < 0:
                    continue
                base = s.loading_minutes * 60 if zero_leads else ready
                arr.append((base + t, q))
            total = 0
            for when, q in sorted(arr):
                total += q
                if total >= need:
                    return when
            return float("inf")

        if earliest(False) <= threshold_s:
            out[p.code] = None
        elif sum(q for _, _, q in offers) < need:
            out[p.code] = "no_stock"
        elif earliest(True) <= threshold_s:
            out[p.code] = "agreement_too_slow"
        else:
            out[p.code] = "too_far"
    return out
