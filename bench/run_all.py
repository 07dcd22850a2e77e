"""`make bench`: run every benchmark script in bench/ (each prints its figures and writes bench/out/*.csv)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "ledger_bench",
    "coverage_bench",
    "siting_bench",
    "alloc_bench",
    "rotation_bench",
    "vrp_bench",
    "roads_bench",
]


def main() -> int:
    rc = 0
    for name in SCRIPTS:
        if importlib.util.find_spec(f"bench.{name}") is None:
            continue
        print(f"\n=== bench.{name} ===", flush=True)
        rc |= subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent)
    return rc


if __name__ == "__main__":
    sys.exit(main())
