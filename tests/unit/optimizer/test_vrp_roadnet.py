"""The road-graph county generator (bench.vrp_roadnet): reproducible by seed, the shape its docstring promises,
matrices that are shortest paths (not a metric of the plane), and a checked plan from the product on every kind."""

from __future__ import annotations

import pytest

from bench.vrp_eval import evaluate, plan_of
from bench.vrp_roadnet import FLEET_SHARE, KINDS, PENALTY, SIZES, TYPES, make, named
from optimizer.routing.engine import plan_routes
from optimizer.routing.solve import RoutingParams


def test_same_class_and_seed_give_the_same_instance() -> None:
    assert make("S", "agreement", 2) == make("S", "agreement", 2)
    assert make("S", "agreement", 3) != make("S", "agreement", 2)


def test_benchmark_names_read_back_into_their_instance() -> None:
    """RS-agreement-2 is the road-graph instance; a family name (S-agreement-2) or a stray one is none."""
    assert named("RS-agreement-2") == make("S", "agreement", 2)
    assert named("S-agreement-2") is None and named("RX-agreement-2") is None and named("R1_4_1") is None


@pytest.mark.parametrize("kind", KINDS)
def test_instances_have_the_promised_shape(kind: str) -> None:
    for seed in (1, 2, 3):
        p = make("S", kind, seed)
        lo, hi = SIZES["S"]
        assert lo <= len(p.jobs) <= hi
        depots = [d.location for d in p.depots]
        assert depots == list(range(len(depots))) and p.loading_s(0) == 1200
        homes = {v.start for v in p.vehicles}
        assert homes <= set(depots) and 4 <= len(depots) <= 9 + 3  # county, 3-8 townships, 0-3 holders
        weight = sum(j.demand[0] for j in p.jobs)
        fleet = sum(v.capacity[0] for v in p.vehicles)
        assert FLEET_SHARE * weight <= fleet < FLEET_SHARE * weight + max(t[0] for t in TYPES)
        for j in p.jobs:
            assert j.penalty == PENALTY[j.priority]
            assert j.deadline_s <= (3600 if j.priority == 3 else 36_000)
            assert (j.source is None) == (kind == "delivery")
            assert j.ready_s == 0 or (kind == "agreement" and j.ready_s in (3600, 7200, 10_800))


def test_travel_follows_the_roads() -> None:
    """Shortest paths on a road graph: the triangle inequality holds, and travel times are not one speed × distance
    (roads of 15-60 km/h)."""
    p = make("S", "pickup", 1)
    n = p.n_locations
    dur, dist = p.duration_s, p.distance_m
    for a in range(0, n, 7):
        for b in range(0, n, 5):
            for c in range(0, n, 11):
                assert dur[a][c] <= dur[a][b] + dur[b][c] + 2  # ceilings add at most a second per leg
    speeds = {round(dist[0][b] / dur[0][b], 1) for b in range(1, n) if dur[0][b]}
    assert len(speeds) > 10 and max(speeds) <= 60 / 3.6 + 0.1 and min(speeds) >= 15 / 3.6 - 0.1


@pytest.mark.parametrize("kind", KINDS)
def test_the_product_plans_every_kind_with_a_checked_plan(kind: str) -> None:
    """Deadlines of 0-60 min close some jobs outright; the race still answers with a plan the evaluator accepts."""
    p = make("S", kind, 1)
    r = plan_routes(p, RoutingParams(time_limit_s=2.0, workers=1))
    e = evaluate(p, plan_of(r))
    assert e.valid and e.cost == r.objective
    assert e.served + e.unserved == len(p.jobs) and e.served > 0
