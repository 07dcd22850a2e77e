"""报废 with four-eyes approval: a keeper proposes for an own depot (no stock moves), an admin other than the
proposer approves (the write-off is posted then, in the approval's transaction) or rejects. Each proposal resolves
once; both actors are audited. There is no direct write-off use case: every 报废 goes through this pair.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from stockpile import clock
from stockpile.domain.errors import AlreadyResolved, InvalidCommand
from stockpile.ledger.posting import PostingResult, post_batch, replay, retry_on_conflict
from stockpile.ledger.stock import _check_time, decide_write_off, item_or_raise, site_or_raise
from stockpile.ports.repos import ProposalRecord
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.schemas import WriteOffCmd
from stockpile.trust import authz


@dataclass(frozen=True, slots=True)
class WriteOffProposal:
    id: uuid.UUID
    site_code: str
    item_code: str
    lot_no: str
    qty: int
    reason: str
    proposer: str
    proposed_at: datetime
    state: str


@authz.records_denials
@retry_on_conflict
def propose_write_off(cmd: WriteOffCmd, uow: AbstractUnitOfWork, now: datetime | None = None) -> uuid.UUID:
    """A keeper proposes 报废 of a lot at an own depot; the proposal id is the command's client id."""
    at = now or clock.now()
    with uow:
        site = site_or_raise(uow.ledger, cmd.site_code)
        authz.require(uow, cmd.actor, "propose_write_off", {site.id}, cmd.client_id, "write_off")
        existing = uow.auth.proposal(cmd.client_id)
        if existing is not None:
            return cmd.client_id
        _check_time(uow.ledger, cmd.occurred_at, at)
        # the item's balance rows at the depot, locked (PostgreSQL row locks; SQLite writers are serial): two
        # proposals for one lot at once are checked one after the other, so only one is ever pending
        uow.ledger.lock_item_balances(site.id, item_or_raise(uow.ledger, cmd.item_code).id)
        if _pending_for_lot(uow, cmd):
            raise InvalidCommand(reason="write_off_pending", lot_no=cmd.lot_no)
        decide_write_off(uow.ledger, cmd, at)  # unknown item/lot or bad qty fail now, not at approval
        uow.auth.add_proposal(cmd.client_id, site.id, cmd.model_dump(mode="json"), cmd.actor, at)
        authz.audit_ok(
            uow,
            cmd.actor,
            "propose_write_off",
            at,
            f"{cmd.item_code}/{cmd.lot_no}",
            cmd.client_id,
            site.id,
        )
        uow.commit()
        return cmd.client_id


@authz.records_denials
@retry_on_conflict
def approve_write_off(
    proposal_id: uuid.UUID, approver: str, uow: AbstractUnitOfWork, now: datetime | None = None
) -> PostingResult:
    """An admin other than the proposer posts the proposed write-off; running balances and the lot's expiry are
    checked now, at posting."""
    at = now or clock.now()
    with uow:
        prop, cmd = _load(uow, proposal_id)
        actor = authz.require(uow, approver, "approve_write_off", {prop.site_id}, proposal_id, "write_off")
        if actor.username.upper() == prop.proposer.upper():
            raise authz.deny(actor, "approve_write_off", "self_approval", target=str(proposal_id))
        first = replay(uow, cmd.client_id, "write_off", cmd.payload())
        if first is not None:
            return first
        if prop.state != "pending":
            raise AlreadyResolved(state=prop.state, proposal_id=str(proposal_id))
        draft, _ = decide_write_off(uow.ledger, cmd, at)
        draft.remark = (draft.remark + f" approved by {approver}").strip()
        legs = [(p.leg.site_id, p.leg.item_id, p.leg.lot_id, p.leg.qty) for p in draft.legs]
        before = authz.on_hand_before(uow, [lg[:3] for lg in legs])
        [res] = post_batch(uow, [draft], at)
        if not uow.auth.decide_proposal(proposal_id, "approved", approver, at, res.posting_id):
            raise AlreadyResolved(state="concurrent", proposal_id=str(proposal_id))
        authz.audit_legs(uow, approver, "approve_write_off", at, legs, before, cmd.client_id, prop.proposer)
        uow.commit()
        return res


@authz.records_denials
@retry_on_conflict
def reject_write_off(
    proposal_id: uuid.UUID, approver: str, uow: AbstractUnitOfWork, now: datetime | None = None
) -> None:
    """An admin other than the proposer refuses the proposal; nothing is posted."""
    at = now or clock.now()
    with uow:
        prop, _cmd = _load(uow, proposal_id)
        actor = authz.require(uow, approver, "approve_write_off", {prop.site_id}, proposal_id, "write_off")
        if actor.username.upper() == prop.proposer.upper():
            raise authz.deny(actor, "approve_write_off", "self_approval", target=str(proposal_id))
        if not uow.auth.decide_proposal(proposal_id, "rejected", approver, at, None):
            raise AlreadyResolved(state=prop.state, proposal_id=str(proposal_id))
        authz.audit_ok(uow, approver, "reject_write_off", at, prop.proposer, proposal_id, prop.site_id)
        uow.commit()


@authz.records_denials
def pending_write_offs(uow: AbstractUnitOfWork, actor: str) -> list[WriteOffProposal]:
    """Open proposals the actor may see (a keeper: own depots; an admin: all)."""
    with uow:
        who = authz.require_role(uow, actor, "view_write_offs")
        out = []
        for p in uow.auth.pending_proposals():
            if not authz.allowed(who, "view_write_offs", frozenset({p.site_id})):
                continue
            c = WriteOffCmd.model_validate_json(p.payload)
            out.append(
                WriteOffProposal(
                    p.id,
                    c.site_code,
                    c.item_code,
                    c.lot_no,
                    c.qty,
                    c.reason.value,
                    p.proposer,
                    p.proposed_at,
                    p.state,
                )
            )
        return out


def _pending_for_lot(uow: AbstractUnitOfWork, cmd: WriteOffCmd) -> bool:
    """A lot already proposed for 报废 and not yet decided is not proposed again (it shows 待审批报废)."""
    key = (cmd.site_code, cmd.item_code, cmd.lot_no)
    for p in uow.auth.pending_proposals():
        other = WriteOffCmd.model_validate_json(p.payload)
        if (other.site_code, other.item_code, other.lot_no) == key:
            return True
    return False


def _load(uow: AbstractUnitOfWork, proposal_id: uuid.UUID) -> tuple[ProposalRecord, WriteOffCmd]:
    prop = uow.auth.proposal(proposal_id)
    if prop is None:
        raise InvalidCommand(reason="unknown_proposal", proposal_id=str(proposal_id))
    return prop, WriteOffCmd.model_validate_json(prop.payload)
