"""`relief roads import|info` on a copy of the demo county (issue 19): refusals, the import report, and the circle
answering from the road graph afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockpile.cli.main import app
from tests.support.cli import login_as
from tests.support.osm_files import grid_network, helsinki_pbf

runner = CliRunner()


@pytest.fixture
def graph_file(cli_db, tmp_path: Path, monkeypatch) -> Path:
    out = tmp_path / "data" / "roads" / "county-roads.npz"
    monkeypatch.setenv("RELIEF_ROAD_GRAPH_FILE", str(out))
    monkeypatch.setenv("RELIEF_MATRIX_CACHE_DIR", str(tmp_path / "cache"))
    return out


def run(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res.output


def test_only_an_admin_imports_roads(graph_file: Path):
    login_as("dispatcher")
    out = run("--lang", "en", "roads", "import", str(helsinki_pbf()), code=1)
    assert "Only an admin" in out and not graph_file.exists()


def test_an_extract_of_another_place_is_refused_and_nothing_written(graph_file: Path):
    login_as("admin")
    out = run("roads", "import", str(helsinki_pbf()), code=1)
    assert "路网范围未覆盖本县全部地点" in out and "XJK" in out
    assert not graph_file.exists()
    out = run("roads", "info")
    assert "尚未导入路网" in out and "估算（直线距离×系数）" in out


def test_a_county_extract_is_imported_and_then_answers_the_circle(graph_file: Path, tmp_path: Path):
    """A 2 km grid of county roads over the demo county: import, info, then `relief circle` uses road times."""
    pbf = grid_network(tmp_path / "county.osm.pbf", 115.50, 29.20, 41, 41, 0.02, "secondary")
    login_as("admin")
    out = run("roads", "import", str(pbf))
    assert "路网已导入" in out and "1,681 个路口节点" in out and str(graph_file) in out.replace("\n", "")
    assert "个地点均在路网范围内" in out
    assert graph_file.is_file()
    out = run("--lang", "en", "roads", "info")
    assert "Travel times come from the county's road network" in out and "county.osm.pbf" in out
    login_as("dispatcher")
    out = run("circle", "--item", "1010101", "--minutes", "60")
    assert "路网（本县 OpenStreetMap 路网" in out
    assert "估算（直线距离×系数）" not in out
