"""Bench inputs are dated relative to the clock: the ledger bench's import rows (shipped with fixed
dates, all refused `frozen` once they fell out of the backdating window) are accepted whatever day it is."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bench import ledger_bench
from stockpile import clock

pytestmark = pytest.mark.dates


def test_ledger_bench_import_rows_are_accepted_today(tmp_path):
    with clock.pinned(ledger_bench.NOW):
        got = ledger_bench.bench_import(tmp_path, rows=300)  # asserts every row accepted
    assert got["rows"] == 300
    assert abs(clock.now() - ledger_bench.NOW) < timedelta(days=1)  # dated from the clock, not a fixed day


def test_roads_bench_synthetic_network_imports_through_the_real_importer(tmp_path):
    """The road bench's generated county (issue 19), small: a PBF pyosmium reads and the importer accepts."""
    from bench import roads_bench
    from stockpile.adapters.travel.roads import SpeedTable, import_extract
    from stockpile.resources import resource

    pbf = roads_bench.synthetic_pbf(tmp_path / "grid.osm.pbf", 12)
    rep = import_extract(pbf, tmp_path / "g.npz", SpeedTable.from_toml(resource("road_speeds.toml")))
    assert 100 <= rep.nodes <= 144 and rep.osm_nodes > 3 * rep.nodes
