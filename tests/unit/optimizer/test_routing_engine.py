"""Engine choice: the PyVRP engine and the race return checked plans and fall back to OR-Tools when needed."""

from __future__ import annotations

import pytest

from optimizer.routing.check import verify
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import Depot, Job, Objective, RoutingProblem, Vehicle
from optimizer.routing.solve import RoutingParams

pytest.importorskip("pyvrp")

KM = [0, 4, -3, 7, 2, -6]


def _problem(objective: Objective = Objective.TOTAL, pickups: bool = False) -> RoutingProblem:
    dur = tuple(tuple(abs(a - b) * 90 for b in KM) for a in KM)
    dist = tuple(tuple(abs(a - b) * 1000 for b in KM) for a in KM)
    jobs = tuple(
        Job(f"v{k}", k, (300,), source=0 if pickups else None, service_s=600, deadline_s=8 * 3600)
        for k in range(1, len(KM))
    )
    fleet = (Vehicle("t1", 0, 0, (1000,)), Vehicle("t2", 0, 0, (1000,)))
    return RoutingProblem(dur, dist, jobs, fleet, depots=(Depot(0, 600),), objective=objective)


@pytest.mark.parametrize("pickups", [False, True], ids=["cvrptw", "pickup_delivery"])
def test_race_returns_the_better_checked_plan(pickups: bool) -> None:
    """The race serves every job with a plan that passes the checker and names the winning engine."""
    p = _problem(pickups=pickups)
    r = plan_routes(p, RoutingParams(time_limit_s=0.6, engine="race"))
    assert verify(p, r) == [] and r.is_feasible and r.engine.startswith("race:")


def test_pyvrp_engine_gives_a_checked_plan() -> None:
    """The PyVRP engine's visit order, re-timed by our rule, passes the checker."""
    p = _problem()
    r = plan_routes(p, RoutingParams(time_limit_s=0.3, engine="pyvrp"))
    assert r.engine == "pyvrp" and verify(p, r) == [] and r.is_feasible


def test_makespan_falls_back_to_ortools() -> None:
    """PyVRP has no min-max objective: asking for it with makespan runs OR-Tools."""
    p = _problem(Objective.MAKESPAN)
    r = plan_routes(p, RoutingParams(time_limit_s=0.3, engine="pyvrp"))
    assert r.engine == "ortools" and verify(p, r) == []


def test_unknown_engine_is_rejected() -> None:
    """An unknown engine name is a programming error and raises."""
    with pytest.raises(ValueError, match="engine"):
        plan_routes(_problem(), RoutingParams(engine="gurobi"))


@pytest.mark.parametrize("limit", [0.0, -1.0, float("inf"), float("nan")])
def test_a_limit_that_is_not_a_positive_finite_number_is_rejected(limit: float) -> None:
    """An infinite limit was an OverflowError from OR-Tools' milliseconds, zero or less a quiet empty search: every
    engine refuses it at the entry, naming the parameter."""
    for engine in ("race", "ortools", "pyvrp", "vroom"):
        with pytest.raises(ValueError, match="time_limit_s"):
            plan_routes(_problem(), RoutingParams(time_limit_s=limit, engine=engine))


def _tight_loading() -> RoutingProblem:
    """One truck, three shipments from one depot (loading 20 min per truck visit), deadline 50 min: only
    "load once per depot visit" makes it (three separate loadings would take 60 min)."""
    km = [0, 5, 6, 7]
    dur = tuple(tuple(abs(a - b) * 60 for b in km) for a in km)
    dist = tuple(tuple(abs(a - b) * 1000 for b in km) for a in km)
    jobs = tuple(Job(f"v{k}", k, (100,), source=0, service_s=60, deadline_s=50 * 60) for k in (1, 2, 3))
    return RoutingProblem(dur, dist, jobs, (Vehicle("t1", 0, 0, (1000,)),), depots=(Depot(0, 1200),))


def test_pyvrp_engine_loads_once_per_depot_visit() -> None:
    """The PyVRP engine models loading once per depot visit exactly: three shipments loaded together make it."""
    p = _tight_loading()
    r = plan_routes(p, RoutingParams(time_limit_s=0.5, engine="pyvrp"))
    assert r.engine == "pyvrp" and verify(p, r) == [] and r.is_feasible
    assert r.routes[0].trips == 1


def test_pyvrp_starts_from_a_given_plan_and_keeps_it_feasible() -> None:
    """A warm start from OR-Tools' plan never ends worse than that plan."""
    from optimizer.routing.pyvrp_engine import solve_pyvrp
    from optimizer.routing.solve import solve_routes

    p = _problem(pickups=True)
    first = solve_routes(p, RoutingParams(time_limit_s=0.5, first_solution_only=True))
    seen: list[int] = []
    r = solve_pyvrp(p, 0.3, initial=first.routes, progress=lambda e: seen.append(e.objective))
    assert verify(p, r) == [] and r.is_feasible and r.objective <= first.objective
    assert seen and seen == sorted(seen, reverse=True)


def test_pyvrp_stop_rule_ends_on_its_work_budget_or_the_callers_stop() -> None:
    """The stopping rule ends PyVRP's search after ``max_iterations`` calls, or at once when the caller says so,
    long before its time budget."""
    from optimizer.routing.pyvrp_engine import _Stop

    stop = _Stop(budget_s=60.0, progress=None, max_iterations=3)
    assert [stop(1234.0) for _ in range(4)] == [False, False, False, True]
    asked = _Stop(budget_s=60.0, progress=None, stop=lambda: True)
    assert asked(1234.0) is True
    counted = _Stop(budget_s=60.0, progress=None, max_work_s=0.5, work=lambda iterations: 0.2 * iterations)
    assert [counted(1234.0) for _ in range(4)] == [False, False, False, True]  # 0, 0.2, 0.4, then 0.6 ≥ 0.5


def test_pyvrp_ends_on_its_work_clock_with_the_same_plan_every_time() -> None:
    """With a work budget PyVRP's search ends when its counted work (move evaluations and iterations, in reference
    seconds) reaches it, long before its time limit, and the same input and seed give the same plan and count."""
    from optimizer.routing.pyvrp_engine import solve_pyvrp

    for p in (_problem(), _problem(pickups=True)):
        runs = [solve_pyvrp(p, 60.0, seed=3, prizes=True, max_work_s=0.05) for _ in range(2)]
        a, b = runs
        assert a.work_s is not None and 0.05 <= a.work_s < 0.5
        assert (a.work_s, a.iterations, a.objective) == (b.work_s, b.iterations, b.objective)
        assert [[(s.job, s.kind) for s in r.stops] for r in a.routes] == [
            [(s.job, s.kind) for s in r.stops] for r in b.routes
        ]


def test_pyvrp_search_is_pyvrps_own_solve_step_by_step() -> None:
    """The counted search is ``pyvrp.solve``'s algorithm: the same seed and number of iterations give PyVRP's own
    best solution."""
    import pyvrp
    from pyvrp.stop import MaxIterations

    from optimizer.routing import pyvrp_engine
    from optimizer.routing.pyvrp_engine import _search, _Stop, _WorkCount

    p = _problem(pickups=True)
    data = pyvrp_engine._model(p, True)[0].data()
    params = pyvrp_engine.solve_params(p, True)
    own = pyvrp.solve(data, MaxIterations(60), seed=5, collect_stats=False, params=params).best
    count = _WorkCount(len(p.jobs), True)
    ours = _search(data, _Stop(60.0, None, max_iterations=60), 5, params, None, count)
    assert ours.distance() == own.distance() and ours.num_clients() == own.num_clients()
    assert (
        count.moves > 0 and count.work_s(60) > count.work_s(0) > 0.0
    )  # its moves counted for the work clock
    assert str(ours) == str(own)  # route by route


def test_pyvrp_reports_the_iterations_it_ran() -> None:
    """``solve_pyvrp`` reports the iterations its search ran (its work budget when that ends it first), the move
    evaluations it counted and the search's own wall time."""
    from optimizer.routing.pyvrp_engine import solve_pyvrp

    p = _problem(pickups=True)
    assert solve_pyvrp(p, 60.0, max_iterations=40).iterations == 40
    short = solve_pyvrp(p, 0.2)
    assert short.iterations is not None and short.iterations > 0
    assert short.work_s is not None and short.work_s > 0
    # the work clock's count and the search's time, reported for bench.pyvrp_rate
    assert short.moves is not None and short.moves > 0
    assert short.search_s is not None and 0 < short.search_s <= 0.2 + 0.1


def test_ortools_polishes_a_given_plan_without_making_it_worse() -> None:
    """OR-Tools started from another engine's routes keeps them feasible and never ends worse."""
    from optimizer.routing.pyvrp_engine import solve_pyvrp
    from optimizer.routing.solve import solve_routes

    p = _problem(pickups=True)
    start = solve_pyvrp(p, 0.2)
    r = solve_routes(p, RoutingParams(time_limit_s=0.3), initial=start.routes)
    assert verify(p, r) == [] and r.is_feasible and r.objective <= start.objective


def test_pickup_and_delivery_gets_the_greedier_pyvrp_search() -> None:
    """Pickup-and-delivery problems get the tuned late-acceptance search; plain deliveries keep PyVRP's defaults."""
    from pyvrp.solve import SolveParams

    from optimizer.routing.pyvrp_engine import solve_params

    tuned = solve_params(_problem(pickups=True))
    assert tuned.ils.history_length == 20 and tuned.perturbation.max_perturbations == 10
    assert solve_params(_problem()) == SolveParams()
