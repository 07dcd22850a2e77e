"""捐赠 register (docs/events.md): the receiving depot's keeper checks a donation at acceptance (验收); accepted goods
enter stock as a lot with source "donated" and the donor's name, in the same transaction as the register line; an
expired lot or a failed inspection is recorded as refused and never stocked. Each use (issued to a village of an
event) is an issue from that lot plus a use line, together. The public list names no private donor and no
contact (seeds 000:296)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from stockpile import clock
from stockpile.domain.errors import UnknownItem, UnknownSite
from stockpile.domain.events import UnknownArea, UnknownEvent
from stockpile.domain.model import IssuePurpose, LotSource, OwnerType
from stockpile.domain.registers import (
    Donation,
    DonationUse,
    PublicDonation,
    UnknownDonation,
    acceptance,
    check_donation,
    check_use,
    public_donor,
)
from stockpile.events.access import RepoOf
from stockpile.events.requisitions import RegsOf
from stockpile.ledger import stock
from stockpile.ledger.posting import PostingResult
from stockpile.ports.events import RegistersRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.schemas import IssueCmd, ReceiptCmd
from stockpile.trust import authz


def receive_donation(
    d: Donation,
    inspection_passed: bool,
    actor: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    regs_of: RegsOf,
    client_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> Donation:
    """Accept or refuse a donation at the depot (receive: its keeper). Refused (expired, failed inspection): one
    register line with the reason, no stock. Accepted: the lot is received through the ledger and the line
    records the posting, both in one transaction."""
    at = now or clock.now()
    check_donation(d)
    reason = acceptance(d, inspection_passed, d.received_at.date())
    authz.guarded(uow, lambda: _check_refs(d, actor, uow, repo_of))
    if reason:
        return _refuse(replace(d, status="refused", reason=reason), actor, uow, regs_of, at)
    cmd = ReceiptCmd(
        client_id=client_id or uuid.uuid4(),
        actor=actor,
        occurred_at=d.received_at,
        event_tag=d.event_code,
        site_code=d.site_code,
        item_code=d.item_code,
        lot_no=d.lot_no,
        qty=d.qty,
        expiry=d.expiry,
        owner_type=OwnerType.GOVERNMENT,
        source=LotSource.DONATED,
        donor=d.donor,
        supplier=d.donor,
    )
    out: list[Donation] = []

    def then(res: PostingResult) -> None:
        accepted = replace(d, status="accepted", reason="")
        out.append(replace(accepted, id=regs_of(uow).add_donation(accepted, res.posting_id, actor)))

    res = stock.record_receipt_then(cmd, uow, then, at)
    if (
        not out
    ):  # a retry with the same client id: the ledger replayed the receipt, the line is the first one's
        with uow:
            first = regs_of(uow).donation_of_posting(res.posting_id)
        out.append(first if first is not None else replace(d, status="accepted"))
    return out[0]


def _check_refs(d: Donation, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf) -> None:
    with uow:
        authz.require_role(uow, actor, "receive")
        repo = repo_of(uow)
        if d.event_code and repo.event(d.event_code) is None:
            raise UnknownEvent(event=d.event_code)
        if not repo.item_known(d.item_code):
            raise UnknownItem(item_code=d.item_code)


def _refuse(d: Donation, actor: str, uow: AbstractUnitOfWork, regs_of: RegsOf, at: datetime) -> Donation:
    """A refused donation is recorded (who, what, why) by a user who may receive at that depot; nothing stocked."""
    out: list[Donation] = []

    def run() -> None:
        with uow:
            site = uow.ledger.site_by_code(d.site_code)
            if site is None:
                raise UnknownSite(site_code=d.site_code)
            authz.require(uow, actor, "receive", {site.id}, target=d.lot_no)
            out.append(replace(d, id=regs_of(uow).add_donation(d, None, actor)))
            detail = {"lot": d.lot_no, "refused": d.reason}
            authz.audit_ok(uow, actor, "receive", at, target=d.site_code, detail=detail)
            uow.commit()

    authz.guarded(uow, run, at)
    return out[0]


def use_donation(
    donation_id: int,
    event_code: str,
    village: str,
    qty: int,
    actor: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    regs_of: RegsOf,
    client_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> DonationUse:
    """Issue `qty` of a donated lot to a village of an event (issue: the depot's keeper) and record the use, in one
    transaction; never more than is left of the donation."""
    at = now or clock.now()
    d, used = authz.guarded(uow, lambda: _load(uow, regs_of, donation_id, actor))
    check_use(d, used, qty)  # again under the row lock below: a use taken meanwhile counts
    use = DonationUse(donation_id, event_code, village, qty, at)
    cmd = IssueCmd(
        client_id=client_id or uuid.uuid4(),
        actor=actor,
        occurred_at=at,
        event_tag=event_code,
        remark=village,
        site_code=d.site_code,
        item_code=d.item_code,
        qty=qty,
        lot_no=d.lot_no,
        purpose=IssuePurpose.RELIEF,
    )

    def then(res: PostingResult) -> None:
        regs, repo = regs_of(uow), repo_of(uow)
        locked = regs.donation(donation_id)
        assert locked is not None
        check_use(locked, _used(regs, donation_id), qty)
        if repo.event(event_code) is None:
            raise UnknownEvent(event=event_code)
        place = repo.place(village)
        if place is None or place.kind != "village":
            raise UnknownArea(area=village)
        regs.add_donation_use(use, res.posting_id, actor)

    stock.issue_stock_then(cmd, uow, then, at)
    return use


def _load(uow: AbstractUnitOfWork, regs_of: RegsOf, donation_id: int, actor: str) -> tuple[Donation, int]:
    """The donation and how much of it is used, read by a user whose role may issue at all."""
    with uow:
        authz.require_role(uow, actor, "issue")
        d = regs_of(uow).donation(donation_id)
        if d is None:
            raise UnknownDonation(id=donation_id)
        return d, _used(regs_of(uow), donation_id)


def _used(regs: RegistersRepository, donation_id: int) -> int:
    return sum(u.qty for u in regs.donation_uses(None) if u.donation_id == donation_id)


def list_donations(
    event_code: str | None, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf, regs_of: RegsOf
) -> tuple[list[Donation], list[DonationUse]]:
    """The register with contacts and refusals, and the uses (view_registers: dispatcher, planner, admin)."""

    def run() -> tuple[list[Donation], list[DonationUse]]:
        with uow:
            authz.require_role(uow, actor, "view_registers")
            if event_code is not None and repo_of(uow).event(event_code) is None:
                raise UnknownEvent(event=event_code)
            regs = regs_of(uow)
            return regs.donations(event_code), regs.donation_uses(None)

    return authz.guarded(uow, run)


def public_donations(
    event_code: str | None,
    actor: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    regs_of: RegsOf,
    anonymous: str,
) -> list[PublicDonation]:
    """Donations received (accepted) and their uses, for publication (view_publication): no contact, no private
    donor's name (`anonymous` stands in), no lot numbers or depots."""

    def run() -> list[PublicDonation]:
        with uow:
            authz.require_role(uow, actor, "view_publication")
            if event_code is not None and repo_of(uow).event(event_code) is None:
                raise UnknownEvent(event=event_code)
            regs = regs_of(uow)
            names = regs.area_names()
            uses = regs.donation_uses(None)
            out = []
            for d in regs.donations(event_code):
                if d.status != "accepted":
                    continue
                mine = [u for u in uses if u.donation_id == d.id]
                where = tuple(sorted({names.get(u.village, (u.village, ""))[0] for u in mine}))
                donor = public_donor(d, anonymous)
                on = clock.local(d.received_at).date().isoformat()
                out.append(PublicDonation(on, donor, d.item_code, d.qty, sum(u.qty for u in mine), where))
            return out

    return authz.guarded(uow, run)
