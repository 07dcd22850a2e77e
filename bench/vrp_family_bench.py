"""Issue 21: the product's default engine against PyVRP alone, OR-Tools alone and VROOM on the instance family's
TEST seeds, every plan re-costed and checked by one independent evaluator (``bench.vrp_eval``: the product's cost
model, loading once per depot visit, drop penalties priced).

Per instance, in one process, one after another, each with the same wall-time limit and one core:

- ``product``: ``plan_routes`` with the product's default settings on one core
  (``RoutingParams(time_limit_s=limit, workers=1)``, engine "race", deterministic, its steps one after another);
- ``pyvrp``: PyVRP alone (``bench.vrp_peers.pyvrp_alone``: the product's exact model, prize-collecting jobs,
  PyVRP's default search);
- ``ortools``: the product's OR-Tools engine alone (``engine="ortools"``);
- ``multi``: the product's default on two cores (``workers=2``: VROOM in a second process beside PyVRP); not a
  peer and not in the default solver list (the comparison stays single-core); ``--solvers ...,multi`` adds it;
- ``clock``: the product's race with ``deterministic=False`` (every step runs until its share of the wall time
  ends): not a peer, shown to measure what the deterministic default gives up;
- ``vroom``: VROOM on the same model (``bench.vrp_peers.vroom_same_model``, one thread, exploration 5, timeout =
  the limit; it may stop earlier by itself), when pyvroom is installed.

Only the visit order of each plan is used (``vrp_eval.plan_of``); an invalid plan is flagged and never counts as a
win ("best peer" is the cheapest *valid* peer plan; an invalid product plan gives no ratio and is counted). Prints
one line per instance and per class: product / PyVRP alone, mean (max); product / best peer, mean (max); unserved
jobs per solver; invalid plans. Writes one CSV row per (instance, solver) to bench/out/vrp_family.csv.

    .venv/bin/python -m bench.vrp_family_bench --limit 5 --sizes S,M --seeds 3
    .venv/bin/python -m bench.vrp_family_bench --determinism --limit 5 --cases S-pickup-1,M-delivery-1
    .venv/bin/python -m bench.vrp_family_bench --vroom-own --sizes S,M --seeds 3
    .venv/bin/python -m bench.vrp_family_bench --generator roadnet --sizes S,M --seeds 3   # bench.vrp_roadnet

``--vroom-own`` compares with VROOM at VROOM's time instead: VROOM untimed (exploration 5, it ends when its searches
do), then the product on one core with VROOM's wall time as its limit (at least 1 s).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import math
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bench import vrp_roadnet
from bench.vrp_eval import Evaluation, Plan, evaluate, plan_of
from bench.vrp_family import KINDS, TEST_SEEDS, TUNING_SEEDS, instance
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.solve import RoutingParams

OUT = Path(__file__).resolve().parent / "out"
PEERS = ("pyvrp", "ortools", "vroom")
UNTIMED_S = 3600.0  # VROOM "given its own time": a timeout it never reaches on the family


@dataclasses.dataclass(frozen=True)
class Run:
    """One solver's answer: its visit orders, and for the product the steps the clock ended (``cut_by_clock``;
    empty: every step ended on its work budget, so the plan does not depend on timing)."""

    plan: Plan
    cut: tuple[str, ...] = ()

    @property
    def cut_text(self) -> str:
        return " ".join(self.cut) or "none"


Runner = Callable[[RoutingProblem, float], Run]


def _product(**settings: object) -> Runner:
    """The product's ``plan_routes`` with ``settings``."""

    def run(p: RoutingProblem, t: float) -> Run:
        result = plan_routes(p, RoutingParams(time_limit_s=t, **settings))  # type: ignore[arg-type]
        return Run(plan_of(result), result.cut_by_clock)

    return run


def _runners() -> dict[str, Runner]:
    from bench.vrp_peers import pyvrp_alone

    runners: dict[str, Runner] = {
        "product": _product(workers=1),
        "pyvrp": lambda p, t: Run(plan_of(pyvrp_alone(p, t))),
        "ortools": _product(engine="ortools"),
        "clock": _product(deterministic=False, workers=1),
        "multi": _product(workers=2),
    }
    try:
        from bench.vrp_peers import vroom_same_model
    except ImportError:  # pyvroom not installed: no VROOM column
        return runners
    runners["vroom"] = lambda p, t: Run(vroom_same_model(p, t)[0])
    return runners


def _timed(run: Runner, p: RoutingProblem, limit: float) -> tuple[Evaluation, float, Run]:
    t0 = time.monotonic()
    answer = run(p, limit)
    return evaluate(p, answer.plan), time.monotonic() - t0, answer


def cases(
    sizes: str, kinds: str, seeds: int, tuning: bool, generator: str = "family"
) -> list[tuple[str, str, RoutingProblem]]:
    """(class, instance name, problem) for the first ``seeds`` test (or tuning) seeds of each class; ``generator``
    "roadnet": ``bench.vrp_roadnet``'s instances (no tuning seeds: the race was never tuned on them), named
    "R<size>-<kind>-<seed>"."""
    out = []
    for size in filter(None, sizes.split(",")):
        for kind in filter(None, kinds.split(",")):
            if generator == "roadnet":
                for seed in range(1, seeds + 1):
                    out.append(
                        (f"R{size}-{kind}", f"R{size}-{kind}-{seed}", vrp_roadnet.make(size, kind, seed))
                    )
                continue
            for seed in (TUNING_SEEDS if tuning else TEST_SEEDS)[:seeds]:
                out.append((f"{size}-{kind}", f"{size}-{kind}-{seed}", instance(size, kind, seed)[1]))
    return out


def ratios(ev: dict[str, Evaluation]) -> tuple[float | None, float | None]:
    """product / PyVRP alone and product / best valid peer; None when a side has no valid plan."""
    ours = ev.get("product")
    if ours is None or not ours.valid:
        return None, None
    pv = ev.get("pyvrp")
    peers = [ev[s].cost for s in PEERS if s in ev and ev[s].valid]
    return (
        ours.cost / pv.cost if pv is not None and pv.valid else None,
        ours.cost / min(peers) if peers else None,
    )


def _mean_max(xs: list[float]) -> str:
    return f"{statistics.fmean(xs):.3f} ({max(xs):.3f})" if xs else "–"


def summary(results: list[tuple[str, str, dict[str, Evaluation]]], solvers: list[str]) -> None:
    """Per class: the two ratios, unserved jobs per solver (sum over the instances) and invalid plans."""
    by: dict[str, list[dict[str, Evaluation]]] = defaultdict(list)
    for cls, _name, ev in results:
        by[cls].append(ev)
    print("\n| class | instances | product / PyVRP alone, mean (max) | product / best peer, mean (max) | "
          f"unserved ({', '.join(solvers)}) | invalid plans |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for cls, evs in by.items():
        rs = [ratios(ev) for ev in evs]
        to_pyvrp = [a for a, _ in rs if a is not None]
        to_best = [b for _, b in rs if b is not None]
        unserved = " / ".join(str(sum(ev[s].unserved for ev in evs)) for s in solvers)
        invalid = sum(not ev[s].valid for ev in evs for s in solvers)
        print(
            f"| {cls} | {len(evs)} | {_mean_max(to_pyvrp)} | {_mean_max(to_best)} | {unserved} | {invalid} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=10.0, help="wall seconds per solver and instance")
    ap.add_argument("--sizes", default="S,M")
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--seeds", type=int, default=3, help="how many test seeds per class")
    ap.add_argument("--tuning", action="store_true", help="tuning seeds (development), not the test seeds")
    ap.add_argument("--solvers", default="", help="default: product,pyvrp,ortools and vroom if installed")
    ap.add_argument("--csv", default=str(OUT / "vrp_family.csv"))
    ap.add_argument("--determinism", action="store_true", help="run product and PyVRP twice on --cases")
    ap.add_argument("--cases", default="S-pickup-1,M-delivery-1",
                    help="instances for --determinism; 'all': every instance of --sizes, --kinds, --seeds")  # fmt: skip
    ap.add_argument("--vroom-own", action="store_true", help="VROOM untimed, the product for VROOM's time")
    ap.add_argument("--generator", choices=("family", "roadnet"), default="family",
                    help="roadnet: bench.vrp_roadnet's road-graph county instances, never tuned on")  # fmt: skip
    args = ap.parse_args()
    runners = _runners()
    if args.determinism:
        names = args.cases.split(",")
        if args.cases == "all":  # built only when asked for: every instance of the classes chosen
            names = [
                name
                for _cls, name, _p in cases(args.sizes, args.kinds, args.seeds, args.tuning, args.generator)
            ]
        determinism(runners, names, args.limit)
        return
    if args.vroom_own:
        vroom_own(runners["product"], cases(args.sizes, args.kinds, args.seeds, args.tuning, args.generator))
        return
    default = [s for s in runners if s not in ("clock", "multi")]
    solvers = [s for s in (args.solvers.split(",") if args.solvers else default) if s in runners]
    OUT.mkdir(exist_ok=True)
    results = []
    with open(args.csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["class", "instance", "n", "solver", "limit_s", "wall_s", "cost", "distance_m", "served",
                    "unserved", "valid", "violations", "first_violation", "cut_by_clock"])  # fmt: skip
        for cls, name, p in cases(args.sizes, args.kinds, args.seeds, args.tuning, args.generator):
            ev: dict[str, Evaluation] = {}
            line = [f"{name:<16} n={len(p.jobs):<4}"]
            for s in solvers:
                e, wall, answer = _timed(runners[s], p, args.limit)
                ev[s] = e
                cut = " ".join(answer.cut)
                w.writerow([cls, name, len(p.jobs), s, args.limit, round(wall, 2), e.cost, e.distance, e.served,
                            e.unserved, e.valid, len(e.violations), e.violations[0] if e.violations else "",
                            cut])  # fmt: skip
                f.flush()
                cut = f", cut by the clock: {cut}" if cut and s == "product" else ""
                line.append(
                    f"{s} {e.cost} ({e.unserved} uns{'' if e.valid else ', INVALID'}, {wall:.1f}s{cut})"
                )
            a, b = ratios(ev)
            line.append(f"ratios {a if a is None else round(a, 3)} {b if b is None else round(b, 3)}")
            print(" | ".join(line), flush=True)
            results.append((cls, name, ev))
    summary(results, solvers)


def vroom_own(product: Runner, instances: list[tuple[str, str, RoutingProblem]]) -> None:
    """VROOM given its own time (exploration 5, no timeout: it ends when its searches do), then the product on one
    core for that wall time: the comparison with VROOM "at VROOM's time" (issue 21)."""
    from bench.vrp_peers import vroom_same_model

    print("| instance | n | VROOM's own time s | VROOM (unserved) | product at that time (unserved, wall s) | "
          "product / VROOM |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for _cls, name, p in instances:
        plan, vroom_s = vroom_same_model(p, UNTIMED_S)
        theirs = evaluate(p, plan)
        # VROOM's time to the next 0.1 s; the product's shortest useful limit is about a second
        limit = max(1.0, math.ceil(vroom_s * 10) / 10)
        ours, wall, _ = _timed(product, p, limit)
        ratio = f"{ours.cost / theirs.cost:.3f}" if ours.valid and theirs.valid else "–"
        print(f"| {name} | {len(p.jobs)} | {vroom_s:.1f} | {theirs.cost} ({theirs.unserved}"
              f"{'' if theirs.valid else ', INVALID'}) | {ours.cost} ({ours.unserved}, {wall:.1f} s"
              f"{'' if ours.valid else ', INVALID'}) | {ratio} |", flush=True)  # fmt: skip


def determinism(runners: dict[str, Runner], names: list[str], limit: float) -> None:
    """The product and PyVRP alone twice on the same instance with the same seed: same cost (and plan)? Then the
    product over seeds 1-5: the spread of its cost. Every product run also names the steps the clock ended (its
    ``cut_by_clock``; none = every step ended on its work budget, so the plan does not depend on timing)."""
    for name in names:
        p = vrp_roadnet.named(name)  # a road-graph instance (RM-pickup-1), else the family's (M-pickup-1)
        if p is None:
            size, kind, seed = name.split("-")
            p = instance(size, kind, int(seed))[1]
        for s in ("product", "pyvrp"):
            runs = [runners[s](p, limit) for _ in range(2)]
            costs = [evaluate(p, run.plan).cost for run in runs]
            same = "same plan" if runs[0].plan == runs[1].plan else "different plans"
            cut = f", cut by the clock: {' / '.join(run.cut_text for run in runs)}" if s == "product" else ""
            print(f"{name} {s}: costs {costs[0]} / {costs[1]} ({same}{cut})", flush=True)
        seeds = [_product(workers=1, seed=k)(p, limit) for k in range(1, 6)]
        seeded = [evaluate(p, run.plan).cost for run in seeds]
        cuts = [run.cut_text for run in seeds]
        spread = (max(seeded) - min(seeded)) / min(seeded)
        print(f"{name} product seeds 1-5: {seeded}, spread (max - min) / min = {spread:.4f}, cut by the clock: "
              f"{' / '.join(cuts)}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
