"""Independent checker for rotation plans: re-simulates day by day, shares no code with the solver.

``check_rotation(problem, plan)`` returns every broken rule as data (an empty list means the plan is sound):
unknown references, release before arrival / on or after expiry / below the channel's minimum remaining shelf
life, a lot released beyond its quantity, order quantity outside min/max, arrival ≠ order day + lead, wrong
cost, channel capacity per bucket, quarterly budget, daily stock different from the plan's series, a day
below the standard that the plan does not report as short or explain, and summary figures that do not add up.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.rotation.problem import RotationAction, RotationPlan, RotationProblem, StockKey, StockSeries


@dataclass(frozen=True, slots=True)
class RotationViolation:
    """One broken rule; ``code`` is stable (for i18n and tests), ``detail`` is for logs."""

    code: str
    key_id: str
    day: int | None
    detail: str


@dataclass(slots=True)
class _LotState:
    qty: int
    arrival: int
    expiry: int
    released: int = 0


def check_rotation(problem: RotationProblem, plan: RotationPlan) -> list[RotationViolation]:
    """All rule violations of ``plan`` against ``problem`` (see module docstring)."""
    out: list[RotationViolation] = []
    keys = {k.key_id: k for k in problem.keys}
    by_key: dict[str, list[RotationAction]] = {k: [] for k in keys}
    for a in plan.actions:
        if a.key_id not in keys:
            out.append(RotationViolation("unknown_key", a.key_id, a.day, "action for an unknown key"))
        else:
            by_key[a.key_id].append(a)
    spend = [0] * len(problem.quarter_starts)
    totals = {"shortfall": 0, "waste": 0, "cost": 0}
    series = {s.key_id: s for s in plan.stock}
    for key_id, key in keys.items():
        lots, sub = _lots_after_procurement(problem, key, by_key[key_id], spend)
        out += sub
        out += _releases(problem, key, lots, by_key[key_id])
        counted = _daily_stock(problem, key, lots, by_key[key_id])
        std = [problem.standard_on(key, d) for d in range(problem.horizon_days)]
        out += _stock_rules(plan, key_id, counted, std, series.get(key_id))
        totals["shortfall"] += sum(max(0, s - c) for s, c in zip(std, counted, strict=True))
        totals["waste"] += sum(
            st.qty - st.released for st in lots.values() if _doomed(problem, key, st.expiry)
        )
        totals["cost"] += sum(a.cost_fen for a in by_key[key_id])
    for q, cap in enumerate(problem.quarter_budget_fen or ()):
        if spend[q] > cap:
            out.append(
                RotationViolation("budget", "", problem.quarter_starts[q], f"Q{q}: {spend[q]} > {cap}")
            )
    claimed = {"shortfall": plan.shortfall_unit_days, "waste": plan.waste_units, "cost": plan.cost_fen}
    for name, value in totals.items():
        if claimed[name] != value:
            out.append(
                RotationViolation("summary_mismatch", "", None, f"{name}: plan {claimed[name]} ≠ {value}")
            )
    if tuple(spend) != tuple(plan.spend_per_quarter_fen):
        out.append(
            RotationViolation("summary_mismatch", "", None, f"spend: {plan.spend_per_quarter_fen} ≠ {spend}")
        )
    return out


def _quarter(problem: RotationProblem, day: int) -> int:
    q = 0
    for i, s in enumerate(problem.quarter_starts):
        if day >= s:
            q = i
    return q


def _doomed(problem: RotationProblem, key: StockKey, expiry: int) -> bool:
    """Waste rule: expires inside the horizon, or every channel's last release day is inside it."""
    last_release = max((expiry - c.min_remaining_days for c in key.channels), default=None)
    return expiry < problem.horizon_days or (last_release is not None and last_release < problem.horizon_days)


def _lots_after_procurement(
    problem: RotationProblem, key: StockKey, actions: list[RotationAction], spend: list[int]
) -> tuple[dict[str, _LotState], list[RotationViolation]]:
    out: list[RotationViolation] = []
    lots = {lot.lot_id: _LotState(lot.qty, lot.arrival_day, lot.expiry_day) for lot in key.lots}
    options = {o.option_id: o for o in key.options}
    for a in actions:
        if a.kind != "procure":
            continue
        o = options.get(a.option_id or "")
        bad = None
        if o is None:
            bad = ("unknown_option", f"option {a.option_id}")
        elif a.lot_id in lots:
            bad = ("duplicate_lot", f"new lot id {a.lot_id} already exists")
        elif a.qty < o.min_order_qty or (o.max_order_qty is not None and a.qty > o.max_order_qty):
            bad = ("order_qty", f"{a.qty} outside [{o.min_order_qty}, {o.max_order_qty}]")
        elif a.day < 0 or a.arrival_day != a.day + o.lead_days:
            bad = ("lead_time", f"ordered {a.day}, arrives {a.arrival_day}, lead {o.lead_days}")
        elif a.expiry_day != a.day + o.lead_days + o.shelf_life_days:
            bad = ("shelf_life", f"expiry {a.expiry_day}")
        elif a.cost_fen != a.qty * o.unit_price_fen:
            bad = ("cost", f"{a.cost_fen} ≠ {a.qty} × {o.unit_price_fen}")
        if bad:
            out.append(RotationViolation(bad[0], key.key_id, a.day, bad[1]))
            continue
        assert o is not None and a.arrival_day is not None and a.expiry_day is not None
        lots[a.lot_id] = _LotState(a.qty, a.arrival_day, a.expiry_day)
        spend[_quarter(problem, a.day)] += a.cost_fen
    return lots, out


def _releases(
    problem: RotationProblem, key: StockKey, lots: dict[str, _LotState], actions: list[RotationAction]
) -> list[RotationViolation]:
    out: list[RotationViolation] = []
    channels = {c.channel_id: c for c in key.channels}
    used: dict[tuple[str, int], int] = {}
    for a in actions:
        if a.kind != "release":
            if a.kind != "procure":
                out.append(RotationViolation("unknown_kind", key.key_id, a.day, a.kind))
            continue
        ch, st = channels.get(a.channel_id or ""), lots.get(a.lot_id)
        if ch is None or st is None:
            out.append(RotationViolation("unknown_ref", key.key_id, a.day, f"{a.lot_id}/{a.channel_id}"))
            continue
        if a.qty <= 0 or a.day < st.arrival or a.day >= problem.horizon_days:
            out.append(RotationViolation("release_day", key.key_id, a.day, f"{a.lot_id} qty {a.qty}"))
        if a.day >= st.expiry or st.expiry - a.day < ch.min_remaining_days:
            out.append(
                RotationViolation("min_remaining_life", key.key_id, a.day, f"{a.lot_id} exp {st.expiry}")
            )
        if a.cost_fen != -a.qty * ch.value_fen:
            out.append(RotationViolation("cost", key.key_id, a.day, f"release {a.lot_id}"))
        st.released += a.qty
        if st.released > st.qty:
            out.append(
                RotationViolation("over_release", key.key_id, a.day, f"{a.lot_id}: {st.released}>{st.qty}")
            )
        slot = (ch.channel_id, a.day // problem.bucket_days)
        used[slot] = used.get(slot, 0) + a.qty
        if ch.capacity_per_bucket is not None and used[slot] > ch.capacity_per_bucket:
            out.append(RotationViolation("capacity", key.key_id, a.day, f"{ch.channel_id} bucket {slot[1]}"))
    return out


def _daily_stock(
    problem: RotationProblem, key: StockKey, lots: dict[str, _LotState], actions: list[RotationAction]
) -> list[int]:
    """Counted stock per day: lots alive that day minus their releases so far, plus counted agreement."""
    cap = key.agreement_qty if key.agreement_cap is None else min(key.agreement_qty, key.agreement_cap)
    rel_by_day: dict[str, dict[int, int]] = {}
    for a in actions:
        if a.kind == "release" and a.lot_id in lots:
            rel_by_day.setdefault(a.lot_id, {})
            rel_by_day[a.lot_id][a.day] = rel_by_day[a.lot_id].get(a.day, 0) + a.qty
    counted = [cap] * problem.horizon_days
    for lot_id, st in lots.items():
        gone = 0
        rel = rel_by_day.get(lot_id, {})
        for d in range(max(st.arrival, 0), min(st.expiry, problem.horizon_days)):
            gone += rel.get(d, 0)
            counted[d] += st.qty - gone
    return counted


def _stock_rules(
    plan: RotationPlan, key_id: str, counted: list[int], std: list[int], series: StockSeries | None
) -> list[RotationViolation]:
    out: list[RotationViolation] = []
    claimed = None if series is None else series.counted
    if claimed is None or list(claimed) != counted:
        first = next((d for d, c in enumerate(counted) if claimed is None or claimed[d] != c), None)
        out.append(RotationViolation("stock_mismatch", key_id, first, "plan's daily stock ≠ re-simulation"))
    explained = {
        d for e in plan.explanations if e.key_id == key_id for d in range(e.first_day, e.last_day + 1)
    }
    for d, (c, s) in enumerate(zip(counted, std, strict=True)):
        if c < s and (claimed is None or claimed[d] >= s):
            out.append(RotationViolation("standard_breached", key_id, d, f"{c} < {s}, plan claims it holds"))
        elif c < s and plan.explanations and d not in explained:
            out.append(RotationViolation("unexplained_shortfall", key_id, d, f"{c} < {s}"))
    return out
