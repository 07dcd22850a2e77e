"""A re-plan brings goods late rather than never: a job no truck can bring by its deadline any more (passed, or
ahead but nearer than the fastest truck) takes the first later deadline of the ladder it can meet
(``replan.later_deadlines``)."""

from __future__ import annotations

import dataclasses

from optimizer.routing.check import verify
from optimizer.routing.problem import Job, Reason
from optimizer.routing.replan import later_deadlines, replan
from optimizer.routing.schedule import earliest_start
from tests.unit.optimizer.test_routing_replan import FAST, _executing


def test_a_deadline_ahead_that_no_truck_can_make_moves_to_the_relief_target_and_the_goods_come() -> None:
    """A village 10 km west calls in with 10 minutes left: loading (5 min) and the drive (15 min) cannot make it.
    Without a ladder the re-plan reports it undeliverable; with one it is brought by the relief target, named late."""
    p, r, now = _executing()
    call = Job("far_call", 5, (200,), source=0, deadline_s=now + 600)
    target = now + 4 * 3600
    plain = replan(p, r, now, new_jobs=[call], params=FAST)
    assert [(u.job, u.reason) for u in plain.result.unserved] == [("far_call", Reason.WINDOW_UNREACHABLE)]
    assert plain.late == ()
    rp = replan(p, r, now, new_jobs=[call], params=FAST, ladder=(target, p.horizon_s))
    assert verify(rp.problem, rp.result) == [] and not rp.result.unserved
    assert rp.late == ("far_call",)
    arrival = next(s.start_s for rt in rp.result.routes for s in rt.stops if s.job == "far_call")
    assert now + 600 < arrival <= target


def test_each_job_takes_the_first_step_its_fastest_truck_meets_and_none_past_the_last() -> None:
    p, _, _ = _executing()
    p = dataclasses.replace(
        p, vehicles=tuple(dataclasses.replace(v, available_from_s=10_000) for v in p.vehicles)
    )
    eta = [earliest_start(p, j) for j in p.jobs]
    assert all(e is not None and e > 10_000 for e in eta)
    east1, east2, west1 = eta
    jobs = (
        dataclasses.replace(p.jobs[0], deadline_s=500),  # passed: the first step it meets
        dataclasses.replace(p.jobs[1], deadline_s=east2 - 1),  # ahead, one second short
        dataclasses.replace(p.jobs[2], deadline_s=west1),  # a truck makes it exactly: kept
    )
    q = dataclasses.replace(p, jobs=jobs)
    moved, late = later_deadlines(
        q, (east1 - 1, east2 + 50, 90_000)
    )  # a step before the truck can come is skipped
    assert late == (jobs[0].id, jobs[1].id)
    assert [j.deadline_s for j in moved.jobs] == [east2 + 50, east2 + 50, west1]
    assert later_deadlines(q, (9_000,)) == (q, ())  # past every step: kept, reported unserved by the solver
    assert later_deadlines(q, ()) == (q, ())
