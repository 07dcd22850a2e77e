"""储备定额: reserve standards per admin level × item, and the gap report per site, township and county.

Rules (all quantities int in the item's base unit):

- A standard is an absolute quantity, or a per-capita norm (``units`` per ``per_persons`` persons per day, an
  integer ratio such as 3 per 1 000) × the site's population × ``sustain_days``, rounded **up** (a standard is
  a minimum).
- Only the reserve modes listed in ``counted_modes`` count. Agreement stock (协议储备) counts up to a cap: at
  most ``max_agreement_share`` of the standard (a ``(num, den)`` fraction, rounded down) and at most
  ``max_agreement_days`` days of need (e.g. "10 days physical + 20 days agreement"), whichever is lower.
- gap = max(0, standard − counted). Township and county lines add up their sites' lines, gaps included: a
  surplus at one site does not fill another site's gap. A line with gap 0 is 充足无缺口.
- Days of supply = counted × per_persons // (daily units × population), given a consumption norm.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class AdminLevel(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class ReserveMode(StrEnum):
    PHYSICAL = "physical"  # 实物储备
    CUSTODIAL = "custodial"  # 企业代储
    AGREEMENT = "agreement"  # 协议储备
    CAPACITY = "capacity"  # 产能储备


ALL_MODES = frozenset(ReserveMode)


@dataclass(frozen=True, slots=True)
class PerCapitaNorm:
    """``units`` per ``per_persons`` persons per day (e.g. 3 per 1 000)."""

    units: int
    per_persons: int = 1000

    def __post_init__(self) -> None:
        if self.units < 0 or self.per_persons <= 0:
            raise ValueError("norm needs units >= 0 and per_persons > 0")

    def for_days(self, population: int, days: int) -> int:
        """Units needed by ``population`` for ``days`` days, rounded up."""
        return -(-self.units * population * days // self.per_persons)


@dataclass(frozen=True, slots=True)
class ReserveStandard:
    """One row of the 储备定额 table: a level × item with its quantity rule and counting rules."""

    level: AdminLevel
    item_code: str
    absolute_qty: int | None = None
    norm: PerCapitaNorm | None = None
    sustain_days: int = 1
    counted_modes: frozenset[ReserveMode] = ALL_MODES
    max_agreement_share: tuple[int, int] | None = None
    max_agreement_days: int | None = None

    def __post_init__(self) -> None:
        if (self.absolute_qty is None) == (self.norm is None):
            raise ValueError("give exactly one of absolute_qty and norm")
        if (self.absolute_qty or 0) < 0 or self.sustain_days <= 0:
            raise ValueError("absolute_qty >= 0 and sustain_days > 0 needed")
        share = self.max_agreement_share
        if share is not None and (share[1] <= 0 or not 0 <= share[0] <= share[1]):
            raise ValueError("max_agreement_share must be a fraction num/den in [0, 1]")

    def required(self, population: int) -> int:
        """The standard quantity for a site serving ``population`` persons."""
        if self.absolute_qty is not None:
            return self.absolute_qty
        assert self.norm is not None
        return self.norm.for_days(population, self.sustain_days)

    def agreement_cap(self, population: int) -> int:
        """Most agreement quantity that may count (share and days caps, the lower wins)."""
        if ReserveMode.AGREEMENT not in self.counted_modes:
            return 0
        required = self.required(population)
        caps = [required]
        if self.max_agreement_share is not None:
            num, den = self.max_agreement_share
            caps.append(required * num // den)
        if self.max_agreement_days is not None:
            if self.norm is not None:
                caps.append(self.norm.units * population * self.max_agreement_days // self.norm.per_persons)
            else:
                caps.append(required * self.max_agreement_days // self.sustain_days)
        return min(caps)


@dataclass(frozen=True, slots=True)
class Site:
    """A reserve site (储备库/点) with the population it serves and the township it belongs to."""

    site_id: str
    level: AdminLevel
    township: str
    population: int


@dataclass(frozen=True, slots=True)
class Holding:
    """Quantity of one item held at a site in one reserve mode (agreement and capacity: contracted units)."""

    site_id: str
    item_code: str
    mode: ReserveMode
    qty: int


@dataclass(frozen=True, slots=True)
class GapLine:
    """Standard vs holdings for one scope (site, township or county) and item."""

    scope: str
    scope_id: str
    item_code: str
    standard: int
    physical: int
    custodial: int
    agreement_counted: int
    agreement_uncounted: int
    capacity: int
    counted: int
    gap: int
    days_of_supply: int | None

    @property
    def sufficient(self) -> bool:
        """充足无缺口: nothing missing."""
        return self.gap == 0


def site_gap(
    site: Site, std: ReserveStandard, holdings: Iterable[Holding], consumption: PerCapitaNorm | None = None
) -> GapLine:
    """Gap line of one site for one standard (holdings of other sites or items are ignored)."""
    by_mode = dict.fromkeys(ReserveMode, 0)
    for h in holdings:
        if h.site_id == site.site_id and h.item_code == std.item_code:
            by_mode[h.mode] += h.qty
    counts = std.counted_modes
    agreement = min(by_mode[ReserveMode.AGREEMENT], std.agreement_cap(site.population))
    physical = by_mode[ReserveMode.PHYSICAL] if ReserveMode.PHYSICAL in counts else 0
    custodial = by_mode[ReserveMode.CUSTODIAL] if ReserveMode.CUSTODIAL in counts else 0
    capacity = by_mode[ReserveMode.CAPACITY] if ReserveMode.CAPACITY in counts else 0
    counted = physical + custodial + agreement + capacity
    standard = std.required(site.population)
    return GapLine(
        "site", site.site_id, std.item_code, standard, by_mode[ReserveMode.PHYSICAL], by_mode[ReserveMode.CUSTODIAL],
        agreement, by_mode[ReserveMode.AGREEMENT] - agreement, by_mode[ReserveMode.CAPACITY], counted,
        max(0, standard - counted), days_of_supply(counted, consumption, site.population),
    )  # fmt: skip


def days_of_supply(counted: int, consumption: PerCapitaNorm | None, population: int) -> int | None:
    """Whole days the counted stock lasts at the consumption norm; None without a norm or population."""
    if consumption is None or consumption.units == 0 or population <= 0:
        return None
    return counted * consumption.per_persons // (consumption.units * population)


def gap_report(
    sites: Iterable[Site],
    standards: Iterable[ReserveStandard],
    holdings: Iterable[Holding],
    consumption: Mapping[str, PerCapitaNorm] | None = None,
    county_id: str = "county",
) -> list[GapLine]:
    """Site lines for every site × standard of its level, then township and county roll-ups per item."""
    holdings, sites = list(holdings), list(sites)
    by_level: dict[AdminLevel, list[ReserveStandard]] = {}
    for std in standards:
        by_level.setdefault(std.level, []).append(std)
    consumption = consumption or {}
    lines = [
        site_gap(site, std, holdings, consumption.get(std.item_code))
        for site in sites
        for std in by_level.get(site.level, [])
    ]
    town_of = {s.site_id: s.township for s in sites}
    pop: dict[str, int] = {}
    for site in sites:
        pop[site.township] = pop.get(site.township, 0) + site.population
    towns = _roll_up(lines, "township", lambda ln: town_of[ln.scope_id], consumption, pop)
    county = _roll_up(lines, "county", lambda ln: county_id, consumption, {county_id: sum(pop.values())})
    return lines + towns + county


def _roll_up(
    lines: list[GapLine],
    scope: str,
    group: Callable[[GapLine], str],
    consumption: Mapping[str, PerCapitaNorm],
    population: Mapping[str, int],
) -> list[GapLine]:
    sums: dict[tuple[str, str], list[int]] = {}
    for ln in lines:
        key = (group(ln), ln.item_code)
        vals = [ln.standard, ln.physical, ln.custodial, ln.agreement_counted, ln.agreement_uncounted]
        vals += [ln.capacity, ln.counted, ln.gap]
        acc = sums.setdefault(key, [0] * len(vals))
        sums[key] = [a + v for a, v in zip(acc, vals, strict=True)]
    out = []
    for (scope_id, item), v in sorted(sums.items()):
        days = days_of_supply(v[6], consumption.get(item), population.get(scope_id, 0))
        std, phys, cust, agr, agr_out, cap, counted, gap = v
        out.append(GapLine(scope, scope_id, item, std, phys, cust, agr, agr_out, cap, counted, gap, days))
    return out
