"""VROOM's search time per instance and work, the data behind the race's VROOM estimate (``budget.vroom_seconds``),
and its fit.

Each instance is solved by VROOM alone (the product's model, one thread, no timeout) at several works (searches,
local-search depth): the exploration levels' own works up to a level whose time passed ``--cap`` seconds, and the
work the race picks for it at 10 s. Printed per row: the search's wall time (the model's build left out, as the
race's timeout starts after it) against ``budget.vroom_seconds``; above 1 VROOM runs longer than the race planned.

``--fit`` refits the estimate's constants (``budget.VROOM_SEARCH_S`` per depth and ``budget.VROOM_JOBS_POWER``: one
search's time at 300 jobs × (jobs / 300)^power, least squares on the logarithm of the time per search) on the
tuning instances only (family seeds 1001-1004, L 1001-1002) and reports it on the test seeds too.

    .venv/bin/python -m bench.vroom_rate S-delivery-1001 M-pickup-1001
    .venv/bin/python -m bench.vroom_rate --fit --csv bench/out/vroom_rate.csv     # ~15 min
    .venv/bin/python -m bench.vroom_rate --fit --rows bench/out/vroom_rate.csv    # refit, no solving
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from bench.rows_csv import add_row_arguments, measured_rows
from bench.vrp_family import instance
from optimizer.routing import budget, engine, vroom_engine
from optimizer.routing.solve import RoutingParams

_SMALL_WORKS = ((1, 0), (4, 1), (8, 1), (12, 2), (16, 3), (24, 4), (32, 5))  # levels 0-5 and a half level 1
_LARGE_WORKS = ((1, 0), (1, 1), (2, 1))  # above budget.LARGE_JOBS the race runs at most two searches
TUNING = tuple(
    [
        f"{s}-{k}-{seed}"
        for s in "SM"
        for k in ("delivery", "pickup", "agreement")
        for seed in range(1001, 1005)
    ]
    + [f"L-{k}-{seed}" for k in ("delivery", "pickup", "agreement") for seed in (1001, 1002)]
)
TEST = tuple(
    [f"{s}-{k}-{seed}" for s in "SM" for k in ("delivery", "pickup", "agreement") for seed in (1, 2)]
    + [f"L-{k}-1" for k in ("delivery", "pickup", "agreement")]
)


@dataclasses.dataclass(frozen=True)
class Row:
    name: str
    jobs: int
    searches: int
    depth: int
    race: bool  # the work the race picks at 10 s
    wall_s: float

    def estimate(
        self, search_s: Sequence[float] = budget.VROOM_SEARCH_S, power: float = budget.VROOM_JOBS_POWER
    ) -> float:
        """``budget.vroom_seconds`` for this row, with its fitted constants or other ones."""
        return budget.vroom_seconds(self.jobs, (self.searches, self.depth), search_s, power)


def measure(name: str, cap_s: float) -> list[Row]:
    size, kind, seed = name.split("-")
    p = instance(size, kind, int(seed))[1]
    if not vroom_engine.supports(p):
        return []
    race = engine.race_vroom_work(p, RoutingParams(time_limit_s=10.0, workers=1))
    works = _LARGE_WORKS if len(p.jobs) > budget.LARGE_JOBS else _SMALL_WORKS
    rows = []
    for w in sorted({*works, *([race] if race else [])}, key=lambda w: (w[1], w[0])):
        model = vroom_engine.build_model(p)
        t = time.monotonic()
        vroom_engine.search(model, w, timeout_s=3600.0)
        rows.append(Row(name, len(p.jobs), w[0], w[1], w == race, time.monotonic() - t))
        if rows[-1].wall_s > cap_s:
            break
    return rows


def fit(rows: Sequence[Row]) -> tuple[tuple[float, ...], float]:
    """One search's time at 300 jobs per depth 0-5, and the power of jobs: least squares of log(time / searches)."""
    rows = [r for r in rows if r.wall_s > 0.02]  # below, the timer's noise
    a = np.array([[1.0 * (r.depth == d) for d in range(6)] + [math.log(r.jobs / 300)] for r in rows])
    y = np.log([r.wall_s / r.searches for r in rows])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    return tuple(round(float(math.exp(c)), 3) for c in coef[:6]), round(float(coef[6]), 3)


def _size(r: Row) -> str:
    return "S (50-150 jobs)" if r.jobs < 200 else "M (200-400)" if r.jobs <= 400 else "L (500-800)"


def report(
    rows: Sequence[Row], tuning: set[str], fitted: tuple[tuple[float, ...], float], out: Callable[[str], None]
) -> None:
    """Per set and size: wall / estimate under the current and the fitted constants (all works; the race's work)."""
    out(
        "| instances | size | rows | current: all works | current: race's work | fitted: all works | fitted: race's work |"
    )
    out("|---|---|---|---|---|---|---|")
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault(("tuning" if r.name in tuning else "test", _size(r)), []).append(r)

    def span(rs: list[Row], new: bool) -> str:
        q = [r.wall_s / (r.estimate(*fitted) if new else r.estimate()) for r in rs if r.wall_s > 0.02]
        return f"{min(q):.2f}-{max(q):.2f} (median {float(np.median(q)):.2f})" if q else "-"

    for key in sorted(groups, key=lambda k: (k[0] != "tuning", k[1])):
        rs = groups[key]
        race = [r for r in rs if r.race]
        out(f"| {' | '.join(key)} | {len(rs)} | {span(rs, False)} | {span(race, False)} | {span(rs, True)} | "
            f"{span(race, True)} |")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--cap", type=float, default=8.0, help="no higher work on an instance once a run took this long"
    )
    add_row_arguments(ap, "the estimate")
    args = ap.parse_args()
    rows = measured_rows(
        args, Row, [*TUNING, *TEST], lambda name: measure(name, args.cap),
        "| instance | jobs | work | race's | wall s | estimate s | wall / estimate |",
        lambda r: f"| {r.name} | {r.jobs} | ({r.searches}, {r.depth}) | {'yes' if r.race else ''} | {r.wall_s:.2f} | "
        f"{r.estimate():.2f} | {r.wall_s / r.estimate():.2f} |",
    )  # fmt: skip
    if args.fit:
        fitted = fit([r for r in rows if r.name in set(TUNING)])
        print(
            f"\nfitted on the tuning instances: VROOM_SEARCH_S = {fitted[0]}, VROOM_JOBS_POWER = {fitted[1]}\n"
        )
        report(rows, set(TUNING), fitted, print)


if __name__ == "__main__":
    main()
