"""Dispatch KPIs (保障圈内优先需求占比, 救助时间, km) and the priority deliveries planned outside the circle, with why.

Pure functions over a routing problem, its result and what each job carries; no unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from optimizer import RoutingProblem, RoutingResult, earliest_start


@dataclass(frozen=True, slots=True)
class Kpis:
    priority_demand: int
    priority_in_circle: int
    demand: int
    delivered: int
    completion_s: int
    distance_m: int
    since_report_s: int = (
        0  # the scenario's report time to the plan start: the relief clock was already running
    )
    target_s: int = 8 * 3600

    @property
    def relief_time_s(self) -> int:
        """Relief time (救助时间) counted from the disaster report: time already passed + plan completion."""
        return self.since_report_s + self.completion_s

    @property
    def relief_on_time(self) -> bool:
        """The plan completes inside the jurisdiction's relief-time target (<8 h or <10 h, from the report)."""
        return self.relief_time_s < self.target_s

    @property
    def priority_share(self) -> float:
        """Share of priority demand (units) delivered inside the guarantee circle."""
        return self.priority_in_circle / self.priority_demand if self.priority_demand else 1.0


@dataclass(frozen=True, slots=True)
class LateLine:
    """A priority delivery planned after the guarantee circle. ``earliest_s`` is the lower bound of a truck doing
    nothing else; reason ``too_far`` = even that truck misses the circle (stock or trucks too far away: move
    stock closer, 前置), ``fleet_busy`` = a free truck would make it (requisition or call off more trucks)."""

    point: str
    item: str
    qty: int
    eta_s: int
    earliest_s: int | None
    reason: str


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
