"""更新轮换计划 from the database: the plan holds the standard every day where feasible (checked day by day
against the lots in the ledger and the schedule's own dates), and explains the days where it cannot."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from optimizer.rotation.check import check_rotation
from stockpile.adapters.repos.reserve import ReserveUnitOfWork
from stockpile.planning import rotation as planning_rotation
from tests.conftest import NOW
from tests.support.reserve import CFG, receive, set_standards, water_standard

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

TODAY = NOW.date()  # 2026-06-01


@pytest.fixture
def sqlite_only(db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("the mapping is backend-independent; SQLite is enough here")


def _replay(lots: dict[str, tuple[int, date]], schedule: list[dict], day: date) -> int:
    """Counted stock on `day` from the ledger lots and the schedule alone (shares no code with the solver)."""
    total = 0
    for lot_no, (qty, expiry) in lots.items():
        released = sum(
            r["qty"]
            for r in schedule
            if r["action"] == "release" and r["lot_no"] == lot_no and r["date"] <= day
        )
        if day < expiry:
            total += qty - released
    for r in schedule:
        if r["action"] == "procure" and r["arrival"] <= day and (r["expiry"] is None or day < r["expiry"]):
            total += r["qty"]
    return total


def test_rotation_plan_holds_the_standard_on_every_day(engine, world, sqlite_only):
    """Two water lots expire inside the year: the plan buys in time so counted ≥ standard on each day."""
    lots = {"W1": (600, TODAY + timedelta(days=40)), "W2": (600, TODAY + timedelta(days=200))}
    for lot, (qty, exp) in lots.items():
        receive(engine, world, world.depot, world.water, lot, qty, exp, NOW)
    set_standards(engine, [water_standard(world, 1000)], NOW)
    rep = planning_rotation.rotation_plan(ReserveUnitOfWork(engine), 2026, TODAY, CFG)
    assert rep.plan.holds_standard and rep.explanations == []
    assert check_rotation(rep.problem, rep.plan) == []
    day = rep.start
    while day <= date(2026, 12, 31):
        assert _replay(lots, rep.schedule, day) >= 1000, day
        day += timedelta(days=1)
    assert any(r["action"] == "procure" for r in rep.schedule)
    series = [s for s in rep.series if s["key_id"] == rep.keys[0]["key_id"]]
    assert len(series) == (date(2026, 12, 31) - TODAY).days + 1
    assert all(s["counted"] >= s["standard"] for s in series)


def test_standard_that_lead_time_cannot_reach_is_explained_not_hidden(engine, world, sqlite_only):
    """Stock below the standard on day 0 with a 30-day lead time: short days are reported with reason lead_time."""
    receive(engine, world, world.depot, world.water, "W1", 100, TODAY + timedelta(days=300), NOW)
    set_standards(engine, [water_standard(world, 1000)], NOW)
    cfg = replace(CFG, procurement_lead_days=30)
    rep = planning_rotation.rotation_plan(ReserveUnitOfWork(engine), 2026, TODAY, cfg)
    assert not rep.plan.holds_standard
    first = rep.explanations[0]
    assert first["reason"] == "lead_time" and first["first_day"] == TODAY
    assert rep.keys[0]["short_days"] >= 28
    later = TODAY + timedelta(days=35)
    assert all(s["counted"] >= s["standard"] for s in rep.series if s["date"] >= later)


def test_plan_for_next_year_covers_that_year_from_1_january(engine, world, sqlite_only):
    """Planning 2027 in June 2026 plans 1 January – 31 December 2027: days, quarters and expiries count from
    1 January, so the schedule, the series and the quarterly budgets are 2027's only."""
    receive(engine, world, world.depot, world.water, "W1", 2000, date(2027, 3, 1), NOW)
    set_standards(engine, [water_standard(world, 1000)], NOW)
    inp = planning_rotation.build_problem(
        planning_rotation.load_data(ReserveUnitOfWork(engine)), 2027, TODAY, CFG
    )
    assert inp.start == date(2027, 1, 1) and inp.problem.horizon_days == 365
    assert inp.problem.quarter_starts == (0, 90, 181, 273)
    [key] = inp.problem.keys
    assert [(lot.qty, lot.expiry_day) for lot in key.lots] == [
        (2000, (date(2027, 3, 1) - date(2027, 1, 1)).days)
    ]
    assert inp.before_start == []


def test_plan_for_the_current_year_starts_today(engine, world, sqlite_only):
    """Planning 2026 on 1 June 2026 runs from today to 31 December 2026 (the past is not planned)."""
    receive(engine, world, world.depot, world.water, "W1", 2000, date(2027, 3, 1), NOW)
    set_standards(engine, [water_standard(world, 1000)], NOW)
    inp = planning_rotation.build_problem(
        planning_rotation.load_data(ReserveUnitOfWork(engine)), 2026, TODAY, CFG
    )
    assert inp.start == TODAY and inp.problem.horizon_days == (date(2026, 12, 31) - TODAY).days + 1


def test_lot_expiring_before_next_years_plan_starts_is_listed_for_action_now(engine, world, sqlite_only):
    """A lot valid today that expires before 1 January of the planned year is not stock of that plan: the
    report lists it (rotate it now, under this year's plan); the plan itself buys to hold the standard."""
    receive(engine, world, world.depot, world.water, "OLD", 700, date(2026, 11, 30), NOW)
    receive(engine, world, world.depot, world.water, "NEW", 400, date(2028, 6, 30), NOW)
    set_standards(engine, [water_standard(world, 1000)], NOW)
    rep = planning_rotation.rotation_plan(ReserveUnitOfWork(engine), 2027, TODAY, CFG)
    assert rep.start == date(2027, 1, 1)
    assert [(r["lot_no"], r["qty"], r["expiry"]) for r in rep.before_start] == [
        ("OLD", 700, date(2026, 11, 30))
    ]
    assert {r["lot_no"] for r in rep.schedule if r["action"] == "release"} <= {"NEW"}
    assert all(r["date"] >= date(2027, 1, 1) for r in rep.schedule if r["action"] == "release")
    assert all(s["date"].year == 2027 for s in rep.series)
    # a purchase can be ordered now, lead days before 1 January: the standard holds from the first day
    assert all(s["counted"] >= s["standard"] for s in rep.series) and not rep.explanations
    [buy] = [r for r in rep.schedule if r["action"] == "procure" and r["arrival"] == date(2027, 1, 1)]
    assert buy["date"] == date(2027, 1, 1) - timedelta(days=CFG.procurement_lead_days) >= TODAY


def test_agreement_stock_counts_only_if_valid_through_the_horizon(engine, world, sqlite_only):
    """A contract ending before the horizon does not count in the rotation problem (it is a renewal item)."""
    from tests.support.reserve import add_contract

    add_contract(engine, world, date(2026, 1, 1), date(2026, 9, 30), agreed=500, verified_on=date(2026, 5, 1))
    set_standards(engine, [water_standard(world, 1000)], NOW)
    data = planning_rotation.load_data(ReserveUnitOfWork(engine))
    [key] = planning_rotation.build_problem(data, 2026, TODAY, CFG).problem.keys
    assert key.agreement_qty == 0


def test_buy_back_channel_is_not_offered_without_an_agreement_partner(engine, world, sqlite_only):
    """No 协议储备 contract for the item: 协议超市回购 is no channel of its stock key, and the report names it
    as absent; drills and civil affairs stay."""
    receive(engine, world, world.depot, world.water, "W1", 2000, TODAY + timedelta(days=120), NOW)
    set_standards(engine, [water_standard(world, 1000)], NOW)
    rep = planning_rotation.rotation_plan(ReserveUnitOfWork(engine), 2026, TODAY, CFG)
    [key] = rep.problem.keys
    assert [c.channel_id for c in key.channels] == ["drill", "civil_affairs"]
    assert rep.absent_channels == ["sell_back"]
    assert all(r["channel"] != "sell_back" for r in rep.schedule)


def test_buy_back_channel_is_offered_for_an_item_under_agreement(engine, world, sqlite_only):
    """A supermarket contract with a water line valid in the horizon: water may be sold back."""
    from tests.support.reserve import add_contract

    add_contract(engine, world, date(2026, 1, 1), date(2026, 9, 30), verified_on=date(2026, 5, 1))
    receive(engine, world, world.depot, world.water, "W1", 2000, TODAY + timedelta(days=120), NOW)
    set_standards(engine, [water_standard(world, 1000)], NOW)
    data = planning_rotation.load_data(ReserveUnitOfWork(engine))
    inp = planning_rotation.build_problem(data, 2026, TODAY, CFG)
    [key] = inp.problem.keys
    assert "sell_back" in [c.channel_id for c in key.channels] and inp.absent_channels == []
    later = planning_rotation.build_problem(data, 2027, TODAY, CFG)  # the contract ends before 2027
    assert [c.channel_id for c in later.problem.keys[0].channels] == ["drill", "civil_affairs"]
