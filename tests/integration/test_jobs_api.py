"""The job API (submit, get, list, cancel, run) on both backends, with the test as the worker; the embedded worker
threads (the SQLite default) run the same API. Procrastinate's own workers: tests/reliability/test_jobs_workers.py."""

from __future__ import annotations

import uuid

import pytest

from stockpile.adapters.jobs import thread_queue
from stockpile.adapters.orm.jobs import SqlJobStore
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.domain.errors import InvalidCommand, PermissionDenied
from stockpile.jobs import jobs as use
from stockpile.jobs.commands import CANCELLED, DONE, FAILED, PROBE, QUEUED
from stockpile.jobs.service import JobService
from stockpile.ports.jobs import JobRecord


class ListQueue:
    """A queue that only remembers what was enqueued: the test runs the jobs itself."""

    def __init__(self) -> None:
        self.ids: list[uuid.UUID] = []

    def enqueue(self, job_id: uuid.UUID, kind: str) -> None:
        self.ids.append(job_id)


def _fail(params, actor, progress):
    raise InvalidCommand(reason="boom")


@pytest.fixture
def jobs(engine, world):
    q = ListQueue()
    handlers = {PROBE: lambda p, a, progress: (progress({"objective": 7}), {"echo": p.get("echo")})[1]}
    svc = JobService(
        uow=lambda: SqlAlchemyUnitOfWork(engine), store=lambda u: SqlJobStore(u.session), queue=lambda: q,
        handlers=handlers,
    )  # fmt: skip
    svc.q = q  # type: ignore[attr-defined]
    return svc


def test_submit_run_and_read_back(jobs, monkeypatch):
    """Submitted → queued with who and what; run → done with the result and the progress log."""
    job_id = jobs.submit(PROBE, {"echo": "甲"}, "disp")
    assert jobs.q.ids == [job_id]
    rec = jobs.get(job_id, "disp")
    assert (rec.status, rec.kind, rec.actor, rec.params) == (QUEUED, PROBE, "disp", {"echo": "甲"})
    monkeypatch.setattr(use, "PROGRESS_EVERY_S", 0.0)
    assert jobs.run(job_id, "w1") == DONE
    rec = jobs.get(job_id, "disp")
    assert (rec.status, rec.result, rec.attempts, rec.worker) == (DONE, {"echo": "甲"}, 1, "w1")
    assert rec.progress and rec.progress[0]["objective"] == 7
    assert rec.started_at and rec.finished_at
    assert jobs.run(job_id, "w2") == "skipped"  # a second delivery of the same job writes nothing


def test_domain_error_fails_the_job_in_words(jobs):
    jobs.handlers = {PROBE: _fail}
    job_id = jobs.submit(PROBE, {}, "disp")
    assert jobs.run(job_id, "w") == FAILED
    rec = jobs.get(job_id, "disp")
    assert rec.error == {"code": "invalid_command", "params": {"reason": "boom"}}


def test_cancel_queued_and_running(jobs, engine):
    """Cancelled before it runs: never runs. Cancelled while running: the result is not stored."""
    first = jobs.submit(PROBE, {}, "disp")
    assert jobs.cancel(first, "disp") is True
    assert jobs.run(first, "w") == "skipped"
    assert jobs.get(first, "disp").status == CANCELLED
    second = jobs.submit(PROBE, {"echo": 1}, "disp")

    def cancelled_mid_run(params, actor, progress):
        assert jobs.cancel(second, "disp") is True
        return {"late": True}

    jobs.handlers = {PROBE: cancelled_mid_run}
    assert jobs.run(second, "w") == CANCELLED
    rec = jobs.get(second, "disp")
    assert rec.status == CANCELLED and rec.result is None
    assert jobs.cancel(second, "disp") is False  # finished: nothing to cancel


def test_retry_after_a_dead_worker_gives_one_result(jobs, engine):
    """A worker that claimed the job and died: the retry claims attempt 2; the dead attempt can never finish."""
    job_id = jobs.submit(PROBE, {"echo": "x"}, "disp")
    store_uow = SqlAlchemyUnitOfWork(engine)
    with store_uow:
        assert SqlJobStore(store_uow.session).claim(job_id, "dead", jobs.get(job_id, "disp").created_at) == 1
        store_uow.commit()
    assert jobs.run(job_id, "alive") == DONE
    with store_uow:  # the first attempt waking up late changes nothing
        assert (
            SqlJobStore(store_uow.session).finish(job_id, 1, FAILED, jobs.get(job_id, "disp").created_at)
            is False
        )
        store_uow.commit()
    rec = jobs.get(job_id, "disp")
    assert (rec.status, rec.attempts, rec.result) == (DONE, 2, {"echo": "x"})


def test_too_many_attempts_fail_the_job(jobs, engine):
    job_id = jobs.submit(PROBE, {}, "disp")
    for _ in range(use.MAX_ATTEMPTS):
        with SqlAlchemyUnitOfWork(engine) as u:
            SqlJobStore(u.session).claim(job_id, "dying", jobs.get(job_id, "disp").created_at)
            u.commit()
    assert jobs.run(job_id, "w") == FAILED
    assert jobs.get(job_id, "disp").error["code"] == "job_attempts"


def test_authorisation(jobs):
    """A keeper submits nothing; a dispatcher sees own jobs only; an admin sees and cancels everybody's."""
    with pytest.raises(PermissionDenied):
        jobs.submit(PROBE, {}, "keeper1")
    with pytest.raises(
        PermissionDenied
    ):  # a dispatch plan also needs run_scenario: planners have it, keepers not
        jobs.submit("dispatch_plan", {}, "k")
    mine = jobs.submit(PROBE, {}, "disp")
    theirs = jobs.submit(PROBE, {}, "plan")
    assert [r.id for r in jobs.list_jobs("disp")] == [mine]
    with pytest.raises(use.UnknownJob):
        jobs.get(theirs, "disp")
    with pytest.raises(use.UnknownJob):
        jobs.cancel(theirs, "disp")
    assert {r.id for r in jobs.list_jobs("admin")} == {mine, theirs}
    assert jobs.cancel(theirs, "admin") is True
    with pytest.raises(InvalidCommand):
        jobs.submit("format_disk", {}, "admin")


def test_embedded_worker_runs_submitted_jobs(engine, world, db_url):
    """The in-process queue (SQLite default) runs jobs on its own threads, two side by side."""
    svc = JobService(
        uow=lambda: SqlAlchemyUnitOfWork(engine), store=lambda u: SqlJobStore(u.session), queue=lambda: q,
        handlers={PROBE: lambda p, a, progress: {"n": p["n"]}},
    )  # fmt: skip
    q = thread_queue.ThreadQueue(svc.run, threads=2)
    try:
        ids = [svc.submit(PROBE, {"n": n}, "disp") for n in range(6)]
        q.join()
        recs: list[JobRecord] = [svc.get(i, "disp") for i in ids]
        assert [(r.status, r.result) for r in recs] == [(DONE, {"n": n}) for n in range(6)]
    finally:
        q.stop()
