"""Hostile routing problems: any small problem the data classes accept gets an answer from every engine that the
independent checker accepts, never an exception (session 16's fuzzing found two faults this way: a job whose
window is closed by its own times, and a vehicle available only after the horizon)."""

from __future__ import annotations

import dataclasses
import warnings

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimizer.errors import InvalidProblem
from optimizer.routing.check import verify
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import (
    UNREACHABLE,
    Depot,
    Job,
    Objective,
    RoutingProblem,
    TravelMatrix,
    Vehicle,
)
from optimizer.routing.solve import RoutingParams

pytest.importorskip("pyvrp")

TIMES = st.sampled_from((0, 60, 1800, 3600, 10**7))  # 10⁷ s: past every horizon drawn


@st.composite
def problems(draw: st.DrawFn) -> RoutingProblem:
    n = draw(st.integers(2, 7))
    xs = draw(st.lists(st.integers(0, 30), min_size=n, max_size=n))
    minutes = draw(st.sampled_from((1, 2)))
    dur = [[abs(a - b) * 60 * minutes for b in xs] for a in xs]
    for a, b in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3)):
        if a != b:
            dur[a][b] = UNREACHABLE  # no road
    dist = [[d if d >= UNREACHABLE else d * 10 for d in row] for row in dur]
    nd = draw(st.integers(1, 3))
    place = st.integers(0, n - 1)
    amount = st.sampled_from((0, 1, 100, 5000))
    jobs = [
        Job(f"j{k}", draw(place), tuple(draw(amount) for _ in range(nd)), source=draw(st.none() | place),
            service_s=draw(st.sampled_from((0, 600, 10**6))), ready_s=draw(TIMES), window_start_s=draw(TIMES),
            deadline_s=draw(TIMES), priority=draw(st.integers(0, 3)),
            penalty=draw(st.sampled_from((None, 0, 1, 10**12))), optional=draw(st.booleans()))
        for k in range(draw(st.integers(1, 6)))
    ]  # fmt: skip
    profiles = (TravelMatrix(tuple(map(tuple, dur)), tuple(map(tuple, dist))),) if draw(st.booleans()) else ()
    fleet = [
        Vehicle(f"v{k}", draw(place), draw(place), tuple(draw(st.sampled_from((0, 100, 10**6))) for _ in range(nd)),
                available_from_s=draw(TIMES), max_duration_s=draw(TIMES),
                fixed_cost=draw(st.sampled_from((0, 10**6))), distance_cost=draw(st.sampled_from((1, 2))),
                profile=0 if profiles and draw(st.booleans()) else None)
        for k in range(draw(st.integers(0, 3)))
    ]  # fmt: skip
    if fleet and draw(st.booleans()):  # some jobs restricted to some vehicles
        jobs = [dataclasses.replace(j, vehicles=(draw(st.integers(0, len(fleet) - 1)),)) for j in jobs]
    depots = tuple(
        Depot(draw(place), draw(st.sampled_from((0, 600, 10**6)))) for _ in range(draw(st.integers(0, 2)))
    )
    try:
        return RoutingProblem(
            tuple(map(tuple, dur)), tuple(map(tuple, dist)), tuple(jobs), tuple(fleet), depots=depots,
            profiles=profiles, horizon_s=draw(st.sampled_from((3600, 8 * 3600, 7 * 86_400))),
            objective=draw(st.sampled_from(Objective)), dimensions=tuple(f"d{k}" for k in range(nd)),
        )  # fmt: skip
    except InvalidProblem:  # refused by the data classes' own checks: not a problem an engine ever sees
        assume(False)
        raise


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(p=problems(), engine=st.sampled_from(("race", "ortools", "pyvrp", "vroom")))
def test_every_engine_answers_any_small_problem_with_a_checked_plan(p: RoutingProblem, engine: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = plan_routes(p, RoutingParams(engine=engine, time_limit_s=0.3, workers=1))
    assert verify(p, r) == []
    served = {s.job for route in r.routes for s in route.stops}
    assert served | {u.job for u in r.unserved} == {j.id for j in p.jobs}
    assert not served & {u.job for u in r.unserved}
