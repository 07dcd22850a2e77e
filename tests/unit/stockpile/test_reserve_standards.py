"""储备定额 rules and the gap report."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile.reserve.standards import (
    AdminLevel,
    Holding,
    PerCapitaNorm,
    ReserveMode,
    ReserveStandard,
    Site,
    gap_report,
    site_gap,
)

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

P, A, C, K = ReserveMode.PHYSICAL, ReserveMode.AGREEMENT, ReserveMode.CUSTODIAL, ReserveMode.CAPACITY
TOWN = AdminLevel.TOWNSHIP


def test_per_capita_standard_is_norm_times_population_times_days_rounded_up() -> None:
    """3 units per 1 000 persons per day × 2 500 persons × 7 days = 52.5 → 53 (a standard is a minimum)."""
    std = ReserveStandard(TOWN, "water", norm=PerCapitaNorm(3, 1000), sustain_days=7)
    assert std.required(2500) == 53


def test_agreement_share_is_capped_in_the_gap_report() -> None:
    """ "10 days physical + 20 days agreement": agreement beyond 20 days of need is reported but not counted."""
    std = ReserveStandard(TOWN, "rice", norm=PerCapitaNorm(1, 10), sustain_days=30, max_agreement_days=20)
    site = Site("s1", TOWN, "T1", 100)  # need 10 per day, standard 300, agreement cap 200
    line = site_gap(site, std, [Holding("s1", "rice", P, 50), Holding("s1", "rice", A, 500)])
    assert (line.standard, line.agreement_counted, line.agreement_uncounted) == (300, 200, 300)
    assert (line.counted, line.gap, line.sufficient) == (250, 50, False)


def test_agreement_fraction_cap_and_the_lower_cap_wins() -> None:
    """With a 1/3 share cap and a 20-day cap, the lower one (1/3 of 300 = 100) applies."""
    std = ReserveStandard(
        TOWN,
        "rice",
        norm=PerCapitaNorm(1, 10),
        sustain_days=30,
        max_agreement_share=(1, 3),
        max_agreement_days=20,
    )
    assert std.agreement_cap(100) == 100


def test_modes_not_counted_by_the_standard_do_not_fill_the_gap() -> None:
    """A standard counting physical stock only ignores custodial, agreement and capacity quantities."""
    std = ReserveStandard(TOWN, "tent", absolute_qty=10, counted_modes=frozenset({P}))
    holdings = [Holding("s1", "tent", m, 5) for m in (P, C, A, K)]
    line = site_gap(Site("s1", TOWN, "T1", 0), std, holdings)
    assert (line.counted, line.gap, line.custodial, line.agreement_uncounted) == (5, 5, 5, 5)


def test_full_holdings_are_flagged_sufficient_with_days_of_supply() -> None:
    """Counted ≥ standard means 充足无缺口; days of supply follow the consumption norm."""
    std = ReserveStandard(TOWN, "water", absolute_qty=100)
    line = site_gap(
        Site("s1", TOWN, "T1", 1000), std, [Holding("s1", "water", P, 120)], PerCapitaNorm(20, 1000)
    )
    assert line.sufficient and line.gap == 0 and line.days_of_supply == 6


def test_roll_up_does_not_let_one_sites_surplus_fill_anothers_gap() -> None:
    """Township and county lines add site gaps: a surplus at one site leaves the other's gap standing."""
    std = ReserveStandard(TOWN, "tent", absolute_qty=10)
    sites = [Site("a", TOWN, "T1", 100), Site("b", TOWN, "T1", 100), Site("c", TOWN, "T2", 50)]
    holdings = [Holding("a", "tent", P, 30), Holding("b", "tent", P, 4), Holding("c", "tent", P, 10)]
    lines = gap_report(sites, [std], holdings)
    town = {ln.scope_id: ln for ln in lines if ln.scope == "township"}
    county = next(ln for ln in lines if ln.scope == "county")
    assert (town["T1"].standard, town["T1"].counted, town["T1"].gap) == (20, 34, 6)
    assert town["T2"].sufficient and (county.gap, county.standard) == (6, 30)


def test_standard_applies_only_to_sites_of_its_level() -> None:
    """A village standard produces no line for a township site."""
    std = ReserveStandard(AdminLevel.VILLAGE, "tent", absolute_qty=3)
    assert gap_report([Site("a", TOWN, "T1", 10)], [std], []) == []


def test_malformed_standard_is_rejected() -> None:
    """A standard needs exactly one of absolute quantity and norm, and a share within [0, 1]."""
    with pytest.raises(ValueError):
        ReserveStandard(TOWN, "x")
    with pytest.raises(ValueError):
        ReserveStandard(TOWN, "x", absolute_qty=1, max_agreement_share=(3, 2))


@given(
    st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000), st.integers(1, 500), st.integers(0, 3)
)
def test_gap_plus_counted_covers_the_standard(std_qty: int, phys: int, agr: int, pop: int, num: int) -> None:
    """For any holdings: counted + gap ≥ standard, gap ≥ 0, counted agreement ≤ its cap and ≤ held."""
    std = ReserveStandard(TOWN, "x", absolute_qty=std_qty, max_agreement_share=(num, 3))
    line = site_gap(Site("s", TOWN, "T", pop), std, [Holding("s", "x", P, phys), Holding("s", "x", A, agr)])
    assert line.gap >= 0 and line.counted + line.gap >= line.standard
    assert line.agreement_counted <= min(agr, std_qty * num // 3)
    assert line.agreement_counted + line.agreement_uncounted == agr
