"""The work clock's fit (bench/pyvrp_rate.py): reproducible from measured rows, tuning and test instances apart."""

from __future__ import annotations

import pytest

from bench.pyvrp_rate import TEST, TUNING, Row, cut, fit, load, measure
from bench.vrp_family import TUNING_SEEDS
from optimizer.routing import budget


def test_tuning_and_test_instances_never_overlap() -> None:
    """Test rows are never fitted: no test instance (or instance a test row is cut from) is a tuning instance, and
    the family's tuning rows come from its tuning seeds."""
    tuning = {name.partition(":")[0] for name in TUNING}
    assert not tuning & {name.partition(":")[0] for name in TEST}
    family = [n for n in tuning if n[:2] in ("S-", "M-", "L-")]
    assert family and all(int(n.split("-")[2]) in TUNING_SEEDS for n in family)


def test_a_cut_keeps_the_first_jobs_and_a_fleet_in_proportion() -> None:
    whole = load("S-delivery-1001")  # generated: ../shared/bench-data is not in a clean clone
    part = cut(whole, 25)
    assert part.jobs == whole.jobs[:25]
    assert len(part.vehicles) == -(-len(whole.vehicles) * 25 // len(whole.jobs)) >= 1
    assert load("S-delivery-1001:25") == part
    assert len(cut(whole, 1).vehicles) == 1


@pytest.mark.parametrize("shipments", [False, True])
def test_the_fit_recovers_the_constants_that_priced_the_rows(shipments: bool) -> None:
    true = (2.0e-8, 9.0e-9, 1.5e-5, 4.0e-7)
    rows = []
    for k, (jobs, its, moves) in enumerate([(7, 40_000, 2e7), (25, 9_000, 3e7), (100, 6_000, 1.5e8),
                                            (300, 900, 9e7), (600, 300, 6e7), (50, 3_000, 4e7)]):  # fmt: skip
        wall = moves * (true[0] + true[1] * jobs / 1000) + its * (true[2] + true[3] * jobs)
        rows.append(Row(f"r{k}", jobs, shipments, its, int(moves), wall))
    assert fit(rows) == pytest.approx(true, rel=1e-6)
    assert [r.clock_per_wall(true) for r in rows] == pytest.approx([1.0] * len(rows))


def test_the_rows_ratio_is_the_products_clock_over_the_wall() -> None:
    r = Row("x", 120, True, 5_000, 80_000_000, 2.0)
    assert r.clock_per_wall() == pytest.approx(budget.pyvrp_work_s(80_000_000, 5_000, 120, True) / 2.0)
    assert r.clock_per_wall(budget.PYVRP_CLOCK[True]) == pytest.approx(r.clock_per_wall())


def test_a_measurement_counts_the_searchs_work() -> None:
    r = measure("line7p", 0.3)
    assert (r.jobs, r.shipments) == (7, True)
    assert r.iterations > 0 and r.moves > 0 and 0 < r.wall_s < 1.0
