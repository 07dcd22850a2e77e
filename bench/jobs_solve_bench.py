"""A 10 s dispatch solve submitted to a worker (issue 20): wall time from submit to the plan read back, against the
same solve run in this process, in the same run. Target: ≤ 11 s wall on an idle machine.

    .venv/bin/python -m bench.jobs_solve_bench [--limit 10] [--runs 3]            # SQLite demo county
    TEST_PG_URL=postgresql+psycopg://… .venv/bin/python -m bench.jobs_solve_bench --pg   # PostgreSQL (wiped)

The demo county is built fresh (the demo builder, its flood drill). One `relief worker` process is started and
left idle a few seconds; then for each run: the drill is solved in this process (`svc.dispatch.plan`, the solve's
own time), and submitted as a job, polled every 50 ms until done, its plan decoded (`svc.jobs.plan`): the job's
wall time. Printed per run: both times, their ratio, and where the job's extra time went (queue pick-up = started −
created, the worker's solve = finished − started, read back = the rest).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.demo.builder import build_demo, create_demo_database
from stockpile.jobs.commands import DONE, FINISHED

ROOT = Path(__file__).resolve().parents[1]
ACTOR = "dispatcher"  # the demo county's dispatcher


def demo(url: str, pg: bool) -> None:
    if pg:  # a demo may only be made in an empty database
        e = make_engine(url)
        with e.begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE"))
            c.execute(text("CREATE SCHEMA public"))
            c.execute(text("DROP SCHEMA IF EXISTS procrastinate CASCADE"))
        e.dispose()
    create_demo_database(url)
    build_demo(url, as_of=clock.now())


def worker(url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "stockpile.cli.main", "worker"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class _NoQueue:
    def enqueue(self, job_id: object, kind: str) -> None:
        return None


def one_run(svc, code: str, limit_s: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    settings = svc.dispatch.plan_settings(time_limit_s=limit_s)
    start = time.perf_counter()
    svc.dispatch.plan(code, settings)
    direct = time.perf_counter() - start
    start = time.perf_counter()
    job_id = svc.jobs.submit_plan(code, settings, ACTOR)
    while (rec := svc.jobs.get(job_id, ACTOR)).status not in FINISHED:
        time.sleep(0.05)
    plan = svc.jobs.plan(job_id, ACTOR)
    wall = time.perf_counter() - start
    assert rec.status == DONE and plan is not None, rec.error
    assert rec.started_at and rec.finished_at
    return {
        "direct": direct,
        "job": wall,
        "pickup": (rec.started_at - rec.created_at).total_seconds(),
        "solve": (rec.finished_at - rec.started_at).total_seconds(),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=float, default=10.0, help="the solve's time limit (s)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", action="store_true", help="PostgreSQL at TEST_PG_URL (wiped) instead of SQLite")
    a = ap.parse_args()
    url = os.environ["TEST_PG_URL"] if a.pg else f"sqlite:///{tempfile.mkdtemp()}/demo.db"
    demo(url, a.pg)
    proc = worker(url)
    try:
        time.sleep(8)  # the worker starts and idles
        svc = build_services(Settings(database_url=url))
        if not a.pg:  # this process only submits: the `relief worker` process runs the job, as on a server
            svc.jobs.queue = lambda: _NoQueue()
        code = svc.dispatch.scenarios()[0]
        print(f"backend {'PostgreSQL (Procrastinate)' if a.pg else 'SQLite (relief worker, 1 s poll)'}; "
              f"scenario {code}; time limit {a.limit:.0f} s")  # fmt: skip
        for n in range(a.runs):
            r = one_run(svc, code, a.limit)
            print(
                f"run {n + 1}: in process {r['direct']:.2f} s · as a job {r['job']:.2f} s "
                f"(ratio {r['job'] / r['direct']:.3f}; pick-up {r['pickup']:.2f} s, worker's solve "
                f"{r['solve']:.2f} s, read back {r['job'] - r['pickup'] - r['solve']:.2f} s)"
            )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


if __name__ == "__main__":
    main()
