"""A re-plan after a deadline passed: the goods come late rather than never (``confirm.late_rather_than_never``)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from optimizer.routing.vrp_json import problem_from_json
from stockpile.dispatch.confirm import late_rather_than_never

INSTANCE = Path(__file__).resolve().parents[3] / "bench" / "instances" / "county_n50.json"


def test_a_passed_deadline_moves_to_the_relief_target_then_to_the_horizon_and_never_past_it() -> None:
    base = problem_from_json(json.loads(INSTANCE.read_text(encoding="utf-8")))
    jobs = tuple(
        dataclasses.replace(j, deadline_s=d) for j, d in zip(base.jobs, (600, 3600, 9000), strict=False)
    )
    p = dataclasses.replace(base, jobs=jobs, horizon_s=20_000)
    moved, late = late_rather_than_never(p, 3600, 8000)  # the circle and the hour passed, the target ahead
    assert late == (jobs[0].id, jobs[1].id)
    assert [j.deadline_s for j in moved.jobs[:3]] == [8000, 8000, 9000]
    moved, late = late_rather_than_never(p, 8000, 8000)  # the target passed too: the horizon
    assert [j.deadline_s for j in moved.jobs[:3]] == [20_000, 20_000, 9000] and len(late) == 2
    assert late_rather_than_never(p, 20_000, 8000) == (p, ())  # past the horizon: a new plan, nothing moved
