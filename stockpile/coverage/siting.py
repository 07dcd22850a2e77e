"""Siting what-if (新增储备点选址) and pre-positioning (预置) on the demo or real county, by codes and names.

Rules:
- Siting: open k new reserve points among the candidates (every village's own location and township seats
  without a point, or an uploaded list) to maximise population × hazard weight (多灾易灾, 灾后交通困难) within T of
  an open point, counting existing government depots and points (damaged ones excluded). Before/after figures
  come from the independent evaluator, not from the solver.
- Pre-positioning: move physical stock between existing points so every village's requirement lies within T
  (loading + travel) of the stock, least unit-seconds of moves first after the most population covered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from optimizer import (
    PrepositionProblem,
    SitingProblem,
    evaluate_prepositioning,
    evaluate_siting,
    solve_max_covering,
    solve_prepositioning,
)
from stockpile import clock
from stockpile.coverage.circle import (
    CoverageDeps,
    TravelInfo,
    _site_codes,
    check_items,
    norms_for,
)
from stockpile.coverage.commands import Candidate, PrepositionQuery, SitingQuery
from stockpile.domain.availability import available_sources
from stockpile.domain.coverage_world import CoverageWorld
from stockpile.domain.model import OwnerType, ReserveMode, Site, SiteType

HOLDING_TYPES = (SiteType.DEPOT, SiteType.POINT)


@dataclass(frozen=True)
class SitingReport:
    """Chosen sites and coverage before (existing points) and after (plus the chosen), by population."""

    threshold_s: int
    k: int
    chosen: tuple[Candidate, ...]
    population_total: int
    population_before: int
    population_after: int
    weight_before: int
    weight_after: int
    bound: int
    status: str
    gap: float
    uncovered_before: tuple[str, ...]
    uncovered_after: tuple[str, ...]
    violations: tuple[str, ...]
    travel: TravelInfo


def existing_points(world: CoverageWorld, damaged: set[int]) -> list[Site]:
    """Government depots and points that are active and not damaged: the reserve network today."""
    return [
        s
        for s in world.sites.values()
        if s.site_type in HOLDING_TYPES
        and s.owner_type is OwnerType.GOVERNMENT
        and s.active
        and s.id not in damaged
    ]


def default_candidates(world: CoverageWorld) -> tuple[Candidate, ...]:
    """Every village's own location, plus the seat of each township that has no point yet."""
    with_point = {s.area_code for s in world.sites.values() if s.site_type is SiteType.POINT}
    towns = tuple(
        Candidate(f"seat:{code}", name, lon, lat)
        for code, (name, lon, lat) in sorted(world.townships.items())
        if code not in with_point and lon is not None and lat is not None
    )
    return towns + tuple(Candidate(p.code, p.name, p.lon, p.lat) for p in world.demand if p.kind == "village")


def site(query: SitingQuery, deps: CoverageDeps, stop: Callable[[], bool] | None = None) -> SitingReport:
    """Max covering on the hazard-weighted population; the evaluator recomputes before and after (`stop`: a
    cancelled job's early end)."""
    world = deps.read_world()
    t = deps.guarantee_s if query.threshold_s is None else query.threshold_s
    damaged = _site_codes(world, query.scenario.damaged_site_codes)
    existing = existing_points(world, damaged)
    cands = query.candidates or default_candidates(world)
    pts = list(world.demand)
    origins = [(s.location.lon, s.location.lat) for s in existing] + [(c.lon, c.lat) for c in cands]
    dest = [(p.lon, p.lat) for p in pts]
    m = deps.travel.matrix(origins, dest, deps.profile, query.scenario.avoid)
    info = TravelInfo(m.source, m.notice, m.detail, getattr(query.scenario.avoid, "version", None))
    problem = SitingProblem(
        site_ids=tuple(f"existing:{s.code}" for s in existing) + tuple(c.code for c in cands),
        existing=(True,) * len(existing) + (False,) * len(cands),
        village_ids=tuple(p.code for p in pts),
        population=tuple(p.population for p in pts),
        hazard_weight=tuple(p.hazard_weight for p in pts),
        travel_s=tuple(tuple(r) for r in m.duration_s),
        k=query.k,
        threshold_s=t,
    )
    res = solve_max_covering(problem, time_limit_s=deps.siting_time_limit_s, solver="highs", stop=stop)
    before = evaluate_siting(problem, ())
    after = evaluate_siting(problem, res.chosen)
    by_code = {c.code: c for c in cands}
    return SitingReport(
        threshold_s=t,
        k=query.k,
        chosen=tuple(by_code[c] for c in res.chosen),
        population_total=sum(p.population for p in pts),
        population_before=before.covered_population,
        population_after=after.covered_population,
        weight_before=before.covered_weight,
        weight_after=after.covered_weight,
        bound=res.bound,
        status=res.status,
        gap=res.gap,
        uncovered_before=before.uncovered,
        uncovered_after=after.uncovered,
        violations=after.violations,
        travel=info,
    )


@dataclass(frozen=True)
class PrepositionReport:
    """Recommended moves (item, from, to, qty) and the population covered per item before and after."""

    threshold_s: int
    moves: tuple[tuple[str, str, str, int], ...]
    covered_before: dict[str, int]
    covered_after: dict[str, int]
    uncovered: tuple[tuple[str, str, str], ...]  # (point code, item code, reason)
    move_cost_unit_s: int
    status: str
    violations: tuple[str, ...]
    travel: TravelInfo


def _stock(
    world: CoverageWorld, points: Sequence[Site], item_codes: tuple[str, ...], on: date
) -> list[list[int]]:
    pos = {s.id: j for j, s in enumerate(points)}
    ids = {world.items[c][0]: i for i, c in enumerate(item_codes)}
    stock = [[0] * len(item_codes) for _ in points]
    for a in available_sources(world.balances, world.lots, world.sites, (), (), on):
        if a.site_id in pos and a.item_id in ids and a.mode in (ReserveMode.PHYSICAL, ReserveMode.CUSTODIAL):
            stock[pos[a.site_id]][ids[a.item_id]] += a.qty
    return stock


def preposition(
    query: PrepositionQuery, deps: CoverageDeps, stop: Callable[[], bool] | None = None
) -> PrepositionReport:
    """Pre-positioning of physical stock among existing points; the evaluator checks the moves (`stop`: a
    cancelled job's early end)."""
    world = deps.read_world()
    check_items(world, query.item_codes)
    norms = norms_for(deps, query.item_codes, query.norms)
    t = deps.guarantee_s if query.threshold_s is None else query.threshold_s
    points = existing_points(world, _site_codes(world, query.scenario.damaged_site_codes))
    pts = list(world.demand)
    coords = [(s.location.lon, s.location.lat) for s in points]
    m = deps.travel.matrix(coords, [(p.lon, p.lat) for p in pts] + coords, deps.profile, query.scenario.avoid)
    n = len(pts)
    reach = tuple(
        tuple(-1 if v < 0 else v + s.loading_minutes * 60 for v in row[:n])
        for s, row in zip(points, m.duration_s, strict=True)
    )
    problem = PrepositionProblem(
        point_ids=tuple(s.code for s in points),
        item_ids=query.item_codes,
        stock=tuple(tuple(r) for r in _stock(world, points, query.item_codes, query.on or clock.today())),
        village_ids=tuple(p.code for p in pts),
        population=tuple(p.population for p in pts),
        required=tuple(tuple(norms[c].required(p.population, p.kind) for c in query.item_codes) for p in pts),
        reach_s=reach,
        move_s=tuple(tuple(row[n:]) for row in m.duration_s),
        threshold_s=t,
    )
    res = solve_prepositioning(problem, time_limit_s=deps.solve_time_limit_s, stop=stop)
    before = evaluate_prepositioning(problem, ())
    after = evaluate_prepositioning(problem, res.moves)
    return PrepositionReport(
        threshold_s=t,
        moves=tuple((mv.item_id, mv.from_id, mv.to_id, mv.qty) for mv in res.moves),
        covered_before=dict(zip(query.item_codes, before.covered_population, strict=True)),
        covered_after=dict(zip(query.item_codes, after.covered_population, strict=True)),
        uncovered=tuple((v, i, r.value) for v, i, r in res.uncovered),
        move_cost_unit_s=after.move_cost,
        status=res.status,
        violations=after.violations,
        travel=TravelInfo(m.source, m.notice, m.detail, getattr(query.scenario.avoid, "version", None)),
    )
