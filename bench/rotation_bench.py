"""Rotation planner benchmark: seeded county-sized instances, wall time and checker verdict.

Run: ``.venv/bin/python -m bench.rotation_bench`` (``--lots 10000`` for one size, ``--no-scaling`` to skip the
1 000 / 10 000 / 40 000 rows, ``--time-limit 10 60`` for several limits, ``--budget-factor 2`` for a budget
that does not bind). Prints a table and writes ``bench/out/rotation_bench.csv``. Each row also gives the
never-rotate baseline (keep every lot, buy on time, budget first come first served) of the same instance.
The 10 000-lot target is ≤ 10 s wall time on the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import time
from pathlib import Path

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

OUT = Path(__file__).resolve().parent / "out"


def make_problem(
    n_lots: int, n_items: int = 40, seed: int = 6, budget_factor: float = 0.6
) -> RotationProblem:
    """``n_items`` stock keys sharing ``n_lots`` lots with expiries spread over two years.

    Each key's standard is ~85 % of its initial stock; the quarterly budget is ``budget_factor`` × the spend
    of a plan that replaces everything expiring in the year, so it binds in some quarters.
    """
    rng = random.Random(seed)
    keys, need_fen = [], 0
    per_item = [n_lots // n_items + (1 if i < n_lots % n_items else 0) for i in range(n_items)]
    for i, n in enumerate(per_item):
        shelf = rng.choice([180, 365, 730, 1095, 1825])
        price = rng.choice([800, 2500, 12000, 45000, 160000])
        lots = []
        for j in range(n):
            qty = rng.randint(5, 60)
            arrival = rng.choice([0] * 9 + [30])  # one lot in ten is still on its way
            lots.append(Lot(f"L{i:02d}-{j:05d}", qty, arrival + rng.randint(1, min(shelf, 730)), arrival))
        total = sum(lot.qty for lot in lots)
        expiring = sum(lot.qty for lot in lots if lot.expiry_day < 365)
        need_fen += expiring * price
        options = [ProcurementOption("tender", rng.choice([30, 45, 60]), price, shelf, min_order_qty=20)]
        if rng.random() < 0.5:
            options.append(ProcurementOption("urgent", 7, price * 13 // 10, shelf, max_order_qty=200))
        channels = [
            ReleaseChannel("drill", 0, min_remaining_days=15),
            ReleaseChannel(
                "civil", -price // 50, min_remaining_days=30, capacity_per_bucket=max(50, total // 20)
            ),
            ReleaseChannel(
                "sellback", price * 3 // 10, min_remaining_days=90, capacity_per_bucket=max(40, total // 40)
            ),
        ]
        keys.append(
            StockKey(
                f"item{i:02d}@county", tuple(lots), (total * 85 // 100,), tuple(options), tuple(channels),
                agreement_qty=total // 10, agreement_cap=total // 20,
            )
        )  # fmt: skip
    budget = int(need_fen * budget_factor) // 4
    return RotationProblem(tuple(keys), 365, 7, quarter_budget_fen=(budget,) * 4)


def greedy_baseline(problem: RotationProblem) -> RotationPlan:
    """The never-rotate plan (keep every lot, buy on time from the cheapest option), keys sharing the budget
    first come first served: the raw baseline the planner is compared with."""
    return assemble_plan(problem, "baseline", greedy_plan(problem))


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def run_one(n_lots: int, time_limit_s: float, budget_factor: float = 0.6) -> dict[str, object]:
    problem = make_problem(n_lots, budget_factor=budget_factor)
    load = os.getloadavg()[0]
    c0, t0 = _cpu(), time.perf_counter()
    plan: RotationPlan = plan_rotation(problem, RotationParams(time_limit_s=time_limit_s))
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    base = greedy_baseline(problem)
    t1 = time.perf_counter()
    violations = check_rotation(problem, plan)
    check_s = time.perf_counter() - t1
    return {
        "lots": n_lots,
        "items": len(problem.keys),
        "limit_s": time_limit_s,
        "budget_factor": budget_factor,
        "load_1min": round(load, 1),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "status": plan.status,
        "shortfall_unit_days": plan.shortfall_unit_days,
        "waste_units": plan.waste_units,
        "cost_fen": plan.cost_fen,
        "actions": plan.n_operations,
        "explanations": len(plan.explanations),
        "check": "ok" if not violations else f"{len(violations)} violations: {violations[0].code}",
        "check_s": round(check_s, 2),
        "baseline_shortfall": base.shortfall_unit_days,
        "baseline_waste": base.waste_units,
        "baseline_cost_fen": base.cost_fen,
        "baseline_check": "ok" if not check_rotation(problem, base) else "violations",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lots", type=int, default=10_000)
    ap.add_argument("--time-limit", type=float, nargs="+", default=[10.0])
    ap.add_argument("--no-scaling", action="store_true")
    ap.add_argument("--budget-factor", type=float, default=0.6, help="quarterly budget / replacement need")
    args = ap.parse_args()
    sizes = [args.lots] if args.no_scaling else sorted({1_000, args.lots, 40_000})
    rows = [run_one(n, limit, args.budget_factor) for n in sizes for limit in args.time_limit]
    cols = list(rows[0])
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(str(r[c]) for c in cols))
    OUT.mkdir(exist_ok=True)
    with open(OUT / "rotation_bench.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
