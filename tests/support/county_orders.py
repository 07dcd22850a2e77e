"""The second county (上犹县) with users from its workbook's 用户 sheet, a flood reported and requested, and a scenario
made from it — built through the `relief` CLI, for the order-handover tests (CLI and page)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from stockpile import clock
from stockpile.cli.main import app
from tests.support import county_book
from tests.support.cli import login_as

runner = CliRunner()
PASSWORD = "river lantern 2031 quiet"
CHOSEN = "Ganjiang-bridge-3011"  # what each workbook user chooses at first login
TENT, WATER = "1010101", "1020101"
TOWN_A, TOWN_B = "360724101", "360724104"  # 东山镇, 营前镇
VILLAGE_A, VILLAGE_B = "360724101200", "360724104201"
KEEPERS = {"SY-XJK": "keeper_xjk", "SY-XZ04": "keeper_yq"}
USERS = [  # 用户名, 姓名, 角色, 负责库点编码, 负责乡镇代码
    ["keeper_xjk", "刘保管", "保管员", "SY-XJK", ""],
    ["keeper_yq", "钟保管", "保管员", "SY-XZ04", ""],
    ["sy_disp", "黄调度", "调度员", "", ""],
]


def run(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args), env={"RELIEF_NEW_PASSWORD": PASSWORD})
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res.output


def first_login(username: str, setup_code: str) -> None:
    res = runner.invoke(app, ["login", username], input=f"{setup_code}\n{CHOSEN}\n{CHOSEN}\n")
    assert res.exit_code == 0, res.output


def build_county(tmp_path: Path) -> None:
    """上犹县 from its workbook with its users (DATABASE_URL set by the caller); tents at the county depot, water
    at 营前镇's point; informants for two townships (added by the admin)."""
    run("init", "chief")
    login_as("chief", PASSWORD)
    book = county_book.sheets(clock.today())
    book["用户"] = (["用户名", "姓名", "角色", "负责库点编码", "负责乡镇代码"], USERS)
    path = tmp_path / "shangyou.xlsx"
    path.write_bytes(county_book.xlsx(book))
    out = run("county", "import", str(path))
    codes = {u[0]: re.search(rf"{u[0]}\s+(\S{{14}})", out).group(1) for u in USERS}
    run("user", "grant", "chief", "--depot", "SY-XJK", "--depot", "SY-XZ04")
    far = (clock.today() + timedelta(days=600)).isoformat()
    run("receive", "SY-XJK", TENT, "LOT-SY-T", "80")
    run("receive", "SY-XZ04", WATER, "LOT-YQ-W", "3000", "--expiry", far)
    for name in ("inf_a", "inf_b"):
        run("user", "add", name, "--role", "informant")
    run("informant", "set", "inf_a", TOWN_A)
    run("informant", "set", "inf_b", TOWN_B)
    for username, setup_code in codes.items():
        first_login(username, setup_code)


def flood() -> None:
    """A flood in two townships; 东山镇 requests tents (approved in part) and water; a scenario from the event."""
    login_as("sy_disp", CHOSEN)
    at = (clock.now() - timedelta(hours=2)).replace(tzinfo=None).isoformat(timespec="minutes")
    run("event", "new", "FLOOD-SY", "--name", "上犹县山洪", "--area", county_book.COUNTY, "--at", at)
    login_as("inf_a", PASSWORD)
    run("report", "add", "FLOOD-SY", VILLAGE_A, "--affected", "240", "--relocated", "90")
    run("request", "add", "FLOOD-SY", TENT, "60", "--to", VILLAGE_A, "--priority", "1")
    run("request", "add", "FLOOD-SY", WATER, "600", "--to", VILLAGE_A)
    login_as("inf_b", PASSWORD)
    run("report", "add", "FLOOD-SY", VILLAGE_B, "--affected", "130", "--relocated", "40")
    login_as("sy_disp", CHOSEN)
    run("request", "approve", "1", "--qty", "40", "--reason", "县库帐篷分批调拨")
    run("request", "approve", "2")
    run("scenario", "new", "--event", "FLOOD-SY")
