"""Issue 21: determinism, n = 800 (time, first plan, peak memory against PyVRP alone) and one core against every
core, each plan costed by ``bench.vrp_eval``.

    .venv/bin/python -m bench.vrp_scale determinism [--limit 5]
    .venv/bin/python -m bench.vrp_scale big [--limit 30]      # n = 800: each solver in its own process (peak RSS)
    .venv/bin/python -m bench.vrp_scale cores [--limit 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

from bench.vrp_eval import evaluate, plan_of
from bench.vrp_family import instance
from bench.vrp_peers import pyvrp_alone
from optimizer.routing import RoutingParams
from optimizer.routing_engine import plan_routes

DET_CASES = (("S", "delivery", 3), ("S", "pickup", 3), ("M", "delivery", 3), ("M", "agreement", 3))
CORE_CASES = (("S", "pickup", 4), ("M", "delivery", 4), ("M", "pickup", 4))
BIG = ("L", "pickup", 1)  # n = 800, 2 depots (bench.vrp_family test seed 1)


def determinism(limit: float) -> None:
    print("| instance | same seed twice: same plan | cost, seeds 1-5 | spread (max-min)/min | capped runs |")
    print("|---|---|---|---|---|")
    for size, kind, seed in DET_CASES:
        _, p = instance(size, kind, seed)
        runs = [
            plan_routes(p, RoutingParams(time_limit_s=limit, seed=s, workers=1)) for s in (1, 1, 2, 3, 4, 5)
        ]
        same = plan_of(runs[0]) == plan_of(runs[1])
        costs = [evaluate(p, plan_of(r)).cost for r in runs[1:]]
        capped = sum("capped" in r.engine for r in runs)
        spread = (max(costs) - min(costs)) / min(costs)
        print(f"| {size}-{kind}-{seed} (n = {len(p.jobs)}) | {'yes' if same else 'NO'} | "
              f"{', '.join(str(c) for c in costs)} | {100 * spread:.2f} % | {capped} of 6 |", flush=True)  # fmt: skip


def one(solver: str, limit: float) -> None:
    """Child process: one solver on the n = 800 instance; prints JSON with cost, times and peak RSS."""
    _, p = instance(*BIG)
    t0 = time.monotonic()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    first: list[float] = []
    if solver == "pyvrp":
        plan, _ = pyvrp_alone(p, limit)
        engine = "pyvrp alone"
    else:
        r = plan_routes(
            p,
            RoutingParams(time_limit_s=limit, workers=1 if solver == "product" else 0),
            lambda e: first.append(time.monotonic() - t0) if not first else None,
        )
        plan, engine = plan_of(r), r.engine
    wall = time.monotonic() - t0
    e = evaluate(p, plan)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"solver": solver, "engine": engine, "n": len(p.jobs), "cost": e.cost, "valid": e.valid,
                      "unserved": e.unserved, "wall_s": round(wall, 1), "first_s": round(first[0], 2) if first else None,
                      "peak_mb": round(peak / 1024), "problem_mb": round(base / 1024),
                      "children_peak_mb": round(kids / 1024)}))  # fmt: skip


def big(limit: float) -> None:
    for solver in ("product", "pyvrp", "product-all-cores"):
        out = subprocess.run(
            [sys.executable, "-m", "bench.vrp_scale", "one", "--solver", solver, "--limit", str(limit)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        print(out.stdout.strip().splitlines()[-1], flush=True)


def cores(limit: float) -> None:
    print("| instance | one core: cost (wall s) | every core: cost (wall s) | every core / one core |")
    print("|---|---|---|---|")
    ratios = []
    for size, kind, seed in CORE_CASES:
        _, p = instance(size, kind, seed)
        res = []
        for workers in (1, 0):
            t0 = time.monotonic()
            r = plan_routes(p, RoutingParams(time_limit_s=limit, workers=workers))
            res.append((evaluate(p, plan_of(r)).cost, time.monotonic() - t0))
        ratios.append(res[1][0] / res[0][0])
        print(f"| {size}-{kind}-{seed} | {res[0][0]} ({res[0][1]:.1f}) | {res[1][0]} ({res[1][1]:.1f}) | "
              f"{ratios[-1]:.3f} |", flush=True)  # fmt: skip
    print(f"mean every core / one core: {statistics.fmean(ratios):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("determinism", "big", "cores", "one"))
    ap.add_argument("--limit", type=float, default=5.0)
    ap.add_argument("--solver", default="product")
    args = ap.parse_args()
    {"determinism": determinism, "big": big, "cores": cores}.get(
        args.what, lambda lim: one(args.solver, lim)
    )(args.limit)


if __name__ == "__main__":
    main()
