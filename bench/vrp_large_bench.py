"""Issue 21: Gehring-Homberger 400/600 and X 401/599 (bench/instances/large/, from PyVRP/Instances, MIT) at equal wall
time: the product's default engine on one core against PyVRP alone and VROOM alone, every plan re-costed and checked
by ``bench.vrp_eval``; gap to the best known solution (``.sol`` files).

Objectives as in bench/RESULTS.md: Homberger ×10 with DIMACS floor (``parse_solomon``'s convention), X nint.

    .venv/bin/python -m bench.vrp_large_bench --limit 20
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from bench.vrp_eval import evaluate, plan_of
from bench.vrp_peers import solve_pyvrp, vroom_same_model
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.solve import RoutingParams
from optimizer.routing.vrp_json import parse_tsplib, parse_vrplib_vrptw, problem_from_json

LARGE = Path(__file__).resolve().parent / "instances" / "large"
NAMES = (
    "C1_4_1",
    "R1_4_1",
    "RC1_4_1",
    "R2_4_1",
    "C1_6_1",
    "R1_6_1",
    "RC1_6_1",
    "R2_6_1",
    "X-n401-k29",
    "X-n599-k92",
)


def load(name: str) -> tuple[RoutingProblem, float]:
    """The problem and its best known cost on the problem's own scale."""
    text = (LARGE / f"{name}.vrp").read_text()
    inst = parse_tsplib(text) if name.startswith("X-") else parse_vrplib_vrptw(text)
    sol = (LARGE / f"{name}.sol").read_text()
    bks = float(re.search(r"Cost\s+([\d.]+)", sol).group(1))  # type: ignore[union-attr]
    return problem_from_json(inst), bks * (1 if name.startswith("X-") else 10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=20.0)
    ap.add_argument("--names", default=",".join(NAMES))
    args = ap.parse_args()
    runners = {
        "product": lambda p, t: plan_of(plan_routes(p, RoutingParams(time_limit_s=t, workers=1))),
        "pyvrp": lambda p, t: plan_of(solve_pyvrp(p, t)),
        "vroom": lambda p, t: vroom_same_model(p, t)[0],
    }
    print(
        "| instance | n | BKS | product | PyVRP alone | VROOM alone | product / PyVRP | product / best peer |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in args.names.split(","):
        p, bks = load(name)
        cells, costs = [], {}
        for solver, run in runners.items():
            t0 = time.monotonic()
            ev = evaluate(p, run(p, args.limit))
            wall = time.monotonic() - t0
            costs[solver] = ev.cost if ev.valid else None
            gap = f"{100 * (ev.cost / bks - 1):+.2f} %" if ev.unserved == 0 else f"{ev.unserved} unserved"
            cells.append(f"{ev.cost} ({gap}, {wall:.0f} s){'' if ev.valid else ' INVALID'}")
        peers = [c for s, c in costs.items() if s != "product" and c is not None]
        ours = costs["product"]
        to_pyvrp = f"{ours / costs['pyvrp']:.3f}" if ours and costs["pyvrp"] else "–"
        to_best = f"{ours / min(peers):.3f}" if ours and peers else "–"
        print(
            f"| {name} | {len(p.jobs)} | {bks:.0f} | {' | '.join(cells)} | {to_pyvrp} | {to_best} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
