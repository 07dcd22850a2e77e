"""Priority deliveries outside the guarantee circle are listed with why: too far, or the fleet was short."""

from __future__ import annotations

import pytest

from optimizer.routing.problem import Depot, Job, RoutingProblem, Vehicle
from optimizer.routing.schedule import earliest_start
from optimizer.routing.solve import RoutingParams, solve_routes
from stockpile.dispatch.kpis import late_priority_lines

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

KM = (0, 20, -20, 80)  # depot, two shelters 20 km either side, one village 80 km away
CODES = ("D", "S1", "S2", "S3")
CIRCLE = 3600


def _problem(trucks: int, circle_deadlines: bool = False) -> RoutingProblem:
    dur = tuple(tuple(abs(a - b) * 90 for b in KM) for a in KM)  # 40 km/h
    dist = tuple(tuple(abs(a - b) * 1000 for b in KM) for a in KM)
    jobs = tuple(
        Job(
            f"j{k}",
            k,
            (600,),
            source=0,
            service_s=600,
            priority=3,
            deadline_s=CIRCLE if circle_deadlines and k < 3 else 16 * 3600,
        )
        for k in (1, 2, 3)
    )
    fleet = tuple(Vehicle(f"t{k}", 0, 0, (1000,)) for k in range(trucks))
    return RoutingProblem(dur, dist, jobs, fleet, depots=(Depot(0, 900),))


def _late(trucks: int, circle_deadlines: bool = False) -> dict[str, str]:
    p = _problem(trucks, circle_deadlines)
    r = solve_routes(p, RoutingParams(time_limit_s=0.5))
    contents = {j.id: (("1020101", 600),) for j in p.jobs}
    lines = late_priority_lines(p, r, contents, CODES, frozenset(CODES[1:]), CIRCLE)
    return {ln.point: ln.reason for ln in lines}


def test_earliest_start_is_a_free_truck_doing_only_that_job() -> None:
    """Lower bound = loading 15 min + 30 min drive for a shelter 20 km away; none when no truck can carry it."""
    p = _problem(1)
    assert earliest_start(p, p.jobs[0]) == 900 + 20 * 90
    heavy = Job("big", 1, (5000,), source=0)
    assert earliest_start(p, heavy) is None


def test_one_truck_leaves_a_near_shelter_late_because_the_fleet_is_short() -> None:
    """With one truck the second near shelter misses the circle though a free truck would make it: fleet short;
    the far village misses it even alone: too far."""
    late = _late(1)
    assert late["S3"] == "too_far"
    assert "fleet_busy" in {late.get("S1"), late.get("S2")}


def test_enough_trucks_leave_only_the_far_point_late() -> None:
    """With a truck per shelter (and circle deadlines, as dispatch sets them) only the point a free truck cannot
    reach in time stays outside the circle."""
    assert _late(3, circle_deadlines=True) == {"S3": "too_far"}
