"""AppTest: the orders page after a confirmed plan: the dispatcher lists and reprints (one zip), the depot's keeper
ships their part, the dispatcher records the receipt and closes; another depot's keeper sees no ship button."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from stockpile.bootstrap import build_services
from stockpile.config import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services(tmp_path_factory, demo_url):
    path = tmp_path_factory.mktemp("orders_page") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    svc = build_services(Settings(database_url=f"sqlite:///{path}", solve_time_limit_s=1))
    plan = svc.dispatch.plan("FLOOD-DEMO", svc.dispatch.plan_settings(time_limit_s=1.0))
    svc.dispatch.confirm(plan, "dispatcher")
    return svc


def _page(services, user: str, role: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "stockpile/app/pages/orders.py"), default_timeout=60)
    at.session_state["services"] = services
    at.session_state["user"] = user
    at.session_state["role"] = role
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _keeper_of(services, site: str, other: bool = False) -> str:
    keepers = [u for u in services.trust.list_users("admin") if u.role == "keeper" and u.active]
    return next(u.username for u in keepers if (site in u.site_codes) != other)


def _submit(at: AppTest, site: str) -> None:
    next(b for b in at.button if b.key.startswith(f"FormSubmitter:orders.ship.{site}-")).click().run()


def _part(services, doc_no: str, site: str) -> dict:
    order = next(o for o in services.dispatch.list_orders("dispatcher") if o["doc_no"] == doc_no)
    return next(d for d in order["depots"] if d["site"] == site)


def test_dispatcher_lists_and_reprints_every_order_in_one_zip(services):
    at = _page(services, "dispatcher", "dispatcher")
    table = at.dataframe[0].value
    orders = list(table["调拨单号"])
    assert orders and set(table["状态"]) == {"待备货"}
    at.button(key="orders.prepare_all").click().run()
    with zipfile.ZipFile(io.BytesIO(at.session_state["orders.zip"])) as z:
        assert sorted(z.namelist()) == sorted([f"{d}.pdf" for d in orders] + [f"{d}.xlsx" for d in orders])


def test_the_list_names_each_truck_by_name_and_plate(services):
    """The vehicle column showed the plate (the demo's vehicle codes are plates) and never the truck's name: it
    names the truck and its plate as `relief order list` does (县库厢式货车1 XJK-01)."""
    at = _page(services, "dispatcher", "dispatcher")
    table = at.dataframe[0].value
    shown = dict(zip(table["调拨单号"], table["车辆"], strict=True))
    orders = services.dispatch.list_orders("dispatcher")
    assert orders and all(o["vehicle_name"] for o in orders)
    assert shown == {o["doc_no"]: f"{o['vehicle_name']} {o['plate']}" for o in orders}, shown


def test_keeper_ships_own_part_and_dispatcher_receives_and_closes(services):
    kept = {c for u in services.trust.list_users("admin") if u.role == "keeper" for c in u.site_codes}
    doc = next(o for o in services.dispatch.list_orders("dispatcher") if o["depots"][0]["site"] in kept)
    site = doc["depots"][0]["site"]
    outsider = _page(services, _keeper_of(services, site, other=True), "keeper")
    assert not [
        n for n in outsider.number_input if n.key.startswith(f"orders.qty.{site}.")
    ]  # not their depot

    keeper = _page(services, _keeper_of(services, site), "keeper")
    keeper.selectbox(key="orders.doc").set_value(doc["doc_no"]).run()
    qty = next(n for n in keeper.number_input if n.key.startswith(f"orders.qty.{site}."))
    held = int(qty.value)
    qty.set_value(held - 1)
    _submit(keeper, site)  # loading less without a reason: refused in words, nothing shipped
    assert keeper.error and "原因" in keeper.error[0].value
    assert _part(services, doc["doc_no"], site)["state"] != "shipped"
    keeper.selectbox(key=f"orders.reason.{site}").set_value("damaged")
    _submit(keeper, site)
    assert not keeper.error and any("部分发运" in s.value for s in keeper.success)
    part = _part(services, doc["doc_no"], site)
    assert part["state"] == "shipped" and part["shipped_qty"] == part["planned_qty"] - 1

    for part in doc["depots"][1:]:  # the order's other depots ship too (the dispatcher may ship any part)
        services.dispatch.ship(doc["doc_no"], part["site"], "dispatcher")
    desk = _page(services, "dispatcher", "dispatcher")
    desk.selectbox(key="orders.doc").set_value(doc["doc_no"]).run()
    desk.text_input(key="orders.receiver").input("李村长").run()
    desk.button(key="orders.receive").click().run()
    assert not desk.error and any("已签收" in s.value for s in desk.success)
    desk.run()
    desk.button(key="orders.close").click().run()
    assert not desk.error
    state = next(
        r["state"] for r in services.dispatch.list_orders("dispatcher") if r["doc_no"] == doc["doc_no"]
    )
    assert state == "closed"
