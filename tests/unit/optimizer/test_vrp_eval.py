"""The bench's independent evaluator on hand-built tiny instances with known costs and infeasibilities."""

from __future__ import annotations

from bench.vrp_eval import Evaluation, evaluate, plan_of
from optimizer.routing.problem import Depot, Job, RoutingProblem, Vehicle

# locations on a line, km: depot 0 at 0, village 1 at 10, village 2 at 20, agreement holder 3 at 5
KM = [0, 10, 20, 5]


def _problem(jobs: tuple[Job, ...], capacity: tuple[int, ...] = (1000, 5000, 4)) -> RoutingProblem:
    dur = tuple(tuple(abs(a - b) * 60 for b in KM) for a in KM)  # 1 km per minute
    dist = tuple(tuple(abs(a - b) * 1000 for b in KM) for a in KM)
    return RoutingProblem(
        dur,
        dist,
        jobs,
        (Vehicle("t1", 0, 0, capacity, max_duration_s=6 * 3600),),
        depots=(Depot(0, 900), Depot(3, 300)),
        dimensions=("kg", "dm3", "cold_box"),
    )


def _pair(deadline: int = 8 * 3600, cold: int = 0) -> tuple[Job, Job]:
    return (
        Job("a", 1, (400, 1000, cold), source=0, service_s=600, deadline_s=deadline),
        Job("b", 2, (400, 1000, 0), source=0, service_s=600, deadline_s=deadline, priority=2),
    )


def test_loading_once_per_depot_visit_costs_and_times() -> None:
    """Two pickups in one depot visit pay loading once: 15 min loading, 10 + 10 min driving, 10 min unloading at
    village 1, so b starts unloading at 45 min; distance 20 + 20 km."""
    p = _problem(_pair(deadline=45 * 60))
    e = evaluate(p, {"t1": [("a", "pickup"), ("b", "pickup"), ("a", "delivery"), ("b", "delivery")]})
    assert e.valid and e.cost == 40_000 and e.distance == 40_000 and e.unserved == 0
    assert e.makespan == 45 * 60 + 10 * 60 + 20 * 60


def test_two_trips_pay_loading_twice_and_can_be_late() -> None:
    """Multi-trip: back to the depot between deliveries pays loading again; with a 45 min deadline b is late."""
    p = _problem(_pair(deadline=45 * 60))
    e = evaluate(p, {"t1": [("a", "pickup"), ("a", "delivery"), ("b", "pickup"), ("b", "delivery")]})
    assert e.distance == 10_000 + 10_000 + 20_000 + 20_000
    assert [v for v in e.violations if "late" in v] == ["t1: b late (4800 > 2700)"]


def test_unserved_job_costs_its_priority_penalty() -> None:
    """Leaving b (priority 2) out costs 2 × 10 000 000 on top of the 20 km driven for a."""
    p = _problem(_pair())
    e = evaluate(p, {"t1": [("a", "pickup"), ("a", "delivery")]})
    assert e.valid and e.unserved == 1 and e.cost == 20_000 + 20_000_000


def test_capacity_is_checked_in_every_dimension() -> None:
    """Five cold boxes on a van that takes four: an overload in the third dimension."""
    p = _problem(_pair(cold=5))
    e = evaluate(p, {"t1": [("a", "pickup"), ("a", "delivery"), ("b", "pickup"), ("b", "delivery")]})
    assert len(e.violations) == 1 and "over capacity after a pickup" in e.violations[0]


def test_delivery_before_pickup_and_double_service_are_invalid() -> None:
    p = _problem(_pair())
    e = evaluate(p, {"t1": [("a", "delivery"), ("a", "pickup"), ("b", "pickup"), ("b", "delivery")]})
    assert any("before its pickup" in v for v in e.violations)
    e = evaluate(p, {"t1": [("a", "pickup"), ("a", "delivery"), ("a", "delivery")]})
    assert any("delivered twice" in v for v in e.violations)


def test_agreement_goods_wait_for_their_ready_time() -> None:
    """Agreement stock at location 3 is ready at 2 h: loading ends at 2 h 5 min, unloading at village 2 starts
    15 min later; a 2 h 15 min deadline is missed, 2 h 20 min is met."""
    ready = 2 * 3600
    late = (Job("c", 2, (100, 100, 0), source=3, ready_s=ready, deadline_s=ready + 15 * 60),)
    e = evaluate(_problem(late), {"t1": [("c", "pickup"), ("c", "delivery")]})
    assert any("late (8400" in v for v in e.violations)
    ok = (Job("c", 2, (100, 100, 0), source=3, ready_s=ready, deadline_s=ready + 20 * 60),)
    assert evaluate(_problem(ok), {"t1": [("c", "pickup"), ("c", "delivery")]}).valid


def test_goods_on_board_deliveries_and_shift_length() -> None:
    """Jobs without a source start on the truck; a route past the shift is invalid."""
    jobs = (Job("d", 2, (900, 100, 0)), Job("e", 1, (200, 100, 0)))
    e = evaluate(_problem(jobs), {"t1": [("e", "delivery"), ("d", "delivery")]})
    assert any("over capacity" in v for v in e.violations)  # 1100 kg on board at the start
    short = RoutingProblem(
        _problem(jobs).duration_s,
        _problem(jobs).distance_m,
        jobs[1:],
        (Vehicle("t1", 0, 0, (1000, 5000, 4), max_duration_s=19 * 60),),
        dimensions=("kg", "dm3", "cold_box"),
    )
    assert any("shift too long" in v for v in evaluate(short, {"t1": [("e", "delivery")]}).violations)


def test_evaluator_agrees_with_the_product_on_its_own_plan() -> None:
    """On a generated instance the product's plan is valid here too and costs exactly its reported objective."""
    from bench.vrp_family import build, draw
    from optimizer.routing.check import verify
    from optimizer.routing.engine import plan_routes
    from optimizer.routing.solve import RoutingParams

    fp = draw("S", "agreement", 1001)
    p = build(fp, 1001)
    r = plan_routes(p, RoutingParams(time_limit_s=2))
    e = evaluate(p, plan_of(r))
    assert verify(p, r) == [] and e.valid and e.cost == r.objective


def _ev(cost: int, valid: bool = True) -> Evaluation:
    return Evaluation(cost, 0, 0, 0, () if valid else ("t1: late",), 0)


def test_invalid_plans_never_count_as_wins() -> None:
    """The family bench's ratios: an invalid peer plan is left out of "best peer"; an invalid product plan
    gives no ratio at all (it is counted as invalid instead)."""
    from bench.vrp_family_bench import ratios

    assert ratios({"product": _ev(100), "pyvrp": _ev(80), "ortools": _ev(50, valid=False)}) == (1.25, 1.25)
    assert ratios({"product": _ev(100), "pyvrp": _ev(200), "vroom": _ev(50)}) == (0.5, 2.0)
    assert ratios({"product": _ev(100), "pyvrp": _ev(80, valid=False)}) == (None, None)
    assert ratios({"product": _ev(10, valid=False), "pyvrp": _ev(80)}) == (None, None)
    assert ratios({"pyvrp": _ev(80)}) == (None, None)  # a run without the product


def test_peers_on_the_products_model_load_once_per_depot_visit() -> None:
    """With a 45 min deadline both jobs can only be served in one depot visit (loading once): VROOM on the
    same model and PyVRP alone find that plan, valid under the evaluator. Goods on board for two villages on a van
    too small for both: PyVRP alone drops the priority-1 job (prize-collecting) instead of returning no plan."""
    from bench.vrp_peers import pyvrp_alone, vroom_same_model

    p = _problem(_pair(deadline=45 * 60))
    plan, _ = vroom_same_model(p, 1.0)
    e = evaluate(p, plan)
    assert e.valid and e.unserved == 0 and e.cost == 40_000
    e = evaluate(p, plan_of(pyvrp_alone(p, 0.3)))
    assert e.valid and e.unserved == 0 and e.cost == 40_000
    on_board = (Job("d", 1, (400, 100, 0)), Job("e", 2, (400, 100, 0), priority=2))  # single trip
    small = _problem(on_board, capacity=(500, 5000, 4))
    e = evaluate(small, plan_of(pyvrp_alone(small, 0.3)))
    assert e.valid and e.unserved == 1 and e.served == 1 and e.cost == 40_000 + 10_000_000


def test_vroom_plan_stays_valid_when_agreement_goods_are_ready_later_in_one_visit() -> None:
    """Two agreement jobs at holder 3 (loading 5 min), ready at 2 h and 2 h 20 min, for village 2 (15 min away):
    in the product's rule the second pickup of the visit waits for its ready time + loading, which VROOM's setup
    time alone would not. The VROOM peer is one loading cautious there: due exactly at 2 h 40 min it serves one
    job, with 5 min more both; its plan always passes the evaluator."""
    from bench.vrp_peers import vroom_same_model

    ready = 2 * 3600
    for slack, unserved in ((0, 1), (5 * 60, 0)):
        due = ready + 40 * 60 + slack
        jobs = (
            Job("f", 2, (100, 100, 0), source=3, ready_s=ready, deadline_s=due),
            Job("g", 2, (100, 100, 0), source=3, ready_s=ready + 20 * 60, deadline_s=due),
        )
        p = _problem(jobs)
        plan, _ = vroom_same_model(p, 1.0)
        e = evaluate(p, plan)
        assert e.valid and e.unserved == unserved
