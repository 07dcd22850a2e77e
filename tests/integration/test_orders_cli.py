"""`relief order …` on the demo county: confirm once, refuse a second plan, list, show, reprint one zip, ship per
depot as that depot's keeper, 签收, void refused after shipping; every refusal one sentence and exit 1."""

from __future__ import annotations

import zipfile
from typing import Any

from typer.testing import CliRunner

from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import Settings
from tests.support.cli import login_as

runner = CliRunner()


def _kept_order(cli_db: object, tmp_path: object) -> tuple[object, dict]:
    """FLOOD-DEMO planned and confirmed by the dispatcher (logged in); an order loading at one depot that has a
    keeper."""
    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]  # type: ignore[operator]
    assert runner.invoke(app, plan).exit_code == 0
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    kept = {c for u in svc.trust.list_users("admin") if u.role == "keeper" for c in u.site_codes}
    orders = svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")
    return svc, next(o for o in orders if len(o["depots"]) == 1 and o["depots"][0]["site"] in kept)


def _shipped_delivery(cli_db: object, tmp_path: object) -> tuple[Any, str, int, dict]:
    """A kept order its first depot has shipped (by its keeper), the dispatcher logged in again: the service, the
    order number, and the first delivery line with the 序号 `order show` prints for its stop."""
    from stockpile.domain.dispatch import stop_numbers

    svc, order = _kept_order(cli_db, tmp_path)
    doc = order["doc_no"]
    depot = order["depots"][0]["site"]
    keeper = min(
        (u for u in svc.trust.list_users("admin") if u.role == "keeper" and depot in u.site_codes),
        key=lambda u: len(u.site_codes),
    ).username
    login_as(keeper)
    assert runner.invoke(app, ["order", "ship", doc, "--depot", depot]).exit_code == 0
    login_as("dispatcher")
    lines = svc.dispatch.show_order(doc, "dispatcher").lines
    no, line = next(
        (n, ln) for n, ln in zip(stop_numbers(lines), lines, strict=True) if ln["kind"] == "delivery"
    )
    return svc, doc, no, line


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
    assert void.exit_code == 1 and "不能作废" in void.output and "已从" in void.output, void.output
    if len(doc["depots"]) == 1:
        got = runner.invoke(app, ["order", "receive", doc["doc_no"], "--receiver", "李村长"])
        assert got.exit_code == 0 and "已签收" in got.output, got.output
        closed = runner.invoke(app, ["order", "close", doc["doc_no"]])
        assert closed.exit_code == 0 and "已结单" in closed.output


def test_a_loading_list_and_a_receipt_are_checked_before_anything_is_posted(cli_db, tmp_path):
    """`order ship` with one item on two --line options is refused (the second silently replaced the first, whose
    quantity became a shortfall nobody could correct); `order receive` refuses a receiver of invisible characters,
    a time after now and one before the shipment; each in one sentence, exit 1, the order unchanged. An order
    number typed in lower case is said as the order prints it (it echoed the number as typed)."""
    from datetime import timedelta

    from stockpile import clock

    svc, doc = _kept_order(cli_db, tmp_path)
    depot = doc["depots"][0]["site"]
    keeper = min(
        (u for u in svc.trust.list_users("admin") if u.role == "keeper" and depot in u.site_codes),
        key=lambda u: len(u.site_codes),
    ).username
    item = next(ln["item_code"] for ln in svc.dispatch.show_order(doc["doc_no"], "dispatcher").lines)
    login_as(keeper)
    twice = ["order", "ship", doc["doc_no"], "--depot", depot, "--line", item, "--qty", "1"]
    twice += ["--line", item, "--qty", "2", "--reason", "damaged"]
    refused = runner.invoke(app, twice)
    assert refused.exit_code == 1 and "不止一次" in refused.output and item in refused.output, refused.output
    assert (
        svc.dispatch.show_order(doc["doc_no"], "dispatcher").header["state"] == "pending"
    )  # nothing shipped
    assert runner.invoke(app, ["order", "ship", doc["doc_no"], "--depot", depot]).exit_code == 0
    login_as("dispatcher")
    receive = ["order", "receive", doc["doc_no"], "--receiver"]
    blank = runner.invoke(app, [*receive, "\u200b"])
    assert blank.exit_code == 1 and "签收人姓名不可用" in blank.output, blank.output
    later = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    future = runner.invoke(app, [*receive, "李村长", "--at", later])
    assert future.exit_code == 1 and "晚于现在" in future.output, future.output
    early = runner.invoke(app, [*receive, "李村长", "--at", "2000-01-01T08:00"])
    assert early.exit_code == 1 and "早于" in early.output and "发运" in early.output, early.output
    shown = svc.dispatch.show_order(doc["doc_no"], "dispatcher")
    assert shown.header["state"] == "shipped" and not shown.receipt
    typed = doc["doc_no"].lower()  # typed in lower case: said as the order prints it
    got = runner.invoke(app, ["order", "receive", typed, "--receiver", " 李村长 "])
    assert got.exit_code == 0 and f"{doc['doc_no']}：已签收" in got.output, got.output
    assert typed not in got.output, got.output
    closed = runner.invoke(app, ["order", "close", typed])
    assert closed.exit_code == 0 and doc["doc_no"] in closed.output and typed not in closed.output, (
        closed.output
    )
    assert svc.dispatch.show_order(doc["doc_no"], "dispatcher").header["received_by"] == "李村长"


def test_a_receipt_names_a_stop_by_the_number_order_show_prints(cli_db, tmp_path):
    """`order show` numbers its stops (序号) in the first column; `order receive --qty 5:ITEM=880` names stop 5 so,
    as the place code does. A stop the order does not deliver to is refused naming it and the stops it has (the
    message blamed the quantity, the reason and the receiver all at once)."""
    svc, doc, no, line = _shipped_delivery(cli_db, tmp_path)
    shown = runner.invoke(app, ["order", "show", doc])
    assert f"{line['place_name']}({line['place_code']})" in shown.output
    receive = ["order", "receive", doc, "--receiver", "李村长"]
    unknown = runner.invoke(app, [*receive, "--qty", f"99:{line['item_code']}=1", "--reason", "99:x=damaged"])
    stop = f"{no} {line['place_name']}（{line['place_code']}）"  # 序号 and place name, the code to type
    assert unknown.exit_code == 1 and "99" in unknown.output and stop in unknown.output, unknown.output
    assert "签收人" not in unknown.output, unknown.output
    en = runner.invoke(app, ["--lang", "en", *receive, "--qty", f"99:{line['item_code']}=1"])
    stop_en = f"{no} {line['place_name']} ({line['place_code']})"
    assert en.exit_code == 1 and stop_en in en.output and "（" not in en.output, en.output
    short = [f"{no}:{line['item_code']}={line['qty'] - 1}"]
    got = runner.invoke(app, [*receive, "--qty", *short, "--reason", f"{no}:{line['item_code']}=damaged"])
    assert got.exit_code == 0 and "已签收" in got.output, got.output
    receipt = svc.dispatch.show_order(doc, "dispatcher").receipt
    assert any(
        r["place_code"] == line["place_code"]
        and r["received"] == line["qty"] - 1
        and r["reason"] == "damaged"
        for r in receipt
    ), receipt


def test_a_receipt_naming_a_line_twice_is_refused_naming_it(cli_db, tmp_path):
    """`order receive` given one stop's item twice (once by its 序号 and once by its place code, or twice alike)
    kept the last silently; it is refused naming the stop, the item and both as typed, and nothing is received."""
    svc, doc, no, line = _shipped_delivery(cli_db, tmp_path)
    place, item, qty = line["place_code"], line["item_code"], line["qty"]
    receive = ["order", "receive", doc, "--receiver", "李村长"]
    for first, second in ((str(no), place), (place, place)):
        twice = runner.invoke(
            app, [*receive, "--qty", f"{first}:{item}={qty}", "--qty", f"{second}:{item}={qty - 1}"]
        )
        assert twice.exit_code == 1 and "两次" in twice.output and "Traceback" not in twice.output, (
            twice.output
        )
        assert place in twice.output and item in twice.output and f"{first} 与 {second}" in twice.output
        assert f"{line['item_name']}（{item}）" in twice.output and line["place_name"] in twice.output
    why = [f"{no}:{item}=damaged", f"{place}:{item}=lost"]
    twice = runner.invoke(
        app, [*receive, "--qty", f"{no}:{item}={qty - 1}", "--reason", why[0], "--reason", why[1]]
    )
    assert twice.exit_code == 1 and "两次" in twice.output, twice.output
    en = runner.invoke(
        app, ["--lang", "en", *receive, "--qty", f"{no}:{item}={qty}", "--qty", f"{place}:{item}={qty}"]
    )
    named = f"{line['item_name_en']} ({item})"  # the item by its English name, the code to type back
    assert en.exit_code == 1 and named in en.output and line["item_name"] not in en.output, en.output
    assert f"{line['place_name']} ({place})" in en.output and "（" not in en.output, en.output
    shown = svc.dispatch.show_order(doc, "dispatcher")
    assert shown.header["state"] == "shipped" and not shown.receipt


def test_a_receipt_naming_an_item_the_stop_was_not_loaded_names_the_items_by_name(cli_db, tmp_path):
    """`order receive` naming an item a stop was not loaded named the stop's items by code (1020101); it names
    each by its name in the reader's language with the code to type back, and the stop by its place name."""
    _, doc, no, line = _shipped_delivery(cli_db, tmp_path)
    receive = ["order", "receive", doc, "--receiver", "李村长", "--qty", f"{no}:9999999=1"]
    zh = runner.invoke(app, receive)
    assert zh.exit_code == 1 and "9999999" in zh.output, zh.output
    stop = f"{no} {line['place_name']}"
    assert f"{stop}（{line['place_code']}）" in zh.output, zh.output
    assert f"{line['item_name']}（{line['item_code']}）" in zh.output, zh.output
    en = runner.invoke(app, ["--lang", "en", *receive])
    assert en.exit_code == 1 and f"{line['item_name_en']} ({line['item_code']})" in en.output, en.output
    assert f"{stop} ({line['place_code']})" in en.output and line["item_name"] not in en.output, en.output


def test_voiding_twice_says_nothing_changed(cli_db, tmp_path):
    """The second void of a plan said 已作废方案 … as if it had just voided; it says nothing changed now, and names
    the plan by its orders' number prefix (DD…)."""
    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    doc = svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")[0]["doc_no"]
    first = runner.invoke(app, ["order", "void", doc])
    assert first.exit_code == 0 and "已作废方案 " + doc.split("-")[0] in first.output, first.output
    again = runner.invoke(app, ["order", "void", doc])
    assert again.exit_code == 0 and "未再改动" in again.output and "释放预留" not in again.output, (
        again.output
    )
    own = {d["site"] for d in svc.dispatch.show_order(doc, "dispatcher").depots}
    for depot in (
        sorted(own)
        + sorted({o["depots"][0]["site"] for o in svc.dispatch.list_orders("dispatcher")} - own)[:1]
    ):
        ship = runner.invoke(app, ["order", "ship", doc, "--depot", depot])  # void: said so, at any depot
        assert ship.exit_code == 1 and "已作废" in ship.output and "没有出库明细" not in ship.output, (
            ship.output
        )


def test_an_order_in_english_names_its_items_in_english(cli_db, tmp_path):
    """`--lang en order show` and the English reprint: items by their English names, "Label: value" with an
    English colon; the Chinese names stay on the Chinese sheet."""
    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    doc = svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")[0]["doc_no"]
    lines = svc.dispatch.show_order(doc, "dispatcher").lines
    named = {(ln["item_name"], ln["item_name_en"]) for ln in lines}
    assert named and all(en and en != zh for zh, en in named)  # the demo county names every item in English
    wide = {"COLUMNS": "300"}
    en = runner.invoke(app, ["--lang", "en", "order", "show", doc], env=wide)
    zh = runner.invoke(app, ["order", "show", doc], env=wide)
    assert en.exit_code == 0 and zh.exit_code == 0, en.output + zh.output
    for name_zh, name_en in named:
        assert name_en in en.output and name_zh not in en.output, en.output
        assert name_zh in zh.output
    assert "Order no.: " in en.output and "：" not in en.output.split("\n")[0]
    out = tmp_path / "en"
    assert runner.invoke(app, ["--lang", "en", "order", "reprint", doc, "--out", str(out)]).exit_code == 0
    from openpyxl import load_workbook

    cells = {
        str(c) for row in load_workbook(out / f"{doc}.xlsx").active.iter_rows(values_only=True) for c in row
    }
    assert {en for _, en in named} <= cells and not {zh for zh, _ in named} & cells


def test_orders_listed_by_a_state_named_in_either_language(cli_db, tmp_path):
    """`order list --state` takes the state's code or the name the list shows, in Chinese or English (已结单
    listed nothing: an unknown state was an empty list); any other word is a usage error naming the states (exit 2),
    and the use case refuses it too (the page)."""
    import pytest

    from stockpile.domain.dispatch import UnknownOrderState

    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    doc = svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")[0]
    for state in ("pending", "待备货", "To pick", " PENDING "):
        res = runner.invoke(app, ["order", "list", "--state", state])
        assert res.exit_code == 0 and doc["doc_no"] in res.output, (state, res.output)
    for state in ("已结单", "closed", "Superseded"):
        res = runner.invoke(app, ["order", "list", "--state", state])
        assert res.exit_code == 0 and "没有符合条件的调拨单" in res.output, (state, res.output)
    bad = runner.invoke(app, ["order", "list", "--state", "已完成"])
    said = "".join(c for c in bad.output if c not in "│ \n")  # the usage error's box wraps the sentence
    assert bad.exit_code == 2 and "未知的调拨单状态：已完成" in said, bad.output
    assert "closed（已结单）" in said and "superseded（已被替代）" in said and "Traceback" not in bad.output
    english = runner.invoke(app, ["--lang", "en", "order", "list", "--state", "done"])
    said = "".join(c for c in english.output if c not in "│ \n")
    assert english.exit_code == 2 and "Unknownorderstatus:done" in said and "closed(closed)" in said, said
    with pytest.raises(UnknownOrderState):
        svc.dispatch.list_orders("dispatcher", state="已结单")


def test_a_planner_picking_is_told_the_role_not_the_depot(cli_db, tmp_path):
    """Planners may not pick at any depot: `order pick` as the planner says who may pick (the role sentence), not
    that the depot is not assigned to them (which sent them to ask an administrator for the depot)."""
    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    doc = svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")[0]
    login_as("planner")
    res = runner.invoke(app, ["order", "pick", doc["doc_no"], "--depot", doc["depots"][0]["site"]])
    assert res.exit_code == 1 and "可以备货" in res.output and "角色是规划审查" in res.output, res.output
    assert "未分配给您" not in res.output


def test_an_english_order_list_reads_in_english_and_names_the_truck(cli_db, tmp_path):
    """`--lang en order list` showed the depots as YL-102A（shipped (partly …)）、…: English brackets and commas.
    The vehicle column showed the plate twice (the demo's vehicle codes are plates) and never the truck's name: it
    shows name and plate, as the fleet knows it."""
    from sqlalchemy import select

    from stockpile.adapters.db.engine import make_engine
    from stockpile.adapters.orm.dispatch import VehicleRow
    from stockpile.i18n import t

    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    order = svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")[0]
    with make_engine(f"sqlite:///{cli_db}").connect() as c:
        name, plate = c.execute(
            select(VehicleRow.name, VehicleRow.plate).where(VehicleRow.code == order["vehicle"])
        ).one()
    listed = runner.invoke(app, ["--lang", "en", "order", "list", "--scenario", "FLOOD-DEMO"])
    assert listed.exit_code == 0, listed.output
    flat = "".join(listed.output.split())
    assert "（" not in listed.output and "、" not in listed.output, listed.output
    pending = t("order.state.pending", "en")
    assert "".join(f"{order['depots'][0]['site_name']} ({pending})".split()) in flat, listed.output  # by name
    assert "".join(f"{name} {plate}".split()) in flat and "".join(f"{plate} {plate}".split()) not in flat
    shown = runner.invoke(app, ["order", "show", order["doc_no"]])  # the header named the truck by its code
    assert f"车辆：{name}（{order['vehicle']}）" in shown.output, shown.output
    zh = "".join(runner.invoke(app, ["order", "list", "--scenario", "FLOOD-DEMO"]).output.split())
    assert f"{order['depots'][0]['site_name']}（待备货）" in zh, zh
