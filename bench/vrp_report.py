"""Summarise bench/out/vrp_*.csv into the markdown table of bench/RESULTS.md (ratio ours / best feasible peer).

.venv/bin/python -m bench.vrp_report bench/out/vrp_ours.csv bench/out/vrp_peers.csv
"""

from __future__ import annotations

import csv
import statistics
import sys
from collections import defaultdict

SOLVERS = ("ortools", "race", "pyvrp", "vroom")


def _cell(row: dict[str, str] | None) -> str:
    if row is None:
        return "–"
    obj = int(row["objective"])
    if row["feasible"] != "True":
        return f"infeasible ({row['unserved']} unserved, {row['violations']} viol.)"
    gap = f" ({float(row['gap_pct']):+.2f} %)" if row["gap_pct"] else ""
    return f"{obj}{gap}"


def main(paths: list[str]) -> None:
    rows: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    sets: dict[str, str] = {}
    for path in paths:
        with open(path) as f:
            for r in csv.DictReader(f):
                rows[r["instance"]][r["solver"]] = r
                sets[r["instance"]] = r["set"]
    print("| instance | BKS | " + " | ".join(SOLVERS) + " | ours/best peer (ortools, race) |")
    print("|---|---|" + "---|" * len(SOLVERS) + "---|")
    gaps: dict[tuple[str, str], list[float]] = defaultdict(list)
    infeasible: dict[tuple[str, str], int] = defaultdict(int)
    for inst, by in rows.items():
        peers = [
            int(by[s]["objective"]) for s in ("pyvrp", "vroom") if s in by and by[s]["feasible"] == "True"
        ]
        best = min(peers) if peers else None
        ratios = []
        for s in ("ortools", "race"):
            r = by.get(s)
            ok = r is not None and r["feasible"] == "True"
            ratios.append(f"{int(r['objective']) / best:.3f}" if ok and best and r else "–")
        bks = next((by[s]["bks"] for s in by if by[s]["bks"]), "")
        cells = " | ".join(_cell(by.get(s)) for s in SOLVERS)
        print(f"| {inst} | {float(bks) / (10 if sets[inst] in ('solomon', 'homberger') else 1) if bks else '–'} | "
              f"{cells} | {' / '.join(ratios)} |")  # fmt: skip
        for s, r in by.items():
            if r["gap_pct"] and r["feasible"] == "True":
                gaps[(sets[inst], s)].append(float(r["gap_pct"]))
            if r["feasible"] != "True":
                infeasible[(sets[inst], s)] += 1
    print()
    print("| set | " + " | ".join(f"{s} mean gap" for s in SOLVERS) + " |")
    print("|---|" + "---|" * len(SOLVERS))
    for kind in ("solomon", "homberger", "x"):
        cells = []
        for s in SOLVERS:
            g = gaps.get((kind, s))
            bad = infeasible.get((kind, s), 0)
            mean = f"{statistics.mean(g):.2f} % over {len(g)}" if g else "–"
            cells.append(mean + (f" ({bad} infeasible)" if bad else ""))
        print(f"| {kind} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
