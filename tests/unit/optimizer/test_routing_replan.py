"""Re-planning mid-execution keeps what is done, follows the trucks, and reports what is lost."""

from __future__ import annotations

from optimizer.routing.check import verify
from optimizer.routing.problem import UNREACHABLE, Depot, Job, Reason, RoutingProblem, RoutingResult, Vehicle
from optimizer.routing.replan import Replan, replan
from optimizer.routing.solve import RoutingParams, solve_routes

FAST = RoutingParams(time_limit_s=0.3)
KM = [0, 5, 10, 15, -5, -10]


def _problem() -> RoutingProblem:
    dur = tuple(tuple(abs(a - b) * 90 for b in KM) for a in KM)
    dist = tuple(tuple(abs(a - b) * 1000 for b in KM) for a in KM)
    jobs = (
        Job("east1", 1, (400,), source=0, service_s=600),
        Job("east2", 2, (400,), source=0, service_s=600),
        Job("west1", 4, (400,), source=0, service_s=600),
    )
    fleet = (Vehicle("t1", 0, 0, (1000,)), Vehicle("t2", 0, 0, (1000,), fixed_cost=10**6))
    return RoutingProblem(dur, dist, jobs, fleet, depots=(Depot(0, 300),))


def _executing() -> tuple[RoutingProblem, RoutingResult, int]:
    """The plan and a moment when t1 has loaded and delivered its first job."""
    p = _problem()
    r = solve_routes(p, FAST)
    assert verify(p, r) == [] and len(r.routes) == 1
    first_delivery = next(s for s in r.routes[0].stops if s.kind == "delivery")
    return p, r, first_delivery.departure_s + 1


def _checked(rp: Replan) -> Replan:
    assert verify(rp.problem, rp.result) == []
    return rp


def test_delivered_stops_stay_fixed_and_the_truck_continues_from_where_it_is() -> None:
    """Delivered stops and the stop a truck is driving to stay fixed; the truck restarts from that stop."""
    p, r, now = _executing()
    rp = _checked(replan(p, r, now, params=FAST))
    done = [s for s in rp.fixed[0].stops if s.kind == "delivery"]
    assert done and all(s.job not in {j.id for j in rp.problem.jobs} for s in done)
    heading = rp.fixed[0].stops[-1]
    assert heading.arrival_s > now  # on the road to it: committed
    t1 = rp.problem.vehicles[0]
    assert t1.start == heading.location and t1.available_from_s == heading.departure_s
    assert not rp.result.unserved


def test_new_demand_is_added_to_the_running_plan() -> None:
    """A new village request during execution is served by the re-plan."""
    p, r, now = _executing()
    rp = _checked(replan(p, r, now, new_jobs=[Job("late_call", 3, (200,), source=0)], params=FAST))
    served = {s.job for rt in rp.result.routes for s in rt.stops}
    assert "late_call" in served and not rp.result.unserved


def test_broken_truck_reports_its_load_and_others_take_its_jobs() -> None:
    """A truck that breaks down leaves the fleet; goods on board are stranded, the rest go to another truck."""
    p, r, now = _executing()
    onboard = {s.job for s in r.routes[0].stops if s.kind == "pickup" and s.departure_s < now}
    onboard -= {s.job for s in r.routes[0].stops if s.kind == "delivery" and s.departure_s < now}
    rp = _checked(replan(p, r, now, broken=["t1"], params=FAST))
    assert set(rp.stranded) == onboard
    assert [v.id for v in rp.problem.vehicles] == ["t2"]
    assert {j.id for j in rp.problem.jobs}.isdisjoint(onboard)
    assert all(rt.vehicle == "t2" for rt in rp.result.routes)


def test_closed_road_reroutes_or_reports_the_village_unreachable() -> None:
    """Closing the only road to a village makes its job unserved with reason `unreachable`."""
    p, r, _ = _executing()
    west = 4
    dur = tuple(
        tuple(UNREACHABLE if west in (i, j) and i != j else p.duration_s[i][j] for j in range(len(KM)))
        for i in range(len(KM))
    )
    rp = _checked(replan(p, r, 0, duration_s=dur, params=FAST))
    assert [(u.job, u.reason) for u in rp.result.unserved] == [("west1", Reason.UNREACHABLE)]
