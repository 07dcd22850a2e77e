"""Dispatch orders (调拨单) after confirmation: list, show, void, pick and ship per depot, receive (签收), close.

An order lives in the database; its documents are derived from it at any time. Each depot holding stock for an
order has its own part: that depot's keeper picks and ships it, all its holds issued in one transaction, so a
keeper of one depot never issues half an order and then meets a refusal. States run pending → picked → shipped →
delivered → closed, each step audited; voiding a plan (only before anything shipped) releases all its holds in one
transaction and frees the scenario for a new confirmation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stockpile import clock
from stockpile.dispatch.scenario import RepoOf
from stockpile.domain.dispatch import (
    NoLinesAtDepot,
    OrderWrongState,
    UnknownOrder,
    VoidAfterShipment,
    check_order_state,
    order_no_key,
)
from stockpile.domain.errors import UnknownSite
from stockpile.domain.model import Actor, Reservation
from stockpile.ledger.posting import retry_on_conflict
from stockpile.ledger.reservations import release_holds
from stockpile.ports.repos import DispatchRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

SHIPPED_OR_LATER = ("shipped", "delivered", "closed")


@dataclass(frozen=True, slots=True)
class Voided:
    plan_id: uuid.UUID
    orders: tuple[str, ...]
    released: int
    again: bool = False  # the plan was already void: nothing changed


@dataclass(frozen=True, slots=True)
class OrderSheet:
    """Everything a document or a page shows of one order, read from the database."""

    header: dict[str, Any]
    lines: list[dict[str, Any]]
    depots: list[dict[str, Any]] = field(default_factory=list)
    receipt: list[dict[str, Any]] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(
        default_factory=list
    )  # per depot × item: planned, shipped, reason


def _order(repo: DispatchRepository, doc_no: str, lock: bool = False) -> dict[str, Any]:
    o = repo.order(doc_no, lock)
    if o is None:
        raise UnknownOrder(doc_no=doc_no)
    return o


def stored_order_no(typed: str, uow: AbstractUnitOfWork, repo_of: RepoOf) -> str:
    """The order number as stored for one typed without a plate's 「·」, with spaces, full-width or in lower case
    (orders written before numbers dropped the dot keep theirs); as typed when no single order matches, so the step
    refuses it as unknown."""
    with uow:
        repo = repo_of(uow)
        if repo.order(typed) is not None:
            return typed
        key = order_no_key(typed)
        found = [d for d in repo.order_nos(key[:10]) if order_no_key(d) == key]
    return found[0] if len(found) == 1 else typed


def _sees(actor: Actor, depots: list[dict[str, Any]]) -> bool:
    """A keeper sees an order with a part at one of their depots; the other roles with view_orders see all."""
    if authz.POLICY.get((actor.role, "view_orders")) is authz.Scope.ALL:
        return True
    return any(authz.allowed(actor, "view_orders", frozenset({d["site_id"]})) for d in depots)


def lines_with_lots(
    lines: list[dict[str, Any]], holds: list[dict[str, Any]], shipped_sites: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Split each pickup line by the lots held for it (FEFO order) and give a delivery line the lots of its job's
    pickup; a line without holds (agreement or capacity stock) keeps an empty lot. Once a depot part has shipped
    (`shipped_sites`), each row says what left: a lot row in full, the lot-less remainder of a shortfall (its holds
    were released) as 0; before, `shipped` is None."""
    queue: dict[tuple[str, str], list[list[Any]]] = {}
    for h in holds:
        if h["state"] != "released":
            queue.setdefault((h["site"], h["item_code"]), []).append([h["lot_no"], h["qty"]])
    by_job: dict[tuple[str, str], list[tuple[str, int, int | None]]] = {}
    out: list[dict[str, Any]] = []
    for ln in lines:
        key = (ln["job"], ln["item_code"])
        if ln["kind"] == "pickup":
            sent = ln["place_code"] in shipped_sites
            lots, need, q = [], ln["qty"], queue.get((ln["place_code"], ln["item_code"]), [])
            while need > 0 and q:
                take = min(need, q[0][1])
                lots.append((q[0][0], take, take if sent else None))
                q[0][1] -= take
                need -= take
                if q[0][1] == 0:
                    q.pop(0)
            if need:
                lots.append(("", need, 0 if sent else None))
            by_job[key] = lots
        else:
            lots = by_job.get(key, [("", ln["qty"], None)])
        out += [{**ln, "lot_no": lot, "qty": qty, "shipped": got} for lot, qty, got in lots]
    return out


def shipped_sites(depots: list[dict[str, Any]]) -> frozenset[str]:
    return frozenset(d["site"] for d in depots if d["state"] == "shipped")


def order_sheet(doc_no: str, uow: AbstractUnitOfWork, repo_of: RepoOf) -> OrderSheet:
    """Header, lines with lots, depot parts and receipt of a confirmed order, for the xlsx/PDF writers."""
    with uow:
        repo = repo_of(uow)
        o = _order(repo, doc_no)
        plan = repo.plan_record(o["plan_id"]) or {}
        header = {**o, "scenario": plan.get("scenario", ""), "scenario_name": plan.get("scenario_name", "")}
        header.update(confirmed_at=plan.get("confirmed_at"), confirmed_by=plan.get("actor", ""))
        header["vehicle_name"] = repo.vehicle_name(o["vehicle"])
        depots = repo.order_depots(doc_no)
        lines = lines_with_lots(repo.order_lines(doc_no), repo.order_holds(doc_no), shipped_sites(depots))
        return OrderSheet(header, lines, depots, repo.receipt_lines(doc_no), repo.ship_lines(doc_no))


@authz.records_denials
def show_order(doc_no: str, uow: AbstractUnitOfWork, repo_of: RepoOf, actor: str) -> OrderSheet:
    """One order as the actor may see it (a keeper: orders with a part at their depots)."""
    with uow:
        who = authz.require_role(uow, actor, "view_orders")
        depots = repo_of(uow).order_depots(doc_no)
        if not _sees(who, depots):
            raise authz.deny(who, "view_orders", "policy", target=doc_no)
    return order_sheet(doc_no, uow, repo_of)


@authz.records_denials
def list_orders(
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    actor: str,
    scenario: str = "",
    depot: str = "",
    vehicle: str = "",
    state: str = "",
) -> list[dict[str, Any]]:
    """Orders, newest plan first, filtered; a keeper gets only orders with a part at their depots. An unknown
    state is refused (``UnknownOrderState``), not a list of none."""
    check_order_state(state)
    with uow:
        who = authz.require_role(uow, actor, "view_orders")
        rows = repo_of(uow).order_list(scenario, vehicle, state)
    rows = [r for r in rows if _sees(who, r["depots"])]
    if depot:
        rows = [r for r in rows if any(d["site"] == depot for d in r["depots"])]
    return rows


def _holds(
    uow: AbstractUnitOfWork, repo: DispatchRepository, doc_no: str, site_id: int | None
) -> list[Reservation]:
    out = []
    for h in repo.order_holds(doc_no):
        if h["state"] == "pending" and site_id in (None, h["site_id"]):
            res = uow.ledger.reservation(h["id"])
            if res is not None:
                out.append(res)
    return out


@authz.records_denials
@retry_on_conflict
def void_plan(
    doc_no: str, uow: AbstractUnitOfWork, repo_of: RepoOf, actor: str, now: datetime | None = None
) -> Voided:
    """作废: void the plan an order belongs to (all its orders), releasing every hold in one transaction. Refused
    once any part shipped; voiding again changes nothing."""
    at = (now or clock.now()).replace(microsecond=0)
    with uow:
        authz.require(uow, actor, "manage_orders", None, None, doc_no)
        repo = repo_of(uow)
        plan_id = _order(repo, doc_no, lock=True)["plan_id"]
        plan = repo.plan_record(plan_id)
        assert plan is not None
        orders = [o["doc_no"] for o in repo.orders(plan_id)]
        if plan["voided_at"] is not None:
            return Voided(plan_id, tuple(orders), 0, again=True)
        if repo.plan_links(plan_id)[1] is not None:  # re-planned: void the plan that replaced it instead
            raise OrderWrongState(doc_no=doc_no, state="superseded", step="void")
        for doc in orders:
            o = _order(repo, doc, lock=True)
            shipped = [d["site_name"] for d in repo.order_depots(doc) if d["state"] == "shipped"]
            if o["state"] in SHIPPED_OR_LATER or shipped:  # name the order and the depot whose goods left
                raise VoidAfterShipment(doc_no=doc, depots=shipped or "—")
        released = 0
        for doc in orders:
            released += release_holds(uow, _holds(uow, repo, doc, None), at)
            repo.set_order_state(doc, "void", at)
            repo.void_depots(doc)
        repo.close_plan(plan_id, at, actor, voided=True)
        authz.audit_ok(
            uow, actor, "void_dispatch", at, str(plan_id), detail={"orders": orders, "holds": released}
        )
        uow.commit()
        return Voided(plan_id, tuple(orders), released)


def depot_part(
    uow: AbstractUnitOfWork, repo: DispatchRepository, doc_no: str, depot: str, actor: str, action: str
) -> tuple[dict[str, Any], dict[str, Any], Actor]:
    """The order (locked), its part at `depot`, and the actor allowed `action` there; refused before any write."""
    o = _order(repo, doc_no, lock=True)
    site = uow.ledger.site_by_code(depot)
    if site is None:
        raise UnknownSite(site_code=depot)
    who = authz.require(uow, actor, action, {site.id}, None, doc_no)
    if o["state"] in ("void", "superseded"):  # voided or replaced by a re-plan: said so, whatever the depot
        raise OrderWrongState(doc_no=doc_no, state=o["state"], step=action)
    part = next((d for d in repo.order_depots(doc_no) if d["site_id"] == site.id), None)
    if part is None:
        raise NoLinesAtDepot(doc_no=doc_no, depot=depot)
    if part["state"] == "superseded":  # this depot's part was replaced by a re-plan
        raise OrderWrongState(doc_no=doc_no, state=o["state"], step=action)
    return o, part, who


@authz.records_denials
@retry_on_conflict
def pick_depot(
    doc_no: str, depot: str, uow: AbstractUnitOfWork, repo_of: RepoOf, actor: str, now: datetime | None = None
) -> bool:
    """备货: the depot's keeper has picked its lines (pick list); False when it was already picked or shipped."""
    at = (now or clock.now()).replace(microsecond=0)
    with uow:
        repo = repo_of(uow)
        o, part, _ = depot_part(uow, repo, doc_no, depot, actor, "pick_order")
        if part["state"] != "pending":
            return False
        repo.set_depot_state(doc_no, part["site_id"], "picked", at, actor)
        if o["state"] == "pending":
            repo.set_order_state(doc_no, "picked", at)
        authz.audit_ok(uow, actor, "pick_order", at, doc_no, site_id=part["site_id"], detail={"depot": depot})
        uow.commit()
        return True


@authz.records_denials
@retry_on_conflict
def close_order(
    doc_no: str, uow: AbstractUnitOfWork, repo_of: RepoOf, actor: str, now: datetime | None = None
) -> bool:
    """结单: a delivered order is closed; when every order of its plan is closed, the scenario is free for a new
    plan. False when it was already closed."""
    at = (now or clock.now()).replace(microsecond=0)
    with uow:
        authz.require(uow, actor, "manage_orders", None, None, doc_no)
        repo = repo_of(uow)
        o = _order(repo, doc_no, lock=True)
        if o["state"] == "closed":
            return False
        if o["state"] != "delivered":
            raise OrderWrongState(doc_no=doc_no, state=o["state"], step="close")
        repo.set_order_state(doc_no, "closed", at)
        if all(x["state"] in ("closed", "void") for x in repo.orders(o["plan_id"])):
            repo.close_plan(o["plan_id"], at, actor, voided=False)
        authz.audit_ok(uow, actor, "close_order", at, doc_no)
        uow.commit()
        return True
