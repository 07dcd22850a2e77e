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
    assert "个在范围外" in out and "site(s)" not in out  # the whole sentence in Chinese
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


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"", "是空文件"),
        (b"\x1f\x8b\x08\x00" + bytes(60), "是压缩包"),
        (b'<?xml version="1.0"?><osm version="0.6"></osm>', "是 OSM XML 文件"),
        ("这不是路网".encode() + bytes(60), "不是 OpenStreetMap PBF 文件"),
    ],
    ids=["empty", "gzip", "osm_xml", "text"],
)
def test_a_file_that_is_no_extract_is_refused_in_one_chinese_sentence(
    graph_file: Path, tmp_path: Path, body, said
):
    bad = tmp_path / "county.osm.pbf"
    bad.write_bytes(body)
    login_as("admin")
    out = run("roads", "import", str(bad), code=1)
    assert said in out and "county.osm.pbf" in out and " is " not in out
    assert not graph_file.exists()
