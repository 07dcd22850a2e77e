"""Issue 21 at n ≈ 800: wall time, time to the first plan and peak memory of the product's default engine against
PyVRP alone (and the product on two cores), every plan re-costed by ``bench.vrp_eval``.

Each (instance, solver) runs in its own fresh Python process so that peak memory (``ru_maxrss``) is its own; the
solver's share is the peak less the process's resident size just before solving (imports and the instance built).
The two-core run's second process is counted through ``RUSAGE_CHILDREN`` (its own peak, whole process).

    .venv/bin/python -m bench.vrp_scale_bench --limit 60 --cases L-delivery-4,L-pickup-1
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from bench.vrp_eval import evaluate, plan_of

SOLVERS = ("product", "pyvrp", "multi")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def one(solver: str, case: str, limit: float) -> dict[str, float | int | str]:
    """Runs one solver on one instance in this process; the measurements as a dict."""
    from bench.vrp_family import instance
    from bench.vrp_peers import pyvrp_alone
    from optimizer.routing.engine import plan_routes
    from optimizer.routing.problem import LogEntry
    from optimizer.routing.solve import RoutingParams

    size, kind, seed = case.split("-")
    p = instance(size, kind, int(seed))[1]
    first: list[float] = []

    def seen(entry: LogEntry) -> None:
        if not first:
            first.append(entry.elapsed_s)

    before = _rss_mb()
    t0 = time.monotonic()
    if solver == "pyvrp":
        result = pyvrp_alone(p, limit)
    else:
        params = RoutingParams(time_limit_s=limit, workers=1 if solver == "product" else 2)
        result = plan_routes(p, params, seen)
    wall = time.monotonic() - t0
    ev = evaluate(p, plan_of(result))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"case": case, "n": len(p.jobs), "solver": solver, "cost": ev.cost, "unserved": ev.unserved,
            "valid": int(ev.valid), "wall_s": round(wall, 2), "first_plan_s": round(first[0], 2) if first else -1,
            "rss_before_mb": round(before), "rss_peak_mb": round(peak), "solver_mb": round(peak - before),
            "child_peak_mb": round(child), "engine": result.engine}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=60.0)
    ap.add_argument("--cases", default="L-delivery-4,L-pickup-1")
    ap.add_argument("--solvers", default=",".join(SOLVERS))
    ap.add_argument("--one", nargs=2, metavar=("SOLVER", "CASE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], args.limit)), flush=True)
        return
    rows = []
    for case in args.cases.split(","):
        for solver in args.solvers.split(","):
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.vrp_scale_bench",
                    "--limit",
                    str(args.limit),
                    "--one",
                    solver,
                    case,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(row, flush=True)
    print(
        "\n| instance | n | solver | cost | unserved | wall s | first plan s | solver MB | vs PyVRP cost | vs PyVRP MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ref = next(r for r in rows if r["case"] == row["case"] and r["solver"] == "pyvrp")
        mb = row["solver_mb"] + (row["child_peak_mb"] if row["solver"] == "multi" else 0)
        print(f"| {row['case']} | {row['n']} | {row['solver']} | {row['cost']} | {row['unserved']} | {row['wall_s']} | "
              f"{row['first_plan_s']} | {mb} | {row['cost'] / ref['cost']:.3f} | "
              f"{mb / max(1, ref['solver_mb']):.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
