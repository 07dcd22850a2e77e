"""New demand joining a re-plan (新的请领): what the scenario asks for now beyond what the confirmed plan carries.

The difference (scenario demand now − the plan's demand, per point × item, only where it grew) is allocated on the
stock free at the moment of the re-plan (on hand − reserved: the confirmed plan's own holds are not free), split
into vehicle-sized jobs like any plan and handed to the re-plan as new jobs. Their times count from the re-plan
moment (the plan's clock started at its own start). A new point is added to the plan's places and the travel
matrix fetched again for all of them; a new source is used only at a site the plan already knows.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from optimizer import NO_ROAD, solve_allocation
from stockpile.dispatch import plan as plan_use
from stockpile.dispatch.commands import Place, UnservedLine
from stockpile.dispatch.plan import DispatchPlan, MatrixFn
from stockpile.dispatch.scenario import RepoOf, World, load_world, scenario_demand
from stockpile.ports.uow import AbstractUnitOfWork


def demand_growth(base: DispatchPlan, now: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    """Per (point, item): how much more the scenario asks for than the plan carries (only positive)."""
    return {k: q - base.demand.get(k, 0) for k, q in sorted(now.items()) if q > base.demand.get(k, 0)}


def _places(base: DispatchPlan, w: World) -> tuple[Place, ...]:
    known = {p.code for p in base.places}
    new = [Place(p.code, p.name, p.lon, p.lat, "point") for p in w.scenario.points if p.code not in known]
    return (*base.places, *(p for p in new if any(k[0] == p.code for k in w.demand)))


def _matrices(base: DispatchPlan, places: tuple[Place, ...], matrix: MatrixFn, blocked: str) -> Any:
    """The plan's own matrix, or a new one over every place when a new point joined (-1 → no road)."""
    if len(places) == len(base.places):
        p = base.problem
        return [list(r) for r in p.duration_s], [list(r) for r in p.distance_m], None
    dur, dist, _ = matrix([(p.lon, p.lat) for p in places], blocked)
    return [list(r) for r in dur], [list(r) for r in dist], True


def _shift(job: Any, now_s: int, horizon_s: int, prefix: str) -> Any:
    """A job planned from `now` onto the plan's clock, with an id no job of the plan has."""
    return dataclasses.replace(
        job,
        id=f"{prefix}{job.id}",
        ready_s=job.ready_s + now_s,
        window_start_s=min(horizon_s, job.window_start_s + now_s),
        deadline_s=min(horizon_s, job.deadline_s + now_s),
    )


def new_demand(
    code: str, uow: AbstractUnitOfWork, repo_of: RepoOf, matrix: MatrixFn, base: DispatchPlan, at: datetime
) -> tuple[DispatchPlan, tuple[Any, ...]]:
    """(the plan with the new places, contents and demand merged in, the new jobs on the plan's clock)."""
    _, now_demand = scenario_demand(code, uow, repo_of)
    grown = demand_growth(base, now_demand)
    if not grown:
        return base, ()
    st = base.settings
    w = load_world(uow, repo_of, code, at, st.vehicles, grown)
    places = _places(base, w)
    idx = {p.code: k for k, p in enumerate(places)}
    w = dataclasses.replace(w, sources=[s for s in w.sources if s.site in idx])
    dur, dist, fresh = _matrices(base, places, matrix, w.scenario.blocked_geojson)
    since = max(0, int((at - w.scenario.reported_at).total_seconds()))
    left = dataclasses.replace(st, target_s=max(st.guarantee_s, st.target_s - since))
    ar = solve_allocation(plan_use.allocation_problem(w, idx, dur, dist, left))
    jobs, kinds = plan_use.split_jobs(w, ar, idx, left, 3 * st.target_s)
    now_s = max(0, int((at - base.start).total_seconds()))
    prefix = f"r{uuid.uuid4().hex[:4]}-"
    shifted = tuple(_shift(sj.job, now_s, base.problem.horizon_s, prefix) for sj in jobs)
    short = tuple(UnservedLine(s.point_id, s.item_id, s.qty, str(s.reason)) for s in ar.shortfalls)
    problem = base.problem
    if fresh:
        no_road = [[NO_ROAD if v < 0 else v for v in row] for row in dur]
        no_dist = [[NO_ROAD if v < 0 else v for v in row] for row in dist]
        problem = dataclasses.replace(
            problem, duration_s=tuple(map(tuple, no_road)), distance_m=tuple(map(tuple, no_dist))
        )
    merged = dataclasses.replace(
        base,
        places=places,
        problem=problem,
        contents={**base.contents, **{prefix + sj.job.id: sj.contents for sj in jobs}},
        source_kind={**base.source_kind, **{prefix + k: v for k, v in kinds.items()}},
        demand={**base.demand, **{k: base.demand.get(k, 0) + q for k, q in grown.items()}},
        priority_points=base.priority_points | {p.code for p in w.scenario.points if p.priority == 1},
        extra={**base.extra, "short": short},
    )
    return merged, shifted
