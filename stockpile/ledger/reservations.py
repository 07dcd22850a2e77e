"""Reservations (预留): a hold on (site, lot, qty) for a plan, resolved at most once."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from stockpile import clock
from stockpile.domain import ledger
from stockpile.domain.errors import AlreadyResolved, ExistsWithDifferent, InvalidCommand, OutOfStock
from stockpile.domain.model import Leg, MovementKind, Reservation, ReservationState
from stockpile.ledger.posting import PlannedLeg, PostingDraft, PostingResult, post_batch, retry_on_conflict
from stockpile.ledger.stock import _check_time, item_or_raise, lot_or_raise, site_or_raise
from stockpile.ports.repos import LedgerRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.schemas import ReserveCmd, ResolveReservationCmd
from stockpile.trust import authz


@authz.records_denials
@retry_on_conflict
def reserve(cmd: ReserveCmd, uow: AbstractUnitOfWork, now: datetime | None = None) -> Reservation:
    """Lock the balance row and hold `qty` if on hand − reserved ≥ qty; same client id replays."""
    at = now or clock.now()
    with uow:
        repo = uow.ledger
        site = site_or_raise(repo, cmd.site_code)
        item = item_or_raise(repo, cmd.item_code)
        lot = lot_or_raise(repo, item, cmd.lot_no)
        authz.require(uow, cmd.actor, "reserve", {site.id}, cmd.client_id, cmd.plan_ref)
        existing: Reservation | None = repo.reservation(cmd.client_id)
        if existing is not None:
            same = (existing.site_id, existing.lot_id, existing.qty) == (site.id, lot.id, cmd.qty)
            if not same:
                raise ExistsWithDifferent(field="qty", client_id=str(cmd.client_id))
            return existing
        ledger.check_lot_usable(lot, at.date())
        row = repo.lock_balances([(site.id, item.id, lot.id)])[(site.id, lot.id)]
        if row.on_hand - row.reserved < cmd.qty:
            raise OutOfStock(requested=cmd.qty, available=row.on_hand - row.reserved, lot_no=lot.lot_no)
        held = _pending(cmd, site.id, lot.id, item.id)
        repo.add_reservation(held, cmd.actor, at)
        repo.set_balances([(site.id, lot.id, row.on_hand, row.reserved + cmd.qty, row.last_occurred_at)])
        authz.audit_ok(
            uow,
            cmd.actor,
            "reserve",
            at,
            cmd.plan_ref,
            cmd.client_id,
            site.id,
            row.reserved,
            row.reserved + cmd.qty,
            {"lot": lot.id, "qty": cmd.qty, "measure": "reserved"},
        )
        uow.commit()
        return held


def _pending(cmd: ReserveCmd, site_id: int, lot_id: int, item_id: int) -> Reservation:
    """The new hold: pending on one lot of one depot until issued, released or expired."""
    return Reservation(
        cmd.client_id,
        site_id,
        item_id,
        lot_id,
        cmd.qty,
        cmd.plan_ref,
        ReservationState.PENDING,
        cmd.expires_at,
    )


@authz.records_denials
@retry_on_conflict
def resolve_reservation(
    cmd: ResolveReservationCmd, uow: AbstractUnitOfWork, now: datetime | None = None
) -> PostingResult | None:
    """Issue (出库 the held quantity), release or expire a pending hold; a second resolve → AlreadyResolved."""
    at = now or clock.now()
    with uow:
        repo = uow.ledger
        res: Reservation | None = repo.reservation(cmd.reservation_id)
        if res is None:
            raise InvalidCommand(reason="unknown_reservation", reservation_id=str(cmd.reservation_id))
        action = {"expire": "expire_reservations", "issue": "issue_reservation"}.get(
            cmd.action, "resolve_reservation"
        )
        who = authz.require(uow, cmd.actor, action, {res.site_id}, cmd.client_id, str(res.id))
        if (
            action != "expire_reservations"
            and who.role == "dispatcher"  # a dispatcher resolves only the holds of own plans
            and (uow.auth.reservation_owner(res.id) or "").upper() != who.username.upper()
        ):
            raise authz.deny(who, action, "not_plan_owner", target=str(res.id))
        row = repo.lock_balances([(res.site_id, res.item_id, res.lot_id)])[(res.site_id, res.lot_id)]
        res = repo.reservation(cmd.reservation_id)  # re-read under the lock: a racer may have resolved it
        assert res is not None
        new_state = {"issue": "issued", "release": "released", "expire": "expired"}[cmd.action]
        if res.state is not ReservationState.PENDING:
            raise AlreadyResolved(state=res.state.value, reservation_id=str(res.id))
        posting_id = cmd.client_id or uuid.uuid5(res.id, "issue")
        result = _post_issue(uow, repo, res, cmd, posting_id, at) if cmd.action == "issue" else None
        if result is None:
            repo.set_balances(
                [(res.site_id, res.lot_id, row.on_hand, row.reserved - res.qty, row.last_occurred_at)]
            )
        if not repo.resolve_reservation(res.id, new_state, at, posting_id if result else None):
            raise AlreadyResolved(state="concurrent", reservation_id=str(res.id))
        authz.audit_ok(
            uow,
            cmd.actor,
            f"reservation_{cmd.action}",
            at,
            str(res.id),
            posting_id,
            res.site_id,
            row.on_hand,
            row.on_hand - (res.qty if result else 0),
            {"lot": res.lot_id, "qty": res.qty},
        )
        uow.commit()
        return result


def _post_issue(
    uow: AbstractUnitOfWork,
    repo: LedgerRepository,
    res: Reservation,
    cmd: ResolveReservationCmd,
    posting_id: uuid.UUID,
    at: datetime,
) -> PostingResult:
    _check_time(repo, cmd.occurred_at, at)  # freeze date and backdate window (no admin acts here)
    lot = repo.lot_by_id(res.lot_id)
    ledger.check_lot_usable(lot, cmd.occurred_at.date())
    leg = PlannedLeg(
        Leg(MovementKind.ISSUE, res.site_id, res.item_id, res.lot_id, -res.qty),
        purpose="relief",
        reserved_delta=-res.qty,
    )
    draft = PostingDraft(
        id=posting_id,
        kind="reservation_issue",
        payload={"reservation_id": str(res.id), "qty": res.qty},
        actor=cmd.actor,
        occurred_at=cmd.occurred_at,
        legs=[leg],
        doc_no=res.plan_ref,
    )
    [out] = post_batch(uow, [draft], at)
    return out


def issue_holds(
    uow: AbstractUnitOfWork, holds: list[Reservation], actor: str, occurred_at: datetime, at: datetime
) -> int:
    """Engine step inside an authorised use case (shipping one depot's part of an order): lock the balances, post
    the issue (出库) of every pending hold and resolve it, in the caller's transaction (it commits). Holds resolved
    meanwhile are skipped; returns how many were issued."""
    repo = uow.ledger
    repo.lock_balances(sorted({(h.site_id, h.item_id, h.lot_id) for h in holds}))
    n = 0
    for h in holds:
        res = repo.reservation(h.id)  # re-read under the lock
        if res is None or res.state is not ReservationState.PENDING:
            continue
        posting_id = uuid.uuid5(res.id, "issue")
        cmd = ResolveReservationCmd(
            reservation_id=res.id, actor=actor, action="issue", occurred_at=occurred_at
        )
        _post_issue(uow, repo, res, cmd, posting_id, at)
        if not repo.resolve_reservation(res.id, "issued", at, posting_id):
            raise AlreadyResolved(state="concurrent", reservation_id=str(res.id))
        authz.audit_ok(
            uow, actor, "reservation_issue", at, str(res.id), posting_id, res.site_id, detail={"qty": res.qty}
        )
        n += 1
    return n


def release_holds(uow: AbstractUnitOfWork, holds: list[Reservation], at: datetime) -> int:
    """Engine step inside an authorised use case (voiding a plan): release every pending hold and give its
    quantity back to the balance, in the caller's transaction. Returns how many were released."""
    repo = uow.ledger
    rows = repo.lock_balances(sorted({(h.site_id, h.item_id, h.lot_id) for h in holds}))
    back: dict[tuple[int, int], int] = {}
    n = 0
    for h in holds:
        res = repo.reservation(h.id)
        if res is None or res.state is not ReservationState.PENDING:
            continue
        if not repo.resolve_reservation(res.id, "released", at, None):
            raise AlreadyResolved(state="concurrent", reservation_id=str(res.id))
        back[(res.site_id, res.lot_id)] = back.get((res.site_id, res.lot_id), 0) + res.qty
        n += 1
    repo.set_balances(
        [
            (s, lt, rows[(s, lt)].on_hand, rows[(s, lt)].reserved - q, rows[(s, lt)].last_occurred_at)
            for (s, lt), q in sorted(back.items())
        ]
    )
    return n


def ship_holds(
    uow: AbstractUnitOfWork,
    loaded: list[tuple[Reservation, int]],
    actor: str,
    occurred_at: datetime,
    at: datetime,
) -> tuple[int, int]:
    """Engine step inside an authorised use case (a depot part shipped with the quantity actually loaded per hold):
    a hold loaded in full is issued; a hold not loaded is released; a hold loaded in part is split — released, and
    a new hold of the loaded quantity (id uuid5(hold, "loaded"), same lot, order and expiry) issued — all in the
    caller's transaction. Returns (holds issued, units released back to the balance)."""
    repo = uow.ledger
    repo.lock_balances(sorted({(h.site_id, h.item_id, h.lot_id) for h, _ in loaded}))
    issue: list[Reservation] = []
    short: list[Reservation] = []
    split: list[Reservation] = []
    for h, qty in loaded:
        res = repo.reservation(h.id)  # re-read under the lock
        if res is None or res.state is not ReservationState.PENDING:
            continue
        if qty >= res.qty:
            issue.append(res)
            continue
        short.append(res)
        if qty > 0:
            split.append(replace(res, id=uuid.uuid5(res.id, "loaded"), qty=qty))
    release_holds(uow, short, at)
    rows = repo.lock_balances(sorted({(h.site_id, h.item_id, h.lot_id) for h in split}))
    for h in split:
        repo.add_reservation(h, actor, at)
        row = rows[(h.site_id, h.lot_id)]
        repo.set_balances([(h.site_id, h.lot_id, row.on_hand, row.reserved + h.qty, row.last_occurred_at)])
        rows[(h.site_id, h.lot_id)] = replace(row, reserved=row.reserved + h.qty)
    n = issue_holds(uow, [*issue, *split], actor, occurred_at, at)
    return n, sum(r.qty for r in short) - sum(h.qty for h in split)


def expire_due_reservations(uow: AbstractUnitOfWork, actor: str, now: datetime | None = None) -> int:
    """Expire every pending hold whose expiry passed; returns how many were expired."""
    at = now or clock.now()

    def due_list() -> list[Any]:
        with uow:
            authz.require(uow, actor, "expire_reservations", None)
            return list(uow.ledger.pending_reservations_due(at))

    due = authz.guarded(uow, due_list, now)
    n = 0
    for rid in due:
        try:
            resolve_reservation(
                ResolveReservationCmd(reservation_id=rid, actor=actor, action="expire", occurred_at=at),
                uow,
                at,
            )
            n += 1
        except AlreadyResolved:
            continue
    return n
