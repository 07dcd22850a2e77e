"""A stop request (a cancelled job) ends a running route search early, on every engine, with a checked plan."""

from __future__ import annotations

import time

import pytest

from optimizer.routing.check import verify
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import Depot, Job, RoutingProblem, Vehicle
from optimizer.routing.solve import RoutingParams

pytest.importorskip("pyvrp")

KM = [0, 4, -3, 7, 2, -6, 9, -8]


def _problem(pickups: bool) -> RoutingProblem:
    dur = tuple(tuple(abs(a - b) * 90 for b in KM) for a in KM)
    dist = tuple(tuple(abs(a - b) * 1000 for b in KM) for a in KM)
    jobs = tuple(
        Job(f"v{k}", k, (300,), source=0 if pickups else None, service_s=600, deadline_s=8 * 3600)
        for k in range(1, len(KM))
    )
    fleet = (Vehicle("t1", 0, 0, (1000,)), Vehicle("t2", 0, 0, (1000,)))
    return RoutingProblem(dur, dist, jobs, fleet, depots=(Depot(0, 600),))


class StopAfter:
    """True once `seconds` have passed since the first question; counts the questions."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.first, self.asked = seconds, 0.0, 0

    def __call__(self) -> bool:
        self.asked += 1
        self.first = self.first or time.monotonic()
        return time.monotonic() - self.first >= self.seconds


@pytest.mark.parametrize("engine", ["ortools", "pyvrp", "race"])
@pytest.mark.parametrize("pickups", [False, True], ids=["cvrptw", "pickup_delivery"])
def test_a_stop_request_ends_a_long_search_at_once(engine: str, pickups: bool) -> None:
    """A 60 s search asked to stop after 0.3 s returns within a few seconds, with the best plan it had, checked."""
    p, stop = _problem(pickups), StopAfter(0.3)
    started = time.monotonic()
    r = plan_routes(p, RoutingParams(time_limit_s=60.0, engine=engine, stop=stop))
    assert time.monotonic() - started < 5.0
    assert stop.asked > 1 and verify(p, r) == [] and r.routes


def test_no_stop_request_runs_the_whole_limit() -> None:
    """Without a stop request OR-Tools' guided local search uses its time limit (the stop is what ended it)."""
    started = time.monotonic()
    plan_routes(_problem(False), RoutingParams(time_limit_s=1.0, engine="ortools"))
    assert time.monotonic() - started >= 0.9
