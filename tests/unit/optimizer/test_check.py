"""The independent checker: every solver plan passes, and each broken rule is reported exactly once."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.routing import check
from optimizer.routing.check import StockUse, verify
from optimizer.routing.problem import Depot, Job, RoutingProblem, RoutingResult, Stop, Unserved, Vehicle
from optimizer.routing.solve import RoutingParams, solve_routes

FAST = RoutingParams(time_limit_s=0.2)


def _line(km: list[int]) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    dur = tuple(tuple(abs(a - b) * 90 for b in km) for a in km)
    dist = tuple(tuple(abs(a - b) * 1000 for b in km) for a in km)
    return dur, dist


def _problem() -> RoutingProblem:
    dur, dist = _line([0, 4, 7, 2, -3])
    jobs = (
        Job("a", 1, (300,), source=0, service_s=600, deadline_s=4 * 3600),
        Job("b", 2, (500,), source=0, service_s=600),
        Job("c", 3, (400,), source=4, ready_s=1800, service_s=300),
    )
    return RoutingProblem(
        dur, dist, jobs, (Vehicle("t1", 0, 0, (1000,)),), depots=(Depot(0, 600), Depot(4, 300))
    )


def _planned() -> tuple[RoutingProblem, RoutingResult]:
    p = _problem()
    r = solve_routes(p, FAST)
    assert verify(p, r) == [] and not r.unserved
    return p, r


def _codes(p: RoutingProblem, r: RoutingResult) -> list[str]:
    return [v.code for v in verify(p, r)]


def _with_stops(r: RoutingResult, stops: tuple[Stop, ...]) -> RoutingResult:
    return dataclasses.replace(r, routes=(dataclasses.replace(r.routes[0], stops=stops),))


jobs_st = st.lists(
    st.tuples(
        st.integers(1, 5),  # destination
        st.one_of(st.none(), st.integers(0, 5)),  # source
        st.integers(0, 900),  # demand
        st.integers(0, 3600),  # ready
        st.integers(2 * 3600, 12 * 3600),  # deadline
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    km=st.lists(st.integers(-20, 20), min_size=6, max_size=6),
    spec=jobs_st,
    caps=st.lists(st.integers(300, 1500), min_size=1, max_size=2),
    pure=st.booleans(),
)
def test_every_solver_plan_passes_the_checker(
    km: list[int], spec: list[tuple[int, ...]], caps: list[int], pure: bool
) -> None:
    """Any plan the solver returns on a random small instance passes every check."""
    dur, dist = _line(km)
    jobs = tuple(
        Job(f"j{k}", d, (q,), source=None if pure else s, ready_s=r, deadline_s=dl, service_s=300)
        for k, (d, s, q, r, dl) in enumerate(spec)
    )
    fleet = tuple(Vehicle(f"t{k}", k, 0, (c,)) for k, c in enumerate(caps))
    p = RoutingProblem(dur, dist, jobs, fleet, depots=(Depot(0, 600),))
    assert verify(p, solve_routes(p, FAST)) == []


def test_overload_is_reported() -> None:
    """A plan that loads more than the truck holds is reported `overload` and nothing else."""
    p, r = _planned()
    peak = max(max(s.load) for s in r.routes[0].stops)
    small = dataclasses.replace(p, vehicles=(Vehicle("t1", 0, 0, (peak - 1,)),))
    assert set(_codes(small, r)) == {check.OVERLOAD}


def test_late_delivery_is_reported() -> None:
    """A delivery that starts after its deadline is reported `late` and nothing else."""
    p, r = _planned()
    start = next(s.start_s for s in r.routes[0].stops if s.job == "b" and s.kind == "delivery")
    jobs = tuple(dataclasses.replace(j, deadline_s=start - 1) if j.id == "b" else j for j in p.jobs)
    assert _codes(dataclasses.replace(p, jobs=jobs), r) == [check.LATE]


def test_job_served_twice_is_reported() -> None:
    """A job delivered twice is reported `job_twice` and nothing else."""
    p, r = _planned()
    stops = r.routes[0].stops
    extra = next(s for s in stops if s.job == "b" and s.kind == "delivery")
    assert _codes(p, _with_stops(r, (*stops, extra))) == [check.JOB_TWICE]


def test_missing_job_is_reported() -> None:
    """A job neither served nor listed unserved is reported `job_missing` and nothing else."""
    p, r = _planned()
    stops = tuple(s for s in r.routes[0].stops if s.job != "c")
    assert _codes(p, _with_stops(r, stops)) == [check.JOB_MISSING]


def test_wrong_eta_is_reported() -> None:
    """A stop whose reported arrival differs from the re-simulated one is reported `wrong_eta` only."""
    p, r = _planned()
    stops = list(r.routes[0].stops)
    stops[1] = dataclasses.replace(stops[1], arrival_s=stops[1].arrival_s - 60)
    assert _codes(p, _with_stops(r, tuple(stops))) == [check.WRONG_ETA]


def test_delivery_before_pickup_is_reported() -> None:
    """Delivering a job before picking it up is reported `precedence` and nothing else."""
    p, r = _planned()
    stops = list(r.routes[0].stops)
    i = next(k for k, s in enumerate(stops) if s.job == "c" and s.kind == "pickup")
    j = next(k for k, s in enumerate(stops) if s.job == "c" and s.kind == "delivery")
    stops[i], stops[j] = stops[j], stops[i]
    assert _codes(p, _with_stops(r, tuple(stops))) == [check.PRECEDENCE]


def test_job_both_served_and_unserved_is_reported() -> None:
    """A served job also listed unserved is reported `served_and_unserved` only."""
    p, r = _planned()
    from optimizer.routing.problem import Reason

    bad = dataclasses.replace(r, unserved=(Unserved("a", Reason.NO_CAPACITY),))
    assert _codes(p, bad) == [check.SERVED_AND_UNSERVED]


def test_misreported_objective_is_reported() -> None:
    """A reported objective that does not match the recomputed one is reported `wrong_objective` only."""
    p, r = _planned()
    assert _codes(p, dataclasses.replace(r, objective=r.objective - 1)) == [check.WRONG_OBJECTIVE]


def test_stock_use_beyond_the_limit_is_reported() -> None:
    """Jobs taking more of an item from a source than it holds are reported `stock_exceeded`."""
    p, r = _planned()
    takes = {"a": {"tent": 30}, "b": {"tent": 50}, "c": {"rice": 10}}
    ok = StockUse({(0, "tent"): 80, (4, "rice"): 10}, takes)
    short = StockUse({(0, "tent"): 79, (4, "rice"): 10}, takes)
    assert verify(p, r, ok) == []
    assert [v.code for v in verify(p, r, short)] == [check.STOCK_EXCEEDED]
