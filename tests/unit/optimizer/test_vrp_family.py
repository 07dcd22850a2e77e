"""The test-family generator: reproducible by seed, parameters within their ranges, tuning and test seeds apart."""

from __future__ import annotations

import pytest

from bench.vrp_family import KINDS, SIZES, TEST_SEEDS, TUNING_SEEDS, build, draw, instance


def test_same_class_and_seed_give_the_same_instance() -> None:
    a = instance("S", "agreement", 3)
    b = instance("S", "agreement", 3)
    assert a == b
    assert instance("S", "agreement", 4) != a


def test_tuning_and_test_seeds_never_overlap() -> None:
    assert not set(TUNING_SEEDS) & set(TEST_SEEDS)


@pytest.mark.parametrize("kind", KINDS)
def test_parameters_stay_in_their_ranges(kind: str) -> None:
    for size, (lo, hi) in SIZES.items():
        for seed in TEST_SEEDS[:3]:
            fp = draw(size, kind, seed)
            assert lo <= fp.n <= hi and 1 <= fp.depots <= 8
            assert 0.6 <= fp.capacity_ratio <= 1.2 and 0.1 <= fp.priority_share <= 0.4


def test_kinds_shape_the_jobs() -> None:
    """delivery: goods on board (single trip); pickup: from depots; agreement: some from holders, ready later."""
    fp = draw("S", "delivery", 1)
    p = build(fp, 1)
    assert all(j.source is None for j in p.jobs) and len(p.jobs) == fp.n
    fp = draw("S", "pickup", 1)
    p = build(fp, 1)
    assert all(j.source is not None and j.source < fp.depots and j.ready_s == 0 for j in p.jobs)
    fp = draw("M", "agreement", 2)
    p = build(fp, 2)
    held = [j for j in p.jobs if j.source is not None and j.source >= fp.depots]
    assert held and all(j.ready_s > 0 for j in held)
    assert len(p.dimensions) == 3 and any(j.demand[2] > 0 for j in p.jobs)


def test_fleet_capacity_follows_the_ratio() -> None:
    fp = draw("M", "delivery", 2)
    p = build(fp, 2)
    need = sum(j.demand[0] for j in p.jobs)
    have = sum(v.capacity[0] for v in p.vehicles)
    assert fp.capacity_ratio * need <= have <= fp.capacity_ratio * need + 8000
