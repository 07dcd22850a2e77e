"""Business rules of the OR-Tools router on tiny named instances (every plan also passes the checker)."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from optimizer.errors import InvalidProblem
from optimizer.routing.check import verify
from optimizer.routing.problem import (
    UNREACHABLE,
    Depot,
    Job,
    LogEntry,
    Objective,
    Reason,
    RoutingProblem,
    RoutingResult,
    Status,
    Vehicle,
)
from optimizer.routing.solve import RoutingParams, solve_routes

FAST = RoutingParams(time_limit_s=0.3)
KM_S = 90  # 40 km/h


def line(*km: float) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """Duration and distance matrices of points on a straight road at the given kilometres."""
    dur = tuple(tuple(round(abs(a - b) * KM_S) for b in km) for a in km)
    dist = tuple(tuple(round(abs(a - b) * 1000) for b in km) for a in km)
    return dur, dist


def truck(ident: str = "t1", at: int = 0, cap: tuple[int, ...] = (1000,), **kw: int) -> Vehicle:
    return Vehicle(ident, at, at, cap, **kw)


def solve(p: RoutingProblem, params: RoutingParams = FAST) -> RoutingResult:
    r = solve_routes(p, params)
    assert verify(p, r) == []
    return r


def stops_of(r: RoutingResult, job: str) -> list[tuple[str, str, int]]:
    return [(rt.vehicle, s.kind, s.start_s) for rt in r.routes for s in rt.stops if s.job == job]


def test_unreachable_village_is_unserved_not_an_error() -> None:
    """A village no road reaches is listed unserved with reason `unreachable`; the others are served."""
    dur, dist = line(0, 5, 10)
    cut = tuple(
        tuple(UNREACHABLE if 2 in (i, j) and i != j else dur[i][j] for j in range(3)) for i in range(3)
    )
    p = RoutingProblem(cut, dist, (Job("a", 1, (10,)), Job("b", 2, (10,))), (truck(),))
    r = solve(p)
    assert [(u.job, u.reason) for u in r.unserved] == [("b", Reason.UNREACHABLE)]
    assert r.status is Status.PARTIAL and not r.is_feasible


def test_truck_makes_a_second_trip_when_demand_exceeds_capacity() -> None:
    """One truck too small for all goods reloads at the depot and makes a second trip."""
    dur, dist = line(0, 8, 9)
    jobs = (Job("a", 1, (600,), source=0), Job("b", 2, (600,), source=0))
    r = solve(RoutingProblem(dur, dist, jobs, (truck(cap=(1000,)),), depots=(Depot(0, 600),)))
    assert r.is_feasible and len(r.routes) == 1 and r.routes[0].trips == 2
    assert max(max(s.load) for s in r.routes[0].stops) <= 1000


def test_agreement_pickup_waits_for_call_off_lead_time() -> None:
    """Goods at an agreement holder are loaded only after the call-off lead time (ready_s) plus loading."""
    dur, dist = line(0, 2, 6)
    job = Job("rice", 2, (100,), source=1, ready_s=7200)
    r = solve(RoutingProblem(dur, dist, (job,), (truck(),), depots=(Depot(1, 300),)))
    (_, kind, start), _ = stops_of(r, "rice")
    assert kind == "pickup" and start == 7200 + 300


def test_contracted_truck_starts_after_activation_delay() -> None:
    """A contracted truck leaves its depot no earlier than its activation delay."""
    dur, dist = line(0, 3)
    r = solve(RoutingProblem(dur, dist, (Job("a", 1, (5,)),), (truck("c1", available_from_s=3600),)))
    assert r.routes[0].start_s == 3600 and r.routes[0].stops[0].arrival_s == 3600 + 3 * KM_S


def test_no_vehicles_returns_all_unserved() -> None:
    """With no vehicles every job is unserved with reason `no_vehicle`, and nothing raises."""
    dur, dist = line(0, 1, 2)
    r = solve(RoutingProblem(dur, dist, (Job("a", 1, (1,)), Job("b", 2, (1,))), ()))
    assert {u.reason for u in r.unserved} == {Reason.NO_VEHICLE} and r.routes == ()


def test_nothing_to_route_is_optimal() -> None:
    """An empty job list gives an empty, feasible plan."""
    dur, dist = line(0, 1)
    r = solve(RoutingProblem(dur, dist, (), (truck(),)))
    assert r.status is Status.OPTIMAL and r.objective == 0


def test_oversize_job_is_unserved_for_capacity() -> None:
    """A job bigger than every truck is unserved with reason `no_capacity`."""
    dur, dist = line(0, 1)
    r = solve(RoutingProblem(dur, dist, (Job("big", 1, (5000,)),), (truck(cap=(1000,)),)))
    assert [(u.job, u.reason) for u in r.unserved] == [("big", Reason.NO_CAPACITY)]


def test_deadline_no_truck_can_make_is_window_unreachable() -> None:
    """A village 100 km away with a 1 h deadline is unserved with reason `window_unreachable`."""
    dur, dist = line(0, 100)
    r = solve(RoutingProblem(dur, dist, (Job("far", 1, (1,), deadline_s=3600),), (truck(),)))
    assert [(u.job, u.reason) for u in r.unserved] == [("far", Reason.WINDOW_UNREACHABLE)]


def test_time_limit_is_respected() -> None:
    """n = 300 pickup-and-delivery jobs with a 2 s limit come back promptly (generous bound; bench measures)."""
    rng = random.Random(7)
    km = [0.0] + [rng.uniform(-30, 30) for _ in range(300)]
    dur, dist = line(*km)
    jobs = tuple(Job(f"j{k}", k, (rng.randint(1, 9),), source=0, service_s=300) for k in range(1, 301))
    fleet = tuple(truck(f"t{k}", cap=(60,)) for k in range(10))
    p = RoutingProblem(dur, dist, jobs, fleet, depots=(Depot(0, 600),))
    started = time.monotonic()
    r = solve_routes(p, RoutingParams(time_limit_s=2))
    assert time.monotonic() - started < 10
    assert verify(p, r) == [] and r.log


def test_makespan_objective_balances_routes() -> None:
    """Minimising the makespan spreads work over both trucks; minimising travel keeps one truck."""
    dur, dist = line(0, 10, 11, 12, 13)
    jobs = tuple(Job(f"v{k}", k, (1,), service_s=3600) for k in range(1, 5))
    fleet = (truck("t1"), truck("t2"))
    total = solve(RoutingProblem(dur, dist, jobs, fleet))
    fast = solve(RoutingProblem(dur, dist, jobs, fleet, objective=Objective.MAKESPAN))
    assert len(total.routes) == 1 and len(fast.routes) == 2
    assert max(r.end_s for r in fast.routes) < max(r.end_s for r in total.routes)


def test_loading_time_is_paid_once_per_depot_visit() -> None:
    """Two jobs loaded in one depot visit pay the depot's loading time once."""
    dur, dist = line(0, 4, 5)
    jobs = (Job("a", 1, (1,), source=0), Job("b", 2, (1,), source=0))
    r = solve(RoutingProblem(dur, dist, jobs, (truck(),), depots=(Depot(0, 900),)))
    pickups = [s for s in r.routes[0].stops if s.kind == "pickup"]
    assert [s.start_s for s in pickups] == [900, 900] and r.routes[0].trips == 1


def test_cold_boxes_go_only_on_the_cold_van() -> None:
    """A job needing cold-chain boxes is carried by the vehicle with cold capacity."""
    dur, dist = line(0, 3, 4)
    jobs = (Job("vaccine", 1, (10, 2)), Job("rice", 2, (500, 0)))
    fleet = (truck("lorry", cap=(5000, 0)), truck("cold", cap=(100, 4), fixed_cost=100_000))
    r = solve(RoutingProblem(dur, dist, jobs, fleet, dimensions=("kg", "cold_box")))
    assert stops_of(r, "vaccine")[0][0] == "cold" and not r.unserved


def test_high_priority_job_is_served_when_the_fleet_is_short() -> None:
    """When only one of two jobs fits, the higher-priority one is served."""
    dur, dist = line(0, 5, -5)
    jobs = (Job("low", 1, (800,), priority=1), Job("high", 2, (800,), priority=3))
    r = solve(RoutingProblem(dur, dist, jobs, (truck(cap=(1000,)),)))
    assert [u.job for u in r.unserved] == ["low"] and [u.reason for u in r.unserved] == [Reason.NO_CAPACITY]


def test_vehicle_profile_drives_on_its_own_matrix() -> None:
    """A vehicle with a profile is timed on that profile's matrix (e.g. a slow heavy truck)."""
    from optimizer.routing.problem import TravelMatrix

    dur, dist = line(0, 10)
    slow = TravelMatrix(tuple(tuple(2 * x for x in row) for row in dur), dist)
    p = RoutingProblem(dur, dist, (Job("a", 1, (1,)),), (truck(profile=0),), profiles=(slow,))
    r = solve(p)
    assert r.routes[0].stops[0].arrival_s == 2 * 10 * KM_S


def test_progress_callback_sees_improving_objectives() -> None:
    """The progress callback receives strictly improving objectives (for a progress bar)."""
    dur, dist = line(0, 3, -2, 7, 1)
    seen: list[LogEntry] = []
    p = RoutingProblem(dur, dist, tuple(Job(f"v{k}", k, (1,)) for k in range(1, 5)), (truck(), truck("t2")))
    r = solve_routes(p, FAST, seen.append)
    assert seen and seen == list(r.log)
    assert all(a.objective > b.objective for a, b in itertools.pairwise(seen))


@pytest.mark.parametrize(
    "build",
    [
        lambda: RoutingProblem(((0, -1), (1, 0)), ((0, 1), (1, 0)), (), ()),
        lambda: RoutingProblem(((0, 1), (1,)), ((0, 1), (1, 0)), (), ()),
        lambda: RoutingProblem(((0, 1), (1, 0)), ((0, 1), (1, 0)), (Job("a", 1, (1, 2)),), ()),
        lambda: Job("a", 1, (1,), deadline_s=-5),
        lambda: RoutingProblem(((0, 1), (1, 0)), ((0, 1), (1, 0)), (Job("a", 7, (1,)),), ()),
    ],
    ids=["negative_time", "ragged_matrix", "demand_dimensions", "negative_deadline", "unknown_location"],
)
def test_malformed_problem_raises_invalid_problem(build: object) -> None:
    """Malformed input (negative times, ragged matrix, wrong demand dimensions) raises InvalidProblem."""
    with pytest.raises(InvalidProblem):
        build()  # type: ignore[operator]


def test_demand_beyond_the_fleet_leaves_jobs_unserved_with_a_reason() -> None:
    """When the one truck's shift cannot hold every round trip, the rest is unserved as `no_capacity`."""
    dur, dist = line(0, 20)
    jobs = tuple(Job(f"j{k}", 1, (900,), source=0, service_s=600) for k in range(4))
    shift = truck(cap=(1000,), max_duration_s=2 * 3600)
    r = solve(RoutingProblem(dur, dist, jobs, (shift,), depots=(Depot(0, 600),)))
    assert r.routes and r.unserved and {u.reason for u in r.unserved} == {Reason.NO_CAPACITY}
    assert len(r.routes[0].stops) // 2 + len(r.unserved) == 4
