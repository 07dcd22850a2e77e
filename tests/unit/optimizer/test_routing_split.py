"""Split delivery: an allocation becomes vehicle-sized jobs without losing or inventing goods."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.routing.check import verify
from optimizer.routing.problem import Depot, RoutingProblem, Vehicle
from optimizer.routing.solve import RoutingParams, solve_routes
from optimizer.routing.split import AllocationLine, split_allocation

CAP = (3000_000, 12_000_000)  # 3 t in g, 12 m³ in cm³


def test_demand_larger_than_a_truck_becomes_several_jobs() -> None:
    """250 tents of 40 kg (10 t) for one village become 4 truck-sized jobs that together carry all 250."""
    tents = AllocationLine(0, 1, "tent", 250, (40_000, 150_000))
    jobs = split_allocation([tents], CAP, unload_s=900)
    assert len(jobs) == 4
    assert sum(dict(s.contents)["tent"] for s in jobs) == 250
    assert all(all(d <= c for d, c in zip(s.job.demand, CAP, strict=True)) for s in jobs)


def test_small_lines_to_one_village_share_a_job() -> None:
    """Quilts and water for the same village from the same depot ride in one job."""
    lines = [
        AllocationLine(0, 1, "quilt", 20, (2_000, 30_000)),
        AllocationLine(0, 1, "water", 50, (12_000, 12_000)),
    ]
    (only,) = split_allocation(lines, CAP)
    assert dict(only.contents) == {"quilt": 20, "water": 50}
    assert only.job.demand == (20 * 2_000 + 50 * 12_000, 20 * 30_000 + 50 * 12_000)


def test_unit_bigger_than_the_truck_is_its_own_job_and_unserved() -> None:
    """A generator heavier than any truck becomes one job that the router lists as `no_capacity`."""
    (big,) = split_allocation([AllocationLine(0, 1, "generator", 1, (5_000_000, 1_000))], CAP)
    p = RoutingProblem(((0, 60), (60, 0)), ((0, 900), (900, 0)), (big.job,), (Vehicle("t", 0, 0, CAP),),
                       dimensions=("g", "cm3"))  # fmt: skip
    r = solve_routes(p, RoutingParams(time_limit_s=0.2))
    assert [u.reason.value for u in r.unserved] == ["no_capacity"]


def test_split_jobs_are_routed_as_several_trips() -> None:
    """Split jobs for one truck are delivered in several trips with the depot reload, and pass the checker."""
    jobs = split_allocation([AllocationLine(0, 1, "rice", 200, (25_000, 40_000))], CAP)
    p = RoutingProblem(((0, 600), (600, 0)), ((0, 9000), (9000, 0)), tuple(s.job for s in jobs),
                       (Vehicle("t", 0, 0, CAP),), depots=(Depot(0, 600),), dimensions=("g", "cm3"))  # fmt: skip
    r = solve_routes(p, RoutingParams(time_limit_s=0.3))
    assert verify(p, r) == [] and r.routes[0].trips == len(jobs) == 2


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2), st.integers(1, 3), st.integers(0, 500), st.integers(1, 400), st.integers(0, 90)
        ),
        max_size=6,
    )
)
def test_split_conserves_every_unit(spec: list[tuple[int, int, int, int, int]]) -> None:
    """Every unit of every line lands in exactly one job of its source and destination."""
    lines = [
        AllocationLine(s, d, f"item{k}", q, (w * 1000, v * 1000)) for k, (s, d, q, w, v) in enumerate(spec)
    ]
    got: Counter[tuple[int | None, int, str]] = Counter()
    for sj in split_allocation(lines, CAP):
        for item, qty in sj.contents:
            got[(sj.job.source, sj.job.dest, item)] += qty
    want = Counter({(ln.source, ln.dest, ln.item): ln.qty for ln in lines if ln.qty})
    assert got == want
