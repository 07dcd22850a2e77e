"""Queue overhead per job on PostgreSQL (issue 20): 200 empty jobs (`probe`, 0 s) through 2 `relief worker`
processes, against the same 200 jobs run in a loop by one process with no queue (the job-table writes only).
Also the resident memory of an idle worker.

    TEST_PG_URL=postgresql+psycopg://… .venv/bin/python -m bench.jobs_bench [--jobs 200]

The database at the URL is wiped (schema `public` dropped). Overhead per job = wall time from the first submit to
the last job done × workers ÷ jobs (each worker's time per job); the baseline is the same without the queue.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.db.migrate import upgrade
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.jobs.commands import PROBE
from tests.support.factory import seed_minimal

ROOT = Path(__file__).resolve().parents[1]


def fresh(url: str) -> None:
    e = make_engine(url)
    with e.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    e.dispose()
    upgrade(url)
    e = make_engine(url)
    seed_minimal(e)
    e.dispose()


def done_count(url: str) -> int:
    e = make_engine(url)
    with e.connect() as c:
        n = int(c.execute(text("SELECT count(*) FROM job WHERE status = 'done'")).scalar_one())
    e.dispose()
    return n


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def baseline(url: str, n: int) -> float:
    """The same jobs submitted and run by this process, no queue: the job-table cost alone."""
    svc = build_services(Settings(database_url=url))
    svc.jobs.queue = lambda: _NoQueue()
    start = time.perf_counter()
    for k in range(n):
        svc.jobs.run(svc.jobs.submit(PROBE, {"seconds": 0, "echo": k}, "disp"), "loop")
    return time.perf_counter() - start


class _NoQueue:
    def enqueue(self, job_id: object, kind: str) -> None:
        return None


def through_workers(url: str, n: int, workers: int) -> tuple[float, float]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "stockpile.cli.main", "worker"]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    try:
        time.sleep(8)  # workers start, register, idle
        idle_rss = max(rss_mb(p.pid) for p in procs)
        svc = build_services(Settings(database_url=url))
        start = time.perf_counter()
        for k in range(n):
            svc.jobs.submit(PROBE, {"seconds": 0, "echo": k}, "disp")
        while done_count(url) < n:
            time.sleep(0.05)
        return time.perf_counter() - start, idle_rss
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    url = os.environ["TEST_PG_URL"]
    fresh(url)
    base = baseline(url, a.jobs)
    fresh(url)
    wall, rss = through_workers(url, a.jobs, a.workers)
    per_job_ms = wall * a.workers / a.jobs * 1000
    print(f"baseline (no queue, 1 process): {base:.2f} s, {base / a.jobs * 1000:.1f} ms/job")
    print(
        f"queue ({a.workers} workers): {wall:.2f} s wall, {a.jobs / wall:.1f} jobs/s, {per_job_ms:.1f} ms/job/worker"
    )
    print(f"queue overhead vs baseline: ratio {per_job_ms / (base / a.jobs * 1000):.2f}")
    print(f"idle worker RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
