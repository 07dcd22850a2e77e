"""What the 1-hour circle (1小时保障圈) and siting read from the database, and the requirement norms (定额).

Pure stdlib. The norms are reference data (no national figure fixes the quantities): a demand point
needs `per_point + ceil(per_1000 × population ÷ 1000)` units of an item, e.g. 200 tents per village, or 3 packs
of noodles per person. They come from `stockpile/resources/coverage_norms.toml` (see docs/coverage.md) or a what-if override.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockpile.domain.errors import DomainError
from stockpile.domain.model import AgreementLine, Balance, CapacityReserve, Lot, Site

DEMAND_KINDS = ("village", "shelter")


@dataclass(frozen=True, slots=True)
class RequirementNorm:
    """Units of one item a demand point needs: a fixed quantity per point plus a per-capita part."""

    item_code: str
    per_point: int = 0
    per_1000: int = 0  # units per 1 000 persons, rounded up per point
    kinds: tuple[str, ...] = DEMAND_KINDS

    def __post_init__(self) -> None:
        if self.per_point < 0 or self.per_1000 < 0:
            raise ValueError(f"norm for {self.item_code}: quantities must be ≥ 0")
        if not set(self.kinds) <= set(DEMAND_KINDS):
            raise ValueError(f"norm for {self.item_code}: kinds must be among {DEMAND_KINDS}")

    def required(self, population: int, kind: str) -> int:
        """Required quantity for a point of this kind and population (0 if the norm does not apply)."""
        if kind not in self.kinds:
            return 0
        return self.per_point + -(-self.per_1000 * max(0, population) // 1000)


@dataclass(frozen=True, slots=True)
class DemandSite:
    """A village (admin area) or a shelter (应急避难场所) as a demand point, with its township."""

    code: str
    name: str
    kind: str
    township_code: str
    population: int
    lon: float
    lat: float
    hazard_weight: int = 1


@dataclass(frozen=True, slots=True)
class CoverageWorld:
    """Everything a coverage or siting run reads, loaded in one read-only transaction."""

    items: dict[str, tuple[int, str, str]]  # code → (id, name_zh, base unit)
    townships: dict[str, tuple[str, float | None, float | None]]  # code → (name, lon, lat)
    demand: tuple[DemandSite, ...]
    sites: dict[int, Site]
    balances: tuple[Balance, ...]
    lots: dict[int, Lot]
    agreements: tuple[AgreementLine, ...]
    capacity: tuple[CapacityReserve, ...]


class BadAvoidAreas(DomainError):
    """An uploaded blocked-area file (道路中断, 桥梁损毁) is not GeoJSON polygons in WGS-84 [lon, lat]."""

    code = "bad_avoid_areas"


class UnknownCoverageItem(DomainError):
    """The item has no requirement norm: the circle cannot say how much a village needs."""

    code = "no_requirement_norm"
