"""Issue 18's path on the second county (上犹县, from its workbook only), from the command line: the workbook's
用户 sheet makes two keepers (the county depot and 营前镇's point) and a dispatcher, who set their passwords at
first login; a flood is reported and requested, the dispatcher plans and confirms, each keeper picks and ships
their own depot's parts (one partial, with a reason) and is refused the other depot's, the dispatcher records the
签收 and closes; the request lines read delivered and `relief check` passes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import get_settings
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


def _first_login(username: str, setup_code: str) -> None:
    res = runner.invoke(app, ["login", username], input=f"{setup_code}\n{CHOSEN}\n{CHOSEN}\n")
    assert res.exit_code == 0, res.output


@pytest.fixture
def county(tmp_path, monkeypatch) -> Path:
    """上犹县 from its workbook with its users; tents at the county depot, water at 营前镇's point; informants
    for two townships (added by the admin)."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'shangyou.db'}")
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
        _first_login(username, setup_code)
    return tmp_path


def _flood() -> None:
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


def _ship_parts(svc, orders: list[dict]) -> str:
    """Each depot's keeper picks and ships their parts; the county depot's first tent line loads one short."""
    partial = ""
    for site, keeper in KEEPERS.items():
        login_as(keeper, CHOSEN)
        for order in orders:
            if site not in {d["site"] for d in order["depots"]}:
                continue
            doc = order["doc_no"]
            assert "已备货" in run("order", "pick", doc, "--depot", site)
            lines = svc.dispatch.show_order(doc, "sy_disp").lines
            held = sum(
                ln["qty"]
                for ln in lines
                if ln["kind"] == "pickup" and ln["place_code"] == site and ln["item_code"] == TENT
            )
            if site == "SY-XJK" and not partial and held > 1:
                line = ["--line", TENT, "--qty", str(held - 1), "--reason", "damaged"]
                out = run("order", "ship", doc, "--depot", site, *line)
                partial = doc
            else:
                out = run("order", "ship", doc, "--depot", site)
            assert "发运" in out, out
    return partial


def test_second_county_order_path_from_the_cli(county):
    _flood()
    out = run("plan", "FLOOD-SY-SC", "--time-limit", "2", "--confirm", "--out", str(county / "orders"))
    assert "校验器：通过" in out and "已确认" in out, out
    svc = build_services(get_settings())
    orders = svc.dispatch.list_orders("sy_disp", scenario="FLOOD-SY-SC")
    sites = {d["site"] for o in orders for d in o["depots"]}
    assert set(KEEPERS) <= sites, sites  # tents from the county depot, water from 营前镇's point
    yq_doc = next(o["doc_no"] for o in orders if "SY-XZ04" in {d["site"] for d in o["depots"]})
    login_as("keeper_xjk", CHOSEN)
    refused = run("order", "ship", yq_doc, "--depot", "SY-XZ04", code=1)  # another depot's part
    assert "Traceback" not in refused
    assert svc.dispatch.show_order(yq_doc, "sy_disp").depots[0]["state"] != "shipped"

    partial = _ship_parts(svc, orders)
    assert partial, "no county-depot part to load short"
    login_as("sy_disp", CHOSEN)
    shown = run("order", "show", partial)
    assert "部分" in shown and "损坏" in shown, shown
    for order in orders:
        got = run("order", "receive", order["doc_no"], "--receiver", "李村长")
        assert "已签收" in got, got
        assert "已结单" in run("order", "close", order["doc_no"])
    requests = run("request", "list", "FLOOD-SY")
    assert "部分送达" in requests or "已送达" in requests, requests
    assert {o["state"] for o in svc.dispatch.list_orders("sy_disp", scenario="FLOOD-SY-SC")} == {"closed"}
    run("order", "reprint", "--scenario", "FLOOD-SY-SC", "--out", str(county / "again"), "--zip")
    login_as("chief", PASSWORD)
    run("check")
