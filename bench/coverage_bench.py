"""Coverage (1小时保障圈) benchmark: 5 000 villages × 100 sources × 40 items, target ≤ 2 s, and scaling.

Run: ``.venv/bin/python -m bench.coverage_bench``. Prints a table and writes ``bench/out/coverage.csv``.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np

from optimizer.coverage.problem import CoverageProblem, DemandPoint
from optimizer.coverage.solve import competitive_coverage, compute_coverage
from optimizer.sources import UNREACHABLE, Source, SourceKind

TARGET_S = 2.0
OUT = Path(__file__).resolve().parent / "out"


def make_problem(n_points: int, n_sources: int, n_items: int, seed: int = 1) -> CoverageProblem:
    """A synthetic county: 100 km square, 40 km/h × 1.3 circuity, 1 % cut roads, sparse stock and needs."""
    rng = np.random.default_rng(seed)
    xy_p = rng.uniform(0, 100_000, (n_points, 2))
    xy_s = rng.uniform(0, 100_000, (n_sources, 2))
    dist = np.linalg.norm(xy_s[:, None, :] - xy_p[None, :, :], axis=2) * 1.3
    travel = np.ceil(dist / 11.1).astype(np.int64)
    travel[rng.random(travel.shape) < 0.01] = UNREACHABLE
    sources = []
    for s in range(n_sources):
        held = rng.random(n_items) < 0.3
        avail = tuple(int(v) for v in np.where(held, rng.integers(100, 2000, n_items), 0))
        r = s % 10
        if r < 6:
            sources.append(
                Source(f"D{s}", SourceKind.PHYSICAL, avail, loading_s=int(rng.integers(600, 1800)))
            )
        elif r < 9:
            lead = int(rng.integers(1800, 7200))
            sources.append(Source(f"A{s}", SourceKind.AGREEMENT, avail, loading_s=900, lead_s=lead))
        else:
            per = tuple(int(v) for v in np.where(held, rng.integers(50, 300, n_items), 0))
            sources.append(
                Source(
                    f"C{s}",
                    SourceKind.CAPACITY,
                    avail,
                    loading_s=900,
                    lead_s=7200,
                    batch_s=3600,
                    batch_qty=per,
                )
            )
    req = np.where(rng.random((n_points, n_items)) < 0.25, rng.integers(20, 300, (n_points, n_items)), 0)
    points = tuple(
        DemandPoint(f"V{p}", int(rng.integers(50, 3000)), f"T{p % 20}", tuple(int(v) for v in req[p]))
        for p in range(n_points)
    )
    return CoverageProblem(
        item_ids=tuple(f"I{i}" for i in range(n_items)),
        points=points,
        sources=tuple(sources),
        travel_s=tuple(tuple(int(v) for v in row) for row in travel),
    )


def main() -> None:
    rows = []
    base = (5000, 100, 40)
    cases = [(f"{f}x points" if f > 1 else "target", (base[0] * f, base[1], base[2])) for f in (1, 4, 16)]
    for name, (n_p, n_s, n_i) in cases:
        t_build = time.perf_counter()
        problem = make_problem(n_p, n_s, n_i)
        build = time.perf_counter() - t_build
        t0, c0 = time.perf_counter(), time.process_time()
        result = compute_coverage(problem)
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        circle = result.at(3600)
        rows.append(
            {
                "case": name,
                "points": n_p,
                "sources": n_s,
                "items": n_i,
                "seconds": round(dt, 3),
                "cpu_s": round(cpu, 3),
                "build_and_validate_s": round(build, 3),
                "uncovered_pairs_60min": len(circle.uncovered),
                "target_s": TARGET_S if name == "target" else "",
            }
        )
    problem = make_problem(*base)
    t0, c0 = time.perf_counter(), time.process_time()
    joint = competitive_coverage(problem, 3600)
    rows.append(
        {
            "case": "competitive 60 min",
            "points": base[0],
            "sources": base[1],
            "items": base[2],
            "seconds": round(time.perf_counter() - t0, 3),
            "cpu_s": round(time.process_time() - c0, 3),
            "build_and_validate_s": "",
            "uncovered_pairs_60min": len(joint.uncovered),
            "target_s": "",
        }
    )
    OUT.mkdir(exist_ok=True)
    with open(OUT / "coverage.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"{'case':<20}{'points':>8}{'sources':>8}{'items':>6}{'seconds':>9}{'cpu_s':>8}{'uncov@60':>10}")
    for r in rows:
        print(
            f"{r['case']:<20}{r['points']:>8}{r['sources']:>8}{r['items']:>6}{r['seconds']:>9}{r['cpu_s']:>8}"
            f"{r['uncovered_pairs_60min']:>10}"
        )
    print(
        f"target: 5 000 × 100 × 40 ≤ {TARGET_S} s → {'met' if rows[0]['seconds'] <= TARGET_S else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
