"""Issue 21 benchmark: the product's default engine against PyVRP alone and VROOM on the test family (test seeds
only) and public instances, every plan costed and checked by one independent evaluator (``bench.vrp_eval``,
the product's cost model: loading once per depot visit). One core: the product runs with ``workers=1``.

Per instance, in one process, one after another:

1. the product (``plan_routes``, engine "race", ``workers=1``) with the time limit; its wall time is w;
2. PyVRP alone (``bench.vrp_peers.pyvrp_alone``: same model, PyVRP's defaults, ``MaxRuntime``) for w: equal wall
   time;
3. VROOM (``bench.vrp_peers.vroom_same_model``, one thread, exploration 5) with the time limit; its wall time is v;
4. the product again with time limit v (VROOM's own time), for product / VROOM.

Prints one row per instance and, per class, mean (max) of product / PyVRP, product / best peer and product at
VROOM's time / VROOM, plus invalid plans (must be 0). "Best peer" compares each peer at equal wall time: the
larger of product / PyVRP (both for w) and product at v / VROOM (both for v). Writes bench/out/vrp_family.csv.

    .venv/bin/python -m bench.vrp_family_bench --limit 10 --sizes S,M,L --kinds delivery,pickup,agreement \
        --seeds 2 --public C101,R109,RC105,R1_2_1,X-n101-k25,X-n200-k36
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

from bench.vrp_eval import Evaluation, evaluate, plan_of
from bench.vrp_family import TEST_SEEDS, TUNING_SEEDS, instance
from bench.vrp_peers import pyvrp_alone, vroom_same_model
from optimizer.routing import RoutingParams
from optimizer.routing_engine import plan_routes
from optimizer.routing_model import RoutingProblem
from optimizer.vrp_json import parse_solomon, parse_tsplib, problem_from_json

DATA = Path("/work/shared/bench-data")
OUT = Path(__file__).resolve().parent / "out"


def public(name: str) -> tuple[str, RoutingProblem]:
    if name.startswith("county_"):
        path = Path(__file__).resolve().parent / "instances" / f"{name}.json"
        return "county", problem_from_json(json.loads(path.read_text()))
    for kind in ("solomon", "homberger"):
        path = DATA / kind / f"{name}.txt"
        if path.exists():
            return kind, problem_from_json(parse_solomon(path.read_text()))
    return "x", problem_from_json(parse_tsplib((DATA / "x" / f"{name}.vrp").read_text()))


def product(p: RoutingProblem, limit: float, seed: int = 1) -> tuple[Evaluation, float, str]:
    t0 = time.monotonic()
    r = plan_routes(p, RoutingParams(time_limit_s=limit, engine="race", workers=1, seed=seed))
    return evaluate(p, plan_of(r)), time.monotonic() - t0, r.engine


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=10.0)
    ap.add_argument("--sizes", default="S,M,L")
    ap.add_argument("--kinds", default="delivery,pickup,agreement")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--public", default="")
    ap.add_argument("--tuning", action="store_true", help="tuning seeds (development), not the test seeds")
    ap.add_argument("--csv", default=str(OUT / "vrp_family.csv"))
    args = ap.parse_args()
    cases: list[tuple[str, str, RoutingProblem]] = []
    for size in filter(None, args.sizes.split(",")):
        for kind in filter(None, args.kinds.split(",")):
            for seed in (TUNING_SEEDS if args.tuning else TEST_SEEDS)[: args.seeds]:
                cases.append((f"{size}-{kind}", f"{size}-{kind}-{seed}", instance(size, kind, seed)[1]))
    for name in filter(None, args.public.split(",")):
        kind, p = public(name)
        cases.append((kind, name, p))
    OUT.mkdir(exist_ok=True)
    ratios: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    invalid = 0
    with open(args.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["class", "instance", "n", "product", "product_s", "engine", "pyvrp", "pyvrp_s", "vroom",
                    "vroom_s", "product_at_vroom", "unserved_product", "unserved_pyvrp", "unserved_vroom",
                    "invalid"])  # fmt: skip
        for cls, name, p in cases:
            ours, t_ours, engine = product(p, args.limit)
            peer_plan, t_peer = pyvrp_alone(p, t_ours)
            pv = evaluate(p, peer_plan)
            vr_plan, t_vr = vroom_same_model(p, args.limit)
            vr = evaluate(p, vr_plan)
            at_vr, _, _ = product(p, t_vr)
            bad = [e for e in (ours, pv, vr, at_vr) if not e.valid]
            invalid += len(bad)
            best = max(ours.cost / pv.cost, at_vr.cost / vr.cost)  # each peer at equal wall time
            ratios[cls]["pyvrp"].append(ours.cost / pv.cost)
            ratios[cls]["best"].append(max(ours.cost / pv.cost, at_vr.cost / vr.cost))
            ratios[cls]["vroom"].append(at_vr.cost / vr.cost)
            w.writerow([cls, name, len(p.jobs), ours.cost, round(t_ours, 2), engine, pv.cost, round(t_peer, 2),
                        vr.cost, round(t_vr, 2), at_vr.cost, ours.unserved, pv.unserved, vr.unserved,
                        len(bad)])  # fmt: skip
            f.flush()
            print(f"{name:<16} n={len(p.jobs):<4} product {ours.cost} ({ours.unserved} uns, {t_ours:.1f}s, {engine})"
                  f" | pyvrp {pv.cost} ({pv.unserved} uns) | vroom {vr.cost} ({vr.unserved} uns, {t_vr:.1f}s)"
                  f" | product@vroom {at_vr.cost} | ratios {ours.cost / pv.cost:.3f} {best:.3f}"
                  f" {at_vr.cost / vr.cost:.3f}", flush=True)  # fmt: skip
    print()
    print("| class | instances | product / PyVRP, mean (max) | product / best peer, mean (max) | "
          "product / VROOM at VROOM's time, mean (max) |")  # fmt: skip
    print("|---|---|---|---|---|")
    for cls, rs in ratios.items():
        cells = [f"{statistics.fmean(rs[k]):.3f} ({max(rs[k]):.3f})" for k in ("pyvrp", "best", "vroom")]
        print(f"| {cls} | {len(rs['pyvrp'])} | " + " | ".join(cells) + " |")
    print(f"\ninvalid plans (any solver): {invalid}")


if __name__ == "__main__":
    main()
