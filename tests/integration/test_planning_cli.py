"""`relief agreements check-due`, `relief gap`, `relief rotation`, `relief review …` on a copy of the demo county."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockpile.cli.main import app
from stockpile.resources import resource
from tests.support.cli import login_as

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_copy(demo_url, tmp_path_factory):
    dst = tmp_path_factory.mktemp("cli") / "demo.db"
    shutil.copy(Path(demo_url.removeprefix("sqlite:///")), dst)
    return f"sqlite:///{dst}"


@pytest.fixture
def env(demo_copy, monkeypatch, tmp_path):
    cfg = resource("reserve_planning.toml").read_text(encoding="utf-8")
    (tmp_path / "planning.toml").write_text(
        cfg.replace("time_limit_s = 10.0", "time_limit_s = 2.0"), encoding="utf-8"
    )
    monkeypatch.setenv("RELIEF_PLANNING_CONFIG", str(tmp_path / "planning.toml"))
    monkeypatch.setenv("DATABASE_URL", demo_copy)
    login_as("planner")  # a demo planner


def test_check_due_lists_overdue_checks_and_fails_the_exit_code(env):
    """An overdue 核查 in the demo county: it is printed and the command exits 2 (for cron/monitoring)."""
    res = runner.invoke(app, ["agreements", "check-due"])
    assert res.exit_code == 2, res.output
    assert "核查逾期" in res.output
    flat = "".join(res.output.split())  # the console wraps long lines
    assert "火腿肠（1020204）核查数量比协议少2,000根" in flat, (
        res.output
    )  # the item by name, the shortfall in 根


def test_gap_lists_county_rows_with_a_total(env):
    """`relief gap --level county --only-gap` prints only county rows with a gap and the count."""
    res = runner.invoke(app, ["--lang", "en", "gap", "--level", "county", "--only-gap"])
    assert res.exit_code == 0, res.output
    assert "area/item combination(s) with a gap" in res.output


def test_review_cli_refuses_self_approval_and_exports_a_pdf(env, tmp_path):
    """prepare → review → approve by the preparer fails; by another user succeeds; the PDF is written."""
    year = date.today().year + 1
    assert runner.invoke(app, ["review", "prepare", "--year", str(year)]).exit_code == 0
    login_as("admin2")
    assert runner.invoke(app, ["review", "review", "--year", str(year)]).exit_code == 0
    login_as("planner")
    assert runner.invoke(app, ["review", "approve", "--year", str(year)]).exit_code == 1  # the preparer
    login_as("admin")
    res = runner.invoke(app, ["review", "approve", "--year", str(year)])
    assert res.exit_code == 0 and "sha256" in res.output
    out = tmp_path / "r.pdf"
    assert runner.invoke(app, ["review", "export", "--year", str(year), "--out", str(out)]).exit_code == 0
    assert out.read_bytes().startswith(b"%PDF")


def test_rotation_cli_prints_the_schedule_summary_and_writes_xlsx(env, tmp_path):
    """`relief rotation --year Y --out f.xlsx` plans the year and saves the schedule."""
    out = tmp_path / "rot.xlsx"
    res = runner.invoke(app, ["rotation", "--year", str(date.today().year + 1), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "轮换计划：" in res.output and out.read_bytes()[:2] == b"PK"
    assert f"计划期：{date.today().year + 1}-01-01 至 {date.today().year + 1}-12-31" in res.output
    # money in 元 as the summary counts it (the table printed 分 under 金额(元)), actions and status in words
    import openpyxl
    import pytest

    from stockpile.i18n import t

    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    assert t("col.cost_fen") in head and t("col.key_id") not in head and "col.key_id" not in head
    money = [r[head.index(t("col.cost_fen"))] for r in body]
    summary = res.output.split("采购金额 ")[1].split(" 元")[0]
    bought = [
        m for r, m in zip(body, money, strict=True) if r[head.index(t("col.action"))] == t("action.procure")
    ]
    assert sum(bought) == pytest.approx(float(summary.replace(",", "")))
    assert "procure" not in res.output and "optimal" not in res.output and "状态 " in res.output
    if bought:
        assert f"{bought[0]:,.2f}" in res.output


def test_an_english_rotation_workbook_names_items_in_english(env, tmp_path):
    """`--lang en rotation --out` wrote the items' Chinese names into the English workbook (the screen said
    "Instant noodles", the file 方便面); the summary counts the area/item pairs short, never a sum of tents and
    bottles as "unit-days"."""
    import openpyxl

    from stockpile.i18n import t

    out = tmp_path / "rot-en.xlsx"
    res = runner.invoke(
        app, ["--lang", "en", "rotation", "--year", str(date.today().year + 1), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert "unit-days" not in res.output and "area/item pairs below the standard" in res.output
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    names = {r[rows[0].index(t("col.item_name", "en"))] for r in rows[1:]}
    assert names and not any(any("\u4e00" <= ch <= "\u9fff" for ch in str(n)) for n in names), names
