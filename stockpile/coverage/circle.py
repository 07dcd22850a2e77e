"""The 1-hour guarantee circle measured on stock (1小时保障圈): which villages and shelters cannot receive their
required quantity of an item within T, from physical, custodial, agreement and capacity stock.

Rules:
- Required quantity per point = the item's requirement norm (per point + per 1 000 persons; reference data).
- Sources are what `domain.availability.available_sources` counts: physical and custodial stock now (after the
  site's loading minutes), verified agreement stock after its call-off lead time, capacity reserve in batches
  after activation. Damaged depots (a scenario) supply nothing; blocked areas change the travel matrix.
- A point is covered when the sources, in order of arrival, bring its full requirement by T; each point is judged
  alone unless `competitive` asks that every point draws on the same stock at once.
- The travel matrix comes from the injected provider (integer seconds, -1 unreachable); an offline estimate or a
  fallback carries a notice the page and CLI show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from optimizer import (
    CoverageProblem,
    DemandPoint,
    Source,
    SourceKind,
    ThresholdCoverage,
    competitive_coverage,
    compute_coverage,
    reachable_points,
)
from stockpile import clock
from stockpile.coverage.commands import CircleQuery
from stockpile.coverage.report import (
    CircleReport,
    PointRow,
    SourceRow,
    TargetRow,
    TownshipRow,
    TravelInfo,
)
from stockpile.domain.availability import Source as Availability
from stockpile.domain.availability import available_sources
from stockpile.domain.coverage_world import CoverageWorld, RequirementNorm, UnknownCoverageItem
from stockpile.domain.errors import UnknownItem, UnknownSite
from stockpile.domain.model import ReserveMode, Site

__all__ = [
    "CircleReport",
    "CoverageDeps",
    "PointRow",
    "SourceRow",
    "TargetRow",
    "TownshipRow",
    "TravelInfo",
    "circle",
    "reach_areas",
]


@dataclass(frozen=True)
class CoverageDeps:
    """What bootstrap injects: the read side, norms, the travel gateway and the configured thresholds."""

    read_world: Callable[[], CoverageWorld]
    norms: tuple[RequirementNorm, ...]
    travel: Any  # adapters.read.coverage_world.TravelGateway: matrix(origins, destinations, profile, avoid)
    read_avoid_areas: Callable[[bytes, str], Any]
    profile: str = "driving-hgv"
    guarantee_s: int = 3600
    relief_targets_s: tuple[int, ...] = (8 * 3600, 10 * 3600)
    capacity_batch_s: int = 6 * 3600
    siting_time_limit_s: float = 20.0
    solve_time_limit_s: float = 10.0
    # a candidate file: (bytes, filename) → the reader's table; a point's cells → WGS-84 (coverage/candidates.py)
    read_table: Callable[[bytes, str], Any] | None = None
    read_point: Callable[..., Any] | None = None
    # the norms are the reference figures shipped for the demo county, not a county's own file
    # (RELIEF_COVERAGE_NORMS_FILE): every screen and the CLI say so
    norms_are_reference: bool = False


def norms_for(
    deps: CoverageDeps, item_codes: tuple[str, ...], overrides: tuple[RequirementNorm, ...]
) -> dict[str, RequirementNorm]:
    """The norm of each item (an override wins); UnknownCoverageItem if an item has none."""
    table = {n.item_code: n for n in deps.norms}
    table.update({n.item_code: n for n in overrides})
    missing = [c for c in item_codes if c not in table]
    if missing:
        raise UnknownCoverageItem(item_code=missing[0])
    return {c: table[c] for c in item_codes}


def _kind(a: Availability) -> SourceKind:
    if a.mode is ReserveMode.AGREEMENT:
        return SourceKind.AGREEMENT
    if a.mode is ReserveMode.CAPACITY:
        return SourceKind.CAPACITY
    return SourceKind.PHYSICAL


def build_sources(
    world: CoverageWorld, item_codes: tuple[str, ...], on: date, horizon_s: int, batch_s: int
) -> tuple[list[Source], list[int], dict[int, set[str]]]:
    """Optimizer sources grouped by (site, kind, lead), the site id of each, and the modes per site.

    Physical and custodial stock: loading only. Agreement: the call-off lead, then loading. Capacity: activation,
    then `per_day × batch_s ÷ 86 400` units (rounded up) per batch, as many batches as fit by the horizon.
    """
    ids = {world.items[c][0]: k for k, c in enumerate(item_codes)}
    avail = [
        a
        for a in available_sources(
            world.balances, world.lots, world.sites, world.agreements, world.capacity, on
        )
        if a.item_id in ids and a.site_id in world.sites
    ]
    groups: dict[tuple[int, SourceKind, int], list[int]] = {}
    batch: dict[tuple[int, SourceKind, int], list[int]] = {}
    modes: dict[int, set[str]] = {}
    n = len(item_codes)
    for a in avail:
        kind = _kind(a)
        key = (a.site_id, kind, a.lead_minutes)
        qty = groups.setdefault(key, [0] * n)
        modes.setdefault(a.site_id, set()).add(a.mode.value)
        if kind is SourceKind.CAPACITY:
            per = -(-a.per_day * batch_s // 86_400)
            batch.setdefault(key, [0] * n)[ids[a.item_id]] += per
            lead = a.lead_minutes * 60
            qty[ids[a.item_id]] += per * max(0, (horizon_s - lead) // batch_s)
        else:
            qty[ids[a.item_id]] += a.qty
    sources, site_of = [], []
    for (site_id, kind, lead_min), qty in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2])
    ):
        site = world.sites[site_id]
        loading = site.loading_minutes * 60
        if kind is SourceKind.PHYSICAL:
            src = Source(f"{site.code}|{kind}|{lead_min}", kind, tuple(qty), loading_s=lead_min * 60)
        elif kind is SourceKind.AGREEMENT:
            lead = max(0, lead_min * 60 - loading)
            src = Source(f"{site.code}|{kind}|{lead_min}", kind, tuple(qty), loading_s=loading, lead_s=lead)
        else:
            per_batch = tuple(batch[(site_id, kind, lead_min)])
            src = Source(
                f"{site.code}|{kind}|{lead_min}",
                kind,
                tuple(qty),
                loading_s=loading,
                lead_s=lead_min * 60,
                batch_s=batch_s,
                batch_qty=per_batch,
            )
        if any(qty):
            sources.append(src)
            site_of.append(site_id)
    return sources, site_of, modes


def _site_codes(world: CoverageWorld, codes: frozenset[str]) -> set[int]:
    by_code = {s.code: i for i, s in world.sites.items()}
    unknown = sorted(c for c in codes if c not in by_code)
    if unknown:
        raise UnknownSite(site_code=unknown[0])
    return {by_code[c] for c in codes}


def travel_rows(
    deps: CoverageDeps, sites: list[Site], points: list[tuple[float, float]], avoid: Any
) -> tuple[dict[int, tuple[int, ...]], TravelInfo]:
    """Travel seconds site → point (one matrix call over the distinct sites), and where they came from."""
    origins = [(s.location.lon, s.location.lat) for s in sites]
    info_avoid = getattr(avoid, "version", None)
    if not origins or not points:
        return {s.id: () for s in sites}, TravelInfo("offline", None, "", info_avoid)
    m = deps.travel.matrix(origins, points, deps.profile, avoid)
    rows = {s.id: tuple(m.duration_s[k]) for k, s in enumerate(sites)}
    return rows, TravelInfo(m.source, m.notice, m.detail, info_avoid)


def check_items(world: CoverageWorld, item_codes: tuple[str, ...]) -> None:
    for c in item_codes:
        if c not in world.items:
            raise UnknownItem(item_code=c)
    if not item_codes:
        raise UnknownItem(item_code="")


def circle(query: CircleQuery, deps: CoverageDeps) -> CircleReport:
    """Load → build the integer problem → optimizer.coverage.solve → rows with codes and names (nothing is written)."""
    return _circle(query, deps, deps.read_world())


def _circle(query: CircleQuery, deps: CoverageDeps, world: CoverageWorld) -> CircleReport:
    check_items(world, query.item_codes)
    norms = norms_for(deps, query.item_codes, query.norms)
    on = query.on or clock.today()
    t = deps.guarantee_s if query.threshold_s is None else query.threshold_s
    thresholds = (t, *[x for x in deps.relief_targets_s if x != t])
    horizon = max(thresholds)
    sources, site_of, modes = build_sources(world, query.item_codes, on, horizon, deps.capacity_batch_s)
    damaged_ids = _site_codes(world, query.scenario.damaged_site_codes)
    used_sites = [world.sites[i] for i in sorted(set(site_of) | damaged_ids)]
    pts = world.demand
    rows, info = travel_rows(deps, used_sites, [(p.lon, p.lat) for p in pts], query.scenario.avoid)
    problem = CoverageProblem(
        item_ids=query.item_codes,
        points=tuple(
            DemandPoint(
                p.code,
                p.population,
                p.township_code,
                tuple(norms[c].required(p.population, p.kind) for c in query.item_codes),
            )
            for p in pts
        ),
        sources=tuple(sources),
        travel_s=tuple(rows[s] for s in site_of),
        thresholds_s=thresholds,
        damaged_source_ids=frozenset(
            src.id for src, s in zip(sources, site_of, strict=True) if s in damaged_ids
        ),
    )
    result = compute_coverage(problem)
    at_t = competitive_coverage(problem, t) if query.competitive else result.at(t)
    return CircleReport(
        threshold_s=t,
        items=tuple((c, world.items[c][1], world.items[c][2]) for c in query.item_codes),
        points=_point_rows(world, problem, result.earliest_arrival_s, at_t),
        townships=_township_rows(world, at_t),
        targets=tuple(_target(result.at(x) if x != t else at_t) for x in thresholds),
        sources=_source_rows(world, problem, site_of, modes, damaged_ids, reachable_points(problem, t)),
        travel=info,
        competitive=query.competitive,
    )


def _point_rows(
    world: CoverageWorld,
    problem: CoverageProblem,
    earliest: tuple[tuple[int | None, ...], ...],
    at_t: ThresholdCoverage,
) -> tuple[PointRow, ...]:
    reasons: dict[str, dict[str, str]] = {}
    for u in at_t.uncovered:
        reasons.setdefault(u.point_id, {})[u.item_id] = u.reason.value
    items = problem.item_ids
    return tuple(
        PointRow(
            code=p.code,
            name=p.name,
            kind=p.kind,
            township_code=p.township_code,
            township_name=world.townships.get(p.township_code, (p.township_code, None, None))[0],
            population=p.population,
            lon=p.lon,
            lat=p.lat,
            required=dict(zip(items, dp.required, strict=True)),
            earliest_s=dict(zip(items, earliest[k], strict=True)),
            reasons=reasons.get(p.code, {}),
        )
        for k, (p, dp) in enumerate(zip(world.demand, problem.points, strict=True))
    )


def _township_rows(world: CoverageWorld, at_t: ThresholdCoverage) -> tuple[TownshipRow, ...]:
    return tuple(
        TownshipRow(
            t.township_id,
            world.townships.get(t.township_id, (t.township_id, None, None))[0],
            t.item_id or "*",
            t.points,
            t.points_uncovered,
            t.population,
            t.population_uncovered,
        )
        for t in at_t.townships
    )


def _target(tc: ThresholdCoverage) -> TargetRow:
    c = tc.county(None)
    return TargetRow(tc.threshold_s, c.points, c.points_uncovered, c.population, c.population_uncovered)


def _source_rows(
    world: CoverageWorld,
    problem: CoverageProblem,
    site_of: list[int],
    modes: dict[int, set[str]],
    damaged: set[int],
    reach: dict[str, tuple[int, ...]],
) -> tuple[SourceRow, ...]:
    n = len(problem.item_ids)
    qty: dict[int, list[int]] = {}
    reached: dict[int, set[int]] = {}
    for src, s in zip(problem.sources, site_of, strict=True):
        acc = qty.setdefault(s, [0] * n)
        for i, q in enumerate(src.available):
            acc[i] += q
        reached.setdefault(s, set()).update(reach.get(src.id, ()))
    out = []
    for s in sorted(set(site_of) | damaged):
        site = world.sites[s]
        out.append(
            SourceRow(
                site.code,
                site.name,
                site.site_type.value,
                tuple(sorted(modes.get(s, set()))),
                site.location.lon,
                site.location.lat,
                dict(zip(problem.item_ids, qty.get(s, [0] * n), strict=True)),
                s in damaged,
                tuple(problem.points[p].id for p in sorted(reached.get(s, set()))),
            )
        )
    return tuple(out)


def reach_areas(report: CircleReport, deps: CoverageDeps, avoid: Any = None) -> list[dict[str, Any]]:
    """Road isochrones (T) around the undamaged sources when a router is configured, else [] (hulls offline).

    Each entry: {"site_code", "polygon": [[lon, lat], ...] outer ring, "source"}.
    """
    live = [s for s in report.sources if not s.damaged]
    iso = deps.travel.isochrones([(s.lon, s.lat) for s in live], [report.threshold_s], deps.profile, avoid)
    if iso is None:
        return []
    return [
        {
            "site_code": live[x.point_index].code,
            "polygon": [[p.lon, p.lat] for p in x.polygon[0]],
            "source": x.source,
        }
        for x in iso.isochrones
        if x.polygon
    ]


def review_rows(deps: CoverageDeps) -> list[dict[str, object]]:
    """The annual review's coverage table (年度储备计划审查): per township, the share of the population that gets every
    item with a configured norm within the guarantee circle, from physical + agreement + capacity stock."""
    world = deps.read_world()  # a norm for an item the county does not keep (the reference norms') is no gap
    codes = tuple(sorted({n.item_code for n in deps.norms} & set(world.items)))
    if not codes:
        return []
    report = _circle(CircleQuery(item_codes=codes), deps, world)
    people = report.township_people()
    return [
        {
            "area_code": row.township_code,
            "area_name": row.township_name,
            "population_villages": people.get(row.township_code, (row.population, 0))[0],
            "population_shelters": people.get(row.township_code, (row.population, 0))[1],
            "covered_pct": round(100 * row.ratio, 1),
        }
        for row in report.townships
        if row.item_code == "*"
    ]
