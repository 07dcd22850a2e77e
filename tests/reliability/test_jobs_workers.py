"""Workers scale out on PostgreSQL: two `relief worker` processes consume one Procrastinate queue; one is SIGKILLed
while it runs a job. Every job still ends `done` exactly once with the result a single process gives (each probe
echoes its number), the killed worker's job is run again (attempt 2) and Procrastinate marks every job succeeded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.db.migrate import upgrade
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.jobs.commands import DONE, PROBE
from tests.conftest import pg_url_or_skip
from tests.support.factory import seed_minimal

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
JOBS = 20


def _fresh(url: str) -> None:
    e = make_engine(url)
    with e.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    e.dispose()
    upgrade(url)  # our tables and Procrastinate's schema, as `relief db upgrade` does
    e = make_engine(url)
    seed_minimal(e)
    e.dispose()


def _worker(url: str, tmp: Path, n: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    log = (tmp / f"worker{n}.log").open("wb")
    cmd = [sys.executable, "-m", "stockpile.cli.main", "worker", "--concurrency", "2", "--stalled-after", "3"]
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)


def _host() -> str:
    import socket

    return socket.gethostname()


def _rows(url: str, sql: str) -> list[tuple]:
    e = make_engine(url)
    try:
        with e.connect() as c:
            return [tuple(r) for r in c.execute(text(sql))]
    finally:
        e.dispose()


def _wait(cond, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.2)
    return False


def test_two_workers_one_killed_every_job_done_once(tmp_path):
    url = pg_url_or_skip()
    _fresh(url)
    svc = build_services(Settings(database_url=url))
    workers = [_worker(url, tmp_path, n) for n in (1, 2)]
    try:
        ids = [svc.jobs.submit(PROBE, {"seconds": 1.5, "echo": n}, "disp") for n in range(JOBS)]
        victim = workers[0]
        running = f"SELECT id FROM job WHERE status = 'running' AND worker = '{_host()}:{victim.pid}'"
        assert _wait(lambda: bool(_rows(url, running)), 60), (tmp_path / "worker1.log").read_text()
        killed = {r[0] for r in _rows(url, running)}
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        finished = "SELECT count(*) FROM job WHERE status IN ('done', 'failed', 'cancelled')"
        assert _wait(lambda: _rows(url, finished)[0][0] == JOBS, 120), (tmp_path / "worker2.log").read_text()
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
                w.wait(30)
    recs = [svc.jobs.get(i, "disp") for i in ids]
    assert [(r.status, r.result) for r in recs] == [(DONE, {"echo": n, "slept": 1.5}) for n in range(JOBS)]
    assert all(r.attempts == 2 and not r.worker.endswith(f":{victim.pid}") for r in recs if r.id in killed)
    assert killed and all(r.attempts == 1 for r in recs if r.id not in killed)
    states = _rows(url, "SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")
    assert states == [("succeeded", JOBS)]


def test_a_running_job_cancelled_stops_in_its_worker_process(tmp_path):
    """A `relief worker` process runs a 60 s probe; cancelled while it runs, the worker's task returns within a
    few seconds (Procrastinate marks it succeeded: the runner finished) and the job keeps no result."""
    url = pg_url_or_skip()
    _fresh(url)
    worker = _worker(url, tmp_path, 0)
    try:
        svc = build_services(Settings(database_url=url))
        job_id = svc.jobs.submit(PROBE, {"seconds": 60, "echo": "long"}, "disp")
        assert _wait(lambda: svc.jobs.get(job_id, "disp").status == "running", 60)
        time.sleep(0.5)
        assert svc.jobs.cancel(job_id, "disp") is True
        asked = time.monotonic()
        assert _wait(lambda: _rows(url, "SELECT status FROM procrastinate_jobs") == [("succeeded",)], 30)
        assert time.monotonic() - asked < 5.0
        rec = svc.jobs.get(job_id, "disp")
        assert (rec.status, rec.result) == ("cancelled", None)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(30)
