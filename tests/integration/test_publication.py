"""The information publication's production and transport parts (issue 17, M5): a capacity reserve (产能储备)
called off by the confirmed plan of the event's scenario counts as production; its deliveries are pending until
received; storage is by area, without lots; a keeper may not read it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.dispatch import ScenarioRow
from stockpile.adapters.orm.events import DisasterEventRow
from stockpile.adapters.orm.registers import EventScenarioRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch.commands import PlanSettings
from stockpile.domain.errors import PermissionDenied
from stockpile.domain.events import EventRecord, UnknownEvent
from tests.conftest import NOW
from tests.support.dispatch import SCENARIO, seed_dispatch

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)


@pytest.fixture
def svc(engine, world, db_url):
    seed_dispatch(engine, world)
    services = build_services(Settings(database_url=db_url))
    services.events.new_event(EventRecord("FLOOD-T", "测试洪涝", "flood", world.county, 4, NOW), "disp", NOW)
    with Session(engine) as s, s.begin():  # T-FLOOD stands for the scenario made from the event
        ev = s.scalars(select(DisasterEventRow.id).where(DisasterEventRow.code == "FLOOD-T")).one()
        sc = s.scalars(select(ScenarioRow.id).where(ScenarioRow.code == SCENARIO)).one()
        s.add(EventScenarioRow(event_id=ev, scenario_id=sc))
    return services


def test_capacity_called_off_is_production_and_deliveries_are_pending(svc, engine, world):
    with Session(engine) as s, s.begin():
        producer = s.scalars(select(orm.SiteRow.id).where(orm.SiteRow.code == world.point)).one()
        water = s.scalars(select(orm.ItemRow.id).where(orm.ItemRow.code == world.water)).one()
        s.add(
            orm.CapacityReserveRow(
                producer_site_id=producer,
                item_id=water,
                units_per_day=2400,
                activation_minutes=60,
                valid_from=NOW.date(),
                valid_to=NOW.date() + timedelta(days=30),
            )
        )
    with engine.begin() as c:  # the physical stock is already held elsewhere
        c.execute(text("UPDATE stock_balance SET reserved = on_hand"))
    empty = svc.registers.publication("FLOOD-T", "plan")
    assert empty.production == [] and empty.transport == []
    plan = svc.dispatch.plan(SCENARIO, PlanSettings(time_limit_s=1.0), now=NOW)
    svc.dispatch.confirm(plan, "disp1", NOW)
    pub = svc.registers.publication("FLOOD-T", "plan")
    assert pub.production == [("capacity", world.water, 600)]
    moved = {item: (done, pending) for item, done, pending in pub.transport}
    assert moved[world.water] == (0, 600)
    areas = {area for area, _, _ in pub.storage}
    assert areas <= {world.county, world.township} and areas
    with pytest.raises(PermissionDenied):
        svc.registers.publication("FLOOD-T", world.keeper)
    with pytest.raises(UnknownEvent):
        svc.registers.publication("NO-EVENT", "plan")


def test_delivered_goods_count_what_was_signed_for(svc, engine, world):
    """A stop that signed for fewer than the order carried (途中破损) publishes what it received, not what was
    planned: the table goes to the public (review finding: 3,600 published for 3,480 received)."""
    plan = svc.dispatch.plan(SCENARIO, PlanSettings(time_limit_s=1.0), now=NOW)
    conf = svc.dispatch.confirm(plan, "disp1", NOW)
    carried: dict[str, int] = {}
    short = None
    for doc in conf.orders:
        sheet = svc.dispatch.show_order(doc, "disp1")
        for d in sheet.depots:
            svc.dispatch.ship(doc, d["site"], "disp1", NOW + timedelta(minutes=5))
        drops = [ln for ln in sheet.lines if ln["kind"] == "delivery"]
        for ln in drops:
            carried[ln["item_code"]] = carried.get(ln["item_code"], 0) + ln["qty"]
        if short is None and drops and drops[0]["qty"] > 1:
            short = drops[0]
            got = {(short["place_code"], short["item_code"]): short["qty"] - 1}
            why = {(short["place_code"], short["item_code"]): "damaged"}
            svc.dispatch.receive(
                doc, "李村长", "disp1", quantities=got, reasons=why, now=NOW + timedelta(hours=2)
            )
    assert short is not None, "the plan delivers something"
    moved = {
        item: (done, pending)
        for item, done, pending in svc.registers.publication("FLOOD-T", "plan").transport
    }
    item = short["item_code"]
    done, pending = moved[item]
    assert done + pending == carried[item] - 1 and done > 0
