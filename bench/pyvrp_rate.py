"""PyVRP's iteration rate per instance, the data behind the race's work budget (``budget.PYVRP_RATE``).

Each instance is solved by the product's PyVRP step (prize-collecting, cold start) for a fixed wall time; the
iterations its stopping rule counted, per second and against the model ``PYVRP_RATE / (jobs + PYVRP_RATE_OFFSET)``,
are printed. Fit on tuning instances only (family seeds 1001-1002, Solomon, Homberger 200), never on test seeds.

    .venv/bin/python -m bench.pyvrp_rate --seconds 5 S-delivery-1001 M-pickup-1001 R101 R1_2_1
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from optimizer.routing import pyvrp_engine
from optimizer.routing.budget import PYVRP_RATE, PYVRP_RATE_OFFSET
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.vrp_json import parse_solomon, problem_from_json

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench-data"


def load(name: str) -> RoutingProblem:
    """A family instance (``M-pickup-1001``), or a Solomon / Homberger file of ../shared/bench-data by name."""
    if name[:2] in ("S-", "M-", "L-"):
        from bench.vrp_family import instance

        size, kind, seed = name.split("-")
        return instance(size, kind, int(seed))[1]
    for folder in ("solomon", "homberger"):
        path = DATA / folder / f"{name}.txt"
        if path.exists():
            return problem_from_json(parse_solomon(path.read_text()))
    raise SystemExit(f"unknown instance {name}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    print("| instance | jobs | iterations | wall s | it/s | model it/s | measured / model |")
    print("|---|---|---|---|---|---|---|")
    for name in args.names:
        p = load(name)
        t0 = time.monotonic()
        its = pyvrp_engine.solve_pyvrp(p, args.seconds, 1, prizes=True).iterations or 0
        wall = time.monotonic() - t0
        model = PYVRP_RATE / (len(p.jobs) + PYVRP_RATE_OFFSET)
        print(f"| {name} | {len(p.jobs)} | {its} | {wall:.1f} | {its / wall:.0f} | {model:.0f} | {its / wall / model:.2f} |",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
