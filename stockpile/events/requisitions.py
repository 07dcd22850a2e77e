"""征用 register and 补偿 (docs/events.md): a dispatcher or admin records goods or a vehicle taken for an event;
goods enter stock through the ledger's receipt (a lot with source "requisitioned", received by the depot's keeper);
a vehicle joins the fleet at once and leaves it when returned; the compensation owed is reckoned by the county's
rule and listed per owner."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from stockpile import clock
from stockpile.domain.errors import UnknownItem, UnknownSite
from stockpile.domain.events import UnknownEvent
from stockpile.domain.model import IssuePurpose, LotSource, OwnerType
from stockpile.domain.registers import (
    CompensationRule,
    Owed,
    Requisition,
    RequisitionNotReceivable,
    RequisitionNotReturnable,
    UnknownRequisition,
    check_goods_return,
    check_requisition,
    check_return,
    compensation_fen,
)
from stockpile.events.access import RepoOf
from stockpile.ledger import stock
from stockpile.ledger.posting import PostingResult
from stockpile.ports.events import RegistersRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.schemas import IssueCmd, ReceiptCmd
from stockpile.trust import authz
from stockpile.trust.policy import Scope

RegsOf = Callable[[AbstractUnitOfWork], RegistersRepository]
RECEIPT_IDS = uuid.UUID("6f1d7c52-8a59-4a57-9a43-5d0c2f0e9a11")  # namespace: one receipt per register line


def record_requisition(
    r: Requisition,
    actor: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    regs_of: RegsOf,
    now: datetime | None = None,
) -> Requisition:
    """Record goods or a vehicle taken for an event (manage_registers: dispatcher, admin). A vehicle joins the
    fleet (ownership requisitioned) at its depot in the same transaction."""
    at = now or clock.now()
    check_requisition(r)
    out: list[Requisition] = []

    def body() -> None:
        regs = regs_of(uow)
        if repo_of(uow).event(r.event_code) is None:
            raise UnknownEvent(event=r.event_code)
        if r.kind == "goods" and not repo_of(uow).item_known(r.item_code):
            raise UnknownItem(item_code=r.item_code)
        if r.home_site and not regs.site_known(r.home_site):
            raise UnknownSite(site_code=r.home_site)
        rid = regs.add_requisition(r, actor, at)
        saved = replace(r, id=rid)
        if r.kind == "vehicle":
            saved = replace(saved, vehicle_code=regs.add_vehicle(saved))
        out.append(saved)

    authz.write_as(uow, actor, "manage_registers", body, at, f"{r.event_code}/{r.owner}", detail=_detail(r))
    return out[0]


def _detail(r: Requisition) -> dict[str, object]:
    return {"kind": r.kind, "item": r.item_code, "qty": r.qty, "plate": r.plate}


def _load(
    uow: AbstractUnitOfWork, regs_of: RegsOf, rid: int, actor: str, action: str = "receive"
) -> Requisition:
    """The line, read by a user whose role may receive (or issue) goods at all (the ledger checks the depot)."""
    with uow:
        authz.require_role(uow, actor, action)
        found = regs_of(uow).requisition(rid)
    if found is None:
        raise UnknownRequisition(id=rid)
    return found


def receive_requisition(
    rid: int,
    site: str,
    lot_no: str,
    actor: str,
    uow: AbstractUnitOfWork,
    regs_of: RegsOf,
    now: datetime | None = None,
) -> PostingResult:
    """验收入库 of requisitioned goods (receive: the depot's keeper): a lot with source "requisitioned", its owner
    named as supplier, tagged with the event; the register line records the posting in the same transaction. The
    receipt's client id comes from the line, so a retry never stocks the goods twice."""
    at = now or clock.now()
    r = authz.guarded(uow, lambda: _load(uow, regs_of, rid, actor))
    if r.kind != "goods" or r.received_at is not None:
        raise RequisitionNotReceivable(id=rid)
    cmd = ReceiptCmd(
        client_id=uuid.uuid5(RECEIPT_IDS, f"requisition/{rid}"),
        actor=actor,
        occurred_at=at,
        doc_no=f"ZY-{rid}",
        event_tag=r.event_code,
        site_code=site,
        item_code=r.item_code,
        lot_no=lot_no or f"ZY-{rid}",
        qty=r.qty,
        owner_type=OwnerType.GOVERNMENT,
        source=LotSource.REQUISITIONED,
        supplier=r.owner,
        remark=r.condition,
    )

    def then(res: PostingResult) -> None:
        regs_of(uow).set_received(rid, site, cmd.lot_no, res.posting_id, at)

    return stock.record_receipt_then(cmd, uow, then, now)


def close_requisition(
    rid: int,
    consumed: bool,
    actor: str,
    uow: AbstractUnitOfWork,
    regs_of: RegsOf,
    at: datetime | None = None,
) -> Requisition:
    """Mark a line returned to its owner (a vehicle leaves the fleet; goods never received go back whole) or
    consumed (manage_registers), once. Goods in stock go back only through the depot's issue (`return_goods`)."""
    now = clock.now()
    when = at or now
    out: list[Requisition] = []

    def body() -> None:
        regs = regs_of(uow)
        r = regs.requisition(rid)
        if r is None:
            raise UnknownRequisition(id=rid)
        check_return(r, when)
        if not consumed and r.kind == "goods" and r.received_at is not None:
            raise RequisitionNotReturnable(id=rid)
        back = r.qty if not consumed and r.kind == "goods" else 0
        regs.close_requisition(rid, when, consumed, back)
        out.append(
            replace(r, consumed_at=when) if consumed else replace(r, returned_at=when, returned_qty=back)
        )

    step = "consumed" if consumed else "returned"
    authz.write_as(uow, actor, "manage_registers", body, now, str(rid), detail={"step": step})
    return out[0]


def return_goods(
    rid: int,
    qty: int,
    actor: str,
    uow: AbstractUnitOfWork,
    regs_of: RegsOf,
    client_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Requisition:
    """Hand unused requisitioned goods back to their owner (issue: the keeper of the depot that received them):
    `qty` (≤ what was requisitioned; the ledger refuses more than is left of the lot) leaves stock by an issue
    with purpose "return" and the line closes in the same transaction; compensation then counts only the rest,
    which was consumed. The client id comes from the line unless given, so a retry never issues twice."""
    at = now or clock.now()
    r = authz.guarded(uow, lambda: _load(uow, regs_of, rid, actor, "issue"))
    check_goods_return(r, qty, at)
    cmd = IssueCmd(
        client_id=client_id or uuid.uuid5(RECEIPT_IDS, f"requisition/{rid}/return"),
        actor=actor,
        occurred_at=at,
        doc_no=f"ZY-{rid}-GH",
        event_tag=r.event_code,
        remark=r.owner,
        site_code=r.home_site,
        item_code=r.item_code,
        qty=qty,
        lot_no=r.lot_no,
        purpose=IssuePurpose.RETURN,
    )

    def then(_: PostingResult) -> None:
        regs = regs_of(uow)
        locked = regs.requisition(rid)  # under its row lock: a return or consumption meanwhile counts
        assert locked is not None
        check_goods_return(locked, qty, at)
        regs.close_requisition(rid, at, False, qty)

    stock.issue_stock_then(cmd, uow, then, at)
    return replace(r, returned_at=at, returned_qty=qty)


def list_requisitions(
    event_code: str | None, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf, regs_of: RegsOf
) -> list[Requisition]:
    """The register (view_registers: dispatcher, planner, admin), of one event or all, by owner."""

    def run() -> list[Requisition]:
        with uow:
            authz.require_role(uow, actor, "view_registers")
            if event_code is not None and repo_of(uow).event(event_code) is None:
                raise UnknownEvent(event=event_code)
            return regs_of(uow).requisitions(event_code)

    return authz.guarded(uow, run)


def keeper_requisitions(actor: str, uow: AbstractUnitOfWork, regs_of: RegsOf) -> list[Requisition]:
    """The goods lines destined to (or received at) the keeper's own depots, so the keeper finds the number of
    the 征用单 they hold (receive: a keeper sees own depots only; other receiving roles see every goods line).
    The owner's phone is left out: a keeper needs the owner's name, not their contact."""

    def run() -> list[Requisition]:
        with uow:
            who = authz.require_role(uow, actor, "receive")
            own = None if authz.POLICY[(who.role, "receive")] is Scope.ALL else _site_codes(uow, who.site_ids)
            rows = regs_of(uow).requisitions(None)
        return [
            replace(r, owner_contact="")
            for r in rows
            if r.kind == "goods" and r.home_site and (own is None or r.home_site in own)
        ]

    return authz.guarded(uow, run)


def _site_codes(uow: AbstractUnitOfWork, site_ids: frozenset[int]) -> frozenset[str]:
    return frozenset(uow.auth.site_codes(site_ids).values()) if site_ids else frozenset()


def compensation(
    event_code: str | None,
    actor: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    regs_of: RegsOf,
    rule: CompensationRule,
    now: datetime | None = None,
) -> list[Owed]:
    """What the county owes, line by line, ordered by owner (view_registers); a vehicle still held is reckoned up
    to now."""
    at = now or clock.now()

    def run() -> list[Owed]:
        with uow:
            authz.require_role(uow, actor, "view_registers")
            if event_code is not None and repo_of(uow).event(event_code) is None:
                raise UnknownEvent(event=event_code)
            out: list[Owed] = []
            for r in regs_of(uow).requisitions(event_code):
                owed, basis = compensation_fen(r, rule, at)
                out.append(Owed(r, basis, owed))
            return out

    return authz.guarded(uow, run)
