"""The re-plan of a confirmed plan as a job (kind `replan`) on SQLite and PostgreSQL, with the test as the worker:
the job stores the re-planned plan; the plan confirmed is the stored one (the one the dispatcher saw), superseding
the open orders; a running re-plan cancelled stops its search and stores nothing; only who may run a scenario may
submit one."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from stockpile.adapters.orm.dispatch import DispatchOrderRow, DispatchPlanRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch import confirm as confirm_use
from stockpile.dispatch.commands import PlanSettings
from stockpile.domain.errors import PermissionDenied
from stockpile.jobs.commands import CANCELLED, DONE, REPLAN, RUNNING
from tests.conftest import NOW
from tests.support.dispatch import SCENARIO, seed_dispatch

FAST = PlanSettings(time_limit_s=1.0, objective="makespan")
LATER = NOW + timedelta(minutes=20)


class ListQueue:
    """Remembers what was enqueued: the test runs the job itself (on PostgreSQL no Procrastinate worker)."""

    def __init__(self) -> None:
        self.ids: list[uuid.UUID] = []

    def enqueue(self, job_id: uuid.UUID, kind: str) -> None:
        self.ids.append(job_id)


@pytest.fixture
def svc(engine, world, db_url):
    seed_dispatch(engine, world)
    s = build_services(Settings(database_url=db_url))
    q = ListQueue()
    s.jobs.queue = lambda: q
    return s


def _confirmed(svc):
    plan = svc.dispatch.plan(SCENARIO, FAST, now=NOW)
    conf = svc.dispatch.confirm(plan, "disp1", NOW)
    assert len(conf.orders) >= 2, "the test world needs two trucks on the road"
    return plan, conf


def test_replan_job_stores_the_plan_that_is_then_confirmed(svc, engine):
    """A truck breaks down: the re-plan job leaves it out; the plan read back from the job is the same on every
    read, and confirming it writes exactly that plan and supersedes the old open orders."""
    first, conf = _confirmed(svc)
    broken = svc.dispatch.show_order(conf.orders[0], "disp1").header["vehicle"]
    job_id = svc.jobs.submit_replan(SCENARIO, "disp1", broken=(broken,), time_limit_s=1.0, now=LATER)
    rec = svc.jobs.get(job_id, "disp1")
    assert (rec.kind, rec.params["broken"], rec.params["time_limit_s"]) == (REPLAN, [broken], 1.0)
    assert svc.jobs.run(job_id, "w1") == DONE
    plan = svc.jobs.plan(job_id, "disp1")
    again = svc.jobs.plan(job_id, "disp1")
    assert plan is not None and again is not None and plan.id == again.id
    assert plan.extra["base_plan"] == str(first.id) and plan.violations == ()
    assert broken not in {r.vehicle for r in plan.result.routes if r.stops}
    assert set(plan.extra["superseded"]) | set(plan.extra["kept"]) == set(conf.orders)
    res = svc.dispatch.confirm(plan, "disp1", LATER)
    assert not res.replayed and res.plan_id == plan.id and conf.orders[0] in res.superseded
    with Session(engine) as s:
        row = s.get(DispatchPlanRow, plan.id)
        assert row is not None and row.supersedes == first.id
        assert json.loads(row.plan_json) == json.loads(confirm_use.plan_json(plan))  # the plan seen, stored
        orders = {o.doc_no: o.state for o in s.query(DispatchOrderRow)}
    assert all(orders[d] == "superseded" for d in res.superseded)
    assert all(orders[d] == "pending" for d in res.orders)
    assert svc.ledger.verify_ledger() == []


def test_cancelling_a_running_replan_stops_its_search(svc):
    """A re-plan given 60 s to search, cancelled once running, ends within a few seconds: cancelled, no plan."""
    _confirmed(svc)
    job_id = svc.jobs.submit_replan(SCENARIO, "disp1", time_limit_s=60.0, now=LATER)
    worker = threading.Thread(target=svc.jobs.run, args=(job_id, "w1"))
    worker.start()
    end = time.monotonic() + 30
    while svc.jobs.get(job_id, "disp1").status != RUNNING and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(1.0)  # inside the search
    asked = time.monotonic()
    assert svc.jobs.cancel(job_id, "disp1") is True
    worker.join(30)
    took = time.monotonic() - asked
    rec = svc.jobs.get(job_id, "disp1")
    assert not worker.is_alive() and took < 8.0, f"the search ran on for {took:.1f} s after the cancel"
    assert (rec.status, rec.result) == (CANCELLED, None)
    assert svc.jobs.plan(job_id, "disp1") is None


def test_a_keeper_cannot_submit_a_replan(svc):
    """Submitting a re-plan needs the right to run a scenario: a keeper is refused and nothing is queued."""
    _confirmed(svc)
    with pytest.raises(PermissionDenied):
        svc.jobs.submit_replan(SCENARIO, "keeper1", time_limit_s=1.0)
    assert svc.jobs.queue().ids == []
