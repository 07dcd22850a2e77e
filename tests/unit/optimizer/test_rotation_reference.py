"""The rotation planner against a brute-force reference on tiny instances, and the checker against mutations."""

from __future__ import annotations

import dataclasses
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.rotation import (
    Lot,
    ProcurementOption,
    ReleaseChannel,
    RotationParams,
    RotationPlan,
    RotationProblem,
    StockKey,
    assemble_plan,
    greedy_plan,
    plan_rotation,
)
from optimizer.rotation.check import check_rotation
from optimizer.rotation.jobs import split_budget

H = 5
PARAMS = RotationParams(time_limit_s=5.0, stage_time_limit_s=1.0)


def brute_force(p: RotationProblem) -> tuple[int, int, int]:
    """Lexicographic minimum of (shortfall unit-days, waste, cost) over every order pattern and every single
    release (day, qty) per lot, simulated day by day from the rules in ``optimizer.rotation.problem``."""
    key = p.keys[0]
    opt, ch = key.options[0], key.channels[0]
    sizes = [0] + [q for q in range(opt.min_order_qty, (opt.max_order_qty or 0) + 1)]
    order_days = [t for t in range(H) if t + opt.lead_days < H]
    rel_choices = []
    for lot in key.lots:
        deadline = min(lot.expiry_day - ch.min_remaining_days, lot.expiry_day - 1)
        # a lot whose last release day lies beyond the horizon is left to the next plan (model rule)
        days = [d for d in range(H) if d <= deadline < H]
        rel_choices.append([(None, 0)] + [(d, q) for d in days for q in range(1, lot.qty + 1)])
    best = None
    for orders in itertools.product(sizes, repeat=len(order_days)):
        stock = [key.agreement_counted] * H
        cost = 0
        for t, q in zip(order_days, orders, strict=True):
            cost += q * opt.unit_price_fen
            for d in range(t + opt.lead_days, H):
                stock[d] += q  # shelf life outlasts the horizon (instance rule)
        for rels in itertools.product(*rel_choices):
            s, waste, c = list(stock), 0, cost
            for lot, (day, q) in zip(key.lots, rels, strict=True):
                for d in range(min(lot.expiry_day, H)):
                    s[d] += lot.qty - (q if day is not None and d >= day else 0)
                c -= q * ch.value_fen
                doomed = lot.expiry_day < H or lot.expiry_day - ch.min_remaining_days < H
                waste += (lot.qty - q) if doomed else 0
            short = sum(max(0, key.standard[0] - x) for x in s)
            cand = (short, waste, c)
            best = cand if best is None or cand < best else best
    assert best is not None
    return best


@st.composite
def tiny(draw: st.DrawFn) -> RotationProblem:
    lots = tuple(
        Lot(f"l{i}", draw(st.integers(1, 2)), draw(st.integers(1, 8))) for i in range(draw(st.integers(0, 2)))
    )
    moq = draw(st.integers(1, 2))
    option = ProcurementOption(
        "o", draw(st.integers(0, 3)), draw(st.integers(1, 5)), H + 4, moq, draw(st.integers(moq, 2))
    )
    channel = ReleaseChannel("c", draw(st.integers(-2, 3)), draw(st.integers(0, 3)))
    key = StockKey("k", lots, (draw(st.integers(0, 4)),), (option,), (channel,), draw(st.integers(0, 1)))
    return RotationProblem((key,), horizon_days=H, bucket_days=1, quarter_starts=(0,))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny())
def test_plan_is_lexicographically_optimal_on_tiny_instances(p: RotationProblem) -> None:
    """Shortfall, then waste, then cost equal the brute-force optimum, and the checker accepts the plan."""
    plan = plan_rotation(p, PARAMS)
    assert check_rotation(p, plan) == []
    assert (plan.shortfall_unit_days, plan.waste_units, plan.cost_fen) == brute_force(p)


@st.composite
def small(draw: st.DrawFn) -> RotationProblem:
    keys = []
    for k in range(draw(st.integers(1, 3))):
        n = draw(st.integers(0, 6))
        lots = []
        for i in range(n):
            arrival = draw(st.sampled_from([0, 0, 3, 10]))
            lots.append(Lot(f"l{i}", draw(st.integers(1, 30)), arrival + draw(st.integers(1, 120)), arrival))
        options = tuple(
            ProcurementOption(f"o{j}", draw(st.integers(0, 20)), draw(st.integers(0, 900)),
                              draw(st.integers(5, 200)), draw(st.integers(1, 10)))
            for j in range(draw(st.integers(0, 2)))
        )  # fmt: skip
        channels = tuple(
            ReleaseChannel(f"c{j}", draw(st.integers(-50, 300)), draw(st.integers(0, 30)),
                           draw(st.one_of(st.none(), st.integers(0, 15))))
            for j in range(draw(st.integers(0, 2)))
        )  # fmt: skip
        keys.append(StockKey(f"k{k}", tuple(lots), (draw(st.integers(0, 40)),), options, channels))
    budget = draw(st.one_of(st.none(), st.tuples(*[st.integers(0, 20_000)] * 4)))
    return RotationProblem(tuple(keys), horizon_days=70, bucket_days=draw(st.sampled_from([1, 7])),
                           quarter_starts=(0, 20, 40, 60), quarter_budget_fen=budget)  # fmt: skip


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small())
def test_every_plan_passes_the_checker_and_beats_the_never_rotate_plan(p: RotationProblem) -> None:
    """Any instance (budgets, capacities, in-transit lots, weekly or daily) gives a plan without violations,
    lexicographically no worse than keeping every lot and topping up on time."""
    plan = plan_rotation(p, PARAMS)
    assert check_rotation(p, plan) == []
    base = assemble_plan(p, "baseline", greedy_plan(p))
    assert check_rotation(p, base) == []
    rank = (plan.shortfall_unit_days, plan.waste_units, plan.cost_fen)
    assert rank <= (base.shortfall_unit_days, base.waste_units, base.cost_fen)


def test_budget_split_follows_the_guide_and_never_exceeds_a_quarter() -> None:
    """Short quarters are split in proportion to the guide spend; slack goes by yearly spend; sums fit."""
    shares = split_budget((100, 1000), {0: [150, 0], 1: [50, 300]})
    # Q0 short: 150:50 of 100; Q1 slack 700 split 150:350 on top of the spend
    assert shares == {0: (75, 210), 1: (25, 790)}


def _base() -> tuple[RotationProblem, RotationPlan]:
    opt = ProcurementOption("tender", 3, 100, 300, 1, 50)
    key = StockKey(
        "k", (Lot("a", 10, 20), Lot("b", 10, 300)), (15,), (opt,), (ReleaseChannel("c", 10, 5, 8),)
    )
    p = RotationProblem(
        (key,), horizon_days=40, bucket_days=1, quarter_starts=(0, 20), quarter_budget_fen=(5000, 5000)
    )
    plan = plan_rotation(p, PARAMS)
    assert check_rotation(p, plan) == [] and any(a.kind == "release" for a in plan.actions)
    return p, plan


def _codes(p: RotationProblem, plan: RotationPlan) -> set[str]:
    return {v.code for v in check_rotation(p, plan)}


def test_checker_flags_a_release_below_minimum_remaining_life() -> None:
    """Moving a release to 2 days before expiry (minimum 5) is a min_remaining_life violation."""
    p, plan = _base()
    acts = [dataclasses.replace(a, day=18) if a.kind == "release" else a for a in plan.actions]
    assert "min_remaining_life" in _codes(p, dataclasses.replace(plan, actions=tuple(acts)))


def test_checker_flags_a_lot_released_beyond_its_quantity() -> None:
    """Releasing 11 units of a 10-unit lot is over_release."""
    p, plan = _base()
    extra = dataclasses.replace(next(a for a in plan.actions if a.kind == "release"), qty=11, cost_fen=-110)
    assert "over_release" in _codes(p, dataclasses.replace(plan, actions=(*plan.actions, extra)))


def test_checker_flags_an_order_arriving_before_its_lead_time() -> None:
    """An order that claims to arrive one day after ordering with a 3-day lead is a lead_time violation."""
    p, plan = _base()
    acts = [dataclasses.replace(a, arrival_day=a.day + 1) if a.kind == "procure" else a for a in plan.actions]
    assert "lead_time" in _codes(p, dataclasses.replace(plan, actions=tuple(acts)))


def test_checker_flags_an_overspent_quarter_and_a_false_stock_claim() -> None:
    """A purchase beyond the quarter's budget and a daily series claiming stock that is not there are caught."""
    p, plan = _base()
    big = next(a for a in plan.actions if a.kind == "procure")
    extra = dataclasses.replace(big, qty=50, cost_fen=5000, lot_id="extra")
    assert "budget" in _codes(p, dataclasses.replace(plan, actions=(*plan.actions, extra)))
    inflated = dataclasses.replace(plan.stock[0], counted=tuple(c + 100 for c in plan.stock[0].counted))
    codes = _codes(p, dataclasses.replace(plan, actions=plan.actions[:0], stock=(inflated,)))
    assert {"stock_mismatch", "standard_breached"} <= codes
