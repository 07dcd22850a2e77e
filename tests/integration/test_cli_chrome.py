"""The command line's own words (panels, the help option, usage errors) in the catalogue's language:
stockpile/cli/click_text.py. A help needs no database; a subcommand's usage error is read after the program's
callback has checked the database, so those cases run on a copy of the demo county."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from stockpile.cli.main import app

runner = CliRunner()


def _run(*args: str) -> str:
    res = runner.invoke(app, list(args))
    assert "Traceback" not in res.output
    return res.output


def test_a_help_in_chinese_has_chinese_panels_and_help_option():
    out = _run("login", "--help")
    assert "─ 参数 ─" in out and "─ 选项 ─" in out and "显示本帮助并退出。" in out
    assert "Options" not in out and "Show this message" not in out
    assert "─ 命令 ─" in _run("--help")


def test_a_help_in_english_is_english_again_in_the_same_process():
    _run("login", "--help")  # Chinese first: the English run must not keep its words
    out = _run("--lang", "en", "login", "--help")
    assert "─ Arguments ─" in out and "─ Options ─" in out and "Show this message and exit." in out


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (["bincard"], "缺少参数 'site'。", "Missing argument 'site'."),
        (["stock", "--nope"], "没有选项 --nope。", "No such option: --nope"),
        (["stock", "a", "b"], "多出了参数：a b", "Got unexpected extra arguments: a b"),
        (
            ["stok"],
            "没有命令 'stok'。 （您是否想用 'stock'？）",
            "No such command 'stok'. Did you mean 'stock'?",
        ),
        (["site", "--k"], "选项 '--k' 后面需要给出值。", "Option '--k' requires a value."),
        (
            ["site", "--k", "1.5"],
            "'--k' 的值无效：须为整数",
            "Invalid value for '--k': must be a whole number",
        ),
        (
            ["solve-vrp", "--time-limit", "abc", "x.json"],
            "'--time-limit' 的值无效：须为数字",
            "must be a number",
        ),
    ],
    ids=[
        "missing_argument",
        "no_such_option",
        "extra_arguments",
        "no_such_command",
        "needs_value",
        "int",
        "float",
    ],
)
def test_a_usage_error_is_in_the_language_asked_for(cli_db, args, zh, en):
    """Exit 2, the sentence in Chinese by default and in English with --lang en; "Try … for help" likewise."""
    assert "查看帮助" in _run("stock", "--nope")
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and zh in res.output, res.output
    english = runner.invoke(app, ["--lang", "en", *args])
    assert english.exit_code == 2 and en in english.output, english.output
    assert ("查看帮助" in res.output) == (
        "for help" in english.output
    )  # click adds the hint where it has a command


def test_an_unknown_language_is_refused_not_read_as_chinese():
    res = runner.invoke(app, ["--lang", "xx", "stock"])
    assert res.exit_code == 2 and "未知语言 xx：可用 zh | en" in res.output
