"""装车发运 of one depot's part of an order, in full or in part.

The keeper ships what was actually loaded per item; items not named load in full. Loading less than held needs a
reason from the catalogue (`SHORT_REASONS`, 'other' with a note). The loaded quantity is spread over the item's
holds in FEFO order and issued (出库); the shortfall is **released** from its holds in the same transaction: the part
ships once, so a kept hold would block stock no step can ever issue, and released stock is what a re-plan of the
unserved remainder (or a write-off of damaged goods, a separate four-eyes step) needs. Every item's planned and
shipped quantity is recorded, so documents show shipped against planned; a refusal writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from stockpile import clock
from stockpile.dispatch.orders import depot_part
from stockpile.dispatch.scenario import RepoOf
from stockpile.domain.dispatch import check_shipment, loaded_per_hold
from stockpile.domain.model import Reservation
from stockpile.ledger.posting import retry_on_conflict
from stockpile.ledger.reservations import ship_holds
from stockpile.ports.repos import DispatchRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz


@dataclass(frozen=True, slots=True)
class Shipped:
    """What shipping a depot part did: holds issued, units released (the shortfall), item → (planned, shipped);
    `again` when the part had already shipped (nothing written)."""

    issued: int
    released: int = 0
    lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    again: bool = False

    @property
    def short(self) -> int:
        return sum(p - s for p, s in self.lines.values())


def _loaded_holds(
    uow: AbstractUnitOfWork,
    repo: DispatchRepository,
    doc_no: str,
    site_id: int,
    lines: dict[str, tuple[int, int]],
) -> list[tuple[Reservation, int]]:
    """Each pending hold of the part with the quantity loaded from it (FEFO: the earliest lots load first)."""
    by_item: dict[str, list[Reservation]] = {}
    for h in repo.order_holds(doc_no):  # ordered by site, item, expiry, lot
        if h["state"] == "pending" and h["site_id"] == site_id:
            res = uow.ledger.reservation(h["id"])
            if res is not None:
                by_item.setdefault(h["item_code"], []).append(res)
    out: list[tuple[Reservation, int]] = []
    for item, holds in by_item.items():
        qty = loaded_per_hold([(str(h.id), h.qty) for h in holds], lines[item][1])
        out += list(zip(holds, qty, strict=True))
    return out


def _held(repo: DispatchRepository, doc_no: str, site_id: int) -> dict[str, int]:
    held: dict[str, int] = {}
    for h in repo.order_holds(doc_no):
        if h["state"] == "pending" and h["site_id"] == site_id:
            held[h["item_code"]] = held.get(h["item_code"], 0) + h["qty"]
    return held


@authz.records_denials
@retry_on_conflict
def ship_depot(
    doc_no: str,
    depot: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    actor: str,
    now: datetime | None = None,
    loaded: Mapping[str, int] | None = None,
    reason: str = "",
    note: str = "",
) -> Shipped:
    """装车发运 of one depot's part with the quantity loaded per item code (default: all held); the order is
    shipped when every part is. A part already shipped ships nothing more (`again`)."""
    at = (now or clock.now()).replace(microsecond=0)
    with uow:
        repo = repo_of(uow)
        o, part, who = depot_part(uow, repo, doc_no, depot, actor, "issue_reservation")
        plan = repo.plan_record(o["plan_id"]) or {}
        if who.role == "dispatcher" and str(plan.get("actor", "")).upper() != who.username.upper():
            raise authz.deny(who, "issue_reservation", "not_plan_owner", target=doc_no)
        if part["state"] == "shipped":
            return Shipped(0, again=True)
        lines = check_shipment(_held(repo, doc_no, part["site_id"]), dict(loaded or {}), reason, note)
        short = any(s < p for p, s in lines.values())
        issued, released = ship_holds(
            uow, _loaded_holds(uow, repo, doc_no, part["site_id"], lines), actor, at, at
        )
        why = (reason, note.strip()[:200]) if short else ("", "")
        repo.add_ship_lines(doc_no, part["site_id"], {i: (p, s, *why) for i, (p, s) in lines.items()})
        repo.set_depot_state(doc_no, part["site_id"], "shipped", at, actor)
        if all(d["state"] == "shipped" for d in repo.order_depots(doc_no)):
            repo.set_order_state(doc_no, "shipped", at)
        elif o["state"] == "pending":
            repo.set_order_state(doc_no, "picked", at)
        detail = {"holds": issued, "released": released, "reason": why[0], "note": why[1]}
        detail["short"] = {i: f"{s}/{p}" for i, (p, s) in lines.items() if s < p}
        authz.audit_ok(uow, actor, "ship_order", at, doc_no, site_id=part["site_id"], detail=detail)
        uow.commit()
        return Shipped(issued, released, lines)
