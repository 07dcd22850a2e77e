"""`relief stock|bincard|export` obey the CLI user's depot scope (the scoped services,
called with the one CLI identity `stockpile.cli.common.acting_user`, the user of `relief login`), on a copy of the demo county."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from stockpile.cli.main import app
from tests.support.cli import login_as

runner = CliRunner()
OTHERS = ["XJK", "XZ02", "XZ03", "XZ11", "FXK", "DC-WLY"]


def test_cli_stock_shows_a_keeper_only_own_depots(cli_db):
    """`relief stock` as keeper_xz01 lists XZ01's lots and no other depot; the admin's lists the county."""
    login_as("keeper_xz01")
    res = runner.invoke(app, ["stock"])
    assert res.exit_code == 0, res.output
    assert "XZ01" in res.output
    assert not [o for o in OTHERS if o in res.output]
    login_as("admin")
    county = runner.invoke(app, ["stock"])
    assert "XJK" in county.output


@pytest.mark.parametrize(
    "args",
    [
        ["stock", "--site", "XJK"],
        ["bincard", "XJK", "1020101"],
        ["export", "--site", "XJK"],
    ],
    ids=["stock", "bincard", "export"],
)
def test_cli_read_of_another_depot_is_denied(cli_db, tmp_path, args):
    """keeper_xz01 asking the CLI for XJK's stock, bin card or export: exit 1 with the denial sentence, no file."""
    out = tmp_path / "x.xlsx"
    extra = ["--out", str(out)] if args[0] == "export" else []
    login_as("keeper_xz01")
    res = runner.invoke(app, [*args, *extra])
    assert res.exit_code == 1
    assert "XJK" in res.output and "未分配给您" in res.output
    assert not out.exists()


def test_a_keepers_read_of_an_unknown_depot_reads_as_any_other_depot(cli_db):
    """An unknown depot is refused as one not assigned, named as asked (the sentence said only keepers may read
    stock, to a keeper); whether it exists is not told."""
    login_as("keeper_xz01")
    for args in (["stock", "--site", "NOPE"], ["bincard", "NOPE", "1020101"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 1 and "库点 NOPE 未分配给您" in res.output, res.output


def test_cli_export_holds_only_the_keepers_depot(cli_db, tmp_path):
    """`relief export` as keeper_xz01: every sheet's rows are XZ01's (stock, totals, ledger)."""
    out = tmp_path / "mine.xlsx"
    login_as("keeper_xz01")
    res = runner.invoke(app, ["export", "--out", str(out)])
    assert res.exit_code == 0, res.output
    book = pd.read_excel(out, sheet_name=None)
    assert all(len(df) for df in book.values())
    text = "\n".join(df.to_csv() for df in book.values())
    assert "XZ01" in text
    assert not [o for o in OTHERS if o in text]


def test_cli_bincard_of_own_depot_answers(cli_db):
    login_as("keeper_xz01")
    res = runner.invoke(app, ["bincard", "XZ01", "1020101"])
    assert res.exit_code == 0, res.output


def test_cli_bincard_of_an_unknown_item_or_lot_is_refused_not_an_empty_card(cli_db):
    """An item or lot the county does not know is named (exit 1); an empty card read as "never moved". A keeper's
    unknown item at another depot is still the depot's denial."""
    login_as("keeper_xz01")
    for args, said in (
        (["bincard", "XZ01", "NOPE"], "未知物资编码：NOPE"),
        (["bincard", "XZ01", "1020101", "--lot", "NOPE"], "没有批次 NOPE"),
        (["bincard", "XJK", "NOPE"], "未分配给您"),
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 1 and said in res.output, res.output
