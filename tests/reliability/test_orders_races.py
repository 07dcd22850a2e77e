"""Races on an order's depot part, on SQLite and PostgreSQL.

Two keepers ship the same pick list at the same moment: the order row is locked first (SELECT … FOR UPDATE on
PostgreSQL, BEGIN IMMEDIATE on SQLite), so one ships and the other is told it had already shipped — the holds are
issued once. Shipping races voiding the plan: the rules (docs/dispatch.md) are that a plan may be voided only while
no part has shipped, and a void part cannot ship; both steps lock the order row, so either the void wins (every
hold released, the ship refused with the order's state in words) or the ship wins (its part issued, the void
refused and nothing released).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.dispatch.commands import PlanSettings
from stockpile.domain.dispatch import OrderWrongState, VoidAfterShipment
from stockpile.i18n import domain_error_text
from tests.conftest import NOW
from tests.support.dispatch import SCENARIO, seed_dispatch

FAST = PlanSettings(time_limit_s=1.0)
DEPOT = "D-COUNTY"
AT = NOW + timedelta(minutes=10)


@pytest.fixture
def svc(engine, world, db_url):
    seed_dispatch(engine, world)
    return build_services(Settings(database_url=db_url))


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each result or the exception it raised, in call order."""
    gate = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        gate.wait()
        try:
            out[i] = calls[i]()
        except Exception as e:  # the race's loser is an outcome, checked by the test
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def _order(svc) -> str:
    conf = svc.dispatch.confirm(svc.dispatch.plan(SCENARIO, FAST, now=NOW), "disp1", NOW)
    return next(
        d for d in conf.orders if any(x["site"] == DEPOT for x in svc.dispatch.show_order(d, "disp1").depots)
    )


def _issues(engine, doc: str) -> int:
    with Session(engine) as s:
        return int(s.scalar(text("SELECT count(*) FROM movement m JOIN posting p ON p.id = m.posting_id "
                                 "WHERE p.doc_no = :d"), {"d": doc}) or 0)  # fmt: skip


def _pending(engine, doc: str) -> int:
    r = orm.ReservationRow
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).where(r.plan_ref == doc, r.state == "pending")) or 0)


def test_two_keepers_shipping_one_pick_list_issue_it_once(svc, engine):
    """keeper1 loads one short (with a reason), k loads all, at the same moment: exactly one shipment is
    recorded — the other keeper is told the part had already shipped — and each hold is issued at most once."""
    doc = _order(svc)
    item, qty = next(
        (ln["item_code"], ln["qty"]) for ln in svc.dispatch.show_order(doc, "disp1").lines
        if ln["kind"] == "pickup" and ln["place_code"] == DEPOT and ln["lot_no"]
    )  # fmt: skip
    short, full = _at_once(
        lambda: svc.dispatch.ship_loaded(doc, DEPOT, "keeper1", {item: qty - 1}, "damaged", now=AT),
        lambda: svc.dispatch.ship_loaded(doc, DEPOT, "k", {}, now=AT),
    )
    assert not isinstance(short, Exception) and not isinstance(full, Exception), (short, full)
    assert sorted([short.again, full.again]) == [False, True]
    winner = full if full.again is False else short
    part = next(d for d in svc.dispatch.show_order(doc, "disp1").depots if d["site"] == DEPOT)
    assert part["state"] == "shipped" and part["shipped_by"] == ("k" if winner is full else "keeper1")
    assert part["shipped_qty"] == sum(s for _, s in winner.lines.values())
    assert _issues(engine, doc) == winner.issued
    with Session(engine) as s:
        audits = s.scalar(
            text("SELECT count(*) FROM audit_event WHERE action = 'ship_order' AND target = :d"), {"d": doc}
        )
    assert audits == 1
    assert svc.ledger.verify_ledger() == []


@pytest.mark.parametrize("round_", range(3))
def test_ship_racing_void_either_void_wins_or_ship_wins(svc, engine, round_):
    """Void and ship of the same order at once: never both. A lost void says the part shipped; a lost ship
    says the order is void; the holds match the winner (all released, or the part issued and the rest held)."""
    doc = _order(svc)
    held = _pending(engine, doc)
    ship, void = _at_once(
        lambda: svc.dispatch.ship(doc, DEPOT, "keeper1", AT),
        lambda: svc.dispatch.void(doc, "disp1", AT),
    )
    if isinstance(ship, Exception):  # the void won
        assert isinstance(ship, OrderWrongState) and not isinstance(void, Exception)
        assert "已作废" in domain_error_text(ship)
        assert _issues(engine, doc) == 0 and _pending(engine, doc) == 0
        assert void.released > 0
    else:  # the ship won
        assert isinstance(void, VoidAfterShipment), void
        assert ship > 0 and _issues(engine, doc) == ship
        assert _pending(engine, doc) == held - ship
        assert svc.dispatch.show_order(doc, "disp1").header["state"] != "void"
    assert svc.ledger.verify_ledger() == []
