"""The rotation MIP (MathOpt + HiGHS): lots aggregated into cohorts, stock balance per bucket.

Lots of one key with the same arrival bucket, expiry bucket, release windows and waste rule are one cohort;
``rotation.py`` splits a cohort release back onto its lots, earliest expiry first (FEFO).
Stock at the end of bucket t (the bucket's lowest day, since inside a bucket stock only expires):
``I[t] = I[t-1] + arrivals[t] - releases[t] - (what is left of cohorts expiring in t)``.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ortools.math_opt.python import mathopt

from optimizer.rotation_types import Lot, RotationAction, RotationProblem, StockKey

STAGES = ("shortfall", "waste", "cost", "operations")
SOLVER = mathopt.SolverType.GSCIP  # faster than HiGHS and CP-SAT on these small per-key models


@dataclass(frozen=True, slots=True)
class StageLimits:
    """Per-stage time limits (seconds) and the relative gap accepted on cost."""

    stage_s: float = 2.0
    polish_s: float = 0.1
    cost_gap: float = 1e-3


@dataclass(frozen=True, slots=True)
class Grid:
    """Bucket geometry: bucket b covers days ``start(b) … last(b)``."""

    horizon: int
    size: int

    @property
    def n(self) -> int:
        return -(-self.horizon // self.size)

    def start(self, b: int) -> int:
        return b * self.size

    def days(self, b: int) -> int:
        return min(self.start(b) + self.size, self.horizon) - self.start(b)


def release_windows(
    key: StockKey, grid: Grid, arrival: int, expiry: int, window: int
) -> tuple[tuple[int, tuple[int, ...]], ...]:
    """Release buckets per channel: the last bucket start on or before the channel deadline, and the
    ``window - 1`` before it when the channel has a capacity; none if the deadline is beyond the horizon."""
    out = []
    first = -(-arrival // grid.size)
    for ci in useful_channels(key):
        ch = key.channels[ci]
        deadline = min(expiry - ch.min_remaining_days, expiry - 1)
        if deadline < arrival or deadline >= grid.horizon:
            continue
        last = deadline // grid.size
        if last < first:
            continue
        lo = last if ch.capacity_per_bucket is None else max(first, last - window + 1)
        out.append((ci, tuple(range(lo, last + 1))))
    return tuple(out)


def useful_channels(key: StockKey) -> list[int]:
    """Channels not dominated by an uncapacitated one that pays at least as much and accepts shorter life."""
    chans = key.channels
    return [
        i
        for i, b in enumerate(chans)
        if not any(
            a.capacity_per_bucket is None
            and a.value_fen >= b.value_fen
            and a.min_remaining_days <= b.min_remaining_days
            and (j < i or (a.value_fen, -a.min_remaining_days) != (b.value_fen, -b.min_remaining_days))
            for j, a in enumerate(chans)
            if j != i
        )
    ]


def is_waste_if_kept(key: StockKey, horizon: int, expiry: int) -> bool:
    """Unreleased units are waste if they expire in the horizon or pass every channel's deadline in it."""
    if expiry < horizon:
        return True
    return bool(key.channels) and max(expiry - c.min_remaining_days for c in key.channels) < horizon


@dataclass(slots=True)
class Cohort:
    """Lots (or one procurement) that the model cannot tell apart."""

    lots: list[Lot]
    qty: int
    arrival_bucket: int
    expiry_bucket: int | None
    waste: bool
    windows: tuple[tuple[int, tuple[int, ...]], ...]
    option: int | None = None  # procured cohort: option index (arrival bucket = arrival_bucket)


def build_cohorts(key: StockKey, p: RotationProblem, lead_zero: bool = False) -> list[Cohort]:
    """Existing lots grouped by signature (sorted FEFO inside), then one cohort per possible procurement."""
    grid = Grid(p.horizon_days, p.bucket_days)
    groups: dict[tuple[int, int, bool], Cohort] = {}
    for lot in sorted(key.lots, key=lambda x: (x.expiry_day, x.lot_id)):
        a_b = -(-lot.arrival_day // grid.size)
        sig = (a_b, lot.expiry_day // grid.size, is_waste_if_kept(key, grid.horizon, lot.expiry_day))
        if sig not in groups:  # the first lot expires first: its deadlines hold for the whole cohort
            x_b = sig[1] if lot.expiry_day < grid.horizon else None
            win = release_windows(key, grid, grid.start(a_b), lot.expiry_day, p.release_window_buckets)
            groups[sig] = Cohort([], 0, a_b, x_b, sig[2], win)
        groups[sig].lots.append(lot)
        groups[sig].qty += lot.qty
    out = list(groups.values())
    for oi, o in enumerate(key.options):
        lead = 0 if lead_zero else o.lead_days
        for b in range(-(-lead // grid.size), grid.n):
            e = grid.start(b) + o.shelf_life_days
            x_b = e // grid.size if e < grid.horizon else None
            win = release_windows(key, grid, grid.start(b), e, p.release_window_buckets)
            out.append(Cohort([], 0, b, x_b, is_waste_if_kept(key, grid.horizon, e), win, oi))
    return out


@dataclass(slots=True)
class KeyPart:
    """Variables and objective terms of one stock key inside a (per-key or joint) model."""

    key_index: int
    cohorts: list[Cohort]
    buy: dict[int, mathopt.Variable] = field(default_factory=dict)  # cohort index → qty
    orders: list[mathopt.Variable] = field(default_factory=list)
    release: dict[tuple[int, int, int], mathopt.Variable] = field(default_factory=dict)  # (cohort, ch, b)
    release_ub: dict[tuple[int, int, int], int] = field(default_factory=dict)
    order_flag: dict[int, mathopt.Variable] = field(default_factory=dict)
    waste_ub: int = 0
    terms: dict[str, list[mathopt.LinearBase]] = field(default_factory=dict)
    spend: dict[int, list[mathopt.LinearBase]] = field(default_factory=dict)


def _big_m(key: StockKey) -> int:
    return max(key.standard) + sum(lot.qty for lot in key.lots) + 1


class RotationMilp:
    """One MathOpt model over some keys; ``budget`` caps their combined spend per quarter (None = no cap)."""

    def __init__(
        self,
        p: RotationProblem,
        key_indices: Sequence[int],
        budget: Sequence[int] | None = None,
        lead_zero: bool = False,
    ):
        self.p, self.grid, self.lead_zero = p, Grid(p.horizon_days, p.bucket_days), lead_zero
        self.model = mathopt.Model(name="rotation")
        self.flag_of: dict[mathopt.Variable, mathopt.Variable] = {}
        self.parts = [self._add_key(k) for k in key_indices]
        if budget is not None:
            for q, cap in enumerate(budget):
                spend = [t for part in self.parts for t in part.spend.get(q, [])]
                if spend:
                    self.model.add_linear_constraint(mathopt.fast_sum(spend) <= cap)
        obj = {s: mathopt.fast_sum([t for part in self.parts for t in part.terms[s]]) for s in STAGES}
        # shortfall and waste in one solve: a unit-day of shortfall outweighs any possible waste
        self.waste_weight = sum(part.waste_ub for part in self.parts) + 1
        self.objectives = {
            "service": self.waste_weight * obj["shortfall"] + obj["waste"],
            "cost": obj["cost"],
        }

    def _add_key(self, k: int) -> KeyPart:
        key, grid, m = self.p.keys[k], self.grid, self.model
        part = KeyPart(k, build_cohorts(key, self.p, self.lead_zero), terms={s: [] for s in STAGES})
        inflow: list[list[mathopt.LinearBase]] = [[] for _ in range(grid.n)]
        outflow: list[list[mathopt.LinearBase]] = [[] for _ in range(grid.n)]
        const = [0] * grid.n
        big = _big_m(key)
        for ci, c in enumerate(part.cohorts):
            amount: mathopt.LinearBase | int = c.qty
            ub = c.qty
            if c.option is not None:
                o = key.options[c.option]
                ub = big if o.max_order_qty is None else o.max_order_qty
                qv = m.add_integer_variable(lb=0, ub=ub)
                yv = m.add_binary_variable()
                m.add_linear_constraint(qv - o.min_order_qty * yv >= 0)
                m.add_linear_constraint(qv - ub * yv <= 0)
                part.buy[ci], amount = qv, qv
                part.order_flag[ci] = yv
                part.orders.append(yv)
                part.terms["cost"].append(o.unit_price_fen * qv)
                part.terms["operations"].append(yv)
                lead = 0 if self.lead_zero else o.lead_days
                part.spend.setdefault(self.p.quarter_of(grid.start(c.arrival_bucket) - lead), []).append(
                    o.unit_price_fen * qv
                )
            released = self._add_releases(part, ci, c, ub, outflow)
            if c.arrival_bucket < grid.n and (c.expiry_bucket is None or c.expiry_bucket >= c.arrival_bucket):
                if isinstance(amount, int):
                    const[c.arrival_bucket] += amount
                else:
                    inflow[c.arrival_bucket].append(amount)
                if c.expiry_bucket is not None:
                    outflow[c.expiry_bucket].append(amount - released)
            if c.waste:
                part.terms["waste"].append(amount - released)
                part.waste_ub += ub
        self._add_balance(part, key, inflow, outflow, const)
        return part

    def _add_releases(
        self, part: KeyPart, ci: int, c: Cohort, ub: int, outflow: list[list[mathopt.LinearBase]]
    ) -> mathopt.LinearBase:
        key, m = self.p.keys[part.key_index], self.model
        rel: list[mathopt.Variable] = []
        for ch, buckets in c.windows:
            for b in buckets:
                rv = m.add_integer_variable(lb=0, ub=ub)
                part.release[(ci, ch, b)] = rv
                part.release_ub[(ci, ch, b)] = ub
                part.terms["cost"].append(-key.channels[ch].value_fen * rv)
                outflow[b].append(rv)
                rel.append(rv)
        total = mathopt.fast_sum(rel)
        if rel:
            cap: mathopt.LinearBase | int = part.buy.get(ci, c.qty)
            m.add_linear_constraint(total - cap <= 0)
        return total

    def _add_balance(
        self,
        part: KeyPart,
        key: StockKey,
        inflow: list[list[mathopt.LinearBase]],
        outflow: list[list[mathopt.LinearBase]],
        const: list[int],
    ) -> None:
        m, grid = self.model, self.grid
        groups: dict[tuple[int, int], list[mathopt.Variable]] = {}
        for (_, ch_i, b), v in part.release.items():
            groups.setdefault((ch_i, b), []).append(v)
        for (ch_i, _), vs in groups.items():
            cap = key.channels[ch_i].capacity_per_bucket
            if cap is not None:
                m.add_linear_constraint(mathopt.fast_sum(vs) <= cap)
        prev: mathopt.LinearBase | int = 0
        for t in range(grid.n):
            stock = m.add_variable(lb=0)
            m.add_linear_constraint(
                stock - prev - mathopt.fast_sum(inflow[t]) + mathopt.fast_sum(outflow[t]) == const[t]
            )
            need = self.p.standard_on(key, grid.start(t)) - key.agreement_counted
            if need > 0:
                short = m.add_variable(lb=0)
                m.add_linear_constraint(short + stock >= need)
                part.terms["shortfall"].append(grid.days(t) * short)
            prev = stock

    def _add_operation_flags(self) -> mathopt.LinearBase:
        """One binary per release variable (``r <= ub * z``): only the last stage counts operations."""
        flags: list[mathopt.LinearBase] = []
        for part in self.parts:
            flags.extend(part.terms["operations"])
            for idx, rv in part.release.items():
                zv = self.model.add_binary_variable()
                self.model.add_linear_constraint(rv - part.release_ub[idx] * zv <= 0)
                self.flag_of[zv] = rv
                flags.append(zv)
        return mathopt.fast_sum(flags)

    def hint_for(self, acts: dict[int, list[RotationAction]]) -> dict[mathopt.Variable, float]:
        """Integer variable values of a purchases-only plan (e.g. the greedy one): a first incumbent."""
        hint: dict[mathopt.Variable, float] = {}
        for part in self.parts:
            key = self.p.keys[part.key_index]
            where = {
                (key.options[c.option].option_id, self.grid.start(c.arrival_bucket)): ci
                for ci, c in enumerate(part.cohorts)
                if c.option is not None
            }
            hint.update({v: 0.0 for v in part.buy.values()})
            hint.update({v: 0.0 for v in part.order_flag.values()})
            hint.update({v: 0.0 for v in part.release.values()})
            for a in acts.get(part.key_index, []):
                ci = where.get((a.option_id or "", a.arrival_day or 0))
                if a.kind == "procure" and ci is not None:
                    hint[part.buy[ci]] += a.qty
                    hint[part.order_flag[ci]] = 1.0
        return hint

    def solve(
        self, hard: float, soft: float, limits: StageLimits, hint: dict[mathopt.Variable, float] | None = None
    ) -> tuple[str, dict[mathopt.Variable, float]]:
        """Lexicographic stages: service (shortfall, then waste; exact) until ``hard``; cost (within
        ``limits.cost_gap``) and the operations polish until ``soft``. Each optimum becomes a constraint of
        the next stage, the previous solution its hint. "optimal" means service proven and cost within the
        gap; the polish is best effort (without a better solution the cost optimum stands)."""
        values: dict[mathopt.Variable, float] = {}
        status = "optimal"
        for stage in ("service", "cost", "operations"):
            now = time.monotonic()
            left = min(hard - now, max(soft - now, 0.25)) if stage == "service" else soft - now
            polish = stage == "operations"
            if left <= (2 * limits.polish_s if polish else 0.02):  # polish only with time to spare
                return ("timeout" if not values else status if polish else "feasible"), values
            obj = self._add_operation_flags() if polish else self.objectives[stage]
            self.model.minimize(obj)
            gap = {"service": 0.0, "cost": limits.cost_gap, "operations": 0.0}[stage]
            limit = min(left, limits.polish_s if polish else limits.stage_s)
            res = self._run(limit, gap, values or hint or {}, polish, stage == "service")
            if not res.has_primal_feasible_solution():
                return ("timeout" if not values else status if polish else "feasible"), values
            if res.termination.reason != mathopt.TerminationReason.OPTIMAL and not polish:
                status = "feasible"
            values = res.variable_values()
            if not polish:
                best = round(mathopt.evaluate_expression(obj, values))
                self.model.add_linear_constraint(obj <= best + 0.5)
        return status, values

    def _run(
        self, limit_s: float, gap: float, hint: dict[mathopt.Variable, float], flags: bool, service: bool
    ) -> mathopt.SolveResult:
        params = mathopt.SolveParameters(
            time_limit=datetime.timedelta(seconds=limit_s),
            relative_gap_tolerance=gap,
            absolute_gap_tolerance=0.5,  # objectives are integer
            presolve=mathopt.Emphasis.OFF if service else mathopt.Emphasis.LOW,  # measured fastest
            cuts=mathopt.Emphasis.OFF,
        )
        model_params = None
        if hint:
            values = dict(hint)
            if flags:  # the hint must also set the new operation flags
                values.update({z: float(hint.get(rv, 0.0) > 0.5) for z, rv in self.flag_of.items()})
            model_params = mathopt.ModelSolveParameters(
                solution_hints=[mathopt.SolutionHint(variable_values=values)]
            )
        return mathopt.solve(self.model, SOLVER, params=params, model_params=model_params)
