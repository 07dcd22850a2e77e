"""The rotation MIP (MathOpt, solved with SCIP): cohorts of lots, stock balance per bucket.

Lots of one key with the same arrival bucket, expiry bucket, release windows and waste rule are one cohort;
``jobs.to_actions`` splits a cohort release back onto its lots, earliest expiry first (FEFO).
Stock at the end of bucket t (the bucket's lowest day, since inside a bucket stock only expires):
``I[t] = I[t-1] + arrivals[t] - releases[t] - (what is left of cohorts expiring in t)``.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.math_opt import model_pb2
from ortools.math_opt.python import mathopt

from optimizer.rotation.cohorts import Cohort, Grid, build_cohorts, is_waste_if_kept
from optimizer.rotation.problem import RotationAction, RotationProblem, StockKey

__all__ = ["Grid", "KeyPart", "RotationMilp", "StageLimits", "is_waste_if_kept"]

SOLVER = mathopt.SolverType.GSCIP  # faster than HiGHS and CP-SAT on these small per-key models


@dataclass(frozen=True, slots=True)
class StageLimits:
    """Per-stage time limits (seconds) and the relative gap accepted on cost."""

    stage_s: float = 2.0
    polish_s: float = 0.1
    cost_gap: float = 1e-3
    stop: Callable[[], bool] | None = field(default=None, compare=False, repr=False)  # True: start no stage

    def stopped(self) -> bool:
        return self.stop is not None and self.stop()


Form = dict[int, float]  # sparse linear form: variable index → coefficient
INF = float("inf")


class _Sparse:
    """Variables and rows by index; turned into one MathOpt ModelProto at the end (fast bulk build)."""

    def __init__(self) -> None:
        self.lb: list[float] = []
        self.ub: list[float] = []
        self.integer: list[bool] = []
        self.row_lb: list[float] = []
        self.row_ub: list[float] = []
        self.entries: dict[tuple[int, int], float] = {}

    def var(self, lb: float, ub: float, integer: bool = True) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        return len(self.lb) - 1

    def row(self, form: Form, lb: float, ub: float) -> None:
        r = len(self.row_lb)
        self.row_lb.append(lb)
        self.row_ub.append(ub)
        for c, v in form.items():
            if v:
                self.entries[(r, c)] = v

    def model(self, relax: bool = False) -> tuple[mathopt.Model, list[mathopt.Variable]]:
        pr = model_pb2.ModelProto(name="rotation")
        n, m = len(self.lb), len(self.row_lb)
        pr.variables.ids.extend(range(n))
        pr.variables.lower_bounds.extend(self.lb)
        pr.variables.upper_bounds.extend(self.ub)
        pr.variables.integers.extend([False] * n if relax else self.integer)
        pr.linear_constraints.ids.extend(range(m))
        pr.linear_constraints.lower_bounds.extend(self.row_lb)
        pr.linear_constraints.upper_bounds.extend(self.row_ub)
        keys = sorted(self.entries)
        pr.linear_constraint_matrix.row_ids.extend(r for r, _ in keys)
        pr.linear_constraint_matrix.column_ids.extend(c for _, c in keys)
        pr.linear_constraint_matrix.coefficients.extend(self.entries[k] for k in keys)
        model = mathopt.Model.from_model_proto(pr)
        return model, [model.get_variable(i) for i in range(n)]


def _add(form: Form, var: int, coef: float) -> None:
    form[var] = form.get(var, 0.0) + coef


@dataclass(slots=True)
class KeyPart:
    """Variables (by index until the model exists) and objective forms of one stock key."""

    key_index: int
    cohorts: list[Cohort]
    buy_ix: dict[int, int] = field(default_factory=dict)  # cohort index → qty variable
    flag_ix: dict[int, int] = field(default_factory=dict)  # cohort index → order flag
    release_ix: dict[tuple[int, int, int], int] = field(default_factory=dict)  # (cohort, ch, b) → qty
    release_flags: list[int] = field(default_factory=list)  # fixed at 1 until the operations stage
    waste_ub: int = 0
    forms: dict[str, Form] = field(default_factory=dict)
    consts: dict[str, int] = field(default_factory=dict)
    spend: dict[int, Form] = field(default_factory=dict)
    buy: dict[int, mathopt.Variable] = field(default_factory=dict)
    order_flag: dict[int, mathopt.Variable] = field(default_factory=dict)
    release: dict[tuple[int, int, int], mathopt.Variable] = field(default_factory=dict)


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
        relax: bool = False,
    ):
        """``relax``: the LP relaxation (solved with HiGHS), used to split a shared budget."""
        self.p, self.grid, self.lead_zero = p, Grid(p.horizon_days, p.bucket_days), lead_zero
        self.relax = relax
        self.values: dict[mathopt.Variable, float] = {}
        self.status = "timeout"
        self.done: set[str] = set()
        sp = _Sparse()
        self.parts = [self._add_key(sp, k) for k in key_indices]
        if budget is not None:
            for q, cap in enumerate(budget):
                spend: Form = {}
                for part in self.parts:
                    for v, c in part.spend.get(q, {}).items():
                        _add(spend, v, c)
                if spend:
                    sp.row(spend, -INF, cap)
        self.model, xs = sp.model(relax)
        self.xs = xs
        for part in self.parts:
            part.buy = {ci: xs[v] for ci, v in part.buy_ix.items()}
            part.order_flag = {ci: xs[v] for ci, v in part.flag_ix.items()}
            part.release = {k: xs[v] for k, v in part.release_ix.items()}
        self.release_flags = [xs[v] for part in self.parts for v in part.release_flags]
        # shortfall and waste in one solve: a unit-day of shortfall outweighs any possible waste
        self.waste_weight = sum(part.waste_ub for part in self.parts) + 1
        weights = {"shortfall": self.waste_weight, "waste": 1}
        service = [
            (w * c) * xs[v]
            for s, w in weights.items()
            for part in self.parts
            for v, c in part.forms[s].items()
        ]
        const = sum(w * part.consts[s] for s, w in weights.items() for part in self.parts)
        cost = [c * xs[v] for part in self.parts for v, c in part.forms["cost"].items()]
        ops = [xs[v] for part in self.parts for v in [*part.flag_ix.values(), *part.release_flags]]
        self.objectives = {
            "service": mathopt.fast_sum(service) + const,
            "cost": mathopt.fast_sum(cost),
            "operations": mathopt.fast_sum(ops),
        }

    def _add_key(self, sp: _Sparse, k: int) -> KeyPart:
        key, grid = self.p.keys[k], self.grid
        part = KeyPart(k, build_cohorts(key, self.p, self.lead_zero))
        part.forms = {s: {} for s in ("shortfall", "waste", "cost")}
        part.consts = {"shortfall": 0, "waste": 0}
        flows: list[Form] = [{} for _ in range(grid.n)]  # + inflow, - outflow per bucket
        const = [0] * grid.n
        big = _big_m(key)
        for ci, c in enumerate(part.cohorts):
            ub = c.qty
            qv = None
            if c.option is not None:
                o = key.options[c.option]
                ub = big if o.max_order_qty is None else o.max_order_qty
                qv, yv = sp.var(0, ub), sp.var(0, 1)
                sp.row({qv: 1, yv: -o.min_order_qty}, 0, INF)
                sp.row({qv: 1, yv: -ub}, -INF, 0)
                part.buy_ix[ci], part.flag_ix[ci] = qv, yv
                _add(part.forms["cost"], qv, o.unit_price_fen)
                order_day = grid.start(c.arrival_bucket) - (0 if self.lead_zero else o.lead_days)
                _add(part.spend.setdefault(self.p.quarter_of(order_day), {}), qv, o.unit_price_fen)
            rel = self._add_releases(sp, part, ci, c, ub, qv, flows)
            if c.arrival_bucket < grid.n and (c.expiry_bucket is None or c.expiry_bucket >= c.arrival_bucket):
                if qv is None:
                    const[c.arrival_bucket] += c.qty
                else:
                    _add(flows[c.arrival_bucket], qv, 1)
                if c.expiry_bucket is not None:  # what is left of the cohort leaves when it expires
                    if qv is None:
                        const[c.expiry_bucket] -= c.qty
                    else:
                        _add(flows[c.expiry_bucket], qv, -1)
                    for r in rel:
                        _add(flows[c.expiry_bucket], r, 1)
            if c.waste:
                if qv is None:
                    part.consts["waste"] += c.qty
                else:
                    _add(part.forms["waste"], qv, 1)
                for r in rel:
                    _add(part.forms["waste"], r, -1)
                part.waste_ub += ub
        self._add_balance(sp, part, key, flows, const)
        return part

    def _add_releases(
        self, sp: _Sparse, part: KeyPart, ci: int, c: Cohort, ub: int, qv: int | None, flows: list[Form]
    ) -> list[int]:
        key = self.p.keys[part.key_index]
        rel: list[int] = []
        for ch, buckets in c.windows:
            for b in buckets:
                rv, zv = sp.var(0, ub), sp.var(1, 1)  # the flag is freed for the operations stage
                sp.row({rv: 1, zv: -ub}, -INF, 0)
                part.release_ix[(ci, ch, b)] = rv
                part.release_flags.append(zv)
                _add(part.forms["cost"], rv, -key.channels[ch].value_fen)
                _add(flows[b], rv, -1)
                rel.append(rv)
        if rel:
            total: Form = dict.fromkeys(rel, 1.0)
            if qv is None:
                sp.row(total, -INF, c.qty)
            else:
                total[qv] = -1.0
                sp.row(total, -INF, 0)
        return rel

    def _add_balance(
        self, sp: _Sparse, part: KeyPart, key: StockKey, flows: list[Form], const: list[int]
    ) -> None:
        grid = self.grid
        groups: dict[tuple[int, int], Form] = {}
        for (_, ch_i, b), v in part.release_ix.items():
            groups.setdefault((ch_i, b), {})[v] = 1.0
        for (ch_i, _), form in groups.items():
            cap = key.channels[ch_i].capacity_per_bucket
            if cap is not None:
                sp.row(form, -INF, cap)
        prev = None
        for t in range(grid.n):
            stock = sp.var(0, INF, integer=False)
            row = {stock: 1.0, **{v: -c for v, c in flows[t].items()}}
            if prev is not None:
                row[prev] = -1.0
            sp.row(row, const[t], const[t])  # I[t] = I[t-1] + inflow - outflow
            need = self.p.standard_on(key, grid.start(t)) - key.agreement_counted
            if need > 0:
                short = sp.var(0, INF, integer=False)
                sp.row({short: 1.0, stock: 1.0}, need, INF)
                part.forms["shortfall"][short] = grid.days(t)
            prev = stock

    def spend_by_key(self) -> dict[int, list[int]]:
        """Spend per key and quarter in the current solution (fen, rounded down)."""
        out: dict[int, list[int]] = {}
        for part in self.parts:
            out[part.key_index] = [0] * len(self.p.quarter_starts)
            for q, form in part.spend.items():
                total = sum(c * self.values.get(self.xs[v], 0.0) for v, c in form.items())
                out[part.key_index][q] = int(total + 1e-6)
        return out

    def _free_operation_flags(self) -> mathopt.LinearBase:
        """Release flags were fixed at 1; the operations stage lets them drop to 0 (``r <= ub * z``)."""
        for z in self.release_flags:
            z.lower_bound = 0.0
        return self.objectives["operations"]

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
        """All stages in a row: service until ``hard`` (at least until ``soft``), cost and polish until
        ``soft``. Returns (status, values)."""
        now = time.monotonic()
        self.stage("service", min(hard, max(soft, now + 0.25)), limits, hint)
        self.stage("cost", soft, limits)
        self.stage("operations", soft, limits)
        return self.status, self.values

    def stage(
        self, name: str, until: float, limits: StageLimits, hint: dict[mathopt.Variable, float] | None = None
    ) -> None:
        """Run one lexicographic stage: service (shortfall, then waste; exact), cost (within
        ``limits.cost_gap``) or operations (best-effort polish, only with time to spare). Each optimum becomes
        a constraint of the next stage, the previous solution its hint. ``status``: "optimal" once service is
        proven and cost within the gap, "feasible" if a stage was cut short, "timeout" without a solution."""
        polish = name == "operations"
        if (name != "service" and not self.values) or self.done == {"service", "cost", "operations"}:
            return
        if limits.stopped():  # a cancelled job: no further stage (the status says how far it got)
            self.status = "timeout" if not self.values else "feasible"
            return
        left = until - time.monotonic()
        if left <= (2 * limits.polish_s if polish else 0.02):
            if not polish:
                self.status = "timeout" if not self.values else "feasible"
            return
        obj = self._free_operation_flags() if polish else self.objectives[name]
        self.model.minimize(obj)
        gap = limits.cost_gap if name == "cost" else 0.0
        limit = left if self.relax else min(left, limits.polish_s if polish else limits.stage_s)
        try:
            res = self._run(limit, gap, self.values or hint or {}, name == "service")
        except Exception:  # a solver error (e.g. HiGHS "model status unknown" at a tiny limit) = no solution
            res = None
        self.done.add(name)
        if res is None or not res.has_primal_feasible_solution():
            if not polish:
                self.status = "timeout" if not self.values else "feasible"
            return
        if name == "service":
            self.status = "optimal"
        if res.termination.reason != mathopt.TerminationReason.OPTIMAL and not polish:
            self.status = "feasible"
        self.values = res.variable_values()
        if not polish:
            best = round(mathopt.evaluate_expression(obj, self.values))
            self.model.add_linear_constraint(obj <= best + 0.5)

    def _run(
        self, limit_s: float, gap: float, hint: dict[mathopt.Variable, float], service: bool
    ) -> mathopt.SolveResult:
        if self.relax:
            lp = mathopt.SolveParameters(time_limit=datetime.timedelta(seconds=limit_s))
            return mathopt.solve(self.model, mathopt.SolverType.HIGHS, params=lp)  # GLOP: imprecise here
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
            model_params = mathopt.ModelSolveParameters(
                solution_hints=[mathopt.SolutionHint(variable_values=values)]
            )
        return mathopt.solve(self.model, SOLVER, params=params, model_params=model_params)
