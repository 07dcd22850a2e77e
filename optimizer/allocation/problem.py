"""Dispatch allocation problem and result (调拨分配), as frozen integer dataclasses.

Sources are ``optimizer.coverage.problem.Source`` (physical, agreement, capacity). The caller passes physical
stock already net of reservations and expired lots. Travel and distance matrices are sources × points;
``UNREACHABLE`` (-1) in ``travel_s`` marks a cut road.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from optimizer.errors import InvalidProblem
from optimizer.sources import Source, check_matrix, check_sources

DEFAULT_PRIORITY_WEIGHT = (100, 10, 1)
"""Weight per unit of unmet demand for priority classes 1, 2, 3 (1 = shelters, medical)."""


@dataclass(frozen=True, slots=True)
class DemandLine:
    """Quantity of one item a point needs, its priority class (1 = most urgent) and its deadline."""

    point: int
    item: int
    qty: int
    priority: int = 1
    needed_by_s: int = 3600


@dataclass(frozen=True, slots=True)
class AllocationProblem:
    """Who sends how much of what to whom, from stock that becomes ready at known times.

    ``draw_cost[s][i]`` is a per-unit cost added to the distance when drawing item i from source s: give
    near-expiry stock 0 and fresher stock more, so that near-expiry lots go first (FEFO across depots).
    A unit arriving after its line's ``needed_by_s`` is late; with ``max_late_s`` set, a unit arriving after
    ``needed_by_s + max_late_s`` may not be sent at all. Capacity batches count up to ``horizon_s``.
    """

    item_ids: tuple[str, ...]
    point_ids: tuple[str, ...]
    sources: tuple[Source, ...]
    demands: tuple[DemandLine, ...]
    travel_s: tuple[tuple[int, ...], ...]
    distance_m: tuple[tuple[int, ...], ...]
    draw_cost: tuple[tuple[int, ...], ...] = ()
    priority_weight: tuple[int, ...] = DEFAULT_PRIORITY_WEIGHT
    max_late_s: int | None = None
    horizon_s: int = 72 * 3600
    fair_share: bool = False

    def __post_init__(self) -> None:
        n_s, n_p, n_i = len(self.sources), len(self.point_ids), len(self.item_ids)
        check_sources(self.sources, n_i)
        check_matrix("travel_s", self.travel_s, n_s, n_p)
        check_matrix("distance_m", self.distance_m, n_s, n_p)
        if any(v < 0 for row in self.distance_m for v in row):
            raise InvalidProblem("distance_m must be non-negative")
        if self.draw_cost and (
            len(self.draw_cost) != n_s or any(len(r) != n_i or min(r, default=0) < 0 for r in self.draw_cost)
        ):
            raise InvalidProblem("draw_cost must be sources × items of non-negative ints")
        if not self.priority_weight or min(self.priority_weight) < 1:
            raise InvalidProblem("priority weights must be positive")
        seen: set[tuple[int, int]] = set()
        for d in self.demands:
            if not (0 <= d.point < n_p and 0 <= d.item < n_i) or d.qty < 0 or d.needed_by_s < 0:
                raise InvalidProblem(f"demand line {d} out of range")
            if not 1 <= d.priority <= len(self.priority_weight):
                raise InvalidProblem(f"priority {d.priority} has no weight")
            if (d.point, d.item) in seen:
                raise InvalidProblem("one demand line per point and item")
            seen.add((d.point, d.item))
        if (self.max_late_s is not None and self.max_late_s < 0) or self.horizon_s < 0:
            raise InvalidProblem("negative lateness allowance or horizon")

    def unit_cost(self, source: int, point: int, item: int) -> int:
        """Third-tier cost of one unit: metres driven plus the source's draw cost for the item."""
        extra = self.draw_cost[source][item] if self.draw_cost else 0
        return self.distance_m[source][point] + extra

    def weight(self, line: DemandLine) -> int:
        """Unmet-demand weight of a line's priority class."""
        return self.priority_weight[line.priority - 1]


class ShortfallReason(StrEnum):
    """Why part of a demand line is not served."""

    NO_STOCK = (
        "no_stock"  # no stock of the item left (or none at all) in the sources that can reach the point
    )
    UNREACHABLE = "unreachable"  # stock exists, but no source holding it can reach the point by road
    TOO_LATE = "too_late"  # reachable stock exists, but it would arrive after needed_by + max_late
    RATIONED = "rationed"  # fair-share rationing of a scarce item left this share unserved


@dataclass(frozen=True, slots=True)
class AllocationLine:
    """Quantity of an item sent from a source to a point; for capacity, one line per production batch."""

    source_id: str
    point_id: str
    item_id: str
    qty: int
    ready_s: int
    arrival_s: int
    late: bool


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Unserved quantity of a demand line and why."""

    point_id: str
    item_id: str
    qty: int
    reason: ShortfallReason


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """Lines, shortfalls, and the objective tiers (weighted unmet, late units, metre-cost).

    ``sequential_items`` counts items whose tiers were solved as sequential flows (quantities too large to
    fold the tiers into one int64 cost); the result is the same exact lexicographic optimum.
    """

    lines: tuple[AllocationLine, ...]
    shortfalls: tuple[Shortfall, ...]
    objective: tuple[int, int, int]
    status: str
    sequential_items: int = 0

    @property
    def is_feasible(self) -> bool:
        """True when every demand line is fully served."""
        return not self.shortfalls


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule found by the independent checker."""

    code: str
    detail: str
