"""What a coverage run returns: rows by code and name for the page, the CLI and exports (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TravelInfo:
    """Where the travel times came from; `notice` is an i18n key to show (fallback), `detail` the reason."""

    source: str
    notice: str | None
    detail: str
    avoid_version: str | None

    @property
    def is_estimate(self) -> bool:
        return self.source == "offline"


@dataclass(frozen=True)
class PointRow:
    """One demand point: requirement, earliest arrival (s; None = not by the horizon) and reason per item at T."""

    code: str
    name: str
    kind: str
    township_code: str
    township_name: str
    population: int
    lon: float
    lat: float
    required: dict[str, int]
    earliest_s: dict[str, int | None]
    reasons: dict[str, str]  # uncovered items at T → reason code

    @property
    def covered(self) -> bool:
        return not self.reasons


@dataclass(frozen=True)
class SourceRow:
    """A site on the map: which selected items it can supply, how (mode) and whether it is damaged."""

    code: str
    name: str
    site_type: str
    modes: tuple[str, ...]
    lon: float
    lat: float
    qty: dict[str, int]
    damaged: bool
    reach: tuple[str, ...] = ()  # demand points this site alone reaches within T (lead + loading + travel)


@dataclass(frozen=True)
class TownshipRow:
    township_code: str
    township_name: str
    item_code: str  # "*" = all selected items together
    points: int
    points_uncovered: int
    population: int
    population_uncovered: int

    @property
    def ratio(self) -> float:
        return 1.0 if self.population == 0 else 1 - self.population_uncovered / self.population


@dataclass(frozen=True)
class TargetRow:
    """County figures (all selected items) at one threshold: the circle and each relief-time target."""

    threshold_s: int
    points: int
    points_uncovered: int
    population: int
    population_uncovered: int

    @property
    def ratio(self) -> float:
        return 1.0 if self.population == 0 else 1 - self.population_uncovered / self.population


@dataclass(frozen=True)
class CircleReport:
    threshold_s: int
    items: tuple[tuple[str, str, str], ...]  # (code, name, unit)
    points: tuple[PointRow, ...]
    townships: tuple[TownshipRow, ...]
    targets: tuple[TargetRow, ...]
    sources: tuple[SourceRow, ...]
    travel: TravelInfo
    competitive: bool

    def township_people(self, item_code: str = "*") -> dict[str, tuple[int, int]]:
        """Township code → (people in its villages and communities, people in its shelters) among the points that
        need the item (any selected item for "*"): the two parts of a township row's population. A shelter's
        figure is the people it takes in (from villages around), so it is shown apart, never added silently."""
        out: dict[str, tuple[int, int]] = {}
        for p in self.points:
            needs = sum(p.required.values()) if item_code == "*" else p.required.get(item_code, 0)
            if needs <= 0:
                continue
            v, s = out.get(p.township_code, (0, 0))
            out[p.township_code] = (v, s + p.population) if p.kind == "shelter" else (v + p.population, s)
        return out

    def uncovered(self) -> list[tuple[PointRow, str, str]]:
        """(point, item code, reason) for every uncovered point × item at T, by township then point."""
        return [
            (p, item, reason)
            for p in sorted(self.points, key=lambda p: (p.township_code, p.code))
            for item, reason in sorted(p.reasons.items())
        ]
