"""Allocation benchmark: 50 sources × 1 000 points × 40 items, sparse; target optimal ≤ 5 s.

Compares the min-cost-flow solver (optimizer.allocation.solve) with the same lexicographic model solved as three
sequential MathOpt models (HiGHS MIP, CP-SAT). Run: ``.venv/bin/python -m bench.alloc_bench [--no-peers]``.
Prints a table and writes ``bench/out/alloc.csv``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import sys
import time
from pathlib import Path

import numpy as np
from ortools.math_opt.python import mathopt

from optimizer.allocation.check import check_allocation
from optimizer.allocation.problem import AllocationProblem, DemandLine
from optimizer.allocation.solve import _item_net, solve_allocation
from optimizer.sources import UNREACHABLE, Source, SourceKind

TARGET_S = 5.0
OUT = Path(__file__).resolve().parent / "out"


def make_problem(
    n_sources: int = 50, n_points: int = 1000, n_items: int = 40, seed: int = 7, unit: int = 1
) -> AllocationProblem:
    """Sparse county: each item held by ~5 of the sources, each point needs ~10 items, supply ≈ 90 % of demand."""
    rng = np.random.default_rng(seed)
    xy_s = rng.uniform(0, 80_000, (n_sources, 2))
    xy_p = rng.uniform(0, 80_000, (n_points, 2))
    dist = np.ceil(np.linalg.norm(xy_s[:, None] - xy_p[None], axis=2) * 1.3).astype(np.int64)
    travel = np.ceil(dist / 11.1).astype(np.int64)
    travel[rng.random(travel.shape) < 0.01] = UNREACHABLE
    need = rng.random((n_points, n_items)) < 0.25
    qty = rng.integers(10, 200, (n_points, n_items)) * need * unit  # unit = 1000: water in kg, not tonnes
    prio = rng.choice([1, 2, 3], size=n_points, p=[0.1, 0.3, 0.6])
    due = np.choose(prio - 1, [3600, 8 * 3600, 10 * 3600])
    demands = tuple(
        DemandLine(p, i, int(qty[p, i]), int(prio[p]), int(due[p]))
        for p in range(n_points)
        for i in range(n_items)
        if need[p, i]
    )
    holds = np.zeros((n_sources, n_items), dtype=bool)
    for i in range(n_items):
        holds[rng.choice(n_sources, size=5, replace=False), i] = True
    share = (qty.sum(axis=0) * 0.9 / 5).astype(np.int64)
    avail = holds * share[None, :]
    sources = []
    for s in range(n_sources):
        a = tuple(int(v) for v in avail[s])
        if s % 10 < 7:
            sources.append(Source(f"D{s}", SourceKind.PHYSICAL, a, loading_s=int(rng.integers(600, 1800))))
        elif s % 10 < 9:
            sources.append(
                Source(f"A{s}", SourceKind.AGREEMENT, a, loading_s=900, lead_s=int(rng.integers(1800, 7200)))
            )
        else:
            per = tuple(int(v) // 10 for v in avail[s])
            sources.append(Source(f"C{s}", SourceKind.CAPACITY, a, 900, 7200, 3600, per))
    fefo = rng.integers(0, 2000, (n_sources, n_items))
    return AllocationProblem(
        item_ids=tuple(f"I{i}" for i in range(n_items)),
        point_ids=tuple(f"V{p}" for p in range(n_points)),
        sources=tuple(sources),
        demands=demands,
        travel_s=tuple(tuple(int(v) for v in r) for r in travel),
        distance_m=tuple(tuple(int(v) for v in r) for r in dist),
        draw_cost=tuple(tuple(int(v) for v in r) for r in fefo),
        horizon_s=24 * 3600,
    )


def solve_mathopt(
    problem: AllocationProblem, solver: mathopt.SolverType, limit_s: float
) -> tuple[str, tuple[int, ...]]:
    """The same model as three sequential solves (unmet, then late, then cost), every item in one model."""
    travel = np.asarray(problem.travel_s, dtype=np.int64)
    dist = np.asarray(problem.distance_m, dtype=np.int64)
    by_item: dict[int, list[DemandLine]] = {}
    for d in problem.demands:
        by_item.setdefault(d.item, []).append(d)
    t_build = time.perf_counter()
    model = mathopt.Model()
    tiers: list[list[mathopt.LinearExpression]] = [[], [], []]
    for item, lines in by_item.items():
        net = _item_net(problem, item, lines, travel, dist)
        ks, js = np.nonzero(net.ok)
        x = [model.add_integer_variable(lb=0, ub=int(net.dem[j])) for j in js.tolist()]
        into: list[list[mathopt.Variable]] = [[] for _ in lines]
        out: list[list[mathopt.Variable]] = [[] for _ in net.supply]
        for v, k, j in zip(x, ks.tolist(), js.tolist(), strict=True):
            into[j].append(v)
            out[k].append(v)
        for k, vs in enumerate(out):
            if vs:
                model.add_linear_constraint(mathopt.fast_sum(vs) <= int(net.supply[k]))
        for j, d in enumerate(lines):
            served = mathopt.fast_sum(into[j])
            model.add_linear_constraint(served <= d.qty)
            tiers[0].append(problem.weight(d) * (d.qty - served))
        tiers[1].extend(v for v, k, j in zip(x, ks, js, strict=True) if net.late[k, j])
        tiers[2].extend(int(net.c3[k, j]) * v for v, k, j in zip(x, ks, js, strict=True))
    best: list[int] = []
    status = "optimal"
    print(f"  {solver.name}: model built in {time.perf_counter() - t_build:.1f} s", flush=True)
    for tier in tiers:
        expr = mathopt.fast_sum(tier)
        model.minimize(expr)
        res = mathopt.solve(
            model,
            solver,
            params=mathopt.SolveParameters(time_limit=datetime.timedelta(seconds=limit_s)),
        )
        if res.termination.reason != mathopt.TerminationReason.OPTIMAL:
            status = res.termination.reason.name.lower()
            if not res.has_primal_feasible_solution():
                return status, tuple(best)
        value = round(res.objective_value())
        print(
            f"  {solver.name}: tier {len(best) + 1} = {value} after {res.solve_stats.solve_time}", flush=True
        )
        best.append(value)
        model.add_linear_constraint(expr <= value)
    return status, tuple(best)


def _mcf_row(problem: AllocationProblem, label: str) -> dict[str, object]:
    t0, c0 = time.perf_counter(), time.process_time()
    result = solve_allocation(problem)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    violations = check_allocation(problem, result)
    return {
        "instance": f"{len(problem.sources)}x{len(problem.point_ids)}x{len(problem.item_ids)}",
        "solver": label,
        "status": result.status,
        "seconds": round(dt, 3),
        "cpu_s": round(cpu, 3),
        "objective": str(result.objective),
        "check": "ok" if not violations else f"{len(violations)} violations",
        "check_s": round(time.perf_counter() - t1, 3),
        "demand_lines": len(problem.demands),
        "sequential_items": result.sequential_items,
    }


def main() -> None:
    """Target instance with the flow solver (plain and fair share); peers on a 200-point instance."""
    peers = "--no-peers" not in sys.argv
    big = make_problem()
    rows = [
        _mcf_row(big, "min_cost_flow"),
        _mcf_row(dataclasses.replace(big, fair_share=True), "mcf_fair_share"),
        _mcf_row(make_problem(unit=1000), "mcf_qty_x1000"),
    ]
    small = make_problem(n_points=200)
    rows.append(_mcf_row(small, "min_cost_flow"))
    for name, solver in (
        ("highs_mip_lex", mathopt.SolverType.HIGHS),
        ("cp_sat_lex", mathopt.SolverType.CP_SAT),
    ):
        if not peers:
            break
        t0 = time.perf_counter()
        status, obj = solve_mathopt(small, solver, limit_s=60.0)
        rows.append(
            {
                **rows[-1],
                "solver": name,
                "status": status,
                "seconds": round(time.perf_counter() - t0, 3),
                "cpu_s": "",
                "objective": str(obj),
                "check": "",
                "check_s": "",
                "sequential_items": "",
            }
        )
    OUT.mkdir(exist_ok=True)
    with open(OUT / "alloc.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(
        f"{'instance':<12}{'solver':<16}{'status':<20}{'seconds':>9}{'cpu_s':>8}  {'check':<6}"
        "objective (unmet·w, late, unit-m)"
    )
    for r in rows:
        print(
            f"{r['instance']:<12}{r['solver']:<16}{r['status']:<20}{r['seconds']:>9}{r['cpu_s']:>8}  "
            f"{r['check']:<6}{r['objective']}"
        )
    print(
        f"target: 50 × 1 000 × 40 optimal ≤ {TARGET_S} s → {'met' if float(str(rows[0]['seconds'])) <= TARGET_S else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
