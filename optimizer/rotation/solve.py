"""更新轮换计划: plan releases and procurements so counted stock holds the reserve standard every day.

The model's rules are in ``optimizer.rotation.problem``; ``optimizer.rotation.check.check_rotation`` verifies
a plan independently. Keys are solved one by one (exact when the quarterly budget does not bind); if their
combined spending breaks a quarter's budget, the keys that buy anything are re-solved jointly with the budget.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable

import numpy as np

from optimizer.rotation.greedy import greedy_actions
from optimizer.rotation.jobs import Actions, Job, run_jobs, split_budget
from optimizer.rotation.mip import Grid, RotationMilp, StageLimits, is_waste_if_kept
from optimizer.rotation.problem import (
    RotationAction,
    RotationParams,
    RotationPlan,
    RotationProblem,
    ShortfallExplanation,
    StockKey,
    StockSeries,
)

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
    end = start + params.time_limit_s
    budget = problem.quarter_budget_fen
    can_buy = [k for k, key in enumerate(problem.keys) if key.options]
    many = budget is not None and len(can_buy) > params.joint_max_keys
    guide = None
    lp_tried = many and _greedy_overspends(problem)
    if lp_tried:  # binds even without rotating: plan under LP-guided shares
        guide = _lp_guide(problem, can_buy, budget or (), start + 0.25 * params.time_limit_s, params)
    if guide is not None:
        shares = split_budget(budget or (), guide)
        jobs = [Job((k,), shares.get(k)) for k in range(len(problem.keys))]
        results = run_jobs(problem, jobs, start + 0.85 * params.time_limit_s, *_lim(params))
        status, actions = _collect(problem, jobs, results, {}, budget)
        status = _worst([status, "feasible"])
        relaxed: Actions = {}
    else:
        status, actions = _unconstrained(
            problem, start + (0.85 if budget is None else 0.6) * params.time_limit_s, params
        )
        relaxed = dict(actions)
        spend = {k: _spend(problem, acts) for k, acts in actions.items()}
        if budget is not None and any(sum(v[q] for v in spend.values()) > b for q, b in enumerate(budget)):
            deadline = start + 0.85 * params.time_limit_s
            if many and not lp_tried:  # an LP that found nothing in time will not do better now
                until = time.monotonic() + 0.3 * (deadline - time.monotonic())
                guide = _lp_guide(problem, can_buy, budget, until, params)
            status, actions = _within_budget(problem, budget, spend, actions, guide, deadline, params)
    plan = assemble_plan(problem, status, actions)
    fallback = assemble_plan(problem, "timeout", greedy_plan(problem))
    if _rank(fallback) < _rank(plan):  # starved of time: never worse than keeping every lot and topping up
        plan = fallback
    if params.diagnose and plan.shortfall_unit_days > 0:
        for k in range(len(problem.keys)):  # budget relaxed: the unconstrained plan, else the greedy one
            relaxed.setdefault(k, greedy_actions(problem, k, None))
        expl = _explain(problem, plan, relaxed, end, params)
        plan = dataclasses.replace(plan, explanations=expl)
    return plan


def _unconstrained(p: RotationProblem, deadline: float, params: RotationParams) -> tuple[str, Actions]:
    """Every key on its own without the budget (exact when the budget does not bind)."""
    solo = run_jobs(p, [Job((k,)) for k in range(len(p.keys))], deadline, *_lim(params))
    actions: Actions = {k: acts for _, a in solo for k, acts in a.items()}
    for k, (st, _) in enumerate(solo):
        if st == "timeout":  # nothing found in time: the never-rotate, top-up-on-time plan
            actions[k] = greedy_actions(p, k, None)
    return _worst(st for st, _ in solo), actions


def _greedy_overspends(p: RotationProblem) -> bool:
    """Would even the never-rotate plan, without budget, overspend some quarter?"""
    spend = [0] * len(p.quarter_starts)
    for k in range(len(p.keys)):
        spend = [a + b for a, b in zip(spend, _spend(p, greedy_actions(p, k, None)), strict=True)]
    return any(s > b for s, b in zip(spend, p.quarter_budget_fen or (), strict=True))


def _lp_guide(
    p: RotationProblem, keys: list[int], budget: tuple[int, ...], until: float, params: RotationParams
) -> dict[int, list[int]] | None:
    """Spend per key and quarter of the joint LP relaxation with the budget (service, then cost); None
    without an LP solution in time."""
    lp = RotationMilp(p, keys, budget, relax=True)
    limits = _lim(params)[0]
    lp.stage("service", until, limits)
    lp.stage("cost", until, limits)
    if not lp.values:
        return None
    return lp.spend_by_key()


def _collect(
    p: RotationProblem,
    jobs: list[Job],
    results: list[tuple[str, Actions]],
    base: Actions,
    budget: tuple[int, ...] | None,
) -> tuple[str, Actions]:
    """Job results over ``base``; keys whose job timed out get greedy plans sharing what the others left of
    the budget, first come first served."""
    out = dict(base)
    late: list[int] = []
    for job, (st, acts) in zip(jobs, results, strict=True):
        if st == "timeout":
            late.extend(job.keys)
        else:
            out.update({k: acts[k] for k in job.keys})
    left = None
    if budget is not None:
        spent = _spend(p, (a for k, v in out.items() if k not in late for a in v))
        left = [b - s for b, s in zip(budget, spent, strict=True)]
    for k in late:
        out[k] = greedy_actions(p, k, None if left is None else tuple(left))
        if left is not None:
            left = [b - s for b, s in zip(left, _spend(p, out[k]), strict=True)]
    return _worst(st for st, _ in results), out


def greedy_plan(p: RotationProblem) -> Actions:
    """The never-rotate plan of every key (``greedy_actions``), keys sharing the budget first come first
    served: the floor the planner never falls below."""
    left = list(p.quarter_budget_fen) if p.quarter_budget_fen is not None else None
    out: Actions = {}
    for k in range(len(p.keys)):
        out[k] = greedy_actions(p, k, None if left is None else tuple(left))
        if left is not None:
            left = [b - s for b, s in zip(left, _spend(p, out[k]), strict=True)]
    return out


def _rank(plan: RotationPlan) -> tuple[int, int, int]:
    return plan.shortfall_unit_days, plan.waste_units, plan.cost_fen


def _lim(params: RotationParams) -> tuple[StageLimits, int]:
    limits = StageLimits(params.stage_time_limit_s, params.polish_time_limit_s, params.cost_gap, params.stop)
    return limits, params.workers


def _worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=lambda s: _RANK[s], default="optimal")


def _within_budget(
    p: RotationProblem,
    budget: tuple[int, ...],
    spend: dict[int, list[int]],
    actions: Actions,
    guide: dict[int, list[int]] | None,
    deadline: float,
    params: RotationParams,
) -> tuple[str, Actions]:
    """Re-plan the buying keys under the budget: jointly (exact) when there are few of them, else each under
    its share of every quarter (``split_budget`` of the LP guide, or of the unconstrained spend without one)."""
    buyers = [k for k, v in spend.items() if sum(v) > 0]
    if len(buyers) <= params.joint_max_keys:
        jobs = [Job(tuple(buyers), budget)]
    else:
        shares = split_budget(budget, guide if guide is not None else {k: spend[k] for k in buyers})
        jobs = [
            Job((k,), shares.get(k, (0,) * len(budget)))
            for k in buyers
            if any(a > b for a, b in zip(spend[k], shares.get(k, (0,) * len(budget)), strict=True))
        ]
    results = run_jobs(p, jobs, deadline, *_lim(params))
    status, out = _collect(p, jobs, results, actions, budget)
    exact = len(buyers) <= params.joint_max_keys
    return _worst([status, "optimal" if exact else "feasible"]), out


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


def assemble_plan(p: RotationProblem, status: str, actions: dict[int, list[RotationAction]]) -> RotationPlan:
    """A plan from schedule lines per key index: daily stock series and exact figures (no explanations)."""
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
    relaxed: Actions,
    deadline: float,
    params: RotationParams,
) -> tuple[ShortfallExplanation, ...]:
    """Attribute each short day. Not short in the plan without budget → budget; before the first possible
    arrival → lead time; otherwise re-solve with lead times 0: not short there → lead time, else the
    procurement limits (max order quantity, shelf life shorter than a bucket)."""
    grid = Grid(p.horizon_days, p.bucket_days)
    facts: dict[int, tuple[set[int], int]] = {}
    need_lead: list[int] = []
    for k, key in enumerate(p.keys):
        short = plan.stock[k].short_days()
        if short and key.options:
            no_budget = _short_days(p, key, relaxed.get(k, []), plan.stock[k].standard)
            earliest = min(-(-o.lead_days // grid.size) * grid.size for o in key.options)
            facts[k] = (no_budget, earliest)
            if any(d in no_budget and d >= earliest for d in short):
                need_lead.append(k)
    jobs = [Job((k,), None, True) for k in need_lead]
    no_lead: dict[int, set[int]] = {}
    for k, (st, acts) in zip(need_lead, run_jobs(p, jobs, deadline, *_lim(params)), strict=True):
        if st != "timeout":
            no_lead[k] = _short_days(p, p.keys[k], acts[k], plan.stock[k].standard)
    out: list[ShortfallExplanation] = []
    for k, key in enumerate(p.keys):
        short = plan.stock[k].short_days()
        if not short:
            continue
        if not key.options:
            out.extend(_runs(plan.stock[k], short, lambda d: ("no_procurement_option", (), None)))
            continue
        no_budget, earliest = facts[k]
        why = _Why(p, plan, key, no_budget, no_lead.get(k), earliest)
        out.extend(_runs(plan.stock[k], short, why))
    return tuple(out)


@dataclasses.dataclass(frozen=True, slots=True)
class _Why:
    """The reason rule for one key's short day (see ``_explain``)."""

    p: RotationProblem
    plan: RotationPlan
    key: StockKey
    no_budget: set[int]
    no_lead: set[int] | None
    earliest: int

    def __call__(self, d: int) -> tuple[str, tuple[int, ...], int | None]:
        if d not in self.no_budget:
            return "budget_exhausted", self._exhausted(d), None
        if d < self.earliest or (self.no_lead is not None and d not in self.no_lead):
            return "lead_time", (), self.earliest
        return "procurement_limits", (), None

    def _exhausted(self, day: int) -> tuple[int, ...]:
        """Quarters whose orders could arrive by ``day`` and whose remaining budget cannot pay the cheapest
        minimum order of the key."""
        p, spent = self.p, self.plan.spend_per_quarter_fen
        budget = p.quarter_budget_fen or ()
        floor = min(o.unit_price_fen * o.min_order_qty for o in self.key.options)
        latest = max(0, day - min(o.lead_days for o in self.key.options))
        qs = tuple(q for q, s in enumerate(p.quarter_starts) if s <= latest and budget[q] - spent[q] < floor)
        return qs or (p.quarter_of(latest),)


def _short_days(
    p: RotationProblem, key: StockKey, acts: list[RotationAction], std: tuple[int, ...]
) -> set[int]:
    counted = simulate_key(p, key, acts)[0]
    return {d for d in range(p.horizon_days) if counted[d] < std[d]}


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
