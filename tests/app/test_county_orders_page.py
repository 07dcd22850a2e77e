"""AppTest: the orders page on the second county (上犹县, users from its workbook): after a confirmed plan, each
depot's keeper ships their own part on the page (the county depot one short, with a reason), and the dispatcher
records the 签收 and closes; the request lines it served read delivered."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from stockpile.bootstrap import build_services
from stockpile.config import get_settings
from tests.support.cli import login_as
from tests.support.county_orders import CHOSEN, KEEPERS, build_county, flood, run

ROOT = Path(__file__).resolve().parents[2]


def _page(services, user: str, role: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "stockpile/app/pages/orders.py"), default_timeout=60)
    at.session_state["services"] = services
    at.session_state["user"] = user
    at.session_state["role"] = role
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _part(services, doc_no: str, site: str) -> dict:
    order = next(o for o in services.dispatch.list_orders("sy_disp") if o["doc_no"] == doc_no)
    return next(d for d in order["depots"] if d["site"] == site)


def _ship_on_page(services, doc_no: str, site: str, short: bool) -> None:
    keeper = _page(services, KEEPERS[site], "keeper")
    keeper.selectbox(key="orders.doc").set_value(doc_no).run()
    qty = next(n for n in keeper.number_input if n.key.startswith(f"orders.qty.{site}."))
    if short:
        qty.set_value(int(qty.value) - 1)
        keeper.selectbox(key=f"orders.reason.{site}").set_value("damaged")
    next(b for b in keeper.button if b.key.startswith(f"FormSubmitter:orders.ship.{site}-")).click().run()
    assert not keeper.error, [e.value for e in keeper.error]
    assert any("发运" in s.value for s in keeper.success)
    part = _part(services, doc_no, site)
    assert part["state"] == "shipped" and part["shipped_qty"] == part["planned_qty"] - int(short)


def test_keepers_ship_and_dispatcher_signs_for_on_the_second_county(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'shangyou.db'}")
    build_county(tmp_path)
    flood()
    login_as("sy_disp", CHOSEN)
    run("plan", "FLOOD-SY-SC", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "orders"))
    services = build_services(get_settings())
    orders = services.dispatch.list_orders("sy_disp", scenario="FLOOD-SY-SC")
    both = [o for o in orders if set(KEEPERS) <= {d["site"] for d in o["depots"]}]
    order = (both or orders)[0]
    parts = [d["site"] for d in order["depots"]]
    # the other depot's keeper sees no form for this part
    outsider = next(s for s in KEEPERS if s != parts[0])
    page = _page(services, KEEPERS[outsider], "keeper")
    if outsider in parts:  # their own part of the same order is open on the page, the other depot's is not
        page.selectbox(key="orders.doc").set_value(order["doc_no"]).run()
    assert not [n for n in page.number_input if n.key.startswith(f"orders.qty.{parts[0]}.")]
    for site in parts:
        if site in KEEPERS:
            _ship_on_page(services, order["doc_no"], site, short=site == "SY-XJK")
        else:  # a depot without a keeper in the workbook: the plan's dispatcher ships it
            services.dispatch.ship(order["doc_no"], site, "sy_disp")

    desk = _page(services, "sy_disp", "dispatcher")
    desk.selectbox(key="orders.doc").set_value(order["doc_no"]).run()
    desk.text_input(key="orders.receiver").input("李村长").run()
    desk.button(key="orders.receive").click().run()
    assert not desk.error and any("已签收" in s.value for s in desk.success)
    desk.run()
    desk.button(key="orders.close").click().run()
    assert not desk.error
    done = next(o for o in services.dispatch.list_orders("sy_disp") if o["doc_no"] == order["doc_no"])
    assert done["state"] == "closed"
    assert "送达" in run("request", "list", "FLOOD-SY")
