"""PyVRP's work clock per instance, the data behind the race's work budget (``budget.pyvrp_work_s``), and its fit.

Each instance is solved by the product's PyVRP step (prize-collecting, cold start) for a fixed wall time; the
iterations and move evaluations it counted and its search's wall time are recorded, and the clock's seconds for
that work are printed against the wall time: 1.00 = the clock matches this machine on this instance, below 1 = the
search is slower than the clock says (a budget then ends later than planned).

``--fit`` refits the clock's constants (``budget.PYVRP_CLOCK``) by least squares on the tuning instances only
(``TUNING``: family seeds 1001-1004, Solomon, Homberger 200, X 101-200, and small problems cut from them) and
reports it on instances never fitted (``TEST``): the family's test seeds, the large benchmark's test instances and
the unit tests' 7 jobs on a line. ``NAME:K`` is the instance cut to its first K jobs with its fleet in proportion;
``line7`` / ``line7p`` are the unit tests' 7 deliveries / pickups on a line.

    .venv/bin/python -m bench.pyvrp_rate --seconds 4 S-delivery-1001 M-pickup-1001:25 R101 R1_2_1 X-n101-k25
    .venv/bin/python -m bench.pyvrp_rate --seconds 3 --fit --csv bench/out/pyvrp_rate.csv   # ~5 min
    .venv/bin/python -m bench.pyvrp_rate --fit --rows bench/out/pyvrp_rate.csv             # refit, no solving
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from bench import vrp_roadnet
from bench.rows_csv import add_row_arguments, measured_rows
from bench.vrp_family import instance, line
from bench.vrp_large_bench import LARGE
from optimizer.routing import budget, pyvrp_engine
from optimizer.routing.problem import RoutingProblem
from optimizer.routing.vrp_json import parse_solomon, parse_tsplib, problem_from_json

DATA = Path(__file__).resolve().parents[2] / "shared" / "bench-data"

_FAMILY = " ".join(
    f"{s}-{k}-{seed}"
    for s in "SM"
    for k in ("delivery", "pickup", "agreement")
    for seed in (1001, 1002, 1003)
)
_TUNING = f"""
    C101 C105 C201 C205 R101 R105 R109 R201 R205 RC101 RC105 RC201 RC205
    C1_2_1 C2_2_1 R1_2_1 R2_2_1 RC1_2_1 X-n101-k25 X-n148-k46 X-n157-k13 X-n200-k36
    {_FAMILY}
    M-delivery-1004 L-delivery-1001 L-delivery-1002 L-pickup-1001 L-pickup-1002
    C101:10 C101:25 C101:50 R101:10 R101:25 R101:50 RC101:25 R201:10 R201:25 RC201:50 C201:25
    S-delivery-1001:10 S-delivery-1001:25 S-delivery-1002:15 S-delivery-1003:30 S-pickup-1001:5
    S-pickup-1001:10 S-pickup-1001:25 S-pickup-1001:50 S-pickup-1002:20 S-agreement-1001:10
    S-agreement-1001:25 S-agreement-1002:15 M-pickup-1001:15 M-pickup-1001:40 M-agreement-1001:30
    X-n101-k25:20 X-n101-k25:50 M-delivery-1001:5 M-delivery-1002:40
"""  # the last five lines: cut to 5-50 jobs: PyVRP's fixed overhead per iteration is most of a small problem's time
_TEST = """
    line7 line7p RC1_4_1:15 X-n599-k92:30 S-pickup-1:12 S-agreement-2:20 S-delivery-1:10 M-pickup-1:30
    M-delivery-2:20 R1_4_1 X-n401-k29 S-pickup-1 M-pickup-1 M-delivery-1
"""
TUNING: tuple[str, ...] = tuple(_TUNING.split())
TEST: tuple[str, ...] = tuple(_TEST.split())


@dataclasses.dataclass(frozen=True)
class Row:
    """One measured search: its size, kind, the work it counted and its wall time."""

    name: str
    jobs: int
    shipments: bool
    iterations: int
    moves: int
    wall_s: float

    def features(self) -> list[float]:
        """Per second of wall time: the work the clock prices with each of its four constants."""
        per_s = 1 / self.wall_s
        return [self.moves * per_s, self.moves * self.jobs / 1000 * per_s, self.iterations * per_s,
                self.iterations * self.jobs * per_s]  # fmt: skip

    def clock_per_wall(self, constants: Sequence[float] | None = None) -> float:
        """The clock's seconds per second of wall time under ``constants`` (default: the product's clock)."""
        if constants is None:
            return budget.pyvrp_work_s(self.moves, self.iterations, self.jobs, self.shipments) / self.wall_s
        return float(np.dot(self.features(), constants))


def cut(p: RoutingProblem, k: int) -> RoutingProblem:
    """The problem's first ``k`` jobs with its fleet in proportion (at least one vehicle)."""
    vehicles = max(1, math.ceil(len(p.vehicles) * k / len(p.jobs)))
    return dataclasses.replace(p, jobs=p.jobs[:k], vehicles=p.vehicles[:vehicles])


def load(name: str) -> RoutingProblem:
    """A family instance (``M-pickup-1001``), a road-graph instance (``RM-pickup-1``), a Solomon / Homberger / X file of ../shared/bench-data by name, one of
    bench/instances/large (the large benchmark's test instances), ``line7`` / ``line7p``, or ``NAME:K`` (cut)."""
    base, _, k = name.partition(":")
    if k:
        return cut(load(base), int(k))
    if name in ("line7", "line7p"):
        return line(name == "line7p", capacity=700)
    if name[:2] in ("S-", "M-", "L-"):
        size, kind, seed = name.split("-")
        return instance(size, kind, int(seed))[1]
    roadnet = vrp_roadnet.named(name)  # bench.vrp_roadnet's instance (never fitted on)
    if roadnet is not None:
        return roadnet
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


def measure(name: str, seconds: float) -> Row:
    """The product's PyVRP step on ``name`` for ``seconds``: its counted work and its search's own wall time (the
    model's build and the plan's re-timing left out, as the budget bounds the search)."""
    p = load(name)
    r = pyvrp_engine.solve_pyvrp(p, seconds, 1, prizes=True)
    shipments = any(j.source is not None for j in p.jobs)
    return Row(name, len(p.jobs), shipments, r.iterations or 0, r.moves or 0, r.search_s or 0.0)


def fit(rows: Iterable[Row]) -> tuple[float, float, float, float]:
    """The clock's constants for one kind: least squares of clock / wall = 1 over the rows (per second of wall time,
    the features are moves, moves × jobs / 1000, iterations and iterations × jobs)."""
    a = np.array([r.features() for r in rows])
    coef, *_ = np.linalg.lstsq(a, np.ones(len(a)), rcond=None)
    return tuple(float(c) for c in coef)  # type: ignore[return-value]


def _band(r: Row) -> str:
    return "5-50 jobs" if r.jobs <= 50 else "51+ jobs"


def report(
    rows: Sequence[Row], tuning: set[str], fitted: Mapping[bool, Sequence[float]], out: Callable[[str], None]
) -> None:
    """Per set (tuning / test), kind and size band: the range of clock / wall under the current and the fitted
    constants."""
    out("| instances | kind | size | count | current clock / wall | fitted clock / wall |")
    out("|---|---|---|---|---|---|")
    groups: dict[tuple[str, str, str], list[Row]] = {}
    for r in rows:
        key = ("tuning" if r.name in tuning else "test", "shipments" if r.shipments else "plain", _band(r))
        groups.setdefault(key, []).append(r)
    for key in sorted(groups):
        rs = groups[key]
        now = [r.clock_per_wall() for r in rs]
        new = [r.clock_per_wall(fitted[r.shipments]) for r in rs]
        out(
            f"| {' | '.join(key)} | {len(rs)} | {min(now):.2f}-{max(now):.2f} | {min(new):.2f}-{max(new):.2f} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5.0)
    add_row_arguments(ap, "the clock")
    args = ap.parse_args()
    rows = measured_rows(
        args, Row, [*TUNING, *TEST], lambda name: [measure(name, args.seconds)],
        "| instance | jobs | shipments | iterations | moves | it/s | wall s | clock s | clock / wall |",
        lambda r: f"| {r.name} | {r.jobs} | {'yes' if r.shipments else 'no'} | {r.iterations} | {r.moves} | "
        f"{r.iterations / r.wall_s:.0f} | {r.wall_s:.2f} | {r.clock_per_wall() * r.wall_s:.2f} | "
        f"{r.clock_per_wall():.2f} |",
    )  # fmt: skip
    if args.fit:
        tuning = set(TUNING)
        fitted = {
            kind: fit(r for r in rows if r.name in tuning and r.shipments == kind) for kind in (False, True)
        }
        print()
        for kind, constants in fitted.items():
            print(f"PYVRP_CLOCK[{kind}] = ({', '.join(f'{c:.3g}' for c in constants)})")
        print()
        report(rows, tuning, fitted, print)


if __name__ == "__main__":
    main()
