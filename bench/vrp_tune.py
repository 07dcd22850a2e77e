"""Tuning on the family's tuning seeds only (issue 21): PyVRP's default search against session 3's greedier
late-acceptance search (history 20, at most 10 perturbations) and a late-acceptance history adapted to the iteration budget, per
class, each on the same deterministic iteration budget (``calibrated_iterations`` for the limit).

    .venv/bin/python -m bench.vrp_tune [--limit 3] [--seeds 2] [--sizes S,M]
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict

from bench.vrp_eval import evaluate, plan_of
from bench.vrp_family import KINDS, TUNING_SEEDS, instance
from optimizer import routing_pyvrp
from optimizer.routing_engine import calibrated_iterations


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=3.0)
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--sizes", default="S,M")
    ap.add_argument("--polish", action="store_true", help="product with and without OR-Tools' polish instead")
    args = ap.parse_args()
    if args.polish:
        polish(args.limit, args.seeds, args.sizes.split(","))
        return
    ratios: dict[str, list[float]] = defaultdict(list)
    for size in args.sizes.split(","):
        for kind in KINDS:
            for seed in TUNING_SEEDS[: args.seeds]:
                _, p = instance(size, kind, seed)
                cost = {}
                iters = calibrated_iterations(p, args.limit)
                variants = {
                    "default": routing_pyvrp.solve_params(p),
                    "tuned": routing_pyvrp.solve_params(p, tuned=True),
                    "adaptive": routing_pyvrp.solve_params(p, iterations=iters),
                }
                for name, prm in variants.items():
                    r = routing_pyvrp.solve_pyvrp(p, args.limit, params=prm, max_iterations=iters)
                    e = evaluate(p, plan_of(r))
                    assert e.valid, e.violations[:3]
                    cost[name] = e.cost
                for name in ("tuned", "adaptive"):
                    ratios[f"{size}-{kind} {name}"].append(cost[name] / cost["default"])
                print(f"{size}-{kind} seed {seed} ({iters} it): " + ", ".join(f"{k} {v}" for k, v in cost.items()),
                      flush=True)  # fmt: skip
    for cls, rs in ratios.items():
        print(f"{cls}/default mean {statistics.fmean(rs):.3f} max {max(rs):.3f}")


def polish(limit: float, seeds: int, sizes: list[str]) -> None:
    """The product (one core) without and with OR-Tools' polish for the last 15 % of the budget."""
    from optimizer.routing import RoutingParams
    from optimizer.routing_engine import plan_routes

    ratios = []
    for size in sizes:
        for kind in KINDS:
            for seed in TUNING_SEEDS[:seeds]:
                _, p = instance(size, kind, seed)
                cost = []
                for share in (0.0, 0.15):
                    r = plan_routes(p, RoutingParams(time_limit_s=limit, workers=1, polish_share=share))
                    cost.append(evaluate(p, plan_of(r)).cost)
                ratios.append(cost[1] / cost[0])
                print(f"{size}-{kind} seed {seed}: no polish {cost[0]}, polish 15 % {cost[1]}, "
                      f"ratio {ratios[-1]:.3f} ({r.engine})", flush=True)  # fmt: skip
    print(f"polish / no polish: mean {statistics.fmean(ratios):.3f}, max {max(ratios):.3f}")


if __name__ == "__main__":
    main()
