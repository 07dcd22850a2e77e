"""Time limits: the routing time limit bounds the whole call, so a dispatcher is never left waiting."""

from __future__ import annotations

import json
import time
from pathlib import Path

from optimizer.routing import budget
from optimizer.routing.check import verify
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import RoutingProblem, RoutingResult
from optimizer.routing.solve import RoutingParams
from optimizer.routing.vrp_json import problem_from_json

INSTANCE = Path(__file__).resolve().parents[2] / "bench" / "instances" / "county_n300.json"
LIMIT_S = 2
# the wall time a CI machine may add past the engine's own end: re-timing and checking the plan, and the pauses of a
# shared 2-core machine (the margin this test had before the stretch; stop 37 saw a 0.95 s pause past the stretched
# end on a call that takes 1.7 s on an idle core)
MARGIN_S = 1.0


def _timed(problem: RoutingProblem) -> tuple[float, RoutingResult]:
    started = time.monotonic()
    result = plan_routes(problem, RoutingParams(engine="race", time_limit_s=LIMIT_S))
    return time.monotonic() - started, result


def test_n300_with_a_2s_limit_returns_within_its_stretched_end() -> None:
    """n = 300 stops, engine "race", a 2 s limit → a checked plan back within the deterministic race's stretched end
    (1.5 × the limit, ``budget.stretch``; a machine as fast as the reference ends by the limit) plus ``MARGIN_S``.
    OR-Tools' own default is no limit at all. Wall time on a shared machine can pause for reasons no engine
    controls, so the bound must hold in one of two calls: an engine that ignored its caps would miss it in both."""
    problem = problem_from_json(json.loads(INSTANCE.read_text(encoding="utf-8")))
    assert len(problem.jobs) >= 300
    bound = budget.stretch(len(problem.jobs), deterministic=True) * LIMIT_S + MARGIN_S
    elapsed, result = _timed(problem)
    if elapsed >= bound:
        elapsed, result = _timed(problem)
    assert elapsed < bound, f"took {elapsed:.2f} s twice"
    assert result.routes and verify(problem, result) == []
