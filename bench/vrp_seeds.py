"""County instances over several seeds: the race (product default) and PyVRP depend on their random seed, VROOM
does not. Prints objective per seed, mean and the ratio of our mean to the best peer's mean (one run, same
machine, 10 s each, every plan verified by ``optimizer.routing.check.verify``; "infeasible" = not every job served).

    .venv/bin/python -m bench.vrp_seeds [--seeds 3] [--limit 10]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
from pathlib import Path

from bench.vrp_peers import solve_pyvrp, solve_vroom
from optimizer.routing.check import verify
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import RoutingProblem, RoutingResult
from optimizer.routing.solve import RoutingParams
from optimizer.routing.vrp_json import problem_from_json

HERE = Path(__file__).resolve().parent


def _ok(p: RoutingProblem, r: RoutingResult) -> int | None:
    return r.objective if not verify(p, r) and not r.unserved else None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--limit", type=float, default=10.0)
    args = ap.parse_args()
    out = HERE / "out" / "vrp_seeds.csv"
    out.parent.mkdir(exist_ok=True)
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["instance", "solver", "seed", "objective"])
        for n in (50, 200, 300):
            p = problem_from_json(json.loads((HERE / "instances" / f"county_n{n}.json").read_text()))
            res: dict[str, list[int | None]] = {"race": [], "pyvrp": [], "vroom": []}
            for seed in range(1, args.seeds + 1):
                res["race"].append(_ok(p, plan_routes(p, RoutingParams(time_limit_s=args.limit, seed=seed))))
                res["pyvrp"].append(_ok(p, solve_pyvrp(p, args.limit, seed)))
            res["vroom"].append(_ok(p, solve_vroom(p, args.limit)))
            for solver, objs in res.items():
                for seed, obj in enumerate(objs, 1):
                    w.writerow([f"county_n{n}", solver, seed, obj])
            means = {s: statistics.fmean(o) if o and None not in o else None for s, o in res.items()}
            peers = [m for s, m in means.items() if s != "race" and m is not None]
            ratio = means["race"] / min(peers) if peers and means["race"] else None
            tail = f" | ours/best peer (means) {ratio:.3f}" if ratio else " | no feasible mean to compare"
            print(f"county_n{n}: " + ", ".join(f"{s} {o}" for s, o in res.items()) + tail, flush=True)


if __name__ == "__main__":
    main()
