"""Time limits: the routing time limit bounds the whole call, so a dispatcher is never left waiting."""

from __future__ import annotations

import json
import time
from pathlib import Path

from optimizer.routing.check import verify
from optimizer.routing.engine import plan_routes
from optimizer.routing.solve import RoutingParams
from optimizer.routing.vrp_json import problem_from_json

INSTANCE = Path(__file__).resolve().parents[2] / "bench" / "instances" / "county_n300.json"


def test_n300_with_a_2s_limit_returns_within_its_stretched_end() -> None:
    """n = 300 stops, engine "race", a 2 s limit → a checked plan back within 3.5 s (OR-Tools' default is ∞): the
    deterministic race's steps are capped at 1.5 × the limit (``budget.stretch``), which a machine as fast as the
    reference does not reach; 0.5 s more for re-timing and checking the plan on a busy CI machine."""
    problem = problem_from_json(json.loads(INSTANCE.read_text(encoding="utf-8")))
    assert len(problem.jobs) >= 300
    started = time.monotonic()
    result = plan_routes(problem, RoutingParams(engine="race", time_limit_s=2))
    elapsed = time.monotonic() - started
    assert elapsed < 1.5 * 2 + 0.5, f"took {elapsed:.2f} s"
    assert result.routes and verify(problem, result) == []
