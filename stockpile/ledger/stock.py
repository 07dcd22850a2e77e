"""Keeper use cases on the ledger: 验收入库, 出库, 调拨 (ship + receive), 盘点, 报废, adjustments and reversal.

Each use case: replay check → load → decide legs with the pure rules → `post_batch` → commit, retried as a
whole on a serialization conflict. `decide_*` functions are reused by the batch importer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from stockpile import clock
from stockpile.domain import ledger
from stockpile.domain.errors import (
    AlreadyResolved,
    AlreadyReversed,
    InvalidCommand,
    LotOwnerConflict,
    NotReversible,
    UnknownItem,
    UnknownLot,
    UnknownSite,
)
from stockpile.domain.model import (
    Item,
    Leg,
    Lot,
    MovementKind,
    Site,
    SiteType,
    StockCount,
)
from stockpile.ledger.posting import (
    PlannedLeg,
    PostingDraft,
    PostingResult,
    post_batch,
    replay,
    retry_on_conflict,
)
from stockpile.ports.repos import LedgerRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.schemas import (
    AdjustCmd,
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReverseCmd,
    TransferCmd,
    WriteOffCmd,
)
from stockpile.trust import authz


def item_or_raise(repo: LedgerRepository, code: str) -> Item:
    item: Item | None = repo.item_by_code(code)
    if item is None:
        raise UnknownItem(item_code=code)
    return item


def site_or_raise(repo: LedgerRepository, code: str) -> Site:
    site: Site | None = repo.site_by_code(code)
    if site is None or site.site_type is SiteType.TRANSIT:
        raise UnknownSite(site_code=code)
    return site


def lot_or_raise(repo: LedgerRepository, item: Item, lot_no: str) -> Lot:
    lot: Lot | None = repo.lot(item.id, lot_no)
    if lot is None:
        raise UnknownLot(item_code=item.code, lot_no=lot_no)
    return lot


def _check_time(
    repo: LedgerRepository, occurred_at: datetime, now: datetime, may_backdate: bool = False
) -> bool:
    """Check the time against the stored freeze date and `backdate_days`; True for an allowed (admin) backdating."""
    return ledger.check_posting_time(occurred_at, now, repo.freeze_date(), may_backdate, repo.backdate_days())


@authz.records_denials
@retry_on_conflict
def _run(
    uow: AbstractUnitOfWork, cmd: Any, kind: str, decide: Any, now: datetime | None, action: str, scope: Any
) -> PostingResult:
    """Authorise → replay or decide + post + audit + commit, retried as a whole; denials are audited."""
    at = now or clock.now()
    with uow:
        who = authz.require(uow, cmd.actor, action, scope(uow.ledger, cmd), cmd.client_id, kind)
        first = replay(uow, cmd.client_id, kind, cmd.payload())
        if first is not None:
            return first
        # an admin posts only on a depot granted to them (POLICY OWN) and may backdate there
        backdated = _check_time(uow.ledger, cmd.occurred_at, at, who.role == "admin")
        draft, after = decide(uow.ledger, cmd, at)
        legs = [(p.leg.site_id, p.leg.item_id, p.leg.lot_id, p.leg.qty) for p in draft.legs]
        before = authz.on_hand_before(uow, [lg[:3] for lg in legs])
        [res] = post_batch(uow, [draft], at)
        extra = after(res) if after else None
        authz.audit_legs(uow, cmd.actor, action, at, legs, before, cmd.client_id, kind, backdated)
        uow.commit()
        return extra or res


def _at_site(repo: LedgerRepository, cmd: Any) -> frozenset[int]:
    return frozenset({site_or_raise(repo, cmd.site_code).id})


def _from_site(repo: LedgerRepository, cmd: TransferCmd) -> frozenset[int]:
    return frozenset({site_or_raise(repo, cmd.from_site_code).id})


def _transfer_destination(repo: LedgerRepository, cmd: ReceiveTransferCmd) -> frozenset[int]:
    found = repo.transfer(cmd.transfer_id)
    return frozenset({found[0].to_site_id}) if found is not None else frozenset()


def _posting_sites(repo: LedgerRepository, cmd: ReverseCmd) -> frozenset[int]:
    """Every depot the reversed posting touched (the 在途 location is nobody's depot)."""
    transit = repo.transit_site_id()
    return frozenset(m.site_id for m in repo.movements_of(cmd.posting_id) if m.site_id != transit)


def _draft(cmd: Any, kind: str, legs: list[PlannedLeg]) -> PostingDraft:
    return PostingDraft(
        id=cmd.client_id,
        kind=kind,
        payload=cmd.payload(),
        actor=cmd.actor,
        occurred_at=cmd.occurred_at,
        legs=legs,
        doc_no=cmd.doc_no,
        event_tag=cmd.event_tag,
        remark=cmd.remark,
    )


# ---- 验收入库 ----------------------------------------------------------------------------------------------
def decide_receipt(repo: LedgerRepository, cmd: ReceiptCmd, now: datetime) -> tuple[PostingDraft, None]:
    """Accepted goods only; the lot is created on first receipt; same lot number = same expiry."""
    site = site_or_raise(repo, cmd.site_code)
    item = item_or_raise(repo, cmd.item_code)
    qty = ledger.check_qty(item.to_base(cmd.qty, cmd.unit or None))
    lot = repo.lot(item.id, cmd.lot_no)
    ledger.check_receipt_lot(lot, cmd.expiry, cmd.occurred_at.date(), cmd.lot_no)
    if lot is None:
        lot = repo.add_lot(
            Lot(
                0,
                item.id,
                cmd.lot_no,
                cmd.expiry,
                cmd.manufactured_on,
                cmd.owner_type,
                cmd.owner_name,
                cmd.source,
                cmd.donor,
                cmd.occurred_at,
            )
        )
    elif lot.owner_type != cmd.owner_type:
        raise LotOwnerConflict(lot_no=cmd.lot_no, owner=cmd.owner_type.value, existing=lot.owner_type.value)
    leg = Leg(MovementKind.RECEIPT, site.id, item.id, lot.id, qty)
    return _draft(cmd, "receipt", [PlannedLeg(leg, reason=cmd.inspection.value)]), None


def record_receipt(cmd: ReceiptCmd, uow: AbstractUnitOfWork, now: datetime | None = None) -> PostingResult:
    return _run(uow, cmd, "receipt", decide_receipt, now, "receive", _at_site)


# a register's own row (征用, 捐赠) written on the same unit of work, before the posting's one commit
Then = Callable[[PostingResult], None]


def _then(decide: Any, then: Then) -> Any:
    return lambda repo, cmd, now: (decide(repo, cmd, now)[0], then)


def record_receipt_then(
    cmd: ReceiptCmd, uow: AbstractUnitOfWork, then: Then, now: datetime | None = None
) -> PostingResult:
    """验收入库 and the caller's register row (`then`) in one transaction: both or neither; a replay returns the first."""
    return _run(uow, cmd, "receipt", _then(decide_receipt, then), now, "receive", _at_site)


# ---- 出库 ---------------------------------------------------------------------------------------------------
def _pick(
    repo: LedgerRepository, site: Site, item: Item, qty: int, lot_no: str | None, on: Any
) -> list[tuple[Lot, int]]:
    """FEFO over the site's lots, or the named lot (which must not be expired)."""
    rows = repo.lock_item_balances(site.id, item.id)
    if lot_no:
        lot = lot_or_raise(repo, item, lot_no)
        ledger.check_lot_usable(lot, on)
        avail = sum(b.on_hand - b.reserved for b, lt in rows if lt.id == lot.id)
        return ledger.fefo_pick([ledger.Candidate(lot, avail)], qty, on)
    return ledger.fefo_pick([ledger.Candidate(lt, b.on_hand - b.reserved) for b, lt in rows], qty, on)


def decide_issue(repo: LedgerRepository, cmd: IssueCmd, now: datetime) -> tuple[PostingDraft, None]:
    site = site_or_raise(repo, cmd.site_code)
    item = item_or_raise(repo, cmd.item_code)
    qty = ledger.check_qty(item.to_base(cmd.qty, cmd.unit or None))
    picks = _pick(repo, site, item, qty, cmd.lot_no, cmd.occurred_at.date())
    legs = [
        PlannedLeg(Leg(MovementKind.ISSUE, site.id, item.id, lot.id, -q), purpose=cmd.purpose.value)
        for lot, q in picks
    ]
    return _draft(cmd, "issue", legs), None


def issue_stock(cmd: IssueCmd, uow: AbstractUnitOfWork, now: datetime | None = None) -> PostingResult:
    """出库 by FEFO (or a named lot); never from expired lots or reserved quantity."""
    return _run(uow, cmd, "issue", decide_issue, now, "issue", _at_site)


def issue_stock_then(
    cmd: IssueCmd, uow: AbstractUnitOfWork, then: Then, now: datetime | None = None
) -> PostingResult:
    """出库 and the caller's record of it (a donation's use) in one transaction: both or neither."""
    return _run(uow, cmd, "issue", _then(decide_issue, then), now, "issue", _at_site)


@authz.records_denials
def suggest_fefo(
    uow: AbstractUnitOfWork, site_code: str, item_code: str, qty: int, on: Any, actor: str
) -> list[tuple[str, int]]:
    """The lots FEFO would take for `qty` (for forms: shown before posting); needs view rights on the site."""
    with uow:
        site = site_or_raise(uow.ledger, site_code)
        authz.require(uow, actor, "view_stock", {site.id})
        item = item_or_raise(uow.ledger, item_code)
        picks = _pick(uow.ledger, site, item, qty, None, on)
        return [(lot.lot_no, q) for lot, q in picks]


# ---- 调拨 ---------------------------------------------------------------------------------------------------
def decide_transfer(repo: LedgerRepository, cmd: TransferCmd, now: datetime) -> tuple[PostingDraft, Any]:
    """OUT at the source and IN to 在途 in one transaction."""
    src = site_or_raise(repo, cmd.from_site_code)
    dst = site_or_raise(repo, cmd.to_site_code)
    item = item_or_raise(repo, cmd.item_code)
    qty = ledger.check_qty(item.to_base(cmd.qty, cmd.unit or None))
    picks = _pick(repo, src, item, qty, cmd.lot_no, cmd.occurred_at.date())
    transit = repo.transit_site_id()
    legs: list[PlannedLeg] = []
    for lot, q in picks:
        legs.append(PlannedLeg(Leg(MovementKind.TRANSFER_OUT, src.id, item.id, lot.id, -q)))
        legs.append(PlannedLeg(Leg(MovementKind.TRANSIT_IN, transit, item.id, lot.id, q)))

    def after(res: PostingResult) -> PostingResult:
        repo.add_transfer(
            cmd.client_id, src.id, dst.id, cmd.occurred_at, [(lot.id, item.id, q) for lot, q in picks]
        )
        return PostingResult(res.posting_id, res.movement_seqs, transfer_id=cmd.client_id)

    return _draft(cmd, "transfer", legs), after


def ship_transfer(cmd: TransferCmd, uow: AbstractUnitOfWork, now: datetime | None = None) -> PostingResult:
    return _run(uow, cmd, "transfer", decide_transfer, now, "transfer_out", _from_site)


def decide_receive_transfer(
    repo: LedgerRepository, cmd: ReceiveTransferCmd, now: datetime
) -> tuple[PostingDraft, Any]:
    """Receipt at the destination clears 在途 once. The transfer row is locked before any balance, so
    of two receipts (or a receipt and a cancellation) the second reads the first one's outcome."""
    found = repo.transfer(cmd.transfer_id, lock=True)
    if found is None:
        raise InvalidCommand(reason="unknown_transfer", transfer_id=str(cmd.transfer_id))
    row, lines = found
    if row.state != "in_transit":
        raise AlreadyResolved(state=row.state, transfer_id=str(cmd.transfer_id))
    if cmd.occurred_at < row.shipped_at:
        raise InvalidCommand(reason="received_before_shipped")
    transit = repo.transit_site_id()
    legs: list[PlannedLeg] = []
    for ln in lines:
        legs.append(PlannedLeg(Leg(MovementKind.TRANSIT_OUT, transit, ln.item_id, ln.lot_id, -ln.qty)))
        legs.append(PlannedLeg(Leg(MovementKind.TRANSFER_IN, row.to_site_id, ln.item_id, ln.lot_id, ln.qty)))

    def after(res: PostingResult) -> PostingResult:
        if not repo.resolve_transfer(cmd.transfer_id, "received", cmd.occurred_at, cmd.client_id):
            raise AlreadyResolved(state="concurrent", transfer_id=str(cmd.transfer_id))
        return PostingResult(res.posting_id, res.movement_seqs, transfer_id=cmd.transfer_id)

    return _draft(cmd, "transfer_receive", legs), after


def receive_transfer(
    cmd: ReceiveTransferCmd, uow: AbstractUnitOfWork, now: datetime | None = None
) -> PostingResult:
    return _run(
        uow, cmd, "transfer_receive", decide_receive_transfer, now, "transfer_in", _transfer_destination
    )


# ---- 盘点, 报废, adjustments -------------------------------------------------------------------------------
def decide_count(repo: LedgerRepository, cmd: CountCmd, now: datetime) -> tuple[PostingDraft, Any]:
    """Post counted − balance at the count time; a count older than a later count changes nothing."""
    site = site_or_raise(repo, cmd.site_code)
    item = item_or_raise(repo, cmd.item_code)
    lot = lot_or_raise(repo, item, cmd.lot_no)
    repo.lock_balances([(site.id, item.id, lot.id)])
    system_qty = repo.balance_as_of(site.id, lot.id, cmd.occurred_at)
    superseded = repo.later_count_exists(site.id, lot.id, cmd.occurred_at)
    adj = 0 if superseded else ledger.count_adjustment(cmd.counted, system_qty)
    legs = [PlannedLeg(Leg(MovementKind.COUNT_ADJUST, site.id, item.id, lot.id, adj))] if adj else []

    def after(res: PostingResult) -> PostingResult:
        repo.add_count(
            StockCount(
                posting_id=cmd.client_id,
                site_id=site.id,
                lot_id=lot.id,
                item_id=item.id,
                counted=cmd.counted,
                system_qty=system_qty,
                adjustment=adj,
                occurred_at=cmd.occurred_at,
                superseded=superseded,
            )
        )
        return PostingResult(
            res.posting_id,
            res.movement_seqs,
            extra={"adjustment": adj, "system_qty": system_qty, "superseded": superseded},
        )

    return _draft(cmd, "count", legs), after


def record_count(cmd: CountCmd, uow: AbstractUnitOfWork, now: datetime | None = None) -> PostingResult:
    return _run(uow, cmd, "count", decide_count, now, "count", _at_site)


def decide_write_off(repo: LedgerRepository, cmd: WriteOffCmd, now: datetime) -> tuple[PostingDraft, None]:
    """报废: the one exit for expired lots."""
    site = site_or_raise(repo, cmd.site_code)
    item = item_or_raise(repo, cmd.item_code)
    lot = lot_or_raise(repo, item, cmd.lot_no)
    leg = Leg(MovementKind.WRITE_OFF, site.id, item.id, lot.id, -ledger.check_qty(cmd.qty))
    return _draft(cmd, "write_off", [PlannedLeg(leg, reason=cmd.reason.value)]), None


def decide_adjust(repo: LedgerRepository, cmd: AdjustCmd, now: datetime) -> tuple[PostingDraft, None]:
    site = site_or_raise(repo, cmd.site_code)
    item = item_or_raise(repo, cmd.item_code)
    lot = lot_or_raise(repo, item, cmd.lot_no)
    leg = Leg(MovementKind.ADJUST, site.id, item.id, lot.id, cmd.reason.sign * ledger.check_qty(cmd.qty))
    return _draft(cmd, "adjust", [PlannedLeg(leg, reason=cmd.reason.value)]), None


def adjust_stock(cmd: AdjustCmd, uow: AbstractUnitOfWork, now: datetime | None = None) -> PostingResult:
    return _run(uow, cmd, "adjust", decide_adjust, now, "adjust", _at_site)


# ---- 冲销 ---------------------------------------------------------------------------------------------------
REVERSIBLE = {"receipt", "issue", "write_off", "adjust", "transfer"}


def decide_reverse(repo: LedgerRepository, cmd: ReverseCmd, now: datetime) -> tuple[PostingDraft, Any]:
    """Corrections only by reversal, once per movement, refused if a running balance would go negative."""
    original = repo.posting(cmd.posting_id)
    if original is None:
        raise InvalidCommand(reason="unknown_posting", posting_id=str(cmd.posting_id))
    if original.kind not in REVERSIBLE:
        raise NotReversible(kind=original.kind)
    if original.kind == "transfer":  # lock order as in a receipt: the transfer row, then balances
        found = repo.transfer(cmd.posting_id, lock=True)
        if found is not None and found[0].state != "in_transit":
            raise AlreadyResolved(state=found[0].state, transfer_id=str(cmd.posting_id))
    moves = repo.movements_of(cmd.posting_id)
    if repo.reversed_seqs([m.seq for m in moves]):
        raise AlreadyReversed(posting_id=str(cmd.posting_id))
    legs = [
        PlannedLeg(Leg(MovementKind.REVERSAL, m.site_id, m.item_id, m.lot_id, -m.qty, reverses_seq=m.seq))
        for m in moves
    ]

    def after(res: PostingResult) -> PostingResult:
        if original.kind == "transfer" and not repo.resolve_transfer(
            cmd.posting_id, "cancelled", cmd.occurred_at, cmd.client_id
        ):
            raise AlreadyResolved(state="concurrent", transfer_id=str(cmd.posting_id))
        return res

    return _draft(cmd, "reversal", legs), after


def reverse_posting(cmd: ReverseCmd, uow: AbstractUnitOfWork, now: datetime | None = None) -> PostingResult:
    return _run(uow, cmd, "reversal", decide_reverse, now, "reverse", _posting_sites)
