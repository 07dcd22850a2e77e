"""The `relief` CLI end to end on a temporary SQLite database: the keeper's daily jobs."""

from __future__ import annotations

import re
import uuid

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from stockpile.cli.main import app
from tests.conftest import FAR_EXPIRY, RECENT
from tests.support.cli import login_as

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

runner = CliRunner()


@pytest.fixture
def cli_db(cli_db):
    login_as("admin")  # reads as an admin (all depots); each write logs in as the user who does it
    return cli_db


def run(*args: str, ok: bool = True):
    res = runner.invoke(app, list(args))
    if ok:
        assert res.exit_code == 0, res.output
    return res


def test_demo_on_a_new_database_then_upgrade(tmp_path, monkeypatch):
    """`relief demo` creates a new database as a demo; a second run keeps the data; `db upgrade` migrates it."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    out = run("demo").output
    assert "示范县已生成" in out
    assert "跳过" in run("demo").output  # a second run keeps the data
    assert "数据库已升级" in run("db", "upgrade").output


def test_stock_lists_lots_with_expiry(cli_db):
    out = run("stock", "--site", "XZ01", "--item", "1020101").output
    assert "XZ01" in out and "瓶" in out


def test_receive_then_issue_changes_the_balance_and_replay_is_idempotent(cli_db):
    cid = str(uuid.uuid4())
    args = (
        "receive",
        "XZ01",
        "1020101",
        "CLI-LOT-1",
        "240",
        "--expiry",
        FAR_EXPIRY,
        "--client-id",
        cid,
    )
    login_as("keeper_xz01")
    first = run(*args).output
    assert "已记账" in first
    again = run(*args).output
    assert "重复提交" in again
    out = run("stock", "--site", "XZ01", "--item", "1020101").output
    assert "CLI-LOT-1" in out and "240" in out
    run("issue", "XZ01", "1020101", "10", "--lot", "CLI-LOT-1")
    assert "230" in run("stock", "--site", "XZ01", "--item", "1020101").output


def test_refused_issue_prints_a_clear_message_and_exits_nonzero(cli_db):
    login_as("keeper_xz01")
    res = run("issue", "XZ01", "1020101", "999999999", ok=False)
    assert res.exit_code == 1 and "库存不足" in res.output


def test_transfer_goes_in_transit_then_is_received(cli_db):
    login_as("keeper_demo")
    out = run("transfer", "XJK", "XZ02", "1010101", "3").output
    tid = re.search(r"调拨单号 ([0-9a-f-]{36})", out).group(1)
    assert "在途" in out
    run("transfer-receive", tid)
    res = run("transfer-receive", tid, ok=False)
    assert res.exit_code == 1 and "已处理" in res.output


def test_count_and_writeoff_and_check(cli_db):
    out = run("stock", "--site", "XZ01", "--item", "1010201").output
    lot = re.search(r"(0201-\S+)", out).group(1)
    login_as("keeper_xz01")
    run("count", "XZ01", "1010201", lot, "1")
    out = run("writeoff", "XZ01", "1010201", lot, "1", "--reason", "damaged").output
    proposal = re.search(r"([0-9a-f]{8}-[0-9a-f-]{27})", out).group(1)
    login_as("admin")
    run("writeoff-approve", proposal)
    assert "台账校验通过" in run("check").output


def test_export_writes_xlsx_with_chinese_headers(cli_db, tmp_path):
    out = tmp_path / "export.xlsx"
    run("export", "--out", str(out))
    wb = load_workbook(out, read_only=True)
    assert "按批次明细" in wb.sheetnames
    header = next(wb["按批次明细"].iter_rows(values_only=True))
    assert "物资名称" in header and "有效期至" in header


def test_import_reports_row_errors_and_commits_nothing(cli_db, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text(
        "业务类型,库点编码,物资编码,批次号,数量,有效期至,发生时间\n"
        f"入库,XZ01,1020101,CSV-1,10,{FAR_EXPIRY},{RECENT}\n"
        f"入库,XZ01,1020101,CSV-2,1.5,{FAR_EXPIRY},{RECENT}\n",
        encoding="utf-8",
    )
    login_as("keeper_xz01")
    res = run("import", str(f), ok=False)
    assert res.exit_code == 1 and "第 3 行" in res.output and "数量" in res.output and "1.5" in res.output
    assert "CSV-1" not in run("stock", "--site", "XZ01", "--item", "1020101").output


def test_available_shows_agreement_stock_with_its_lead_time(cli_db):
    out = run("available", "--item", "1020101").output
    assert "协议储备" in out and "135" in out


def test_english_switch(cli_db):
    assert (
        "Demo county" in run("--lang", "en", "demo").output or "skipped" in run("--lang", "en", "demo").output
    )


def test_english_tables_and_plans_name_items_in_english(cli_db):
    """--lang en: a stock table and a plan's unserved goods read 'Bottled water (550 ml)', not the Chinese name the
    read models carry (the item has an English one)."""
    from types import SimpleNamespace

    from rich.console import Console

    from stockpile.cli.common import services
    from stockpile.cli.dispatch import unserved_table
    from stockpile.i18n import set_lang

    out = " ".join(run("--lang", "en", "stock", "--site", "XZ01", "--item", "1020101").output.split())
    assert "瓶装饮用水" not in out and "water" in out.lower(), out
    set_lang("en")
    try:
        line = SimpleNamespace(item="1020101", point="X1", qty=12, reason="fleet_short")
        plan = SimpleNamespace(unserved=[line], places=[SimpleNamespace(code="X1", name="某村")])
        console = Console(width=200, record=True)
        console.print(unserved_table(services(), plan))
        shown = console.export_text()
    finally:
        set_lang("zh")
    assert "瓶装饮用水" not in shown and "water" in shown.lower() and "12瓶" in shown, shown
