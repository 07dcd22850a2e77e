"""Dates, times and ids typed on the command line (cli/common.py: iso_day, iso_time, as_uuid and their callbacks):
a value Python cannot read (2026-02-30, year 0, 2026/7/1, "nope") is a usage error naming the option and the
value in the catalogue's words (exit 2), before anything is read or written. It was "输入的值无法识别：year 0 is
out of range" from the last boundary, exit 1."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner

from stockpile.adapters.orm.ledger import PostingRow
from stockpile.cli.main import app
from tests.support.cli import login_as

runner = CliRunner()


def _postings(url: str) -> int:
    with create_engine(url).connect() as c:
        return int(c.scalar(select(func.count()).select_from(PostingRow)) or 0)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["receive", "XZ01", "1010101", "L1", "5", "--expiry", "2026-02-30"], "'--expiry' 的值无效：日期无法识别：2026-02-30"),
        (["receive", "XZ01", "1010101", "L1", "5", "--made", "2026/7/1"], "'--made' 的值无效：日期无法识别"),
        (["receive", "XZ01", "1010101", "L1", "5", "--at", "0000-01-01"], "'--at' 的值无效：时间无法识别：0000-01-01"),
        (["issue", "XZ01", "1010101", "1", "--client-id", "nope"], "'--client-id' 的值无效：编号无法识别：nope"),
        (["reverse", "nope"], "'posting_id' 的值无效：编号无法识别"),
        (["writeoff-approve", "nope"], "'proposal_id' 的值无效：编号无法识别"),
        (["period", "freeze-date", "2026-13-01"], "日期无法识别：2026-13-01"),
        (["event", "new", "E9", "--name", "x", "--area", "360000", "--at", "2026-13-01"], "'--at' 的值无效：时间无法识别"),
    ],
    ids=["expiry", "made", "at_year_0", "client_id", "reverse", "writeoff", "freeze", "event_at"],
)  # fmt: skip
def test_a_date_time_or_id_python_cannot_read_is_a_usage_error_naming_it(cli_db, args, said):
    login_as("admin")
    before = _postings(f"sqlite:///{cli_db}")
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and said in res.output and "Traceback" not in res.output, res.output
    assert "out of range" not in res.output and _postings(f"sqlite:///{cli_db}") == before


def test_the_same_refusal_in_english(cli_db):
    login_as("admin")
    res = runner.invoke(
        app, ["--lang", "en", "receive", "XZ01", "1010101", "L1", "5", "--expiry", "2026-02-30"]
    )
    assert res.exit_code == 2 and "Invalid value for '--expiry': Not a date: 2026-02-30" in res.output
