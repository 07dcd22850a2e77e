"""`relief circle` and `relief site` on a copy of the demo county: tables, reasons, xlsx, fallback notice."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from stockpile.cli.main import app
from tests.support.cli import login_as
from tests.support.ors_standin import closed_port_url

runner = CliRunner()


@pytest.fixture
def cli_db(cli_db, tmp_path, monkeypatch):
    monkeypatch.setenv("RELIEF_MATRIX_CACHE_DIR", str(tmp_path / "cache"))
    login_as("dispatcher")
    return cli_db


def run(*args: str, code: int = 0):
    res = runner.invoke(app, list(args))
    assert res.exit_code == code, res.output
    return res.output


def test_circle_prints_township_coverage_and_uncovered_villages_with_reasons(cli_db, tmp_path):
    """`relief circle --item 1010101 --minutes 60` lists townships, uncovered villages, reasons; writes xlsx."""
    out = run("circle", "--item", "1010101", "--minutes", "60", "--xlsx", str(tmp_path / "c.xlsx"))
    assert "各乡镇覆盖情况" in out and "城关镇" in out
    assert "未覆盖的村和避难场所" in out and "路程太远" in out
    assert "估算（直线距离×系数）" in out  # the estimate is labelled
    wb = load_workbook(tmp_path / "c.xlsx")
    assert len(wb.sheetnames) == 3
    rows = list(wb[wb.sheetnames[2]].values)
    assert rows[0][-1] == "原因" and len(rows) > 1


def test_circle_with_a_damaged_depot_and_blocked_area(cli_db, tmp_path):
    """--damaged and --blocked change the answer: the warehouse out leaves every village short of tents."""
    ring = [[115.95, 29.65], [116.2, 29.65], [116.2, 29.9], [115.95, 29.9]]
    geo = tmp_path / "flood.geojson"
    geo.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}), encoding="utf-8")
    out = run("circle", "--item", "1010101", "--damaged", "DC-WLY", "--blocked", str(geo))
    assert "全县库存不足" in out


def test_circle_refuses_an_item_without_a_norm(cli_db):
    """An item with no requirement norm exits 1 with the translated message, no traceback."""
    out = run("circle", "--item", "3010101", code=1)
    assert "没有保障定额" in out


def test_circle_shows_the_fallback_notice_when_ors_is_down(cli_db, monkeypatch):
    """ORS enabled but refusing connections: the estimate is used and the notice printed."""
    monkeypatch.setenv("RELIEF_ORS_ENABLED", "1")
    monkeypatch.setenv("RELIEF_ORS_BASE_URL", closed_port_url())
    monkeypatch.setenv("RELIEF_ORS_MAX_ATTEMPTS", "1")
    out = run("circle", "--item", "1020101", "--minutes", "30")
    assert "路网服务暂不可用" in out and "connection_failed" in out


def test_site_prints_chosen_sites_and_before_after(cli_db, tmp_path):
    """`relief site --k 2` names two new sites and the covered population before → after; writes xlsx."""
    out = run("site", "--k", "2", "--minutes", "10", "--xlsx", str(tmp_path / "s.xlsx"))
    assert "推荐新址" in out and "optimal" in out and "→" in out
    wb = load_workbook(tmp_path / "s.xlsx")
    assert len(list(wb[wb.sheetnames[0]].values)) == 3  # header + 2 sites


def test_site_with_an_uploaded_candidate_list(cli_db, tmp_path):
    """Candidates from a CSV (code,name,lon,lat): the chosen site is one of them."""
    cands = tmp_path / "c.csv"
    cands.write_text("code,name,lon,lat\nC1,候选甲,115.80,29.75\nC2,候选乙,116.05,29.75\n", encoding="utf-8")
    out = run("site", "--k", "1", "--minutes", "10", "--candidates", str(cands))
    assert "候选甲" in out or "候选乙" in out


def test_site_refuses_a_candidate_file_without_coordinates(cli_db, tmp_path):
    """A candidate CSV missing lon/lat exits 1 with a message, not a traceback."""
    cands = tmp_path / "bad.csv"
    cands.write_text("code,name\nC1,候选甲\n", encoding="utf-8")
    out = run("site", "--k", "1", "--candidates", str(cands), code=1)
    assert "候选点文件无效" in out


@pytest.mark.parametrize(
    "body",
    [
        "C1,候选甲,29.75,115.80\n",  # lat and lon swapped: was recommended at latitude 115.8
        "C1,候选甲,inf,-inf\n",  # was an IndexError
        "C1,候选甲,1e308,29.7\n",
        "C1,候选甲,115.80,29.75\nC1,候选乙,116.05,29.75\n",  # one code twice: was InvalidProblem
        "",  # a header alone: the file named nothing to choose from
    ],
    ids=["swapped", "infinite", "huge", "code_twice", "header_only"],
)
def test_site_refuses_candidates_that_are_not_places(cli_db, tmp_path, body):
    cands = tmp_path / "bad.csv"
    cands.write_text("code,name,lon,lat\n" + body, encoding="utf-8")
    out = run("site", "--k", "1", "--candidates", str(cands), code=1)
    assert "候选点文件无效" in out and "Traceback" not in out
