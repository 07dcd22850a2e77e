"""Partial shipment on SQLite and PostgreSQL: loading less than was picked needs a reason from the catalogue, the
shortfall's holds are released in the same transaction, a refusal writes nothing, documents show shipped against
planned, and 签收 expects what was loaded."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch.commands import PlanSettings
from stockpile.domain.dispatch import ShipInvalid
from stockpile.i18n import domain_error_text
from tests.conftest import NOW
from tests.support.dispatch import SCENARIO, seed_dispatch

FAST = PlanSettings(time_limit_s=1.0)
DEPOT = "D-COUNTY"


@pytest.fixture
def svc(engine, world, db_url):
    seed_dispatch(engine, world)
    return build_services(Settings(database_url=db_url))


def _ledger(engine) -> tuple[int, int, int]:
    """(sum on hand, sum reserved, movements) over the whole ledger."""
    b = orm.StockBalanceRow
    with Session(engine) as s:
        on_hand, reserved = s.execute(select(func.sum(b.on_hand), func.sum(b.reserved))).one()
        moves = s.scalar(text("SELECT count(*) FROM movement"))
    return int(on_hand), int(reserved), int(moves or 0)


def _held(svc, doc: str) -> dict[str, int]:
    """item → quantity the order holds at the county depot (its pick list)."""
    out: dict[str, int] = {}
    for ln in svc.dispatch.show_order(doc, "disp1").lines:
        if ln["kind"] == "pickup" and ln["place_code"] == DEPOT and ln["lot_no"]:
            out[ln["item_code"]] = out.get(ln["item_code"], 0) + ln["qty"]
    return out


def _order_at_depot(svc) -> str:
    conf = svc.dispatch.confirm(svc.dispatch.plan(SCENARIO, FAST, now=NOW), "disp1", NOW)
    return next(d for d in conf.orders if _held(svc, d))


def test_loading_less_needs_a_reason_and_a_refusal_writes_nothing(svc, engine):
    """Short without a reason, 'other' without a note, an item the part does not hold, more than picked, a
    negative quantity: each refused with the item named, and the ledger untouched."""
    doc = _order_at_depot(svc)
    item, qty = next(iter(_held(svc, doc).items()))
    before = _ledger(engine)
    bad = [
        ({item: qty - 1}, "", ""),
        ({item: qty - 1}, "forgot", ""),
        ({item: qty - 1}, "other", "  "),
        ({"9999999": 1}, "damaged", ""),
        ({item: qty + 1}, "", ""),
        ({item: -1}, "damaged", ""),
    ]
    for loaded, reason, note in bad:
        with pytest.raises(ShipInvalid) as e:
            svc.dispatch.ship_loaded(doc, DEPOT, "keeper1", loaded, reason, note, now=NOW)
        assert "装车明细有误" in domain_error_text(e.value)
    assert _ledger(engine) == before
    part = next(d for d in svc.dispatch.show_order(doc, "disp1").depots if d["site"] == DEPOT)
    assert part["state"] == "pending" and part["shipped_qty"] is None


def test_partial_shipment_issues_what_was_loaded_and_releases_the_shortfall(svc, engine):
    """Loading 1 less of one item: on hand falls by what left, every hold of the part is resolved (the shortfall
    released, not kept), the part reads shipped with shipped < planned, and shipping again does nothing."""
    doc = _order_at_depot(svc)
    held = _held(svc, doc)
    item, qty = next(iter(held.items()))
    on_hand, reserved, _ = _ledger(engine)
    at = NOW + timedelta(minutes=10)
    done = svc.dispatch.ship_loaded(doc, DEPOT, "keeper1", {item: qty - 1}, "damaged", "", now=at)
    assert done.short == 1 and done.released == 1 and not done.again
    assert done.lines[item] == (qty, qty - 1)
    after = _ledger(engine)
    assert after[0] == on_hand - (sum(held.values()) - 1)
    assert after[1] == reserved - sum(held.values())
    sheet = svc.dispatch.show_order(doc, "disp1")
    part = next(d for d in sheet.depots if d["site"] == DEPOT)
    assert part["state"] == "shipped" and (part["planned_qty"], part["shipped_qty"]) == (
        sum(held.values()),
        sum(held.values()) - 1,
    )
    rows = [ln for ln in sheet.lines if ln["kind"] == "pickup" and ln["place_code"] == DEPOT]
    assert sum(ln["shipped"] for ln in rows) == sum(held.values()) - 1
    assert next(s for s in sheet.shipments if s["shipped"] < s["planned"])["reason"] == "damaged"
    again = svc.dispatch.ship_loaded(doc, DEPOT, "keeper1", {item: 0}, "damaged", "", now=at)
    assert again.again and _ledger(engine) == after
    with Session(engine) as s:
        pending = s.scalar(
            select(func.count()).where(orm.ReservationRow.plan_ref == doc, orm.ReservationRow.site_id.in_(
                select(orm.SiteRow.id).where(orm.SiteRow.code == DEPOT)), orm.ReservationRow.state == "pending")
        )  # fmt: skip
    assert pending == 0
    assert svc.ledger.verify_ledger() == []


def test_documents_show_shipped_against_planned_and_receipt_expects_the_load(svc):
    """The reprinted order names the shortfall at loading with its reason in words; 签收 without quantities takes
    what was loaded for each stop (not the plan), so a loading shortfall needs no second reason."""
    doc = _order_at_depot(svc)
    item, qty = next(iter(_held(svc, doc).items()))
    at = NOW + timedelta(minutes=10)
    svc.dispatch.ship_loaded(doc, DEPOT, "keeper1", {item: 0}, "other", "叉车故障", now=at)
    for d in svc.dispatch.show_order(doc, "disp1").depots:
        svc.dispatch.ship(doc, d["site"], "disp1", at)
    xlsx, pdf = svc.dispatch.order_documents(doc, "disp1")
    words = " ".join(
        str(c) for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True) for c in row if c
    )
    assert "装车短少" in words and "其他" in words and "叉车故障" in words and "实发数量" in words
    assert pdf.startswith(b"%PDF")
    lines = svc.dispatch.receive(doc, "李村长", "disp1", now=at + timedelta(hours=1))
    delivered = sum(
        ln["qty"] for ln in svc.dispatch.show_order(doc, "disp1").lines if ln["kind"] == "delivery"
    )
    assert sum(got for _, got, _ in lines.values()) == delivered - qty
    assert all(loaded == got for loaded, got, _ in lines.values())
