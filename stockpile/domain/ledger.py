"""Pure ledger rules: what may be posted, FEFO picks, count adjustments, ledger checks.

Nothing here touches a database: repositories hand in balances and histories, these functions decide.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from stockpile.domain.errors import (
    ExpiredOnArrival,
    Frozen,
    InvalidCommand,
    LotExpired,
    LotExpiryConflict,
    NegativeLaterBalance,
    OutOfStock,
    PostingInFuture,
    QtyOutOfRange,
)
from stockpile.domain.model import (
    MAX_QTY,
    NEGATIVE_KINDS,
    POSITIVE_KINDS,
    Lot,
    MovementKind,
)

FUTURE_TOLERANCE = timedelta(minutes=5)
DEFAULT_BACKDATE_DAYS = 30  # postings more than N days back need the admin right (setting `backdate_days`)
FAR_FUTURE = date.max


def check_qty(qty: object) -> int:
    """A quantity is an int (not bool, not float), 0 < qty ≤ 10^9."""
    if isinstance(qty, bool) or not isinstance(qty, int):
        raise QtyOutOfRange(qty=qty)
    if not 0 < qty <= MAX_QTY:
        raise QtyOutOfRange(qty=qty)
    return qty


def check_leg_sign(kind: MovementKind, qty: int) -> None:
    """The sign of a leg follows its kind; counts, adjustments and reversals may go either way but not be 0."""
    if qty == 0 or abs(qty) > MAX_QTY:
        raise QtyOutOfRange(qty=qty)
    if (kind in POSITIVE_KINDS and qty < 0) or (kind in NEGATIVE_KINDS and qty > 0):
        raise InvalidCommand(reason="sign", kind=kind.value, qty=qty)


def check_posting_time(
    occurred_at: datetime,
    now: datetime,
    freeze_date: date | None = None,
    may_backdate: bool = False,
    backdate_days: int | None = None,
) -> bool:
    """No posting more than 5 minutes in the future; on or before the freeze date, or more than
    `backdate_days` back, only with the admin right (`may_backdate`), else `Frozen`. True when the posting is
    such an allowed backdating (the caller flags it in the audit)."""
    if occurred_at.tzinfo is None:
        raise InvalidCommand(reason="naive_datetime")
    local = occurred_at.astimezone(now.tzinfo)  # `now` comes from the one clock, in the county's time zone
    if occurred_at > now + FUTURE_TOLERANCE:
        raise PostingInFuture(occurred_at=local.strftime("%Y-%m-%d %H:%M"))
    if freeze_date is not None and local.date() <= freeze_date:  # the county's calendar day, not UTC's
        if not may_backdate:
            raise Frozen(freeze_date=freeze_date.isoformat())
        return True
    if backdate_days is not None and occurred_at < now - timedelta(days=backdate_days):
        if not may_backdate:
            last = (now - timedelta(days=backdate_days)).date()
            raise Frozen(freeze_date=last.isoformat(), backdate_days=backdate_days)
        return True
    return False


def check_lot_usable(lot: Lot, on: date) -> None:
    """An expired lot is never issued, reserved, transferred or dispatched; only written off."""
    if lot.is_expired_on(on):
        raise LotExpired(lot_no=lot.lot_no, expiry=lot.expiry.isoformat() if lot.expiry else "")


def check_receipt_lot(existing: Lot | None, expiry: date | None, on: date, lot_no: str) -> None:
    """Same lot number = same expiry; a lot expired on arrival is refused."""
    if existing is not None and existing.expiry != expiry:
        raise LotExpiryConflict(
            lot_no=lot_no,
            expiry=expiry.isoformat() if expiry else "",
            existing=existing.expiry.isoformat() if existing.expiry else "",
        )
    if expiry is not None and expiry <= on:
        raise ExpiredOnArrival(lot_no=lot_no, expiry=expiry.isoformat())


@dataclass(frozen=True, slots=True)
class Candidate:
    """A lot at a site that could be issued: its FEFO key and what is available."""

    lot: Lot
    available: int


def fefo_key(lot: Lot) -> tuple[date, datetime, int]:
    """FEFO order: expiry (none = last), then received, then id."""
    received = lot.received_at or datetime.max.replace(tzinfo=None)
    if received.tzinfo is not None:
        received = received.replace(tzinfo=None)
    return (lot.expiry or FAR_FUTURE, received, lot.id)


def fefo_pick(candidates: Sequence[Candidate], qty: int, on: date) -> list[tuple[Lot, int]]:
    """Take `qty` from the lots that expire first, skipping expired lots; OutOfStock if they do not suffice."""
    check_qty(qty)
    usable = sorted(
        (c for c in candidates if c.available > 0 and not c.lot.is_expired_on(on)),
        key=lambda c: fefo_key(c.lot),
    )
    picks: list[tuple[Lot, int]] = []
    left = qty
    for c in usable:
        take = min(left, c.available)
        picks.append((c.lot, take))
        left -= take
        if left == 0:
            return picks
    raise OutOfStock(requested=qty, available=qty - left)


def check_future_balances(balance_at: int, delta: int, later_qtys: Iterable[int], key: object = None) -> None:
    """Inserting `delta` at time t keeps every running balance from t onwards ≥ 0.

    `balance_at` is the balance as of t (all legs with occurred_at ≤ t), `later_qtys` the legs after t in
    (occurred_at, seq) order.
    """
    running = balance_at + delta
    if running < 0:
        raise OutOfStock(requested=-delta, available=balance_at, key=str(key))
    for q in later_qtys:
        running += q
        if running < 0:
            raise NegativeLaterBalance(key=str(key), shortfall=-running)


def count_adjustment(counted: int, balance_as_of: int) -> int:
    """A stocktake posts counted − balance at the count time, never a reset."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0 or counted > MAX_QTY:
        raise QtyOutOfRange(qty=counted)
    return counted - balance_as_of


def canonical_json(payload: Mapping[str, Any]) -> str:
    """The one serialisation of a command payload: sorted keys, compact, UTF-8 text."""
    return json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False, separators=(",", ":"))


def digest_of(blob: str) -> str:
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def payload_digest(payload: Mapping[str, Any]) -> str:
    """Canonical digest of a command payload."""
    return digest_of(canonical_json(payload))


def first_difference(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    """The first field whose value differs between two payloads (the refusal of a replay names it)."""
    for k in sorted(set(a) | set(b)):
        if str(a.get(k)) != str(b.get(k)):
            return k
    return None


@dataclass(frozen=True, slots=True)
class LedgerError:
    """A ledger check failure, as data (beancount style)."""

    code: str
    key: tuple[int, int]
    detail: str


def verify_balances(
    movement_sums: Mapping[tuple[int, int], int],
    balances: Mapping[tuple[int, int], tuple[int, int]],
    pending_reserved: Mapping[tuple[int, int], int],
) -> list[LedgerError]:
    """Stored balances equal the movement sums, 0 ≤ reserved ≤ on hand, reserved = Σ pending holds."""
    errors: list[LedgerError] = []
    for key in sorted(set(movement_sums) | set(balances) | set(pending_reserved)):
        total = movement_sums.get(key, 0)
        on_hand, reserved = balances.get(key, (0, 0))
        if on_hand != total:
            errors.append(LedgerError("balance_mismatch", key, f"stored {on_hand} != movements {total}"))
        if not 0 <= reserved <= on_hand:
            errors.append(
                LedgerError("reserved_out_of_range", key, f"reserved {reserved}, on hand {on_hand}")
            )
        if reserved != pending_reserved.get(key, 0):
            errors.append(
                LedgerError(
                    "reserved_mismatch", key, f"reserved {reserved} != pending {pending_reserved.get(key, 0)}"
                )
            )
    return errors


def verify_running_balances(history: Mapping[tuple[int, int], Sequence[int]]) -> list[LedgerError]:
    """Every prefix sum per key, in (occurred_at, seq) order, is ≥ 0."""
    errors: list[LedgerError] = []
    for key, qtys in sorted(history.items()):
        running = 0
        for i, q in enumerate(qtys):
            running += q
            if running < 0:
                errors.append(LedgerError("negative_running_balance", key, f"at leg {i}: {running}"))
                break
    return errors
