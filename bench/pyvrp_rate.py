"""PyVRP's work clock per instance, the data behind the race's work budget (``budget.pyvrp_work_s``).

Each instance is solved by the product's PyVRP step (prize-collecting, cold start) for a fixed wall time; the
iterations per second and the work the clock counted (move evaluations and iterations, in reference seconds)
against the wall time are printed: 1.00 = the clock matches this machine on this instance, below 1 = the search
is slower than the clock says (a budget then ends later than planned). The clock's constants (``PYVRP_CLOCK``) were
fitted on tuning instances only (family seeds 1001-1003, Solomon, Homberger 200, X 101-200), never on test seeds.

    .venv/bin/python -m bench.pyvrp_rate --seconds 4 S-delivery-1001 M-pickup-1001 R101 R1_2_1 X-n101-k25
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from optimizer.routing import pyvrp_engine
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.vrp_json import parse_solomon, parse_tsplib, problem_from_json

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench-data"
LARGE = Path(__file__).resolve().parent / "instances" / "large"  # bench.vrp_large_bench.LARGE


def load(name: str) -> RoutingProblem:
    """A family instance (``M-pickup-1001``), a Solomon / Homberger / X file of ../shared/bench-data by name, or
    one of bench/instances/large (the large benchmark's test instances)."""
    if name[:2] in ("S-", "M-", "L-"):
        from bench.vrp_family import instance

        size, kind, seed = name.split("-")
        return instance(size, kind, int(seed))[1]
    for folder in ("solomon", "homberger"):
        path = DATA / folder / f"{name}.txt"
        if path.exists():
            return problem_from_json(parse_solomon(path.read_text()))
    x = DATA / "x" / f"{name}.vrp"
    if x.exists():
        return problem_from_json(parse_tsplib(x.read_text()))
    if (LARGE / f"{name}.vrp").exists():  # the large benchmark's own loader
        from bench.vrp_large_bench import load as load_large

        return load_large(name)[0]
    raise SystemExit(f"unknown instance {name}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("names", nargs="+")
    args = ap.parse_args()
    print("| instance | jobs | shipments | iterations | it/s | wall s | clock s | clock / wall |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.names:
        p = load(name)
        t0 = time.monotonic()
        result = pyvrp_engine.solve_pyvrp(p, args.seconds, 1, prizes=True)
        search = time.monotonic() - t0  # the model's build and the plan's re-timing included (small)
        its, work = result.iterations or 0, result.work_s or 0.0
        ship = "yes" if any(j.source is not None for j in p.jobs) else "no"
        print(f"| {name} | {len(p.jobs)} | {ship} | {its} | {its / search:.0f} | {search:.1f} | {work:.2f} | {work / search:.2f} |",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
