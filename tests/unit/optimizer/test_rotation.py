"""Business rules of the rotation planner (更新轮换计划); every plan is re-checked by ``check_rotation``."""

from __future__ import annotations

import pytest

from optimizer.errors import InvalidProblem
from optimizer.rotation import (
    Lot,
    ProcurementOption,
    ReleaseChannel,
    RotationParams,
    RotationPlan,
    RotationProblem,
    StockKey,
    plan_rotation,
)
from optimizer.rotation.check import check_rotation

FAST = RotationParams(time_limit_s=5.0, stage_time_limit_s=1.0)
TENDER = ProcurementOption("tender", lead_days=5, unit_price_fen=1000, shelf_life_days=400)
DRILL = ReleaseChannel("drill", value_fen=0, min_remaining_days=10)


def solve(problem: RotationProblem) -> RotationPlan:
    plan = plan_rotation(problem, FAST)
    assert check_rotation(problem, plan) == []
    return plan


def tents(*lots: Lot, standard: int = 20, options=(TENDER,), channels=(DRILL,), **kw: object) -> StockKey:
    return StockKey("tent@county", tuple(lots), (standard,), tuple(options), tuple(channels), **kw)  # type: ignore[arg-type]


def test_rotation_holds_the_standard_every_day_when_feasible() -> None:
    """With time to reorder, counted stock is at or above the standard on every day of the horizon."""
    key = tents(Lot("a", 12, 30), Lot("b", 10, 55), Lot("c", 8, 500))
    p = RotationProblem((key,), horizon_days=90, bucket_days=1)
    plan = solve(p)
    assert plan.holds_standard and plan.explanations == ()
    assert all(c >= s for c, s in zip(plan.stock[0].counted, plan.stock[0].standard, strict=True))


def test_weekly_buckets_still_hold_the_standard_on_every_day() -> None:
    """Weekly decisions are checked on their lowest day, so no single day dips below the standard."""
    key = tents(Lot("a", 12, 33), Lot("b", 10, 61), Lot("c", 8, 500), Lot("d", 5, 200, arrival_day=10))
    p = RotationProblem((key,), horizon_days=120, bucket_days=7)
    plan = solve(p)
    assert plan.holds_standard
    assert min(plan.stock[0].counted) >= 20


def test_expiring_lot_is_rotated_out_instead_of_wasted() -> None:
    """A lot that would expire in stock is released while it still has shelf life and replaced in time."""
    key = tents(Lot("old", 20, 40), Lot("new", 5, 600), standard=20)
    p = RotationProblem((key,), horizon_days=60, bucket_days=1)
    plan = solve(p)
    assert plan.waste_units == 0 and plan.holds_standard
    released = sum(a.qty for a in plan.actions if a.kind == "release" and a.lot_id == "old")
    assert released == 20
    bought = sum(a.qty for a in plan.actions if a.kind == "procure")
    assert bought >= 15


def test_lot_is_not_released_below_minimum_remaining_shelf_life() -> None:
    """No release happens with less than the channel's minimum remaining life; a lot already below it expires."""
    sell = ReleaseChannel("sellback", value_fen=300, min_remaining_days=30)
    key = tents(Lot("short", 6, 20), Lot("long", 10, 70), Lot("base", 20, 900), channels=(sell,), standard=20)
    p = RotationProblem((key,), horizon_days=90, bucket_days=1)
    plan = solve(p)
    for a in plan.actions:
        if a.kind == "release":
            assert a.expiry_day is not None and a.expiry_day - a.day >= 30
    assert not any(a.lot_id == "short" for a in plan.actions)
    assert plan.waste_units == 6


def test_budget_shortfall_is_explained_with_the_quarter() -> None:
    """When the quarter's budget cannot pay the replacement, the short days name that quarter."""
    key = tents(Lot("a", 20, 40), standard=20)
    p = RotationProblem(
        (key,), horizon_days=80, bucket_days=1, quarter_starts=(0, 40), quarter_budget_fen=(5 * 1000, 100_000)
    )
    plan = solve(p)
    assert not plan.holds_standard
    assert plan.spend_per_quarter_fen[0] <= 5 * 1000
    assert plan.explanations and all(e.reason == "budget_exhausted" for e in plan.explanations)
    assert 0 in plan.explanations[0].quarters


def test_lead_time_shortfall_names_the_earliest_arrival_day() -> None:
    """Stock expiring before anything can arrive is short for lead-time reasons, naming the first arrival day."""
    slow = ProcurementOption("tender", lead_days=10, unit_price_fen=1000, shelf_life_days=400)
    key = tents(Lot("a", 20, 4), options=(slow,), channels=())
    p = RotationProblem((key,), horizon_days=30, bucket_days=1)
    plan = solve(p)
    assert plan.stock[0].short_days() == tuple(range(4, 10))
    [e] = plan.explanations
    assert (e.reason, e.first_day, e.last_day, e.earliest_arrival_day) == ("lead_time", 4, 9, 10)
    assert e.unit_days == 6 * 20


def test_key_without_procurement_option_is_explained_as_such() -> None:
    """Expiring stock that nothing can replace is short, with reason no_procurement_option."""
    key = tents(Lot("a", 20, 10), options=(), channels=())
    p = RotationProblem((key,), horizon_days=20, bucket_days=1)
    plan = solve(p)
    assert {e.reason for e in plan.explanations} == {"no_procurement_option"}
    assert plan.shortfall_unit_days == 10 * 20


def test_capped_agreement_quantity_counts_towards_the_standard() -> None:
    """Agreement stock counts up to its cap, so physical stock only has to cover the rest."""
    key = tents(Lot("a", 15, 500), standard=20, agreement_qty=50, agreement_cap=5)
    p = RotationProblem((key,), horizon_days=30, bucket_days=1)
    plan = solve(p)
    assert plan.holds_standard and plan.actions == ()
    assert set(plan.stock[0].counted) == {20}


def test_release_channel_capacity_spreads_releases_over_buckets() -> None:
    """A channel taking at most 5 units per bucket never gets more, releases spread over earlier buckets."""
    sell = ReleaseChannel("sellback", value_fen=500, min_remaining_days=7, capacity_per_bucket=5)
    key = tents(Lot("a", 15, 30), Lot("b", 20, 900), standard=20, channels=(sell,))
    p = RotationProblem((key,), horizon_days=40, bucket_days=1)
    plan = solve(p)
    per_day: dict[int, int] = {}
    for a in plan.actions:
        if a.kind == "release":
            per_day[a.day] = per_day.get(a.day, 0) + a.qty
    assert per_day and max(per_day.values()) <= 5


def test_shared_quarterly_budget_is_never_exceeded_across_items() -> None:
    """Two items competing for one quarter's budget together spend no more than it."""
    a = StockKey("quilt", (Lot("q", 10, 20),), (10,), (TENDER,), (DRILL,))
    b = StockKey("tent", (Lot("t", 10, 25),), (10,), (TENDER,), (DRILL,))
    p = RotationProblem(
        (a, b), horizon_days=60, bucket_days=1, quarter_starts=(0,), quarter_budget_fen=(12_000,)
    )
    plan = solve(p)
    assert plan.spend_per_quarter_fen[0] <= 12_000
    assert not plan.holds_standard


@pytest.mark.parametrize(
    "bad",
    [
        lambda: StockKey("k", (Lot("a", 0, 5),), (1,)),
        lambda: StockKey("k", (Lot("a", 3, 5), Lot("a", 3, 6)), (1,)),
        lambda: StockKey("k", (), (1, 2, 3)),
        lambda: StockKey("k", (), (1,), (ProcurementOption("o", -1, 1, 10),)),
    ],
)
def test_malformed_input_raises_invalid_problem(bad) -> None:  # type: ignore[no-untyped-def]
    """Zero quantities, duplicate lot ids, wrong standard length and negative lead time are rejected."""
    with pytest.raises(InvalidProblem):
        RotationProblem((bad(),), horizon_days=30, bucket_days=1)


def test_solver_error_gives_the_greedy_plan_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the MIP solver fails outright, the plan is the never-rotate greedy one and still passes the checker."""
    import optimizer.rotation.mip as model

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(model.mathopt, "solve", broken)
    key = tents(Lot("a", 20, 30), standard=20)
    p = RotationProblem((key,), horizon_days=60, bucket_days=1)
    plan = solve(p)
    assert plan.status == "timeout"
    assert all(a.kind == "procure" for a in plan.actions) and plan.actions


def test_a_stop_request_starts_no_stage_and_still_gives_a_checked_plan() -> None:
    """Asked to stop from the start (a cancelled job), the planner solves no MIP stage: the plan is the greedy
    fallback, labelled timeout, and still passes the checker."""
    asked: list[int] = []
    key = tents(Lot("a", 12, 30), Lot("b", 10, 55), Lot("c", 8, 500))
    p = RotationProblem((key,), horizon_days=90, bucket_days=1)
    plan = plan_rotation(p, RotationParams(time_limit_s=30.0, stop=lambda: asked.append(1) is None))
    assert asked and plan.status == "timeout"
    assert check_rotation(p, plan) == []
