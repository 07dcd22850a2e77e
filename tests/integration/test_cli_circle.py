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
    """A candidate CSV missing lon/lat exits 1 naming each missing column, not a traceback."""
    cands = tmp_path / "bad.csv"
    cands.write_text("code,name\nC1,候选甲\n", encoding="utf-8")
    out = run("site", "--k", "1", "--candidates", str(cands), code=1)
    assert "候选点文件有 2 处错误" in out and "列“经度”" in out and "列“纬度”" in out


@pytest.mark.parametrize(
    ("body", "row", "said"),
    [
        ("C1,候选甲,29.75,115.80\n", 2, "经纬度似乎填反了"),  # swapped: was recommended at latitude 115.8
        ("C1,候选甲,inf,-inf\n", 2, "坐标不是数字"),  # was an IndexError
        ("C1,候选甲,1e308,29.7\n", 2, "坐标不是数字"),  # scientific notation is no decimal degree
        ("C1,候选甲,0,0\n", 2, "(0, 0)"),
        ("C1,候选甲,115°48′,29.75\n", 2, "度分秒"),
        ("C1,候选甲,121.47,31.23\n", 2, "不在本县范围内"),  # Shanghai: another county's place
        ("C1,候选甲,115.80,29.75\nC1,候选乙,116.05,29.75\n", 3, "编码在文件中重复"),  # was InvalidProblem
        ("C1,候选甲,115.80,29.75\nC2,候选乙,116.05,\n", 3, "缺少经度或纬度"),
        ("", 2, "没有数据行"),  # a header alone: the file named nothing to choose from
    ],
    ids=[
        "swapped",
        "infinite",
        "huge",
        "null_island",
        "dms",
        "other_county",
        "code_twice",
        "no_lat",
        "header_only",
    ],
)
def test_site_refuses_candidates_that_are_not_places(cli_db, tmp_path, body, row, said):
    """Each bad row is named with its row, column and value and the reason; nothing is sited."""
    cands = tmp_path / "bad.csv"
    cands.write_text("code,name,lon,lat\n" + body, encoding="utf-8")
    out = run("site", "--k", "1", "--candidates", str(cands), code=1)
    assert "候选点文件有" in out and f"第 {row} 行" in out and said in out and "Traceback" not in out
    assert "推荐新址" not in out


def test_site_reads_candidates_from_xlsx_with_chinese_headers_and_gcj02(cli_db, tmp_path):
    """An xlsx with 编码/名称/经度/纬度/坐标系 columns: GCJ-02 points (高德) are converted, the chosen site is one of
    them; an empty or binary file is refused in the import page's words."""
    import xlsxwriter

    path = tmp_path / "c.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r, row in enumerate(
        [
            ["编码", "名称", "经度", "纬度", "坐标系"],
            ["C1", "候选甲", 115.805, 29.748, "高德"],
            ["C2", "候选乙", 116.055, 29.748, "高德"],
        ]
    ):
        ws.write_row(r, 0, row)
    wb.close()
    out = run("site", "--k", "1", "--minutes", "10", "--candidates", str(path))
    assert "候选甲" in out or "候选乙" in out
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    out = run("site", "--k", "1", "--candidates", str(empty), code=1)
    assert "Traceback" not in out and "空" in out
