"""Siting (max covering) and pre-positioning problems and results, as frozen integer dataclasses.

Travel matrices use ``UNREACHABLE`` (-1) for a cut road. Village weight = population × hazard weight, where the
hazard weight (≥ 1) folds in exposure (多灾易灾) and post-disaster access difficulty (灾后交通困难).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from optimizer.errors import InvalidProblem
from optimizer.sources import check_matrix


@dataclass(frozen=True, slots=True)
class SitingProblem:
    """Open ``k`` new sites among the candidates to maximise weighted population within ``threshold_s``.

    ``existing[j]`` True marks a site already open: it always counts and is not one of the k.
    """

    site_ids: tuple[str, ...]
    existing: tuple[bool, ...]
    village_ids: tuple[str, ...]
    population: tuple[int, ...]
    hazard_weight: tuple[int, ...]
    travel_s: tuple[tuple[int, ...], ...]
    k: int
    threshold_s: int = 3600

    def __post_init__(self) -> None:
        n_s, n_v = len(self.site_ids), len(self.village_ids)
        if len(self.existing) != n_s or len(self.population) != n_v or len(self.hazard_weight) != n_v:
            raise InvalidProblem("existing per site; population and hazard weight per village")
        if len(set(self.site_ids)) != n_s or len(set(self.village_ids)) != n_v:
            raise InvalidProblem("duplicate site or village id")
        check_matrix("travel_s", self.travel_s, n_s, n_v)
        if min(self.population, default=0) < 0 or min(self.hazard_weight, default=1) < 1:
            raise InvalidProblem("population must be ≥ 0 and hazard weight ≥ 1")
        if self.k < 0 or self.threshold_s < 0:
            raise InvalidProblem("k and threshold must be non-negative")

    @property
    def candidates(self) -> tuple[int, ...]:
        """Indices of the sites that may be opened."""
        return tuple(j for j, e in enumerate(self.existing) if not e)


@dataclass(frozen=True, slots=True)
class SitingResult:
    """Chosen new sites, covered weight and population, and the solver's proof.

    ``bound`` is the solver's upper bound on the weight; ``gap`` = (bound − weight) / bound.
    ``base_weight`` is what the existing sites cover alone, so the gain is ``covered_weight - base_weight``.
    """

    chosen: tuple[str, ...]
    covered_weight: int
    covered_population: int
    base_weight: int
    bound: int
    status: str
    uncovered: tuple[str, ...]

    @property
    def gap(self) -> float:
        """Relative gap between the bound and the covered weight (0 when proven optimal)."""
        return 0.0 if self.bound <= 0 else (self.bound - self.covered_weight) / self.bound


@dataclass(frozen=True, slots=True)
class PrepositionProblem:
    """Move stock between existing points so that every village has its requirement within reach.

    ``stock[j][i]`` is what point j holds now; ``reach_s[j][v]`` the road time point → village; ``move_s[a][b]``
    the road time between points; a move of q units costs q × move_s (unit-seconds).
    """

    point_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    stock: tuple[tuple[int, ...], ...]
    village_ids: tuple[str, ...]
    population: tuple[int, ...]
    required: tuple[tuple[int, ...], ...]
    reach_s: tuple[tuple[int, ...], ...]
    move_s: tuple[tuple[int, ...], ...]
    threshold_s: int = 3600

    def __post_init__(self) -> None:
        n_p, n_i, n_v = len(self.point_ids), len(self.item_ids), len(self.village_ids)
        check_matrix("stock", self.stock, n_p, n_i)
        check_matrix("required", self.required, n_v, n_i)
        check_matrix("reach_s", self.reach_s, n_p, n_v)
        check_matrix("move_s", self.move_s, n_p, n_p)
        if any(v < 0 for m in (self.stock, self.required) for r in m for v in r):
            raise InvalidProblem("stock and requirements must be non-negative")
        if len(self.population) != n_v or min(self.population, default=0) < 0:
            raise InvalidProblem("population per village, non-negative")
        if (
            len(set(self.point_ids)) != n_p
            or len(set(self.village_ids)) != n_v
            or len(set(self.item_ids)) != n_i
        ):
            raise InvalidProblem("duplicate id")


class PrepositionGap(StrEnum):
    """Why a village stays uncovered for an item after pre-positioning."""

    NO_POINT_IN_REACH = "no_point_in_reach"  # no storage point within the threshold
    NOT_ENOUGH_STOCK = "not_enough_stock"  # the county holds less than the village alone needs
    STOCK_NEEDED_ELSEWHERE = (
        "stock_needed_elsewhere"  # coverable alone, but the stock covers more people elsewhere
    )


@dataclass(frozen=True, slots=True)
class Move:
    """Move ``qty`` of an item from one point to another (调拨)."""

    item_id: str
    from_id: str
    to_id: str
    qty: int


@dataclass(frozen=True, slots=True)
class PrepositionResult:
    """Recommended moves, resulting holdings (points × items), uncovered villages and the move cost."""

    moves: tuple[Move, ...]
    holdings: tuple[tuple[int, ...], ...]
    uncovered: tuple[tuple[str, str, PrepositionGap], ...]
    covered_population: tuple[int, ...]
    move_cost: int
    status: str
