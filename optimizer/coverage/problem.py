"""The 1-hour-circle problem (保障圈), as frozen integer dataclasses.

Time is integer seconds, quantities integer base units. The travel matrix is sources × points; ``UNREACHABLE``
(-1) marks a pair the router cannot connect (road cut, island). Any other negative time is malformed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from optimizer.errors import InvalidProblem
from optimizer.sources import Source, check_matrix, check_sources

DEFAULT_THRESHOLDS_S = (3600, 8 * 3600, 10 * 3600)
"""60-minute circle, 8 h initial-relief and 10 h effective-relief targets; configuration, passed by the caller."""


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
