"""A job whose own times leave no moment to serve it (its window opens after its deadline, or agreement stock is on
board only after it) is reported unserved by every engine, never an error: PyVRP refused such a shipment with a raw
ValueError and OR-Tools' model failed with "CP Solver fail" (found on an independent county generator, session 16).
A vehicle available only after the horizon serves nothing (found by fuzzing small problems, session 16).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.vrp_family import line
from optimizer.routing.check import verify
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import Reason, RoutingProblem, Status
from optimizer.routing.solve import RoutingParams

ENGINES = ("race", "ortools", "pyvrp", "vroom")
LOADING_S = 600  # line()'s depot


def _with(p: RoutingProblem, **changes: dict[str, int]) -> RoutingProblem:
    """``p`` with job ``v<k>`` changed as given (``changes["v1"] = {"deadline_s": 60}``)."""
    jobs = tuple(dataclasses.replace(j, **changes.get(j.id, {})) for j in p.jobs)
    return dataclasses.replace(p, jobs=jobs)


CASES = {
    # goods on board at 600 s (the depot's loading), deadline at 60 s
    "deadline_before_loading": (True, {"v1": {"deadline_s": 60}}),
    # agreement stock ready at 1 h, deadline at 30 min
    "ready_after_deadline": (True, {"v2": {"ready_s": 3600, "deadline_s": 1800}}),
    "window_reversed": (False, {"v3": {"window_start_s": 7200, "deadline_s": 3600}}),
    "window_opens_after_horizon": (False, {"v4": {"window_start_s": 10**9}}),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES)
def test_a_job_with_a_closed_window_is_unserved_and_the_rest_is_planned(engine: str, case: str) -> None:
    pickups, changes = CASES[case]
    p = _with(line(pickups=pickups, capacity=3000), **changes)
    (closed,) = changes
    assert p.window_closed(next(j for j in p.jobs if j.id == closed))
    r = plan_routes(p, RoutingParams(engine=engine, time_limit_s=1.0, workers=1))
    assert verify(p, r) == []
    assert [(u.job, u.reason) for u in r.unserved] == [(closed, Reason.WINDOW_UNREACHABLE)]
    assert r.status is Status.PARTIAL
    assert {s.job for route in r.routes for s in route.stops} == {j.id for j in p.jobs} - {closed}


@pytest.mark.parametrize("engine", ENGINES)
def test_every_window_closed_gives_an_empty_plan_with_every_penalty(engine: str) -> None:
    base = line(pickups=True)
    p = _with(base, **{j.id: {"deadline_s": LOADING_S - 1} for j in base.jobs})
    r = plan_routes(p, RoutingParams(engine=engine, time_limit_s=1.0, workers=1))
    assert r.routes == ()
    assert {u.reason for u in r.unserved} == {Reason.WINDOW_UNREACHABLE}
    assert len(r.unserved) == len(p.jobs)
    assert r.objective == sum(10_000_000 * j.priority for j in p.jobs)


def test_window_closed_reads_the_jobs_own_times_only() -> None:
    p = line(pickups=True)
    j = p.jobs[0]
    assert not p.window_closed(j)
    assert not p.window_closed(
        dataclasses.replace(j, deadline_s=LOADING_S)
    )  # on board exactly at the deadline
    assert p.window_closed(dataclasses.replace(j, deadline_s=LOADING_S - 1))
    assert p.window_closed(dataclasses.replace(j, ready_s=100, deadline_s=LOADING_S + 99))
    plain = dataclasses.replace(j, source=None)
    assert not p.window_closed(
        dataclasses.replace(plain, deadline_s=0)
    )  # on the truck: served at time 0 if near
    assert p.window_closed(dataclasses.replace(plain, window_start_s=5, deadline_s=4))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    engine=st.sampled_from(ENGINES),
    pickups=st.booleans(),
    times=st.lists(
        st.tuples(st.integers(0, 4 * 3600), st.integers(0, 4 * 3600), st.integers(0, 4 * 3600)),
        min_size=7,
        max_size=7,
    ),
)
def test_any_windows_give_a_checked_plan_never_an_error(
    engine: str, pickups: bool, times: list[tuple[int, int, int]]
) -> None:
    """Random ready times, window openings and deadlines (many of them closed): every engine answers with a plan
    the checker accepts, and leaves every closed job unserved."""
    base = line(pickups=pickups, capacity=3000)
    changes = {
        j.id: {"ready_s": ready if pickups else 0, "window_start_s": opens, "deadline_s": deadline}
        for j, (ready, opens, deadline) in zip(base.jobs, times, strict=True)
    }
    p = _with(base, **changes)
    r = plan_routes(p, RoutingParams(engine=engine, time_limit_s=0.5, workers=1))
    assert verify(p, r) == []
    unserved = {u.job for u in r.unserved}
    assert {j.id for j in p.jobs if p.window_closed(j)} <= unserved


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("all_idle", [False, True], ids=["one_idle", "all_idle"])
def test_a_vehicle_available_only_after_the_horizon_serves_nothing(engine: str, all_idle: bool) -> None:
    """PyVRP refused such a vehicle (raw ValueError); OR-Tools and VROOM planned it stops the checker rejected."""
    base = line(pickups=True, capacity=3000)
    late = dataclasses.replace(base.vehicles[0], id="late", available_from_s=base.horizon_s + 1)
    fleet = (late,) if all_idle else (late, *base.vehicles)
    p = dataclasses.replace(base, vehicles=fleet)
    assert p.vehicle_idle(late) and not p.vehicle_idle(base.vehicles[0])
    r = plan_routes(p, RoutingParams(engine=engine, time_limit_s=1.0, workers=1))
    assert verify(p, r) == []
    assert "late" not in {route.vehicle for route in r.routes}
    assert len(r.unserved) == (len(p.jobs) if all_idle else 0)
