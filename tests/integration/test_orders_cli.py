"""`relief order …` on the demo county: confirm once, refuse a second plan, list, show, reprint one zip, ship per
depot as that depot's keeper, 签收, void refused after shipping; every refusal one sentence and exit 1."""

from __future__ import annotations

import zipfile

from typer.testing import CliRunner

from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import Settings
from tests.support.cli import login_as

runner = CliRunner()


def test_order_path_in_the_cli(cli_db, tmp_path):
    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    again = runner.invoke(app, plan)
    assert again.exit_code == 1 and "已有确认的调度方案" in again.output and "Traceback" not in again.output
    listed = runner.invoke(app, ["order", "list", "--scenario", "FLOOD-DEMO"])
    assert listed.exit_code == 0 and "待备货" in listed.output and "pending" not in listed.output
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    orders = svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")
    kept = {c for u in svc.trust.list_users("admin") if u.role == "keeper" for c in u.site_codes}
    doc = next(o for o in orders if o["depots"] and o["depots"][0]["site"] in kept)  # a depot with a keeper
    shown = runner.invoke(app, ["order", "show", doc["doc_no"]])
    assert shown.exit_code == 0 and "车牌号" in shown.output and doc["doc_no"] in shown.output
    out = tmp_path / "again"
    reprint = runner.invoke(app, ["order", "reprint", "--scenario", "FLOOD-DEMO", "--out", str(out), "--zip"])
    assert reprint.exit_code == 0, reprint.output
    assert len(zipfile.ZipFile(out / "orders.zip").namelist()) == 2 * len(orders)
    depot = doc["depots"][0]["site"]
    keepers = [u for u in svc.trust.list_users("admin") if u.role == "keeper" and depot in u.site_codes]
    keeper = min(
        keepers, key=lambda u: len(u.site_codes)
    ).username  # the depot's own keeper, else keeper_demo
    mine = set(next(u.site_codes for u in keepers if u.username == keeper))
    others = [o for o in orders if o["depots"] and not {d["site"] for d in o["depots"]} & mine]
    login_as(keeper)
    if others:  # another depot's order: refused in words, nothing issued
        refused = runner.invoke(
            app, ["order", "ship", others[0]["doc_no"], "--depot", others[0]["depots"][0]["site"]]
        )
        assert refused.exit_code == 1 and "Traceback" not in refused.output
    shipped = runner.invoke(app, ["order", "ship", doc["doc_no"], "--depot", depot])
    assert shipped.exit_code == 0 and "已发运" in shipped.output, shipped.output
    login_as("dispatcher")
    void = runner.invoke(app, ["order", "void", doc["doc_no"]])
    assert void.exit_code == 1 and "不能执行此步骤" in void.output
    if len(doc["depots"]) == 1:
        got = runner.invoke(app, ["order", "receive", doc["doc_no"], "--receiver", "李村长"])
        assert got.exit_code == 0 and "已签收" in got.output, got.output
        closed = runner.invoke(app, ["order", "close", doc["doc_no"]])
        assert closed.exit_code == 0 and "已结单" in closed.output
