"""The CLI's last boundary (stockpile/cli/faults.py): an error no command turned into a sentence of its own ends as
one sentence and an exit code, never a traceback (hostile inputs found by a probe in session 18: an impossible date,
a quantity of 10^20, an output path that is a folder, an unreadable DATABASE_URL, a fault of the program)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from stockpile.cli import faults
from stockpile.cli.exitcodes import ExitCode
from stockpile.cli.main import app
from tests.conftest import FAR_EXPIRY
from tests.support.cli import login_as

runner = CliRunner()


@pytest.fixture
def cli_db(cli_db):
    login_as("admin")
    return cli_db


def _refused(args: list[str], words: str, code: ExitCode = ExitCode.REFUSED) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == code, res.output
    flat = res.output.replace("\n", "")  # the console wraps long lines
    assert "Traceback" not in flat and words in flat, res.output
    return flat


def test_values_a_command_cannot_take_are_one_sentence(cli_db) -> None:
    login_as("keeper_demo")
    usage = ExitCode(
        2
    )  # a date or id Python cannot read is the option's usage error (tests/integration/test_cli_dates.py)
    _refused(
        ["receive", "XZ01", "1020101", "LOT-Z", "5", "--expiry", "2026-02-30"],
        "日期无法识别：2026-02-30",
        usage,
    )
    _refused(["receive", "XZ01", "1020101", "LOT-Z", str(10**20), "--expiry", FAR_EXPIRY], "参数有误：qty")
    _refused(["issue", "XZ01", "1020101", "0"], "参数有误：qty：必须大于 0")
    _refused(["reverse", "not-a-posting"], "编号无法识别：not-a-posting", usage)


def test_a_receipt_with_an_impossible_time_or_quantity_says_which(cli_db) -> None:
    login_as("dispatcher")
    _refused(
        ["order", "receive", "NO-SUCH", "--receiver", "张三", "--at", "2026-02-30"],
        "'--at' 的值无效：时间无法识别：2026-02-30",
        ExitCode(2),
    )
    _refused(
        ["order", "receive", "NO-SUCH", "--receiver", "张三", "--qty", "XJK:0201=abc"], "（XJK:0201=abc）"
    )


def test_an_output_path_that_is_a_folder_is_named(cli_db, tmp_path) -> None:
    _refused(["export", "--out", str(tmp_path)], f"无法读写文件 {tmp_path}：这是一个文件夹，不是文件")


def test_an_unreadable_database_url_is_named(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "garbage")
    _refused(["stock"], "无法识别数据库地址（DATABASE_URL）")


def test_a_fault_of_the_program_names_its_log_and_keeps_the_traceback_there(
    cli_db, monkeypatch, tmp_path
) -> None:
    from stockpile.cli import reads

    def broken(*_a: object, **_k: object) -> None:
        raise KeyError("surprise")

    monkeypatch.setattr(reads, "read_scoped", broken)
    monkeypatch.setattr(faults, "data_dir", lambda: tmp_path / "data")
    res = runner.invoke(app, ["stock"])
    assert res.exit_code == ExitCode.INTERNAL_ERROR, res.output
    assert "程序内部错误（KeyError）" in res.output and "Traceback" not in res.output
    log = tmp_path / "data" / "logs" / "cli-errors.log"
    assert f"{log}，请交给系统管理员" in res.output.replace("\n", "")
    assert "KeyError: 'surprise'" in log.read_text(encoding="utf-8")


def test_the_sentences_have_english_too() -> None:
    text, code = faults.sentence(OverflowError("int too big"))
    assert code == ExitCode.REFUSED and "过大" in text
    from stockpile.i18n import set_lang

    set_lang("en")
    try:
        assert "too large" in faults.sentence(OverflowError("x"))[0]
        assert "Internal error" in faults.sentence(KeyError("x"))[0]
    finally:
        set_lang("zh")
