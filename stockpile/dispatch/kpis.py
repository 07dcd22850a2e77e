"""Dispatch KPIs (保障圈内优先需求占比, 救助时间, km) and the priority deliveries planned outside the circle, with why.

Pure functions over a routing problem, its result and what each job carries; no unit of work. The result types
(`Kpis`, `LateLine`) live in dispatch/commands.py, where a page may import them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from optimizer import RoutingProblem, RoutingResult, earliest_start
from stockpile.dispatch.commands import Kpis, LateLine


def late_priority_lines(
    problem: RoutingProblem,
    res: RoutingResult,
    contents: Mapping[str, tuple[tuple[str, int], ...]],
    codes: Sequence[str],
    priority_points: frozenset[str],
    guarantee_s: int,
) -> tuple[LateLine, ...]:
    """Priority deliveries starting after the circle, with the single-truck lower bound and the reason."""
    jobs = {j.id: j for j in problem.jobs}
    out = []
    for r in res.routes:
        for s in r.stops:
            point = codes[s.location]
            if s.kind != "delivery" or point not in priority_points or s.start_s <= guarantee_s:
                continue
            bound = earliest_start(problem, jobs[s.job])
            reason = "too_far" if bound is None or bound > guarantee_s else "fleet_busy"
            out += [LateLine(point, item, q, s.start_s, bound, reason) for item, q in contents[s.job]]
    return tuple(sorted(out, key=lambda ln: (ln.reason, ln.point, ln.item)))


def kpis_of(
    problem: RoutingProblem,
    res: RoutingResult,
    contents: Mapping[str, Any],
    dest: Mapping[str, str],
    demand: Mapping[tuple[str, str], int],
    priority_points: frozenset[str],
    guarantee_s: int,
) -> Kpis:
    """Delivered units, priority units inside the circle, completion (last unloading end) and km."""
    delivered = in_circle = completion = 0
    for r in res.routes:
        for s in r.stops:
            if s.kind != "delivery":
                continue
            units = sum(q for _, q in contents[s.job])
            delivered += units
            completion = max(completion, s.departure_s)
            if dest[s.job] in priority_points and s.start_s <= guarantee_s:
                in_circle += units
    prio = sum(q for (p, _), q in demand.items() if p in priority_points)
    return Kpis(prio, in_circle, sum(demand.values()), delivered, completion, res.total_distance_m)
