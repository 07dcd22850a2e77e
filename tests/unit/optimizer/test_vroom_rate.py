"""VROOM's time estimate's fit (bench/vroom_rate.py): reproducible from measured rows, tuning and test apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.rows_csv import read_rows, write_rows
from bench.vroom_rate import TEST, TUNING, Row, fit, measure
from bench.vrp_family import TEST_SEEDS, TUNING_SEEDS
from optimizer.routing import budget


def test_tuning_and_test_instances_never_overlap() -> None:
    assert not set(TUNING) & set(TEST)
    assert all(int(n.split("-")[2]) in TUNING_SEEDS for n in TUNING)
    assert all(int(n.split("-")[2]) in TEST_SEEDS for n in TEST)


def test_the_fit_recovers_the_constants_that_priced_the_rows() -> None:
    per_depth, power = (0.2, 0.35, 0.5, 0.7, 0.9, 1.1), 2.2
    rows = [
        Row(f"r{jobs}", jobs, searches, depth, False, searches * per_depth[depth] * (jobs / 300) ** power)
        for jobs in (80, 150, 300, 600)
        for searches, depth in ((1, 0), (4, 1), (8, 1), (12, 2), (16, 3), (24, 4), (32, 5))
    ]
    assert fit(rows) == (pytest.approx(per_depth, abs=1e-3), pytest.approx(power, abs=1e-3))
    assert [r.wall_s / r.estimate(per_depth, power) for r in rows] == pytest.approx([1.0] * len(rows))


def test_the_rows_estimate_is_the_products() -> None:
    r = Row("x", 240, 12, 2, True, 3.0)
    assert r.estimate() == pytest.approx(budget.vroom_seconds(240, (12, 2)))
    assert r.estimate(budget.VROOM_SEARCH_S, budget.VROOM_JOBS_POWER) == pytest.approx(r.estimate())


def test_the_estimate_grows_with_searches_depth_and_jobs() -> None:
    est = budget.vroom_seconds
    assert est(100, (2, 1)) == pytest.approx(2 * est(100, (1, 1)))
    assert [est(100, (1, d)) for d in range(6)] == sorted(est(100, (1, d)) for d in range(6))
    assert est(100, (8, 1)) < est(200, (8, 1)) < est(400, (8, 1))


def test_a_measurement_times_vrooms_search_at_a_work() -> None:
    rows = measure(
        "S-agreement-1002", cap_s=0.0
    )  # the cap ends it after its first work: one search of depth 0
    assert [(r.name, r.searches, r.depth) for r in rows] == [("S-agreement-1002", 1, 0)]
    assert rows[0].jobs == 67 and 0 < rows[0].wall_s < 2.0


def test_rows_written_are_read_back_as_they_were(tmp_path: Path) -> None:
    rows = [Row("S-pickup-1001", 100, 8, 1, True, 0.52), Row("M-delivery-2", 233, 1, 0, False, 0.1)]
    write_rows(tmp_path / "rows.csv", rows)
    assert read_rows(tmp_path / "rows.csv", Row) == rows
