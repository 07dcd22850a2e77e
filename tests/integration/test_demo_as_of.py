"""The demo built as of any date reads the same: a year apart or across a New Year, the same expired and
near-expiry lots, agreement stock still available after 1 January, and the FLOOD-DEMO drill, re-based days after
it was built, has the same demand, deadlines and KPIs as on the day it was made."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.read.views import Views
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.demo.builder import build_demo, contract_term, create_demo_database, demo_now
from stockpile.dispatch.commands import PlanSettings
from tests.conftest import TEST_NOW

pytestmark = pytest.mark.dates

# The tests' day, a year later, and an evening just before a New Year (the drill is replayed two days later, in the
# next year): relative to the tests' day, so the moved-clock runs of .ci/run try other dates too.
_DAY = clock.local_day(TEST_NOW)
AS_OF = (_DAY, _DAY + timedelta(days=365), datetime(_DAY.year, 12, 31, 23, 30))
REPLAY_AFTER = timedelta(days=2)  # the drill is replayed two days after the demo was built
REPORT_LEAD = timedelta(hours=1)  # the demo's drill is reported an hour before the demo's moment


@pytest.fixture(scope="module")
def demos(tmp_path_factory) -> dict[Any, str]:
    """One demo database per as-of moment."""
    out = {}
    for n, as_of in enumerate(AS_OF):
        url = f"sqlite:///{tmp_path_factory.mktemp(f'asof{n}') / 'demo.db'}"
        create_demo_database(url)  # demo data only into a database created as a demo
        build_demo(url, as_of=as_of)
        out[as_of] = url
    return out


def _statuses(url: str, today: date) -> dict[str, int]:
    df = Views(make_engine(url)).stock(on=today)
    return {s: int((df["status"] == s).sum()) for s in ("expired", "near", "ok")}


def test_the_demo_has_the_same_expired_and_near_expiry_lots_on_every_date(demos):
    counts = {as_of: _statuses(url, demo_now(as_of).date()) for as_of, url in demos.items()}
    first = counts[AS_OF[0]]
    assert first["expired"] >= 2 and first["near"] >= 5
    assert all(c == first for c in counts.values()), counts


def test_agreement_stock_is_available_on_every_date_and_after_new_year(demos):
    """Water from the supermarket agreement: the same quantity and lead time as of each date, and still there on
    the far side of 1 January (the old demo's contracts ended on 31 Dec of the build year)."""

    def agreement(url: str, on: date) -> list[tuple[int, int]]:
        df = Views(make_engine(url)).available_to_dispatch("1020101", on=on)
        agr = df[df["mode"] == "agreement"]
        return sorted(zip(agr["qty"].astype(int), agr["lead_minutes"].astype(int), strict=True))

    seen = {as_of: agreement(url, demo_now(as_of).date()) for as_of, url in demos.items()}
    assert seen[AS_OF[0]] and seen[AS_OF[0]][0][0] > 0
    assert all(v == seen[AS_OF[0]] for v in seen.values()), seen
    new_year = AS_OF[2]
    after = demo_now(new_year).date() + REPLAY_AFTER
    assert after.year == new_year.year + 1
    assert agreement(demos[new_year], after) == seen[AS_OF[0]]
    start, end = contract_term(demo_now(new_year).date())
    assert start < after < end


def _replayed_plan(url: str, as_of: Any) -> Any:
    """Two days after the build: re-base the drill to an hour before the replay (as it was built) and plan."""
    svc = build_services(Settings(database_url=url, solve_time_limit_s=2))
    later = demo_now(as_of) + REPLAY_AFTER
    with clock.pinned(later):
        svc.dispatch.rebase_scenario("FLOOD-DEMO", "dispatcher", to=later - REPORT_LEAD)
        scenario, demand = svc.dispatch.scenario_demand("FLOOD-DEMO")
        plan = svc.dispatch.plan("FLOOD-DEMO", PlanSettings(time_limit_s=2), now=later)
    return scenario, demand, plan


def test_flood_drill_rebased_later_reads_as_on_the_day_it_was_made(demos):
    """Built as of each date and replayed two days later after a re-base: the same demand, deadlines and
    allocation exactly (an exact optimum: sources, points, quantities, arrival and ready times), and the same KPIs. The KPIs compared are the ones fixed by the inputs and the
    allocation (demand, priority demand, the hour already run since the report). The routing search is
    time-limited, so the routed figures may differ between runs on a busy machine: delivered units within 0.1 % of
    the demand, unserved lines within two, priority units
    inside the circle are compared with a tolerance of 10 % of the priority demand (the allocation already sends
    them from sources that reach in time), and the completion time is not compared (the objective is total
    distance; completion moves by an hour between two runs on the same data). Every plan passes the checker."""
    made = {}
    for as_of, url in demos.items():
        scenario, demand, plan = _replayed_plan(url, as_of)
        k = plan.kpis
        assert k.since_report_s == REPORT_LEAD.total_seconds()
        assert plan.violations == ()
        assert clock.local(scenario.reported_at) == demo_now(as_of) + REPLAY_AFTER - REPORT_LEAD
        made[as_of] = (
            demand,
            sorted((p.code, p.priority, p.needed_by_minutes) for p in scenario.points),
            sorted(astuple(ln) for ln in plan.allocation.lines) if plan.allocation is not None else None,
            (k.demand, k.delivered, k.priority_demand, len(plan.unserved)),
            plan.kpis,
        )
    ref = made[AS_OF[0]]
    assert ref[3][0] > 0 and ref[3][1] > 0
    for as_of, got in made.items():
        assert got[:3] == ref[:3], as_of
        k, k0 = got[4], ref[4]
        assert (k.demand, k.priority_demand) == (k0.demand, k0.priority_demand), as_of
        # routed figures: a 2 s search may leave a unit more or less on one date (seen: 25 260 of 25 261)
        assert abs(k.delivered - k0.delivered) <= k0.demand // 1000, as_of
        assert abs(got[3][3] - ref[3][3]) <= 2, as_of
        assert abs(k.priority_in_circle - k0.priority_in_circle) <= k0.priority_demand // 10, as_of
