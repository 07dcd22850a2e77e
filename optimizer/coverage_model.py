"""Supply sources and the 1-hour-circle problem (保障圈), as frozen integer dataclasses.

Time is integer seconds, quantities integer base units. The travel matrix is sources × points; ``UNREACHABLE``
(-1) marks a pair the router cannot connect (road cut, island). Any other negative time is malformed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from optimizer.alloc_errors import InvalidProblem

UNREACHABLE = -1
"""Travel-time sentinel: no road connection between the source and the point."""

DEFAULT_THRESHOLDS_S = (3600, 8 * 3600, 10 * 3600)
"""60-minute circle, 8 h initial-relief and 10 h effective-relief targets; configuration, passed by the caller."""


class SourceKind(StrEnum):
    """How a source's stock becomes available: at once, after a call-off, or produced after activation."""

    PHYSICAL = "physical"  # 实物储备: ready at once (plus loading)
    AGREEMENT = "agreement"  # 协议储备: ready after the holder's call-off lead time
    CAPACITY = "capacity"  # 产能储备: batches produced after activation


@dataclass(frozen=True, slots=True)
class Source:
    """A depot, agreement holder or producer, with per-item stock and how fast it becomes ready.

    A capacity source produces ``batch_qty[i]`` units of item i every ``batch_s`` seconds after ``lead_s``
    (activation), up to ``available[i]`` in total; batch k is ready at ``lead_s + k * batch_s``.
    """

    id: str
    kind: SourceKind
    available: tuple[int, ...]
    loading_s: int = 0
    lead_s: int = 0
    batch_s: int = 3600
    batch_qty: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if any(q < 0 for q in self.available):
            raise InvalidProblem(f"source {self.id}: negative stock")
        if self.loading_s < 0 or self.lead_s < 0:
            raise InvalidProblem(f"source {self.id}: negative loading or lead time")
        if self.kind is SourceKind.PHYSICAL and self.lead_s != 0:
            raise InvalidProblem(f"source {self.id}: physical stock has no call-off lead time")
        if self.kind is SourceKind.CAPACITY:
            if self.batch_s <= 0 or len(self.batch_qty) != len(self.available):
                raise InvalidProblem(f"source {self.id}: capacity needs batch_s > 0 and batch_qty per item")
            if any(q < 0 for q in self.batch_qty):
                raise InvalidProblem(f"source {self.id}: negative batch quantity")

    def supply_steps(self, item: int, horizon_s: int) -> list[tuple[int, int]]:
        """``(ready_s, qty)`` steps of item ``item`` ready by ``horizon_s``, loading excluded, leads included."""
        total = self.available[item]
        if total == 0:
            return []
        if self.kind is not SourceKind.CAPACITY:
            return [(self.lead_s, total)]
        steps: list[tuple[int, int]] = []
        per, k = self.batch_qty[item], 1
        while per > 0 and total > 0 and self.lead_s + k * self.batch_s <= horizon_s:
            q = min(per, total)
            steps.append((self.lead_s + k * self.batch_s, q))
            total, k = total - q, k + 1
        return steps

    def batch_count(self, horizon_s: int) -> int:
        """Number of capacity batches ready by ``horizon_s`` (1 for physical and agreement stock)."""
        if self.kind is not SourceKind.CAPACITY:
            return 1
        return max(0, (horizon_s - self.lead_s) // self.batch_s)


@dataclass(frozen=True, slots=True)
class DemandPoint:
    """A village, township or shelter with its population and the quantity of each item it needs."""

    id: str
    population: int
    township_id: str
    required: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.population < 0 or any(q < 0 for q in self.required):
            raise InvalidProblem(f"point {self.id}: negative population or requirement")


def check_matrix(name: str, matrix: tuple[tuple[int, ...], ...], rows: int, cols: int) -> None:
    """Raise InvalidProblem unless ``matrix`` is rows × cols of ints ≥ 0 or ``UNREACHABLE``."""
    if len(matrix) != rows or any(len(r) != cols for r in matrix):
        raise InvalidProblem(f"{name} must be {rows} × {cols}")
    if any(v < UNREACHABLE for r in matrix for v in r):
        raise InvalidProblem(f"{name}: negative time other than UNREACHABLE (-1)")


def check_sources(sources: tuple[Source, ...], n_items: int) -> None:
    """Raise InvalidProblem on duplicate source ids or per-item tuples of the wrong length."""
    if len({s.id for s in sources}) != len(sources):
        raise InvalidProblem("duplicate source id")
    if any(len(s.available) != n_items for s in sources):
        raise InvalidProblem("source stock must list every item")


@dataclass(frozen=True, slots=True)
class CoverageProblem:
    """Which points can receive their required quantities within each threshold, from which sources.

    ``travel_s[s][p]`` is the road time from source s to point p (``UNREACHABLE`` = -1). Damaged sources are
    ignored. Capacity batches count only up to ``horizon_s`` (default: the largest threshold), so an earliest
    arrival beyond the horizon is reported as None.
    """

    item_ids: tuple[str, ...]
    points: tuple[DemandPoint, ...]
    sources: tuple[Source, ...]
    travel_s: tuple[tuple[int, ...], ...]
    thresholds_s: tuple[int, ...] = DEFAULT_THRESHOLDS_S
    damaged_source_ids: frozenset[str] = field(default_factory=frozenset)
    horizon_s: int | None = None

    def __post_init__(self) -> None:
        n_items = len(self.item_ids)
        if len(set(self.item_ids)) != n_items or len({p.id for p in self.points}) != len(self.points):
            raise InvalidProblem("duplicate item or point id")
        check_sources(self.sources, n_items)
        if any(len(p.required) != n_items for p in self.points):
            raise InvalidProblem("point requirement must list every item")
        check_matrix("travel_s", self.travel_s, len(self.sources), len(self.points))
        if not self.thresholds_s or any(t < 0 for t in self.thresholds_s):
            raise InvalidProblem("thresholds must be non-negative seconds")
        if not self.damaged_source_ids <= {s.id for s in self.sources}:
            raise InvalidProblem("damaged source id not among the sources")
        if self.horizon_s is not None and self.horizon_s < 0:
            raise InvalidProblem("negative horizon")

    @property
    def horizon(self) -> int:
        """Latest ready time considered for capacity batches."""
        return self.horizon_s if self.horizon_s is not None else max(self.thresholds_s)


class GapReason(StrEnum):
    """Why a point cannot get an item's required quantity within a threshold."""

    NO_STOCK = "no_stock"  # all usable (undamaged) sources together hold less than required
    AGREEMENT_TOO_SLOW = "agreement_too_slow"  # covered if agreement and capacity stock were ready at once
    TOO_FAR = "too_far"  # enough stock, but loading + travel (+ lead) exceed the threshold
    SHARED_STOCK = "shared_stock"  # covered alone, but not when every point draws on the same stock at once


@dataclass(frozen=True, slots=True)
class UncoveredItem:
    """One point × item outside a threshold, with its earliest arrival (None: not by the horizon)."""

    point_id: str
    item_id: str
    reason: GapReason
    earliest_arrival_s: int | None


@dataclass(frozen=True, slots=True)
class TownshipCoverage:
    """Points and population of a township needing an item (``item_id`` None: all their items) and the gaps."""

    township_id: str
    item_id: str | None
    points: int
    points_uncovered: int
    population: int
    population_uncovered: int

    @property
    def ratio(self) -> float:
        """Covered share of the population needing the item (1.0 when nobody needs it)."""
        return 1.0 if self.population == 0 else 1 - self.population_uncovered / self.population


@dataclass(frozen=True, slots=True)
class ThresholdCoverage:
    """Coverage at one threshold: the uncovered point × item pairs and township summaries."""

    threshold_s: int
    uncovered: tuple[UncoveredItem, ...]
    townships: tuple[TownshipCoverage, ...]

    def county(self, item_id: str | None = None) -> TownshipCoverage:
        """Sum over all townships for one item (None: points needing any item), township id ``"*"``."""
        rows = [t for t in self.townships if t.item_id == item_id]
        return TownshipCoverage(
            "*",
            item_id,
            sum(t.points for t in rows),
            sum(t.points_uncovered for t in rows),
            sum(t.population for t in rows),
            sum(t.population_uncovered for t in rows),
        )

    def is_covered(self, point_id: str, item_id: str) -> bool:
        """True unless the pair is listed as uncovered."""
        return not any(u.point_id == point_id and u.item_id == item_id for u in self.uncovered)


@dataclass(frozen=True, slots=True)
class CoverageResult:
    """Earliest arrival per point × item (0 when nothing is required, None if not by the horizon)."""

    point_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    earliest_arrival_s: tuple[tuple[int | None, ...], ...]
    thresholds: tuple[ThresholdCoverage, ...]

    def at(self, threshold_s: int) -> ThresholdCoverage:
        """The coverage at ``threshold_s``; KeyError if it was not asked for."""
        for t in self.thresholds:
            if t.threshold_s == threshold_s:
                return t
        raise KeyError(threshold_s)
