"""Demand rule of a dispatch scenario: entered quantities win, else population × norm × days, rounded up."""

from __future__ import annotations

from datetime import UTC, datetime

from stockpile.domain.dispatch import Norm, Scenario, ScenarioPoint, derived_demand

SHELTER = ScenarioPoint("S1", "避难所", "shelter", 115.9, 29.6, 250, 1, 60)
VILLAGE = ScenarioPoint("V1", "村", "village", 115.95, 29.62, 101, 2, 480)
SCENARIO = Scenario(1, "X", "x", "flood", "drill", datetime(2026, 7, 1, tzinfo=UTC), 3, (SHELTER, VILLAGE))
WATER = Norm("1020101", 300, True, False)
QUILT = Norm("1010201", 100, False, False)
MEDKIT = Norm("1030401", 2, False, True)


def test_daily_norm_multiplies_by_sustain_days_and_rounds_up():
    """Water 3 per person per day for 3 days: 101 persons → ⌈101 × 300 × 3 / 100⌉ = 909."""
    d = derived_demand(SCENARIO, [WATER], {})
    assert d[("V1", "1020101")] == 909
    assert d[("S1", "1020101")] == 2250


def test_once_norm_ignores_sustain_days():
    """A quilt per person is needed once, whatever the sustain days."""
    assert derived_demand(SCENARIO, [QUILT], {})[("V1", "1010201")] == 101


def test_priority_only_norm_applies_to_shelters_and_medical_points():
    """Medicine kits (priority-only norm) go to the priority-1 shelter, not to the village."""
    d = derived_demand(SCENARIO, [MEDKIT], {})
    assert d == {("S1", "1030401"): 5}


def test_entered_quantity_overrides_and_zero_removes_the_line():
    """An entered quantity replaces the derived one; entering 0 removes the line."""
    d = derived_demand(SCENARIO, [WATER, QUILT], {("V1", "1020101"): 50, ("V1", "1010201"): 0})
    assert d[("V1", "1020101")] == 50
    assert ("V1", "1010201") not in d


def test_entered_demand_is_the_whole_demand():
    """A scenario with entered demand (from an event, or saved from an editor) plans exactly that: no norm line
    is added beside it (the priority-only medicine kit of the shelter, here), as its 'scenario show' lists."""
    d = derived_demand(SCENARIO, [WATER, MEDKIT], {("V1", "1020101"): 50})
    assert d == {("V1", "1020101"): 50}
