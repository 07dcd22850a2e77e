"""更新轮换计划: plan releases and procurements so counted stock holds the reserve standard every day.

The model's rules are in ``optimizer.rotation_types``; ``optimizer.rotation_check.check_rotation`` verifies
a plan independently. Keys are solved one by one (exact when the quarterly budget does not bind); if their
combined spending breaks a quarter's budget, the keys that buy anything are re-solved jointly with the budget.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable, Iterable

import numpy as np
from ortools.math_opt.python import mathopt

from optimizer.rotation_model import Grid, KeyPart, RotationMilp, is_waste_if_kept
from optimizer.rotation_types import (
    InvalidRotationProblem,
    Lot,
    ProcurementOption,
    ReleaseChannel,
    RotationAction,
    RotationParams,
    RotationPlan,
    RotationProblem,
    ShortfallExplanation,
    StockKey,
    StockSeries,
)

__all__ = [
    "InvalidRotationProblem",
    "Lot",
    "ProcurementOption",
    "ReleaseChannel",
    "RotationAction",
    "RotationParams",
    "RotationPlan",
    "RotationProblem",
    "ShortfallExplanation",
    "StockKey",
    "StockSeries",
    "plan_rotation",
]

_RANK = {"optimal": 0, "feasible": 1, "timeout": 2}


def plan_rotation(problem: RotationProblem, params: RotationParams | None = None) -> RotationPlan:
    """Plan when to release which lots and when to buy how much, minimising lexicographically
    shortfall unit-days, waste units, cost (fen) and the number of actions.

    Parameters
    ----------
    problem : RotationProblem
        Stock keys (lots, standard, procurement options, release channels) and the quarterly budget.
    params : RotationParams, optional
        Time limits; ``diagnose`` re-solves with budget / lead time relaxed to explain shortfalls.

    Returns
    -------
    RotationPlan
        Actions, daily stock per key and exact daily figures. Infeasible standards give a plan with
        ``shortfall_unit_days > 0`` and explanations, never an exception.
    """
    params = params or RotationParams()
    start = time.monotonic()
    has_budget = problem.quarter_budget_fen is not None
    solo_deadline = start + params.time_limit_s * (0.45 if has_budget else 0.8)
    actions: dict[int, list[RotationAction]] = {}
    status = "optimal"
    for k in range(len(problem.keys)):
        st, acts = _solve_keys(problem, [k], False, solo_deadline, params)
        status = _worse(status, st)
        actions.update(acts)
    relaxed = dict(actions)
    spend = _spend(problem, [a for acts in actions.values() for a in acts])
    if has_budget and any(s > b for s, b in zip(spend, problem.quarter_budget_fen or (), strict=True)):
        buyers = [k for k, acts in actions.items() if any(a.kind == "procure" for a in acts)]
        st, acts = _solve_keys(problem, buyers, True, start + params.time_limit_s * 0.85, params)
        if st == "timeout":  # nothing within the budget found: drop the buyers' purchases (never overspend)
            acts = {k: [] for k in buyers}
        status = _worse(status, st)
        actions.update(acts)
    plan = _assemble(problem, status, actions)
    if params.diagnose and plan.shortfall_unit_days > 0:
        expl = _explain(problem, plan, relaxed, start + params.time_limit_s, params)
        plan = dataclasses.replace(plan, explanations=expl)
    return plan


def _worse(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def _solve_keys(
    p: RotationProblem,
    keys: list[int],
    budget: bool,
    deadline: float,
    params: RotationParams,
    lead_zero: bool = False,
) -> tuple[str, dict[int, list[RotationAction]]]:
    milp = RotationMilp(p, keys, budget, lead_zero)
    status, values = milp.solve(deadline, params.stage_time_limit_s)
    return status, {part.key_index: _actions(p, part, values, lead_zero) for part in milp.parts}


def _actions(
    p: RotationProblem, part: KeyPart, values: dict[mathopt.Variable, float], lead_zero: bool
) -> list[RotationAction]:
    """Turn variable values into schedule lines; cohort releases go onto lots earliest expiry first."""
    key, grid = p.keys[part.key_index], Grid(p.horizon_days, p.bucket_days)
    out: list[RotationAction] = []
    new_lot: dict[int, str] = {}
    for ci, var in part.buy.items():
        qty = round(values.get(var, 0.0))
        if qty <= 0:
            continue
        c = part.cohorts[ci]
        o = key.options[c.option or 0]
        arrival = grid.start(c.arrival_bucket)
        lot_id = new_lot[ci] = f"new:{o.option_id}:{arrival}"
        order_day = arrival - (0 if lead_zero else o.lead_days)
        out.append(
            RotationAction(
                order_day, key.key_id, "procure", lot_id, qty, qty * o.unit_price_fen,
                option_id=o.option_id, arrival_day=arrival, expiry_day=arrival + o.shelf_life_days,
            )
        )  # fmt: skip
    left: dict[str, int] = {lot.lot_id: lot.qty for lot in key.lots}
    for (ci, ch, b), var in sorted(part.release.items(), key=lambda kv: kv[0][2]):
        qty = round(values.get(var, 0.0))
        if qty <= 0:
            continue
        c, channel = part.cohorts[ci], key.channels[ch]
        if c.option is not None:
            o = key.options[c.option]
            pieces = [(new_lot[ci], qty, grid.start(c.arrival_bucket) + o.shelf_life_days)]
        else:
            pieces = _fefo(c.lots, left, qty)
        for lot_id, q, expiry in pieces:
            out.append(
                RotationAction(
                    grid.start(b), key.key_id, "release", lot_id, q, -q * channel.value_fen,
                    channel_id=channel.channel_id, expiry_day=expiry,
                )
            )  # fmt: skip
    return sorted(out, key=lambda a: (a.day, a.kind, a.lot_id))


def _fefo(lots: list[Lot], left: dict[str, int], qty: int) -> list[tuple[str, int, int]]:
    out = []
    for lot in lots:  # sorted by expiry
        take = min(qty, left[lot.lot_id])
        if take > 0:
            out.append((lot.lot_id, take, lot.expiry_day))
            left[lot.lot_id] -= take
            qty -= take
        if qty == 0:
            break
    return out


def _spend(p: RotationProblem, actions: Iterable[RotationAction]) -> list[int]:
    spend = [0] * len(p.quarter_starts)
    for a in actions:
        if a.kind == "procure":
            spend[p.quarter_of(a.day)] += a.cost_fen
    return spend


def simulate_key(p: RotationProblem, key: StockKey, acts: list[RotationAction]) -> tuple[np.ndarray, int]:
    """Daily counted stock (numpy, with agreement) and waste units of one key under its actions."""
    h = p.horizon_days
    diff = np.zeros(h + 1, dtype=np.int64)
    lots = {lot.lot_id: (lot.qty, lot.arrival_day, lot.expiry_day) for lot in key.lots}
    for a in acts:
        if a.kind == "procure":
            lots[a.lot_id] = (a.qty, a.arrival_day or 0, a.expiry_day or 0)
    released: dict[str, int] = {}
    for a in acts:
        if a.kind == "release":
            released[a.lot_id] = released.get(a.lot_id, 0) + a.qty
            diff[min(a.day, h)] -= a.qty
    waste = 0
    for lot_id, (qty, arrival, expiry) in lots.items():
        rest = qty - released.get(lot_id, 0)
        diff[min(arrival, h)] += qty
        diff[min(expiry, h)] -= rest
        if is_waste_if_kept(key, h, expiry):
            waste += rest
    return np.cumsum(diff[:h]) + key.agreement_counted, waste


def _assemble(p: RotationProblem, status: str, actions: dict[int, list[RotationAction]]) -> RotationPlan:
    series, shortfall, waste = [], 0, 0
    for k, key in enumerate(p.keys):
        counted, w = simulate_key(p, key, actions.get(k, []))
        std = np.array([p.standard_on(key, d) for d in range(p.horizon_days)], dtype=np.int64)
        shortfall += int(np.maximum(std - counted, 0).sum())
        waste += w
        series.append(StockSeries(key.key_id, tuple(int(x) for x in counted), tuple(int(x) for x in std)))
    flat = tuple(a for k in range(len(p.keys)) for a in actions.get(k, []))
    return RotationPlan(
        status, flat, tuple(series), shortfall, waste, sum(a.cost_fen for a in flat), tuple(_spend(p, flat))
    )


def _explain(
    p: RotationProblem,
    plan: RotationPlan,
    relaxed: dict[int, list[RotationAction]],
    deadline: float,
    params: RotationParams,
) -> tuple[ShortfallExplanation, ...]:
    """Attribute each short day: still short with budget relaxed? with lead time relaxed too?"""
    out: list[ShortfallExplanation] = []
    grid = Grid(p.horizon_days, p.bucket_days)
    for k, key in enumerate(p.keys):
        series = plan.stock[k]
        short = series.short_days()
        if not short:
            continue
        if not key.options:
            out.extend(_runs(series, short, lambda d: ("no_procurement_option", (), None)))
            continue
        no_budget = _short_days(p, key, relaxed.get(k, []), series.standard)
        _, acts = _solve_keys(p, [k], False, deadline, params, lead_zero=True)
        no_lead = _short_days(p, key, acts[k], series.standard)
        earliest = min(-(-o.lead_days // grid.size) * grid.size for o in key.options)
        floor = min(o.unit_price_fen * o.min_order_qty for o in key.options)

        reason = functools.partial(_reason, p, plan, no_budget, no_lead, earliest, floor)
        out.extend(_runs(series, short, reason))
    return tuple(out)


def _short_days(
    p: RotationProblem, key: StockKey, acts: list[RotationAction], std: tuple[int, ...]
) -> set[int]:
    counted = simulate_key(p, key, acts)[0]
    return {d for d in range(p.horizon_days) if counted[d] < std[d]}


def _exhausted(p: RotationProblem, plan: RotationPlan, day: int, floor: int) -> tuple[int, ...]:
    """Quarters up to ``day`` whose remaining budget cannot pay the cheapest minimum order of the key."""
    budget = p.quarter_budget_fen or ()
    qs = tuple(
        q
        for q, s in enumerate(p.quarter_starts)
        if s <= day and budget[q] - plan.spend_per_quarter_fen[q] < floor
    )
    return qs or (p.quarter_of(day),)


def _reason(
    p: RotationProblem,
    plan: RotationPlan,
    no_budget: set[int],
    no_lead: set[int],
    earliest: int,
    floor: int,
    d: int,
) -> tuple[str, tuple[int, ...], int | None]:
    """Short only under the budget → budget; short with budget relaxed but not with lead 0 → lead time."""
    if d not in no_budget:
        return "budget_exhausted", _exhausted(p, plan, d, floor), None
    if d not in no_lead:
        return "lead_time", (), earliest
    return "procurement_limits", (), None


Reason = Callable[[int], tuple[str, tuple[int, ...], int | None]]


def _runs(series: StockSeries, short: tuple[int, ...], reason: Reason) -> list[ShortfallExplanation]:
    """Group consecutive short days with the same reason into one explanation."""
    out: list[ShortfallExplanation] = []
    for d in short:
        r, quarters, earliest = reason(d)
        gap = series.standard[d] - series.counted[d]
        last = out[-1] if out else None
        if last and last.last_day == d - 1 and (last.reason, last.quarters) == (r, quarters):
            out[-1] = dataclasses.replace(last, last_day=d, unit_days=last.unit_days + gap)
        else:
            out.append(ShortfallExplanation(series.key_id, d, d, gap, r, quarters, earliest))
    return out
