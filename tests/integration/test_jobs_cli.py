"""`relief plan --wait/--no-wait`, `relief job list|show|cancel` and the SQLite worker (demo county copy)."""

from __future__ import annotations

import re
import threading

import pytest
from typer.testing import CliRunner

from stockpile.adapters.jobs import thread_queue
from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import get_settings
from stockpile.jobs.commands import DONE, QUEUED
from tests.support.cli import login_as

pytestmark = pytest.mark.dates
runner = CliRunner()
JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def cli_db(cli_db):
    login_as("dispatcher")
    yield cli_db
    thread_queue.drop_shared(get_settings().database_url)


def test_plan_waits_for_its_job_and_the_job_is_listed(cli_db):
    """`relief plan` (waiting by default) runs the solve as a job and prints the plan; `relief job` finds it."""
    res = runner.invoke(app, ["plan", "FLOOD-DEMO", "--time-limit", "1"])
    assert res.exit_code == 0, res.output
    assert "校验器：通过" in res.output
    job_id = JOB_ID.search(res.output).group(0)
    listed = runner.invoke(app, ["job", "list"])
    assert job_id in listed.output and "调度方案求解" in listed.output and "已完成" in listed.output
    shown = runner.invoke(app, ["job", "show", job_id])
    assert shown.exit_code == 0 and "FLOOD-DEMO" in shown.output and "kpis" in shown.output
    again = runner.invoke(app, ["job", "cancel", job_id])
    assert "已结束" in again.output


def test_no_wait_queues_and_a_sqlite_worker_runs_it(cli_db, monkeypatch):
    """--no-wait only submits; `relief worker`'s SQLite poller then runs the queued job."""
    svc = build_services(get_settings())
    monkeypatch.setattr(
        thread_queue.ThreadQueue, "enqueue", lambda self, job_id, kind: None
    )  # no worker here
    res = runner.invoke(app, ["plan", "FLOOD-DEMO", "--time-limit", "1", "--no-wait"])
    assert res.exit_code == 0, res.output
    job_id = svc.jobs.list_jobs("dispatcher")[0].id
    assert str(job_id) in res.output and svc.jobs.get(job_id, "dispatcher").status == QUEUED
    monkeypatch.undo()
    stop = threading.Event()

    def pending():
        with svc.jobs.uow() as u:
            return svc.jobs.store(u).pending()

    th = threading.Thread(target=thread_queue.poll_forever, args=(svc.jobs.run, pending, 1, 0.2, stop))
    th.start()
    try:
        rec = svc.jobs.wait(job_id, "dispatcher", timeout_s=120)
    finally:
        stop.set()
        th.join(30)
    assert rec.status == DONE
    assert svc.jobs.plan(job_id, "dispatcher").scenario_code == "FLOOD-DEMO"


def test_cancel_a_queued_job_and_unknown_ids(cli_db, monkeypatch):
    monkeypatch.setattr(thread_queue.ThreadQueue, "enqueue", lambda self, job_id, kind: None)
    res = runner.invoke(app, ["plan", "FLOOD-DEMO", "--no-wait"])
    job_id = JOB_ID.search(res.output).group(0)
    out = runner.invoke(app, ["job", "cancel", job_id])
    assert "已取消" in out.output
    assert "已取消" in runner.invoke(app, ["job", "show", job_id]).output
    bad = runner.invoke(app, ["job", "show", "not-an-id"])
    assert bad.exit_code == 1 and "找不到该作业" in bad.output
    login_as("keeper_demo")
    refused = runner.invoke(app, ["job", "list"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
