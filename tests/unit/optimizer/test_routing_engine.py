"""Engine choice: the PyVRP engine and the race return checked plans and fall back to OR-Tools when needed."""

from __future__ import annotations

import pytest

from optimizer.check import verify
from optimizer.routing import RoutingParams
from optimizer.routing_engine import plan_routes
from optimizer.routing_model import Depot, Job, Objective, RoutingProblem, Vehicle

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
    from optimizer.routing import solve_routes
    from optimizer.routing_pyvrp import solve_pyvrp

    p = _problem(pickups=True)
    first = solve_routes(p, RoutingParams(time_limit_s=0.5, first_solution_only=True))
    seen: list[int] = []
    r = solve_pyvrp(p, 0.3, initial=first.routes, progress=lambda e: seen.append(e.objective))
    assert verify(p, r) == [] and r.is_feasible and r.objective <= first.objective
    assert seen and seen == sorted(seen, reverse=True)


def test_pyvrp_gives_up_early_without_a_feasible_plan() -> None:
    """The stopping rule ends PyVRP's search at the give-up time while it holds no feasible plan only."""
    from optimizer.routing_pyvrp import _INFEASIBLE, _Stop

    stop = _Stop(budget_s=60.0, give_up_s=0.0, progress=None)
    assert stop(float(_INFEASIBLE)) is True
    stop = _Stop(budget_s=60.0, give_up_s=0.0, progress=None)
    assert stop(1234.0) is False


def test_ortools_polishes_a_given_plan_without_making_it_worse() -> None:
    """OR-Tools started from another engine's routes keeps them feasible and never ends worse."""
    from optimizer.routing import solve_routes
    from optimizer.routing_pyvrp import solve_pyvrp

    p = _problem(pickups=True)
    start = solve_pyvrp(p, 0.2)
    r = solve_routes(p, RoutingParams(time_limit_s=0.3), initial=start.routes)
    assert verify(p, r) == [] and r.is_feasible and r.objective <= start.objective


def test_pyvrp_search_uses_its_defaults_unless_tuned() -> None:
    """PyVRP's default search for every problem (the session-3 tuning lost on the family's tuning seeds); only the
    penalty bound is raised above the largest prize; the greedier late-acceptance search stays an option."""
    from optimizer.routing_pyvrp import max_prize, solve_params

    p = _problem(pickups=True)
    plain = solve_params(p)
    assert plain.ils.history_length == 300 and plain.penalty.max_penalty >= 2 * max_prize(p)
    assert solve_params(p, tuned=True).ils.history_length == 20


def test_pyvrp_serves_what_it_can_when_the_fleet_is_short() -> None:
    """Jobs are prize-collecting in PyVRP: a fleet too small for every job still gives a checked plan that serves
    the high-priority job first."""
    from optimizer.routing_pyvrp import solve_pyvrp

    base = _problem()
    jobs = tuple(
        Job(j.id, j.dest, (600,), service_s=600, deadline_s=8 * 3600, priority=3 if k == 2 else 1)
        for k, j in enumerate(base.jobs)
    )
    p = RoutingProblem(base.duration_s, base.distance_m, jobs, (Vehicle("t1", 0, 0, (1000,)),))
    r = solve_pyvrp(p, 5.0, max_iterations=200)
    assert verify(p, r) == [] and len(r.unserved) == 4
    assert r.routes[0].stops[0].job == jobs[2].id


def test_portfolio_keeps_the_best_member_and_is_never_worse_than_its_pyvrp_member() -> None:
    """The portfolio's plan costs no more than PyVRP alone with the same seed and iteration budget (its member)."""
    from bench.vrp_family import build, draw
    from optimizer.routing_pyvrp import solve_params, solve_pyvrp

    for kind in ("delivery", "pickup"):
        p = build(draw("S", kind, 1002), 1002)
        alone = solve_pyvrp(p, 30.0, 1, params=solve_params(p), max_iterations=40)
        r = plan_routes(p, RoutingParams(time_limit_s=30.0, iterations=40, workers=1))
        assert verify(p, r) == [] and r.objective <= alone.objective


def test_polish_replaces_a_plan_only_when_it_is_cheaper() -> None:
    """OR-Tools' polish runs from the best plan and never makes the result worse."""
    p = _problem(pickups=True)
    base = plan_routes(p, RoutingParams(time_limit_s=5.0, iterations=30, workers=1))
    polished = plan_routes(p, RoutingParams(time_limit_s=1.0, iterations=30, workers=1, polish_share=0.3))
    assert verify(p, polished) == [] and polished.objective <= base.objective


def test_same_input_and_seed_give_the_same_plan() -> None:
    """Deterministic by default: the iteration budget, not the clock, ends the search."""
    from bench.vrp_family import build, draw

    p = build(draw("S", "delivery", 1003), 1003)
    runs = [plan_routes(p, RoutingParams(time_limit_s=30.0, iterations=50, workers=1)) for _ in range(2)]
    assert runs[0].routes == runs[1].routes and runs[0].objective == runs[1].objective
    assert "capped" not in runs[0].engine


def test_parallel_members_never_lose_to_the_single_core_plan() -> None:
    """Two workers: member 0 is the single-core run, so the parallel plan is at least as good."""
    from bench.vrp_family import build, draw

    p = build(draw("S", "delivery", 1004), 1004)
    one = plan_routes(p, RoutingParams(time_limit_s=30.0, iterations=40, workers=1))
    two = plan_routes(p, RoutingParams(time_limit_s=30.0, iterations=40, workers=2))
    assert verify(p, two) == [] and two.objective <= one.objective


@pytest.mark.parametrize("kind", ["delivery", "pickup", "agreement"])
def test_greedy_first_plan_is_checked_and_serves_jobs(kind: str) -> None:
    """The portfolio's first plan (shown at once, the fallback) passes the checker on every kind of problem."""
    from bench.vrp_family import build, draw
    from optimizer.routing_greedy import first_plan

    p = build(draw("S", kind, 1005), 1005)
    r = first_plan(p)
    assert verify(p, r) == [] and r.routes and len(r.unserved) < len(p.jobs)


def test_vroom_engine_loads_once_per_depot_visit() -> None:
    """VROOM's setup time is the loading: three shipments loaded in one visit make the 50 min deadline."""
    pytest.importorskip("vroom")
    from optimizer.routing_vroom import solve_vroom

    p = _tight_loading()
    r = solve_vroom(p, 5.0)
    assert verify(p, r) == [] and r.is_feasible and r.routes[0].trips == 1
