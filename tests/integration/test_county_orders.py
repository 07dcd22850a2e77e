"""Issue 18's path on the second county (上犹县, from its workbook only), from the command line: the workbook's
用户 sheet makes two keepers (the county depot and 营前镇's point) and a dispatcher, who set their passwords at
first login; a flood is reported and requested, the dispatcher plans and confirms, each keeper picks and ships
their own depot's parts (one partial, with a reason) and is refused the other depot's, the dispatcher records the
签收 and closes; the request lines read delivered and `relief check` passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockpile.bootstrap import build_services
from stockpile.config import get_settings
from tests.support.cli import login_as
from tests.support.county_orders import CHOSEN, KEEPERS, PASSWORD, TENT, build_county, flood, run


@pytest.fixture
def county(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'shangyou.db'}")
    build_county(tmp_path)
    return tmp_path


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
    flood()
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
