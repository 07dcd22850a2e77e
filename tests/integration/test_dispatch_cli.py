"""`relief plan` and `relief solve-vrp` end to end (demo county copy on SQLite)."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from stockpile.cli.main import app
from tests.support.cli import login_as

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

runner = CliRunner()
INSTANCE = {
    "format": "relief-vrp/1",
    "name": "tiny",
    "dimensions": ["kg"],
    "points": [{"id": "depot", "x": 0, "y": 0}, {"id": "a", "x": 30, "y": 40}, {"id": "b", "x": 60, "y": 0}],
    "coordinates": {"type": "euclid", "scale": 10, "rounding": "floor"},
    "depots": [{"point": "depot", "loading_s": 60}],
    "jobs": [
        {"id": "to-a", "from": "depot", "to": "a", "demand": [300], "service_s": 60, "window": [0, 5000]},
        {"id": "to-b", "from": "depot", "to": "b", "demand": [300], "service_s": 60, "window": [0, 5000]},
    ],
    "fleet": [{"id": "truck", "start": "depot", "capacity": [500], "count": 2}],
}


@pytest.fixture
def cli_db(cli_db):
    login_as("dispatcher")
    return cli_db


def test_plan_prints_routes_and_confirm_writes_orders(cli_db, tmp_path):
    """`relief plan FLOOD-DEMO --confirm` prints the checked plan and writes one xlsx + PDF per vehicle."""
    out = tmp_path / "orders"
    res = runner.invoke(
        app,
        ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    assert "校验器：通过" in res.output and "已确认" in res.output
    pdfs, xlsxs = sorted(out.glob("*.pdf")), sorted(out.glob("*.xlsx"))
    assert pdfs and len(pdfs) == len(xlsxs)
    assert pdfs[0].read_bytes().startswith(b"%PDF") and b"WenQuanYi" in pdfs[0].read_bytes()
    sheet = load_workbook(xlsxs[0]).active
    assert (
        sheet["A1"].value == "示范县应急管理局" and sheet["A2"].value == "应急物资调拨单"
    )  # bureau from 县情
    doc = xlsxs[0].stem
    login_as("keeper_demo")
    shipped = runner.invoke(app, ["ship", doc])
    assert shipped.exit_code == 0, shipped.output
    assert f"调拨单 {doc} 已发运" in shipped.output
    again = runner.invoke(app, ["ship", doc])
    assert "过账出库 0 条" in again.output


def test_confirm_into_a_file_is_refused_before_anything_is_reserved(cli_db, tmp_path):
    """`--out` naming a file: one sentence before the plan is solved; nothing confirmed or reserved (it was confirmed
    with its holds, then ended in FileExistsError without writing the orders)."""
    from stockpile.bootstrap import build_services
    from stockpile.config import Settings

    taken = tmp_path / "orders.xlsx"
    taken.write_bytes(b"not a folder")
    res = runner.invoke(app, ["plan", "FLOOD-DEMO", "--time-limit", "1", "--confirm", "--out", str(taken)])
    assert res.exit_code == 1 and "无法读写文件" in res.output and "Traceback" not in res.output, res.output
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    assert svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO") == []


def test_unknown_scenario_is_an_error_message_not_a_traceback(cli_db):
    """An unknown scenario code prints the translated error and exits 1."""
    res = runner.invoke(app, ["plan", "NOPE", "--time-limit", "1"])
    assert res.exit_code == 1
    assert "未知调度情景：NOPE" in res.output


def test_solve_vrp_writes_the_checked_result(tmp_path):
    """`relief solve-vrp` solves a neutral-format instance, reports the checker verdict and writes the result."""
    inst = tmp_path / "tiny.json"
    inst.write_text(json.dumps(INSTANCE), encoding="utf-8")
    res = runner.invoke(app, ["solve-vrp", str(inst), "--time-limit", "1"])
    assert res.exit_code == 0, res.output
    assert "校验器：通过" in res.output
    result = json.loads((tmp_path / "tiny.result.json").read_text(encoding="utf-8"))
    assert result["violations"] == [] and not result["unserved"]
    served = {s["job"] for r in result["routes"] for s in r["stops"]}
    assert served == {"to-a", "to-b"}


def test_solve_vrp_says_when_the_time_limit_ended_a_step(tmp_path):
    """OR-Tools alone runs its guided local search until the time limit, so a re-run may differ and the CLI says
    so (whether the race's steps end on their own depends on the machine's load; the page's test covers both)."""
    inst = tmp_path / "tiny.json"
    inst.write_text(json.dumps(INSTANCE), encoding="utf-8")
    res = runner.invoke(app, ["solve-vrp", str(inst), "--time-limit", "1", "--engine", "ortools"])
    assert res.exit_code == 0 and "求解时限内有计算步骤未做完" in res.output, res.output


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("{not json", "Expecting property name"),
        ("[1, 2]", "expected a JSON object, got list"),
        (
            json.dumps({**INSTANCE, "jobs": [{**INSTANCE["jobs"][0], "window": [5000, 0]}]}),
            "window [5000, 0] is not [opens, deadline]",
        ),
        (json.dumps({**INSTANCE, "objective": "fastest"}), "malformed instance"),
        (json.dumps({**INSTANCE, "points": "depot"}), "points: expected a list"),
    ],
    ids=["not_json", "a_list", "reversed_window", "unknown_objective", "points_a_string"],
)
def test_solve_vrp_refuses_a_bad_file_in_one_sentence(tmp_path, text, detail):
    """A file that cannot be read or is not a relief-vrp/1 instance: the file, what is wrong, exit code 1, no
    traceback and no result written."""
    inst = tmp_path / "bad.json"
    inst.write_text(text, encoding="utf-8")
    res = runner.invoke(app, ["solve-vrp", str(inst), "--time-limit", "1"])
    assert res.exit_code == 1, res.output
    assert "无法读取路径实例" in res.output and detail in res.output, res.output
    assert (
        isinstance(res.exception, SystemExit) and "Traceback" not in res.output
    )  # typer.Exit, not a raw error
    assert not (tmp_path / "bad.result.json").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["solve-vrp", "{missing}"],
        ["circle", "--item", "101", "--blocked", "{missing}"],
        ["site", "--candidates", "{missing}"],
        ["scenario", "set", "FLOOD-DEMO", "--blocked", "{missing}"],
        ["roads", "import", "{missing}"],
        ["county", "import", "{missing}"],
        [
            "county",
            "import",
            "{here}",
            "--boundaries",
            "{missing}",
        ],  # the workbook exists, the boundaries not
        ["order", "ship", "DOC-1", "--file", "{missing}"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_missing_input_file_is_a_usage_error_in_the_catalogue_s_words(cli_db, tmp_path, args):
    """Every option or argument that names a file to read checks it first (``common.input_file``): exit code 2 and
    one sentence naming the file, never a FileNotFoundError traceback from inside the command."""
    missing = str(tmp_path / "no-such-file.dat")
    res = runner.invoke(app, [a.format(missing=missing, here=__file__) for a in args])
    assert res.exit_code == 2, res.output
    assert "找不到文件或无法读取" in res.output and "no-such-file.dat" in res.output, res.output
    assert isinstance(res.exception, SystemExit) and "Traceback" not in res.output


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--engine", "foo"], "没有名为“foo”的求解引擎"),
        (["--time-limit", "-1"], "求解时限须在 0.1 至 3600 秒之间（收到 -1）"),
        (["--time-limit", "0.01"], "求解时限须在 0.1 至 3600 秒之间"),
        (["--time-limit", "inf"], "求解时限须在 0.1 至 3600 秒之间"),
        (["--time-limit", "nan"], "求解时限须在 0.1 至 3600 秒之间"),
        (["--time-limit", "86400"], "求解时限须在 0.1 至 3600 秒之间"),
    ],
    ids=["unknown_engine", "negative_time_limit", "tiny_time_limit", "infinite", "nan", "a_day"],
)
def test_solve_vrp_refuses_a_bad_option_before_solving(tmp_path, options, words):
    """An unknown engine was a raw ValueError from deep in the optimizer; a negative limit solved nothing quietly, an
    infinite one was an OverflowError traceback from OR-Tools; every limit outside 0.1-3600 s is refused in the
    catalogue's words."""
    inst = tmp_path / "tiny.json"
    inst.write_text(json.dumps(INSTANCE), encoding="utf-8")
    res = runner.invoke(app, ["solve-vrp", str(inst), *options])
    assert res.exit_code == 2 and words in res.output, res.output
    assert isinstance(res.exception, SystemExit) and not (tmp_path / "tiny.result.json").exists()
