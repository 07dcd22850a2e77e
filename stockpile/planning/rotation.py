"""更新轮换计划 for a year: DB lots + standards + procurement options (config) → `optimizer.rotation.solve` →
schedule table, daily counted-stock-vs-standard series and explanations of any day the standard cannot be held.

Mapping rules:
- One stock key per scope (level × area) × item with a standard; its lots are the unexpired government lots
  (physical and, if the standard counts them, custodial) at the scope's sites; a lot without expiry never expires.
- The horizon is the year: from 1 January (today when planning the current year) to 31 December; budget
  quarters are calendar quarters (config: Q1–Q4 budgets in fen). A lot expiring after today but on or before
  the plan start is not in the plan (it is expired by then): the report lists it under `before_start` (rotate
  out now those a channel still takes; the others are written off when they expire).
- Agreement stock counts only from contracts valid for the whole horizon (a contract ending earlier is a
  renewal item of the review), capped at the standard's agreement share.
- Procurement: one option per item (lead days from config, price = item price × ‰, shelf life of the item);
  release channels from config, valued in ‰ of the item price. A channel that `needs_agreement` (协议超市回购)
  is offered for an item only if a contract with a line for it is valid on some day of the horizon; a channel no
  stock key gets is listed in `absent_channels`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from optimizer import (
    Lot,
    ProcurementOption,
    ReleaseChannel,
    RotationParams,
    RotationPlan,
    RotationProblem,
    StockKey,
    plan_rotation,
)
from stockpile.planning.agreements import counted_agreement
from stockpile.planning.gap import ReserveData, _scope_sites, load_data, rule_of, scopes
from stockpile.ports.uow import AbstractReserveUnitOfWork
from stockpile.reserve.records import ItemRef, PlanningConfig, ReleaseChannelCfg, Standard, StockLot

NEVER = 100_000  # days: "no expiry" inside the integer model


@dataclass(frozen=True, slots=True)
class RotationInput:
    """The optimizer problem plus what is needed to turn days and ids back into dates and names."""

    problem: RotationProblem
    start: date
    key_names: dict[str, dict[str, str]]  # key id → area/item names and unit
    lot_names: dict[str, str]  # lot id → lot no
    before_start: list[dict[str, Any]] = field(default_factory=list)  # lots expiring in [today, start]
    absent_channels: list[str] = field(default_factory=list)  # configured channels no key may use
    lead_days: dict[str, int] = field(default_factory=dict)  # key id → the purchase's full lead days


@dataclass(frozen=True, slots=True)
class RotationReport:
    start: date
    plan: RotationPlan
    problem: RotationProblem
    schedule: list[dict[str, Any]]
    series: list[dict[str, Any]]
    explanations: list[dict[str, Any]]
    keys: list[dict[str, Any]]
    before_start: list[dict[str, Any]] = field(default_factory=list)
    absent_channels: list[str] = field(default_factory=list)


def horizon(year: int, today: date) -> tuple[date, date]:
    """The year `year`: from 1 January, or today when today is later, to 31 December."""
    return max(today, date(year, 1, 1)), date(year, 12, 31)


def quarters(start: date, end: date) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Day offsets of the budget quarters and the calendar quarter (0–3) each one is."""
    offs, cal = [0], [(start.month - 1) // 3]
    y, m = start.year, 3 * ((start.month - 1) // 3) + 1
    while True:
        m += 3
        if m > 12:
            y, m = y + 1, 1
        d = date(y, m, 1)
        if d > end:
            break
        offs.append((d - start).days)
        cal.append((m - 1) // 3)
    return tuple(offs), tuple(cal)


def build_problem(data: ReserveData, year: int, today: date, cfg: PlanningConfig) -> RotationInput:
    """The rotation problem for `year`: one stock key per scope × item with a standard or stock."""
    start, end = horizon(year, today)
    days = (end - start).days + 1
    q_starts, q_cal = quarters(start, end)
    items = {i.code: i for i in data.items}
    item_of = {i.id: i.code for i in data.items}
    keys: list[StockKey] = []
    names: dict[str, dict[str, str]] = {}
    lot_names: dict[str, str] = {}
    before: list[dict[str, Any]] = []
    leads: dict[str, int] = {}
    takers = _agreement_items(data, start, end)
    for std, area in scopes(data):
        sites = {s.id for s in _scope_sites(data, std.level, area.code)}
        item = items[std.item_code]
        qty, exp = _scope_lots(data, std, sites, item_of, item.code, start, lot_names)
        before += _expiring_before(data, std, sites, item_of, item, today, start, area.name)
        rule = rule_of(std)
        standard = rule.required(area.population)
        if standard == 0 and not qty:
            continue
        agreement = (
            _agreement_stock(data, std, sites, item.code, start, end, cfg) if std.counts_agreement else 0
        )
        key_id = f"{std.level}:{area.code}:{item.code}"
        lots = tuple(Lot(str(i), q, exp[i]) for i, q in sorted(qty.items()))
        keys.append(
            _stock_key(
                key_id,
                lots,
                standard,
                agreement,
                rule.agreement_cap(area.population),
                item,
                cfg,
                _channels(cfg, item.code in takers),
                (start - today).days,
            )
        )
        leads[key_id] = _lead(cfg, item)
        names[key_id] = {
            "area_name": area.name,
            "item_code": item.code,
            "item_name": item.name,
            "unit": item.unit,
        }
    budget = None
    if cfg.quarter_budget_fen is not None:
        budget = tuple(cfg.quarter_budget_fen[q] for q in q_cal)
    problem = RotationProblem(
        tuple(keys),
        horizon_days=days,
        bucket_days=cfg.bucket_days,
        quarter_starts=q_starts,
        quarter_budget_fen=budget,
    )
    used = {c.channel_id for k in keys for c in k.channels}
    absent = [c.channel_id for c in cfg.channels if c.channel_id not in used] if keys else []
    return RotationInput(problem, start, names, lot_names, before, absent, leads)


def _counts(lt: StockLot, std: Standard, sites: set[int], item_of: dict[int, str], item_code: str) -> bool:
    """The lot is the item's, at the scope's sites, in a mode the standard counts."""
    ok_mode = (lt.mode == "physical" and std.counts_physical) or (
        lt.mode == "custodial" and std.counts_custodial
    )
    return lt.site_id in sites and item_of[lt.item_id] == item_code and ok_mode


def _expiring_before(
    data: ReserveData,
    std: Standard,
    sites: set[int],
    item_of: dict[int, str],
    item: ItemRef,
    today: date,
    start: date,
    area_name: str,
) -> list[dict[str, Any]]:
    """Lots of the scope still valid today that expire by the plan start (planning a later year): not in the
    plan, to be rotated now."""
    return [
        {
            "area_name": area_name,
            "item_code": item.code,
            "item_name": item.name,
            "unit": item.unit,
            "lot_no": lt.lot_no,
            "qty": lt.on_hand,
            "expiry": lt.expiry,
        }
        for lt in data.lots
        if lt.expiry is not None
        and today < lt.expiry <= start
        and lt.on_hand > 0
        and _counts(lt, std, sites, item_of, item.code)
    ]


def _agreement_items(data: ReserveData, start: date, end: date) -> set[str]:
    """Items a 协议储备 partner can take back: a line in a contract valid on some day of the horizon."""
    return {
        ln.item_code for c in data.contracts if c.valid_from <= end and c.valid_to >= start for ln in c.lines
    }


def _channels(cfg: PlanningConfig, has_agreement: bool) -> tuple[ReleaseChannelCfg, ...]:
    """The configured channels usable for an item: one needing an agreement partner only if it has one."""
    return tuple(c for c in cfg.channels if has_agreement or not c.needs_agreement)


def _scope_lots(
    data: ReserveData,
    std: Standard,
    sites: set[int],
    item_of: dict[int, str],
    item_code: str,
    start: date,
    lot_names: dict[str, str],
) -> tuple[dict[int, int], dict[int, int]]:
    """Quantity and expiry day (from `start`) per lot of the item at the scope's sites in the modes the standard
    counts, unexpired at `start`; records each lot's number in `lot_names`."""
    qty: dict[int, int] = {}
    exp: dict[int, int] = {}
    for lt in data.lots:
        if not _counts(lt, std, sites, item_of, item_code):
            continue
        e = NEVER if lt.expiry is None else (lt.expiry - start).days
        if e <= 0:
            continue
        qty[lt.lot_id] = qty.get(lt.lot_id, 0) + lt.on_hand
        exp[lt.lot_id] = e
        lot_names[str(lt.lot_id)] = lt.lot_no
    return qty, exp


def _agreement_stock(
    data: ReserveData,
    std: Standard,
    sites: set[int],
    item_code: str,
    start: date,
    end: date,
    cfg: PlanningConfig,
) -> int:
    """Agreement stock of the item at the scope's holders, from contracts valid for the whole horizon."""
    return sum(
        counted_agreement(c, ln, start, list(data.calloffs), cfg.check_interval_days)
        for c in data.contracts
        if c.holder_site_id in sites and c.valid_to >= end
        for ln in c.lines
        if ln.item_code == item_code
    )


def _stock_key(
    key_id: str,
    lots: tuple[Lot, ...],
    standard: int,
    agreement: int,
    agreement_cap: int,
    item: ItemRef,
    cfg: PlanningConfig,
    channels: tuple[ReleaseChannelCfg, ...],
    ahead: int = 0,
) -> StockKey:
    """A stock key with one procurement option (config lead days, item price × ‰) and its release channels.
    `ahead`: days from today to the plan start (planning next year): a purchase can be ordered today, so it can
    arrive on the start day + lead days − ahead (the model's day 0 is the start; the report dates the order)."""
    price = item.price_fen * cfg.procurement_price_permille // 1000
    life = item.shelf_life_days or NEVER
    return StockKey(
        key_id,
        lots,
        (standard,),
        (ProcurementOption("buy", max(0, _lead(cfg, item) - ahead), price, life),),
        tuple(
            ReleaseChannel(c.channel_id, item.price_fen * c.value_permille // 1000, c.min_remaining_days)
            for c in channels
        ),
        agreement,
        agreement_cap,
    )


def _lead(cfg: PlanningConfig, item: ItemRef) -> int:
    return cfg.procurement_lead_days_by_item.get(item.code, cfg.procurement_lead_days)


def _order_date(inp: RotationInput, a: Any) -> date | None:
    """When a purchase must be ordered: its arrival less the full lead days, which for the first weeks of next
    year's plan is before the plan starts (order now); every other action on its plan day."""
    arrival = _day(inp.start, a.arrival_day)
    if a.kind == "procure" and arrival is not None and a.key_id in inp.lead_days:
        return min(arrival - timedelta(days=inp.lead_days[a.key_id]), _day(inp.start, a.day) or arrival)
    return _day(inp.start, a.day)


def _day(start: date, d: int | None) -> date | None:
    return None if d is None or d >= NEVER // 2 else start + timedelta(days=d)


def report_from_plan(inp: RotationInput, plan: RotationPlan) -> RotationReport:
    s = inp.start
    schedule = [
        {
            "date": _order_date(inp, a),
            **inp.key_names[a.key_id],
            "key_id": a.key_id,
            "action": a.kind,
            "lot_no": inp.lot_names.get(a.lot_id, a.lot_id),
            "qty": a.qty,
            "cost_fen": a.cost_fen,
            "channel": a.channel_id or "",
            "arrival": _day(s, a.arrival_day),
            "expiry": _day(s, a.expiry_day),
        }
        for a in sorted(plan.actions, key=lambda a: (a.day, a.key_id, a.kind))
    ]
    series = [
        {"date": s + timedelta(days=d), "key_id": ser.key_id, "counted": c, "standard": st}
        for ser in plan.stock
        for d, (c, st) in enumerate(zip(ser.counted, ser.standard, strict=True))
    ]
    explanations = [
        {
            **inp.key_names[e.key_id],
            "key_id": e.key_id,
            "first_day": s + timedelta(days=e.first_day),
            "last_day": s + timedelta(days=e.last_day),
            "unit_days": e.unit_days,
            "reason": e.reason,
            "earliest_arrival": _day(s, e.earliest_arrival_day),
        }
        for e in plan.explanations
    ]
    keys = [
        {
            "key_id": ser.key_id,
            **inp.key_names[ser.key_id],
            "standard": max(ser.standard, default=0),
            "min_counted": min(ser.counted, default=0),
            "short_days": len(ser.short_days()),
        }
        for ser in plan.stock
    ]
    return RotationReport(
        s, plan, inp.problem, schedule, series, explanations, keys, inp.before_start, inp.absent_channels
    )


def rotation_plan(
    uow: AbstractReserveUnitOfWork,
    year: int,
    today: date,
    cfg: PlanningConfig,
    stop: Callable[[], bool] | None = None,
) -> RotationReport:
    """Plan the year's rotation (releases and procurements) so counted stock ≥ standard every day; `stop` (a
    cancelled job) ends it after the MIP stage running (at most the stage limit)."""
    inp = build_problem(load_data(uow), year, today, cfg)
    plan = plan_rotation(inp.problem, RotationParams(time_limit_s=cfg.time_limit_s, stop=stop))
    return report_from_plan(inp, plan)
