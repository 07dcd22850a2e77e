"""What the coverage page and the CLI ask the services: the guarantee circle, siting and pre-positioning queries
and their what-if scenario. Plain data; never imports the optimizer, so a page can import it. The reports they
return are in coverage/report.py (the circle) and coverage/siting.py (siting, pre-positioning)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from stockpile.domain.coverage_world import RequirementNorm


@dataclass(frozen=True)
class Scenario:
    """A what-if: depots out of action (受损) and blocked areas (AvoidAreas from `read_avoid_areas`)."""

    damaged_site_codes: frozenset[str] = frozenset()
    avoid: Any = None


@dataclass(frozen=True)
class CircleQuery:
    item_codes: tuple[str, ...]
    threshold_s: int | None = None  # None: the configured guarantee circle (60 min)
    scenario: Scenario = field(default_factory=Scenario)
    norms: tuple[RequirementNorm, ...] = ()  # what-if overrides of the configured norms
    competitive: bool = False
    on: date | None = None


@dataclass(frozen=True)
class Candidate:
    """A candidate reserve point: a place on Earth (WGS-84 degrees; lat and lon swapped, inf or 1e308 are
    refused: ValueError)."""

    code: str
    name: str
    lon: float
    lat: float

    def __post_init__(self) -> None:
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):  # also NaN
            raise ValueError(f"candidate {self.code}: lon {self.lon}, lat {self.lat} is not a place on Earth")


@dataclass(frozen=True)
class SitingQuery:
    k: int
    threshold_s: int | None = None
    candidates: tuple[Candidate, ...] = ()  # empty: villages and township seats without a point
    scenario: Scenario = field(default_factory=Scenario)

    def __post_init__(self) -> None:
        codes = [c.code for c in self.candidates]
        if len(set(codes)) != len(codes):  # two candidates of one code: which one is recommended?
            raise ValueError("two candidates share a code")


@dataclass(frozen=True)
class PrepositionQuery:
    item_codes: tuple[str, ...]
    threshold_s: int | None = None
    scenario: Scenario = field(default_factory=Scenario)
    norms: tuple[RequirementNorm, ...] = ()
    on: date | None = None
