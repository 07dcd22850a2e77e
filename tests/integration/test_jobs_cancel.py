"""Cancel stops a RUNNING solve, not only a queued job: the worker asks the job row from the engine's callbacks
and the search ends within about a second; the job ends cancelled and no result is written."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path

import pytest

from stockpile import clock
from stockpile.adapters.jobs import thread_queue
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.coverage import siting as siting_use
from stockpile.coverage.commands import PrepositionQuery, SitingQuery
from stockpile.jobs.commands import (
    CANCELLED,
    PREPOSITION,
    PROBE,
    ROTATION_PLAN,
    RUNNING,
    SITING,
    coverage_params,
)
from tests.support.preposition_hard import hard_preposition
from tests.support.siting_hard import hard_siting


@pytest.fixture
def svc(demo_url, tmp_path):
    dst = tmp_path / "demo.db"
    shutil.copy(Path(demo_url.removeprefix("sqlite:///")), dst)
    url = f"sqlite:///{dst}"
    yield build_services(Settings(database_url=url))
    thread_queue.drop_shared(url)


def _wait(svc, job_id, until, timeout_s: float = 60.0, user: str = "dispatcher"):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        rec = svc.jobs.get(job_id, user)
        if until(rec):
            return rec
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached the state: {rec.status}")


def _cancel_when_searching(svc, job_id) -> float:
    """Cancel once the worker has started the job and reported progress; how long the worker then took."""
    _wait(svc, job_id, lambda r: r.status == RUNNING and r.progress)
    asked = time.monotonic()
    assert svc.jobs.cancel(job_id, "dispatcher") is True
    svc.jobs.queue().join()  # the embedded worker thread has returned from the job
    return time.monotonic() - asked


def test_cancelling_a_running_dispatch_solve_stops_the_search(svc):
    """A 120 s dispatch solve cancelled after its first plans stops within a few seconds: cancelled, no result."""
    code = svc.dispatch.scenarios()[0]
    ps = svc.dispatch.plan_settings(time_limit_s=120.0)
    job_id = svc.jobs.submit_plan(code, ps, "dispatcher")
    took = _cancel_when_searching(svc, job_id)
    rec = svc.jobs.get(job_id, "dispatcher")
    assert took < 8.0, f"the search ran on for {took:.1f} s after the cancel"
    assert (rec.status, rec.result, rec.error) == (CANCELLED, None, None)
    assert svc.jobs.plan(job_id, "dispatcher") is None


def test_cancelling_a_running_probe_stops_it(svc):
    """The queue's own probe job (a 60 s wait) stops at the cancel too: any handler that asks is stoppable."""
    job_id = svc.jobs.submit(PROBE, {"seconds": 60}, "dispatcher")
    took = _cancel_when_searching(svc, job_id)
    assert took < 3.0
    assert svc.jobs.get(job_id, "dispatcher").status == CANCELLED


def test_cancelling_a_running_rotation_stops_before_its_next_stage(svc):
    """A rotation plan with 30 s to search, cancelled once running: no further MIP stage starts, the job ends
    cancelled within a few seconds and stores no plan."""
    svc.planning.config = dataclasses.replace(svc.planning.config, time_limit_s=30.0)
    job_id = svc.jobs.submit(ROTATION_PLAN, {"year": clock.today().year + 1}, "planner")
    _wait(svc, job_id, lambda r: r.status == RUNNING, user="planner")
    time.sleep(0.3)  # inside the solve
    asked = time.monotonic()
    assert svc.jobs.cancel(job_id, "planner") is True
    svc.jobs.queue().join()
    assert time.monotonic() - asked < 4.0
    rec = svc.jobs.get(job_id, "planner")
    assert (rec.status, rec.result) == (CANCELLED, None)


def test_cancelling_a_running_siting_stops_the_search(svc, monkeypatch):
    """A siting job whose search would run 60 s (the demo county's question, solved on an instance no solver
    proves optimal in a minute: the demo's own is proved in well under a second), cancelled once running, ends
    cancelled within a few seconds with no report: the cancel reaches the solver, not only the result."""
    real, hard = siting_use.solve_max_covering, hard_siting()
    asked: list[bool] = []

    def slow(problem, time_limit_s, solver, stop=None):
        asked.append(stop is not None)
        return real(hard, time_limit_s=60.0, solver=solver, stop=stop)

    monkeypatch.setattr(siting_use, "solve_max_covering", slow)
    job_id = svc.jobs.submit(SITING, coverage_params(SitingQuery(2, 1800)), "dispatcher")
    _wait(svc, job_id, lambda r: r.status == RUNNING)
    end = time.monotonic() + 60
    while not asked and time.monotonic() < end:  # the travel matrix is read first, then the search starts
        time.sleep(0.05)
    time.sleep(0.5)
    began = time.monotonic()
    assert svc.jobs.cancel(job_id, "dispatcher") is True
    svc.jobs.queue().join()
    took = time.monotonic() - began
    rec = svc.jobs.get(job_id, "dispatcher")
    assert asked == [True] and took < 8.0, f"the siting search ran on for {took:.1f} s after the cancel"
    assert (rec.status, rec.result) == (CANCELLED, None)


def test_cancelling_a_running_prepositioning_stops_the_search(svc, monkeypatch):
    """Likewise pre-positioning: the demo county's question solved on an instance CP-SAT does not prove within a
    minute, cancelled once searching, ends cancelled within a few seconds with no report."""
    real, hard = siting_use.solve_prepositioning, hard_preposition()
    asked: list[bool] = []

    def slow(problem, time_limit_s, stop=None):
        asked.append(stop is not None)
        return real(hard, time_limit_s=60.0, stop=stop)

    monkeypatch.setattr(siting_use, "solve_prepositioning", slow)
    item = sorted(svc.coverage.norms())[0]
    job_id = svc.jobs.submit(PREPOSITION, coverage_params(PrepositionQuery((item,), 1800)), "dispatcher")
    _wait(svc, job_id, lambda r: r.status == RUNNING)
    end = time.monotonic() + 60
    while not asked and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(0.5)
    began = time.monotonic()
    assert svc.jobs.cancel(job_id, "dispatcher") is True
    svc.jobs.queue().join()
    took = time.monotonic() - began
    rec = svc.jobs.get(job_id, "dispatcher")
    assert asked == [True] and took < 8.0, f"pre-positioning ran on for {took:.1f} s after the cancel"
    assert (rec.status, rec.result) == (CANCELLED, None)
