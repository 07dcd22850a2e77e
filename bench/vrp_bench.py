"""Routing benchmark: ours (OR-Tools) vs PyVRP and VROOM on Solomon, Homberger, X and county instances.

Every solver is single-threaded with the same time limit; every output is re-timed and verified by
``optimizer.routing.check.verify``. Prints a table and writes bench/out/vrp_bench.csv (appends per row, so a long run
leaves partial results).

    .venv/bin/python -m bench.vrp_bench [--limit 10] [--solvers ortools,pyvrp,vroom] [--only C101,county_n50]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.vrp_peers import solve_pyvrp, solve_vroom
from optimizer.routing.check import verify
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import DEFAULT_PENALTY, RoutingProblem, RoutingResult
from optimizer.routing.solve import RoutingParams, solve_routes
from optimizer.routing.vrp_json import parse_solomon, parse_tsplib, problem_from_json

DATA = Path("/work/shared/bench-data")
HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
Solver = Callable[[RoutingProblem, float], RoutingResult]

SOLVERS: dict[str, Solver] = {
    "ortools": lambda p, t: solve_routes(p, RoutingParams(time_limit_s=t)),
    "race": lambda p, t: plan_routes(p, RoutingParams(time_limit_s=t, engine="race")),
    "pyvrp": lambda p, t: solve_pyvrp(p, t),
    "pyvrp-ours": lambda p, t: plan_routes(p, RoutingParams(time_limit_s=t, engine="pyvrp")),
    "vroom": lambda p, t: solve_vroom(p, t),
}


def instances() -> list[tuple[str, str, dict[str, Any], float | None]]:
    """(name, set, instance dict, BKS in instance units or None)."""
    bks = {}
    with (DATA / "bks.csv").open() as f:
        for row in csv.DictReader(f):
            bks[row["instance"]] = (row["set"], float(row["bks"]))
    out = []
    for name, (kind, value) in bks.items():
        if kind == "x":
            inst = parse_tsplib((DATA / "x" / f"{name}.vrp").read_text())
            out.append((name, kind, inst, value))
        else:
            inst = parse_solomon((DATA / kind / f"{name}.txt").read_text())
            out.append((name, kind, inst, value * 10))
    for n in (50, 200, 300):
        path = HERE / "instances" / f"county_n{n}.json"
        out.append((f"county_n{n}", "county", json.loads(path.read_text()), None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=10.0)
    ap.add_argument("--solvers", default="ortools,pyvrp,vroom")
    ap.add_argument("--only", default="")
    ap.add_argument("--csv", default=str(OUT / "vrp_bench.csv"))
    ap.add_argument(
        "--first", action="store_true", help="only time the first feasible plan on county instances"
    )
    args = ap.parse_args()
    if args.first:
        first_feasible()
        return
    only = set(filter(None, args.only.split(",")))
    OUT.mkdir(exist_ok=True)
    fields = ["instance", "set", "n", "solver", "limit_s", "objective", "bks", "gap_pct", "feasible",
              "violations", "unserved", "routes", "time_s", "first_s"]  # fmt: skip
    new = not Path(args.csv).exists()
    with open(args.csv, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        if new:
            w.writeheader()
        print(
            f"{'instance':<12} {'solver':<8} {'objective':>12} {'gap%':>7} {'feas':>5} {'viol':>4} {'time':>6}"
        )
        for name, kind, inst, bks in instances():
            if only and name not in only:
                continue
            p = problem_from_json(inst)
            for s in args.solvers.split(","):
                t0 = time.monotonic()
                r = SOLVERS[s](p, args.limit)
                elapsed = time.monotonic() - t0
                v = verify(p, r)
                feasible = not v and not r.unserved
                gap = 100 * (r.objective / bks - 1) if bks else None
                row = {"instance": name, "set": kind, "n": len(p.jobs), "solver": s, "limit_s": args.limit,
                       "objective": r.objective, "bks": bks, "gap_pct": None if gap is None else round(gap, 3),
                       "feasible": feasible, "violations": len(v), "unserved": len(r.unserved),
                       "routes": len(r.routes), "time_s": round(elapsed, 2),
                       "first_s": round(r.log[0].elapsed_s, 3) if r.log else None}  # fmt: skip
                w.writerow(row)
                f.flush()
                g = f"{gap:7.2f}" if gap is not None else "      -"
                print(
                    f"{name:<12} {s:<8} {r.objective:>12} {g} {feasible!s:>5} {len(v):>4} {elapsed:6.1f}",
                    flush=True,
                )


def first_feasible(repeats: int = 3, limit_s: float = 5.0) -> None:
    """Wall time from the call to the first plan reaching the progress callback (model building included) and to
    the first plan serving every job, for the product's default engine (race) and OR-Tools alone."""
    with (OUT / "vrp_first.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["instance", "n", "engine", "run", "first_plan_s", "first_complete_s", "violations"])
        for n in (50, 200, 300):
            p = problem_from_json(json.loads((HERE / "instances" / f"county_n{n}.json").read_text()))
            for engine in ("race", "ortools"):
                for run in range(repeats):
                    seen: list[tuple[float, int]] = []
                    t0 = time.monotonic()
                    r = plan_routes(
                        p,
                        RoutingParams(time_limit_s=limit_s, engine=engine),
                        lambda e, seen=seen, t0=t0: seen.append((time.monotonic() - t0, e.objective)),
                    )
                    first = seen[0][0] if seen else None
                    complete = next((t for t, obj in seen if obj < DEFAULT_PENALTY), None)
                    bad = len(verify(p, r))
                    w.writerow([f"county_n{n}", n, engine, run, first, complete, bad])
                    print(f"county_n{n} {engine} run {run}: first plan {first} s, first complete plan "
                          f"{complete} s, violations {bad}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
