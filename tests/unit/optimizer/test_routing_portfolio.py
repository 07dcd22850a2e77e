"""Issue 21: the race's members and rules. VROOM behind the product's types, PyVRP on the product's objective
(prize-collecting, so a short fleet still gets a plan), deterministic work budgets (same input and seed, same plan)
and VROOM's work (searches, depth) chosen by size."""

from __future__ import annotations

import dataclasses
import random

import pytest

from bench.vrp_family import LINE_KM as KM
from bench.vrp_family import line
from optimizer.routing import budget
from optimizer.routing.budget import LARGE_JOBS
from optimizer.routing.check import verify
from optimizer.routing.engine import _core_params, _Shares, _vroom_work, _workers, plan_routes
from optimizer.routing.problem import (
    Depot,
    Job,
    Objective,
    RoutingProblem,
    RoutingResult,
    Vehicle,
    drop_penalty,
)
from optimizer.routing.solve import RoutingParams, search_overrun_s

pytest.importorskip("pyvrp")
pytest.importorskip("vroom")


def _problem(pickups: bool = False, capacity: int = 1200, trucks: int = 2) -> RoutingProblem:
    return line(pickups, capacity, trucks)  # seven jobs along one road (bench.pyvrp_rate measures it too)


@pytest.mark.parametrize("pickups", [False, True], ids=["delivery", "pickup_delivery"])
def test_vroom_engine_gives_a_checked_plan_on_our_timing_rule(pickups: bool) -> None:
    """VROOM's visit orders, re-timed by our rule, pass the checker and serve everyone a roomy fleet can carry."""
    p = _problem(pickups=pickups)
    r = plan_routes(p, RoutingParams(time_limit_s=2.0, engine="vroom"))
    assert verify(p, r) == [] and r.is_feasible and r.engine == "vroom"


def test_vroom_loads_once_per_depot_visit() -> None:
    """Two shipments from one depot, deadlines that leave room for one loading (600 s) but not two: VROOM's
    setup-time model charges the loading once per depot visit, so it serves both in one trip."""
    dur = tuple(tuple(abs(a - b) * 90 for b in KM) for a in KM)
    dist = tuple(tuple(abs(a - b) * 1000 for b in KM) for a in KM)
    jobs = tuple(Job(f"v{k}", k, (100,), source=0, service_s=600, deadline_s=1600) for k in (1, 4))
    p = RoutingProblem(dur, dist, jobs, (Vehicle("t0", 0, 0, (1000,)),), depots=(Depot(0, 600),))
    r = plan_routes(p, RoutingParams(time_limit_s=2.0, engine="vroom"))
    assert verify(p, r) == [] and r.is_feasible and r.engine == "vroom"
    assert len(r.routes) == 1 and r.routes[0].trips == 1


def test_vroom_cannot_take_what_it_cannot_express() -> None:
    """Makespan objectives, per-vehicle profiles or restrictions and mixed costs per metre are left to the others."""
    from optimizer.routing.vroom_engine import supports

    p = _problem()
    assert supports(p)
    assert not supports(dataclasses.replace(p, objective=Objective.MAKESPAN))
    mixed = (p.vehicles[0], dataclasses.replace(p.vehicles[1], distance_cost=2))
    assert not supports(dataclasses.replace(p, vehicles=mixed))
    bound = (dataclasses.replace(p.jobs[0], vehicles=(0,)), *p.jobs[1:])
    assert not supports(dataclasses.replace(p, jobs=bound))


def test_vroom_loads_each_depot_visit_in_the_problems_job_order() -> None:
    """Pickups in one run at one place come out in the problem's job order (VROOM's threads keep whichever of two
    such equal-cost plans came first); runs at another place or after a delivery stay apart, and the truck leaves
    with the same load at the same time."""
    from optimizer.routing.schedule import schedule_route
    from optimizer.routing.vroom_engine import loading_in_order

    p = _problem(pickups=True)
    rank = {j.id: k for k, j in enumerate(p.jobs)}
    j1, j2, j3, j4 = p.jobs[:4]
    visits = [
        (j3, "pickup"),
        (j1, "pickup"),
        (j2, "pickup"),
        (j1, "delivery"),
        (j4, "pickup"),
        (j3, "delivery"),
    ]
    visits += [(j2, "delivery"), (j4, "delivery")]
    ordered = loading_in_order(visits, rank)
    assert [(j.id, kind) for j, kind in ordered[:6]] == [
        ("v1", "pickup"), ("v2", "pickup"), ("v3", "pickup"), ("v1", "delivery"), ("v4", "pickup"), ("v3", "delivery")
    ]  # fmt: skip
    a, b = schedule_route(p, p.vehicles[0], visits), schedule_route(p, p.vehicles[0], ordered)
    assert a.stops[2].departure_s == b.stops[2].departure_s and a.stops[2].load == b.stops[2].load
    assert a.end_s == b.end_s and a.distance_m == b.distance_m and a.trips == b.trips == 2


def test_vroom_priorities_keep_the_order_of_the_drop_penalties() -> None:
    """A dearer job to drop never gets a lower VROOM priority; equal penalties get equal priorities."""
    from optimizer.routing.vroom_engine import _priorities

    p = _problem()
    prio = _priorities(p)
    pen = [drop_penalty(j) for j in p.jobs]
    for a in range(len(pen)):
        for b in range(len(pen)):
            if pen[a] < pen[b]:
                assert prio[a] < prio[b]
            if pen[a] == pen[b]:
                assert prio[a] == prio[b]
    assert max(prio) == 100 and min(prio) >= 0


def test_a_short_fleet_still_gets_a_plan_that_serves_the_dearest_jobs() -> None:
    """One loaded truck for seven deliveries: PyVRP on the product's objective drops jobs at their penalty
    instead of giving up, so the race's plan serves what fits, priority first, and passes the checker."""
    p = _problem(capacity=900, trucks=1)
    r = plan_routes(p, RoutingParams(time_limit_s=1.5))
    assert verify(p, r) == [] and r.routes
    served = {s.job for route in r.routes for s in route.stops}
    assert len(served) == 3  # three loads of 300 fill the truck (goods on board: no reloading)
    priority = {j.id for j in p.jobs if j.priority == 3}
    assert priority <= served


def test_pyvrp_alone_on_the_product_objective_serves_a_short_fleet() -> None:
    """Engine "pyvrp" (prize-collecting by default) returns PyVRP's own plan instead of falling back."""
    p = _problem(capacity=900, trucks=1)
    r = plan_routes(p, RoutingParams(time_limit_s=0.5, engine="pyvrp"))
    assert verify(p, r) == [] and r.engine == "pyvrp" and len(r.unserved) == 4


@pytest.mark.parametrize("pickups", [False, True], ids=["delivery", "pickup_delivery"])
def test_the_race_is_deterministic_by_default(pickups: bool) -> None:
    """Same problem and seed, run twice: the same routes, stop for stop (every step ended on its work budget).

    The distances are road-like (a little longer one way than the other): on points on a line a route and its
    reverse cost exactly the same, and which of two such plans VROOM keeps depends on the order its search threads
    run in (a documented limit, docs/routing.md; CI once saw the other plan)."""
    p = _problem(pickups=pickups, capacity=700, trucks=2)
    n, rng = len(KM), random.Random(5)
    skew = tuple(
        tuple(p.distance_m[a][b] + (rng.randrange(1, 500) if a != b else 0) for b in range(n))
        for a in range(n)
    )
    p = dataclasses.replace(p, distance_m=skew)
    params = RoutingParams(time_limit_s=3.0, seed=7, workers=1)
    a, b = plan_routes(p, params), plan_routes(p, params)
    assert a.objective == b.objective
    assert [(r.vehicle, [(s.job, s.kind) for s in r.stops]) for r in a.routes] == [
        (r.vehicle, [(s.job, s.kind) for s in r.stops]) for r in b.routes
    ]


def test_work_budgets_follow_the_size_and_the_time_limit_only() -> None:
    """PyVRP's work clock counts more for more moves, iterations and jobs, and more per move with shipments; its
    budget is a fixed part of its share; VROOM's work falls with size (whole levels, then fewer
    searches, then None when not even one search would end within its share); the shares add up to the limit."""
    small = _problem()
    big = dataclasses.replace(
        small, jobs=tuple(dataclasses.replace(small.jobs[0], id=f"j{k}") for k in range(900))
    )
    clock = budget.pyvrp_work_s
    assert clock(0, 0, 100, False) == 0.0
    more_moves, more_iterations = clock(2 * 10**6, 100, 100, False), clock(2 * 10**6, 200, 100, False)
    assert clock(10**6, 100, 100, False) < more_moves < more_iterations
    assert clock(10**6, 100, 100, False) < clock(10**6, 100, 800, False) < clock(10**6, 100, 800, True)
    assert 0.0 < budget.pyvrp_budget_s(5.0, 100) < 5.0
    # the polish only where its moves are expected to end before its cap less OR-Tools' overrun
    assert budget.polish_fits(3.0, search_overrun_s(400)) and budget.polish_fits(1.5, search_overrun_s(100))
    assert not budget.polish_fits(1.5, search_overrun_s(399))  # 10 s on 399 jobs: 0.5 s for 4 moves
    # the step's fixed cost comes off the share: 0.1 s at 100 places, 0.5 s at 300; all of a share of 0.3 s at 300
    assert budget.pyvrp_budget_s(10.1, 100) == pytest.approx(2 * budget.pyvrp_budget_s(5.1, 100))
    assert budget.pyvrp_budget_s(5.5, 300) == pytest.approx(budget.pyvrp_budget_s(5.1, 100))
    assert budget.pyvrp_budget_s(0.3, 300) == 0.0
    params = RoutingParams(time_limit_s=10.0)
    assert _vroom_work(small, params, 4.0) == (32, 5)  # exploration level 5, as VROOM maps it
    assert _vroom_work(big, params, 2.0) is None  # one search of 900 jobs: 2.3 s expected
    assert _vroom_work(big, params, 60.0) == (2, 1)  # large: one deep search beats many shallow ones
    assert _vroom_work(big, dataclasses.replace(params, vroom_exploration=2), 4.0) == (12, 2)

    def many(p: RoutingProblem, n: int) -> RoutingProblem:
        return dataclasses.replace(
            p, jobs=tuple(dataclasses.replace(p.jobs[0], id=f"j{k}") for k in range(n))
        )

    shares = _Shares.of(small, params, 0.0)
    assert shares.vroom_s + shares.pyvrp_s + shares.polish_s == pytest.approx(10.0)
    # a fleet that can carry all: VROOM's share is the plain 15 %, PyVRP, the stronger member there, gets the most;
    # VROOM's top level on 7 jobs ends in a fraction of its share: it is planned at 1.5 × its estimate, PyVRP's
    # budget gets the rest, VROOM keeps its whole share as its cap
    assert shares.vroom_cap_s == 1.5 and shares.vroom_work == (32, 5)
    assert shares.vroom_s == pytest.approx(budget.VROOM_ROOM * budget.vroom_seconds(7, (32, 5)))
    assert shares.vroom_s < 0.1
    assert shares.pyvrp_s == pytest.approx(8.5 - shares.vroom_s)
    short = _Shares.of(_problem(capacity=700), params, 0.0)  # 2 × 700 < 7 × 300: some jobs must be left
    assert short.vroom_cap_s == 4.0  # VROOM keeps the higher priorities
    tight = _Shares.of(
        many(_problem(capacity=700), 300), params, 0.0
    )  # VROOM's work near its share: all of it
    assert tight.vroom_s == tight.vroom_cap_s == 4.0 and tight.pyvrp_s == pytest.approx(4.5)

    plain, pick = (
        _Shares.of(many(small, 300), params, 0.0),
        _Shares.of(many(_problem(pickups=True), 300), params, 0.0),
    )
    assert pick.vroom_s > plain.vroom_s  # VROOM gets the larger share on pickup-and-delivery
    assert plain.vroom_work == (8, 1) and pick.vroom_work == (12, 2)  # levels 1 and 2 as VROOM maps them
    large = _Shares.of(big, dataclasses.replace(params, time_limit_s=60.0), 0.0)
    assert large.large and not shares.large
    assert large.polish_s == 0 and large.vroom_s < large.vroom_cap_s == 0.4 * 60
    assert large.pyvrp_s == pytest.approx(60 - large.vroom_s)  # PyVRP's budget: all but VROOM's expected time
    # above LARGE_JOBS the estimate errs more: VROOM is planned with the larger room
    assert large.vroom_work is not None and large.vroom_s == pytest.approx(
        budget.VROOM_ROOM_LARGE * budget.vroom_seconds(len(big.jobs), large.vroom_work)
    )
    assert len(big.jobs) > LARGE_JOBS


def test_vrooms_work_fills_its_share_between_whole_levels() -> None:
    """Between two exploration levels the ladder runs the upper level's depth with fewer searches, never fewer than
    the level below runs (VROOM takes the first searches of its fixed list): the chosen work is the most expected
    to end within the margin, so a share between two levels is no longer left 30-60 % unused."""
    ladder = budget.vroom_ladder(362)
    times = [budget.vroom_seconds(362, w) for w in ladder]
    assert times == sorted(times, reverse=True)  # most work first
    for searches, depth in ladder:
        if depth >= 2:
            assert budget.level_work(depth - 1)[0] <= searches <= budget.level_work(depth)[0]
    # M-agreement-1 at 45 s (VROOM's own time there): 33.75 s of share, 85 % of it fits level 3 (17.2 s) and
    # level 3's searches and four more at depth 4 (27.4 s), not level 4 (32.9 s)
    assert budget.vroom_work(362, 33.75) == (20, 4)
    assert (
        budget.vroom_seconds(362, (20, 4)) <= budget.VROOM_MARGIN * 33.75 < budget.vroom_seconds(362, (21, 4))
    )
    assert budget.vroom_work(362, 33.75, exploration=3) == (16, 3)  # a level given is taken as it is
    assert budget.vroom_ladder(401) == [(2, 1), (1, 1), (1, 0)]  # large: a few searches only


def test_the_second_core_races_with_the_other_emphasis() -> None:
    """The second core's race: PyVRP all but the polish where the race leans on PyVRP (no pickups, a fleet that can
    carry everything); elsewhere, with a share the caller set, or on a large problem, the same race with the next
    seed. Always one core, no stop hook (it cannot cross processes), a second shorter."""
    params = RoutingParams(time_limit_s=10.0, workers=2, seed=4)
    pick, short, roomy = _problem(pickups=True), _problem(capacity=700), _problem()
    other = _core_params(roomy, params, 2)
    assert (other.vroom_share, other.workers, other.stop, other.time_limit_s, other.seed) == (
        0.0,
        1,
        None,
        9.0,
        4,
    )
    assert _Shares.of(roomy, other, 0.0).vroom_work is None  # PyVRP's race: no VROOM step
    for leaning_on_vroom in (pick, short):
        other = _core_params(leaning_on_vroom, params, 2)
        assert (other.vroom_share, other.seed, other.time_limit_s) == (None, 5, 9.0)
    given = _core_params(roomy, dataclasses.replace(params, vroom_share=0.5), 2)
    assert (given.vroom_share, given.seed) == (0.5, 5)
    big = dataclasses.replace(
        roomy, jobs=tuple(dataclasses.replace(roomy.jobs[0], id=f"j{k}") for k in range(LARGE_JOBS + 1))
    )
    assert (_core_params(big, params, 2).vroom_share, _core_params(big, params, 2).seed) == (None, 5)
    no_pyvrp = _Shares.of(pick, dataclasses.replace(params, vroom_share=0.85, vroom_exploration=5), 0.0)
    assert no_pyvrp.pyvrp_s == 0.0  # VROOM given all but the polish: no PyVRP step, not a sliver of one


def test_further_cores_race_with_further_seeds_and_emphases() -> None:
    """Cores 3, 4, ...: where the race leans on PyVRP, the race and PyVRP alone take turns, each pair with the next
    seed; elsewhere core k runs the race with seed + k - 1. No two cores run the same race."""
    params = RoutingParams(time_limit_s=10.0, workers=6, seed=4)
    roomy, pick = _problem(), _problem(pickups=True)
    leaning = [
        (_core_params(roomy, params, k).vroom_share, _core_params(roomy, params, k).seed) for k in range(2, 7)
    ]
    assert leaning == [(0.0, 4), (None, 5), (0.0, 5), (None, 6), (0.0, 6)]
    assert [_core_params(pick, params, k).seed for k in range(2, 7)] == [5, 6, 7, 8, 9]
    for k in range(2, 7):
        core = _core_params(pick, params, k)
        assert (core.workers, core.stop, core.time_limit_s, core.vroom_share) == (1, None, 9.0, None)


def test_the_races_at_once_are_the_usable_cores_within_the_machines_memory(monkeypatch) -> None:
    """By default one race per core this process may use (its CPU affinity), fewer when the other processes would
    not fit in half the machine's memory; ``workers`` given is taken, within the same memory bound."""
    from optimizer.routing import parallel

    p = _problem()
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    assert parallel.usable_cores() == 4
    assert _workers(p, RoutingParams()) == 4
    assert _workers(p, RoutingParams(workers=1)) == 1
    assert _workers(p, RoutingParams(workers=8)) == 8
    monkeypatch.setattr(parallel, "processes_fitting", lambda jobs: 2)
    assert _workers(p, RoutingParams()) == 3 and _workers(p, RoutingParams(workers=8)) == 3
    monkeypatch.setattr(parallel, "processes_fitting", lambda jobs: 0)
    assert _workers(p, RoutingParams()) == 1  # no room for another process: one core
    monkeypatch.undo()
    gib = 2**30
    monkeypatch.setattr(
        parallel.os, "sysconf", lambda name: {"SC_PHYS_PAGES": 2 * gib // 4096, "SC_PAGE_SIZE": 4096}[name]
    )
    assert parallel.processes_fitting(100) == 3  # 1 GiB for others, ~265 MiB each at 100 jobs
    assert parallel.processes_fitting(800) == 2


def test_on_three_cores_two_further_races_run_and_the_best_checked_plan_wins(monkeypatch) -> None:
    """``workers=3``: two other processes, each with its own race; the answer passes the checker, is no worse than
    the single-core race's, and names the core whose plan it is when that is not this process's own."""
    from optimizer.routing import parallel

    started: list[RoutingParams] = []
    real = parallel.RaceAside.__init__

    def counting(self, problem, params) -> None:  # type: ignore[no-untyped-def]
        started.append(params)
        real(self, problem, params)

    monkeypatch.setattr(parallel.RaceAside, "__init__", counting)
    p = _problem(pickups=True, capacity=700, trucks=2)
    three = plan_routes(p, RoutingParams(time_limit_s=3.0, workers=3))
    one = plan_routes(p, RoutingParams(time_limit_s=3.0, workers=1))
    assert [s.seed for s in started] == [2, 3]
    assert verify(p, three) == [] and three.is_feasible and three.engine.startswith("race:")
    assert three.objective <= one.objective
    assert "(core 1)" not in three.engine


def test_on_two_cores_a_second_race_runs_in_another_process_and_the_plan_is_checked() -> None:
    """``workers=2``: the single-core race with the other emphasis in another process beside this one; the plan
    passes the checker and is no worse than the single-core race's with the same seed."""
    p = _problem(pickups=True, capacity=700, trucks=2)
    two = plan_routes(p, RoutingParams(time_limit_s=3.0, workers=2))
    one = plan_routes(p, RoutingParams(time_limit_s=3.0, workers=1))
    assert verify(p, two) == [] and two.is_feasible and two.engine.startswith("race:")
    assert two.objective <= one.objective


def test_a_second_process_that_never_answers_is_ended_and_adds_no_plan() -> None:
    """The other race's process is abandoned when it has not answered in time: no plan, no process left behind."""
    from optimizer.routing.parallel import RaceAside

    aside = RaceAside(_problem(), RoutingParams(time_limit_s=5.0, workers=1))
    assert aside.collect(0.0) is None
    assert aside._proc.poll() is not None  # killed and reaped


def test_a_cancelled_solve_on_two_cores_ends_early() -> None:
    """A stop request (a cancelled job) ends this race at once and the other process is not waited for."""
    import time

    p = _problem(pickups=True, capacity=700, trucks=2)
    t0 = time.monotonic()
    r = plan_routes(p, RoutingParams(time_limit_s=30.0, workers=2, stop=lambda: True))
    assert time.monotonic() - t0 < 15.0
    assert verify(p, r) == []


def test_vroom_takes_a_village_cut_off_by_a_closed_road() -> None:
    """No road to one village (UNREACHABLE legs): VROOM's overflow guard accepts the matrix, the village is left
    unserved as unreachable and the others are served; the race never fails because a member refused its input."""
    from optimizer.routing.problem import UNREACHABLE

    p = _problem()
    cut = 3
    dur = tuple(tuple(UNREACHABLE if cut in (a, b) and a != b else d for b, d in enumerate(row))
                for a, row in enumerate(p.duration_s))  # fmt: skip
    dist = tuple(tuple(UNREACHABLE if cut in (a, b) and a != b else d for b, d in enumerate(row))
                 for a, row in enumerate(p.distance_m))  # fmt: skip
    p = dataclasses.replace(p, duration_s=dur, distance_m=dist)
    for engine in ("vroom", "race"):
        r = plan_routes(p, RoutingParams(time_limit_s=1.0, engine=engine, workers=1))
        assert verify(p, r) == []
        assert [u.job for u in r.unserved] == [f"v{cut}"] and r.unserved[0].reason.value == "unreachable"
    assert plan_routes(p, RoutingParams(time_limit_s=1.0, engine="vroom")).engine == "vroom"


def test_a_large_problem_gets_vroom_s_first_plan_and_no_or_tools_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above LARGE_JOBS the race builds no OR-Tools model (its first plan of 800 pickups took 7.6 s and its model
    2-3 × PyVRP's memory): the first plan reported is VROOM's single search, and the result is checked and no
    worse than it."""
    from bench.vrp_family import instance
    from optimizer.routing import engine, vroom_engine

    p = instance("L", "pickup", 1001)[1]
    assert len(p.jobs) > LARGE_JOBS
    built: list[str] = []
    monkeypatch.setattr(engine, "solve_routes", lambda *a, **k: built.append("ortools"))
    build_model = vroom_engine.build_model
    monkeypatch.setattr(vroom_engine, "build_model", lambda q: built.append("vroom") or build_model(q))
    seen: list[int] = []
    r = plan_routes(p, RoutingParams(time_limit_s=3.0, workers=1), lambda e: seen.append(e.objective))
    assert built == ["vroom"]  # VROOM's input built once, for its first plan and its search
    assert verify(p, r) == [] and r.routes and r.engine.startswith("race:")
    assert seen and r.log[0].objective == seen[0] and r.objective <= seen[0]


def test_a_large_race_never_answers_worse_than_the_first_plan_it_showed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A deterministic large race leaves VROOM's cut-off first plan out of its steps, but when the clock cuts those
    steps short (CI under load: VROOM's search ended at its timeout, worse than the first plan, and PyVRP got no
    time) the answer is still the first plan shown, and names it among the steps the clock decided."""
    from bench.vrp_family import instance
    from optimizer.routing import engine
    from optimizer.routing.schedule import plan_result

    p = instance("L", "pickup", 1001)[1]
    vroom_result = engine._vroom_result
    calls: list[RoutingResult] = []

    def cut_short(*args: object, **kwargs: object) -> RoutingResult | None:
        if calls:  # the step: a worse plan, cut by the clock (the first plan less its last route)
            worse = plan_result(p, calls[0].routes[:-1], 0.0, "vroom")
            return dataclasses.replace(worse, cut_by_clock=("vroom",))
        r = vroom_result(*args, **kwargs)  # type: ignore[arg-type]
        assert r is not None
        calls.append(r)
        return r

    monkeypatch.setattr(engine, "_vroom_result", cut_short)
    monkeypatch.setattr(engine, "_pyvrp_result", lambda *a, **k: None)
    seen: list[int] = []
    r = plan_routes(p, RoutingParams(time_limit_s=3.0, workers=1), lambda e: seen.append(e.objective))
    assert calls and seen[0] == calls[0].objective
    assert verify(p, r) == [] and r.objective == seen[0] and r.routes == calls[0].routes
    assert r.engine == "race:vroom" and "vroom" in r.cut_by_clock


def test_one_vroom_input_solved_twice_gives_the_plans_of_fresh_inputs() -> None:
    """The large race solves VROOM's input twice (its cut-off first plan, then its search): VROOM's second solve of
    the same input must plan exactly as on a freshly built one, even after a wait as long as its limit (VROOM counts
    its timeout from the input's construction; uncorrected, this search would be cut at once)."""
    import time

    from bench.vrp_family import instance
    from optimizer.routing import vroom_engine

    p = instance("M", "agreement", 1001)[1]
    model = vroom_engine.build_model(p)
    vroom_engine.solve_vroom(p, 30.0, work=(1, 0), model=model)

    def stops(r: RoutingResult) -> list[tuple[str, list[tuple[str, str]]]]:
        return [(t.vehicle, [(s.job, s.kind) for s in t.stops]) for t in r.routes]

    time.sleep(1.0)
    again = vroom_engine.solve_vroom(p, 1.0, work=(2, 1), model=model)
    fresh = vroom_engine.solve_vroom(p, 30.0, work=(2, 1))
    assert stops(again) == stops(fresh) and again.objective == fresh.objective


def test_or_tools_search_keeps_its_overrun_inside_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """OR-Tools finishes a neighbourhood scan past its limit (google/or-tools#1934): the search's own limit is the
    call's less that overrun (so a search whose overrun fills the call ends at once), and the race skips a polish
    with no time for it."""
    import time

    from optimizer.routing import engine, solve

    p = _problem()
    assert solve.search_overrun_s(800) == pytest.approx(4 * solve.search_overrun_s(400))
    first = solve.solve_routes(p, RoutingParams(time_limit_s=1.0, first_solution_only=True))
    monkeypatch.setattr(solve, "search_overrun_s", lambda jobs: 100.0)
    t0 = time.monotonic()
    r = solve.solve_routes(
        p, RoutingParams(time_limit_s=5.0), initial=first.routes
    )  # GLS never ends by itself
    assert time.monotonic() - t0 < 1.5 and verify(p, r) == [] and r.objective <= first.objective
    t0 = time.monotonic()
    r = solve.solve_routes(
        p, RoutingParams(time_limit_s=4.0)
    )  # no plan yet: half the time kept for the first
    assert time.monotonic() - t0 < 3.5 and verify(p, r) == [] and r.routes
    # planned before OR-Tools is replaced: PyVRP may fall back to it
    best = plan_routes(p, RoutingParams(time_limit_s=1.0, engine="pyvrp"))
    monkeypatch.setattr(engine, "search_overrun_s", lambda jobs: 100.0)
    monkeypatch.setattr(engine, "solve_routes", lambda *a, **k: pytest.fail("polished with no time for it"))
    polished = engine._polished(p, RoutingParams(time_limit_s=10.0), best, 5.0, engine._Relay(None, t0, None))
    assert polished == (best, True)  # the plan kept, the polish named as ended by the clock


def test_an_or_tools_search_out_of_time_before_its_start_keeps_the_initial_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On a loaded machine a search whose limit is about nothing (its overrun fills the call) ended before OR-Tools
    took the initial plan, and OR-Tools returned none: an empty answer, every job unserved (the flaky test above,
    reproduced under three busy loops). The initial plan stands."""
    from ortools.constraint_solver import pywrapcp

    from optimizer.routing import solve

    p = _problem()
    first = solve.solve_routes(p, RoutingParams(time_limit_s=1.0, first_solution_only=True))
    assert first.routes
    monkeypatch.setattr(pywrapcp.RoutingModel, "SolveFromAssignmentWithParameters", lambda *a: None)
    r = solve.solve_routes(p, RoutingParams(time_limit_s=1.0), initial=first.routes)
    assert verify(p, r) == [] and r.routes == first.routes and r.objective == first.objective


def test_vroom_searches_get_wider_slices_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """VROOM gives each of its searches timeout / searches from the search's own start (vroom src/problems/vrp.h):
    with three searches or more the deterministic race passes 1.5 × the call's time left (never more than VROOM's
    share for each), so no search is cut unseen where the step's work fits and a much slower machine ends the call
    at most half its time late; up to two searches, and not deterministic, the time left, as before."""
    from optimizer.routing import engine

    shares = _Shares.of(_problem(pickups=True), RoutingParams(time_limit_s=10.0), 0.0)
    assert shares.vroom_work == (32, 5) and shares.vroom_cap_s == 7.5
    assert engine._vroom_timeout(shares, (32, 5), 9.8, True) == pytest.approx(1.5 * 9.8)
    assert engine._vroom_timeout(shares, (3, 5), 9.8, True) == pytest.approx(1.5 * 9.8)
    assert engine._vroom_timeout(shares, (2, 1), 9.8, True) == pytest.approx(9.8)
    assert engine._vroom_timeout(shares, (1, 1), 9.8, True) == 7.5  # one search: its share
    assert engine._vroom_timeout(shares, (32, 5), 9.8, False) == 9.8
    seen: list[float] = []
    real = engine._vroom_result
    monkeypatch.setattr(engine, "_vroom_result", lambda p, t, w, m=None: seen.append(t) or real(p, t, w, m))
    plan_routes(_problem(pickups=True), RoutingParams(time_limit_s=10.0, workers=1))
    assert len(seen) == 1 and 1.5 * 8.5 < seen[0] <= 1.5 * 10.0  # 1.5 × the call's time left
    plan_routes(_problem(pickups=True), RoutingParams(time_limit_s=10.0, workers=1, deterministic=False))
    assert len(seen) == 2 and 7.5 < seen[1] <= 8.5  # not deterministic: to the time before the polish


def test_pyvrp_and_the_polish_end_on_their_budgets_when_vroom_ran_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When VROOM's step runs past its share (its time estimate was low), the deterministic race's later steps are
    capped at the stretched end (1.5 × the limit, ``budget.stretch``), not at the limit: PyVRP and the polish end on
    their work budgets and give the plan they give when nothing ran over (session 21: capped at the limit,
    M-pickup-1's polish was cut in one of two identical runs). Where even the stretched end cannot hold PyVRP's
    budget (``budget.pyvrp_fits``), the clock will end PyVRP either way: it ends before the polish's share and the
    polish gets its moves (S-delivery-1: the polish alone served a 15th job, bench/RESULTS.md, session 20). Not
    deterministic, PyVRP keeps to the time before the polish's share."""
    import time

    from optimizer.routing import budget, engine

    limit = 4.0
    p = _problem(pickups=True)
    shares = _Shares.of(p, RoutingParams(time_limit_s=limit), 0.0)
    assert shares.polish_s == pytest.approx(0.6) and shares.stretch == 1.5

    def slow_vroom(*args: object, **kwargs: object) -> None:
        time.sleep(limit - shares.polish_s - 0.2)  # VROOM ends 0.2 s before the polish's share

    caps: list[float] = []
    polish_ends: list[float] = []
    real, real_polished = engine._pyvrp_result, engine._polished

    def pyvrp(problem: RoutingProblem, time_limit_s: float, *args: object, **kwargs: object) -> object:
        caps.append(time_limit_s)
        return real(problem, time_limit_s, *args, **kwargs)  # type: ignore[arg-type]

    def polished(
        problem: RoutingProblem, params: RoutingParams, best: object, rest: float, relay: object
    ) -> object:
        polish_ends.append(time.monotonic() + rest - started)
        return real_polished(problem, params, best, rest, relay)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "_vroom_result", slow_vroom)
    monkeypatch.setattr(engine, "_pyvrp_result", pyvrp)
    monkeypatch.setattr(engine, "_polished", polished)
    monkeypatch.setattr(budget, "pyvrp_budget_s", lambda seconds, locations: 0.3)  # fits in the 0.8 s left
    started = time.monotonic()
    r = plan_routes(p, RoutingParams(time_limit_s=limit, workers=1))
    assert verify(p, r) == [] and r.cut_by_clock == ()
    # 3.2 s gone: PyVRP's cap is the stretched end (6 s) less the time to check a plan, past the limit
    assert len(caps) == 1 and 2.5 < caps[0] < 2.8
    assert len(polish_ends) == 1 and 1.5 * limit - 0.1 < polish_ends[0] <= 1.5 * limit  # the polish's cap too
    monkeypatch.setattr(budget, "pyvrp_budget_s", lambda seconds, locations: 5.0)  # fits not even by 6 s
    started = time.monotonic()
    r = plan_routes(p, RoutingParams(time_limit_s=limit, workers=1))
    # cut either way: it keeps to the time before the polish's share of the stretched end
    assert len(caps) == 2 and 1.9 < caps[1] < 2.8 - shares.polish_s
    assert "pyvrp" in r.cut_by_clock and "polish" not in r.cut_by_clock and verify(p, r) == []
    # not deterministic, the clock is PyVRP's budget: it keeps to the time before the polish's share
    plan_routes(p, RoutingParams(time_limit_s=limit, workers=1, deterministic=False))
    assert len(caps) == 3 and caps[2] <= 0.2


def test_only_a_deterministic_race_up_to_400_jobs_runs_past_its_limit() -> None:
    """The stretch: 1.5 × the limit for a deterministic race up to ``LARGE_JOBS`` jobs; 1 (the limit is the cap)
    above it, where the limit is a wall-time promise (n = 800 within 60 s), and without determinism."""
    import time

    assert budget.stretch(400, True) == budget.DETERMINISTIC_STRETCH == 1.5
    assert budget.stretch(401, True) == 1.0 and budget.stretch(50, False) == 1.0
    shares = _Shares.of(_problem(pickups=True), RoutingParams(time_limit_s=10.0), 0.0)
    assert shares.end_left() == pytest.approx(15.0 - time.monotonic(), abs=0.01)


def test_each_result_names_the_steps_the_clock_ended() -> None:
    """``cut_by_clock`` names every step that the wall clock ended before its own end (the same input may then give
    another plan): none in a deterministic race on a small problem, the time-bound searches otherwise."""
    from bench.vrp_family import instance
    from optimizer.routing.pyvrp_engine import solve_pyvrp
    from optimizer.routing.solve import solve_routes
    from optimizer.routing.vroom_engine import solve_vroom

    p = _problem(pickups=True, capacity=700)
    assert plan_routes(p, RoutingParams(time_limit_s=3.0, workers=1)).cut_by_clock == ()
    timed = plan_routes(p, RoutingParams(time_limit_s=3.0, workers=1, deterministic=False))
    assert "pyvrp" in timed.cut_by_clock and "polish" in timed.cut_by_clock  # the clock is their budget
    assert solve_pyvrp(p, 0.2, prizes=True).cut_by_clock == ("pyvrp",)
    assert solve_pyvrp(p, 60.0, prizes=True, max_work_s=0.02).cut_by_clock == ()
    gls = solve_routes(p, RoutingParams(time_limit_s=0.5))  # guided local search runs to its time limit
    assert gls.cut_by_clock == ("ortools",)
    assert solve_routes(p, RoutingParams(time_limit_s=5.0, metaheuristic="greedy")).cut_by_clock == ()
    assert solve_vroom(p, 5.0, work=(4, 1)).cut_by_clock == ()
    big = instance("S", "pickup", 1001)[1]
    assert solve_vroom(big, 0.1, work=(32, 5)).cut_by_clock == ("vroom",)


def test_pyvrp_is_left_out_when_too_little_time_is_left_to_build_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """PyVRP's step costs its model, warm start, re-timing and check beyond its search (0.43 s at 316 places): a
    share smaller than that plans no PyVRP work (left out by the plan, the same every run); with less time left than
    that when its turn comes the race does not start it (it would outlast the call's limit) and names it as left out
    by the clock. Both still return a checked plan."""
    from optimizer.routing import engine

    assert budget.pyvrp_setup_s(316) == pytest.approx(0.05 + 5e-6 * 316**2)
    p = _problem(pickups=True, capacity=700)
    monkeypatch.setattr(budget, "pyvrp_setup_s", lambda locations: 1e6)
    monkeypatch.setattr(
        engine, "_pyvrp_result", lambda *a, **k: pytest.fail("PyVRP started without time for it")
    )
    planned = plan_routes(p, RoutingParams(time_limit_s=2.0, workers=1))
    assert verify(p, planned) == [] and planned.routes and "pyvrp" not in planned.cut_by_clock
    monkeypatch.setattr(
        budget, "pyvrp_budget_s", lambda seconds, locations: 1.0
    )  # work planned, no time for it
    r = plan_routes(p, RoutingParams(time_limit_s=2.0, workers=1))
    assert verify(p, r) == [] and r.routes and "pyvrp" in r.cut_by_clock
