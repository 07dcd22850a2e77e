"""The one posting engine every ledger use case goes through, for one command or a 10 000-row batch.

A `PostingDraft` is a command already decided into legs. `post_batch` locks the balance rows of every key it
touches, simulates each key's running balance in (occurred_at, seq) order including later existing legs when the
batch is backdated, keeps on-hand ≥ reserved, then appends postings and movements and applies the deltas
in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from stockpile.domain import ledger
from stockpile.domain.errors import (
    ExistsWithDifferent,
    NegativeLaterBalance,
    OutOfStock,
    RetryableConflict,
)
from stockpile.domain.model import Balance, Leg, Movement
from stockpile.ports.repos import LedgerRepository, NewPosting
from stockpile.ports.uow import AbstractUnitOfWork

T = TypeVar("T")
MAX_RETRIES = 5


@dataclass(frozen=True, slots=True)
class PlannedLeg:
    leg: Leg
    purpose: str = ""
    reason: str = ""
    reserved_delta: int = 0  # a posted reservation releases its hold in the same transaction


@dataclass(slots=True)
class PostingDraft:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    actor: str
    occurred_at: datetime
    legs: list[PlannedLeg]
    doc_no: str = ""
    event_tag: str = ""
    remark: str = ""
    digest: str = field(default="")
    payload_json: str = field(default="")

    def __post_init__(self) -> None:
        """Serialise once: the stored payload is the canonical JSON of {kind, **payload}; the digest is its hash."""
        if not self.payload_json:
            self.payload_json = ledger.canonical_json({"kind": self.kind, **self.payload})
        if not self.digest:
            self.digest = ledger.digest_of(self.payload_json)


@dataclass(frozen=True, slots=True)
class PostingResult:
    posting_id: uuid.UUID
    movement_seqs: tuple[int, ...]
    replayed: bool = False
    transfer_id: uuid.UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)


retry_on_conflict = retry(
    retry=retry_if_exception_type(RetryableConflict),
    stop=stop_after_attempt(MAX_RETRIES + 1),
    wait=wait_random_exponential(multiplier=0.01, max=0.5),
    reraise=True,
)
"""Decorator: run the whole use case again on a serialization failure or deadlock (at most MAX_RETRIES more
times, with jittered exponential waits), then let the last conflict through."""


def retrying(fn: Callable[[], T]) -> T:
    """Call `fn` under `retry_on_conflict` (for a use case that retries only part of its work)."""
    return retry_on_conflict(fn)()


def replay(
    uow: AbstractUnitOfWork, client_id: uuid.UUID, kind: str, payload: dict[str, Any]
) -> PostingResult | None:
    """Same id + same payload → the first result; same id + other payload → ExistsWithDifferent(field)."""
    rec = uow.ledger.posting(client_id)
    if rec is None:
        return None
    digest = ledger.payload_digest({"kind": kind, **payload})
    if rec.digest != digest:
        stored = {k: v for k, v in rec.payload.items() if k != "kind"}
        fld = "kind" if rec.kind != kind else ledger.first_difference(stored, payload)
        raise ExistsWithDifferent(field=fld or "payload", client_id=str(client_id))
    tid = client_id if kind == "transfer" else None
    return PostingResult(client_id, rec.movement_seqs, replayed=True, transfer_id=tid)


def post_batch(uow: AbstractUnitOfWork, drafts: Sequence[PostingDraft], now: datetime) -> list[PostingResult]:
    """Check and append the drafts' legs (no commit). A failing draft raises with `draft` = its index."""
    repo = uow.ledger
    keys = {(pl.leg.site_id, pl.leg.item_id, pl.leg.lot_id) for d in drafts for pl in d.legs}
    rows = repo.lock_balances(keys)
    events: dict[tuple[int, int], list[tuple[datetime, int, int, int, int]]] = {}
    for di, d in enumerate(drafts):
        for li, pl in enumerate(d.legs):
            ledger.check_leg_sign(pl.leg.kind, pl.leg.qty)
            events.setdefault((pl.leg.site_id, pl.leg.lot_id), []).append(
                (d.occurred_at, di, li, pl.leg.qty, pl.reserved_delta)
            )
    new_values: list[tuple[int, int, int, int, datetime | None]] = []
    for key, evs in events.items():
        evs.sort(key=lambda e: (e[0], e[1], e[2]))
        row = rows[key]
        _simulate_key(repo, key, row, evs)
        last = max(e[0] for e in evs)
        if row.last_occurred_at is not None and row.last_occurred_at > last:
            last = row.last_occurred_at
        new_values.append(
            (
                key[0],
                key[1],
                row.on_hand + sum(e[3] for e in evs),
                row.reserved + sum(e[4] for e in evs),
                last,
            )
        )
    results = _append(repo, drafts, now)
    repo.set_balances(new_values)
    return results


def _simulate_key(
    repo: LedgerRepository, key: tuple[int, int], row: Balance, evs: list[tuple[datetime, int, int, int, int]]
) -> None:
    """For one key: every running balance ≥ 0 and, at the end, on hand ≥ reserved."""
    first_t = evs[0][0]
    backdated = row.last_occurred_at is not None and first_t < row.last_occurred_at
    if backdated:
        running = repo.balance_as_of(key[0], key[1], first_t)
        later = [(t, q) for t, q in repo.qtys_after_with_time(key[0], key[1], first_t)]
    else:
        running, later = row.on_hand, []
    merged = sorted([(t, 1, q, di) for t, di, _, q, _ in evs] + [(t, 0, q, -1) for t, q in later])
    culprit = -1
    for _, is_new, q, di in merged:
        if is_new and q < 0:
            culprit = di
        running += q
        if running < 0:
            if is_new:
                raise OutOfStock(draft=di, available=running - q, requested=-q, site=key[0], lot=key[1])
            raise NegativeLaterBalance(draft=culprit, shortfall=-running, site=key[0], lot=key[1])
    final_on_hand = row.on_hand + sum(e[3] for e in evs)
    final_reserved = row.reserved + sum(e[4] for e in evs)
    if final_on_hand < final_reserved:
        worst = next((e[1] for e in evs if e[3] < 0), evs[0][1])
        raise OutOfStock(
            draft=worst,
            available=row.on_hand - row.reserved,
            requested=-sum(e[3] for e in evs),
            site=key[0],
            lot=key[1],
        )


def _append(repo: LedgerRepository, drafts: Sequence[PostingDraft], now: datetime) -> list[PostingResult]:
    postings: list[NewPosting] = []
    moves: list[Movement] = []
    spans: list[tuple[int, int]] = []
    for d in drafts:
        postings.append(
            NewPosting(
                id=d.id,
                kind=d.kind,
                digest=d.digest,
                payload_json=d.payload_json,
                actor=d.actor,
                recorded_at=now,
                occurred_at=d.occurred_at,
                legs=len(d.legs),
                doc_no=d.doc_no,
                event_tag=d.event_tag,
                remark=d.remark,
            )
        )
        start = len(moves)
        for i, pl in enumerate(d.legs):
            moves.append(
                Movement(
                    seq=0,  # given by the repository
                    id=uuid.UUID(int=d.id.int ^ ((i + 1) << 64)),
                    posting_id=d.id,
                    kind=pl.leg.kind,
                    site_id=pl.leg.site_id,
                    item_id=pl.leg.item_id,
                    lot_id=pl.leg.lot_id,
                    qty=pl.leg.qty,
                    occurred_at=d.occurred_at,
                    recorded_at=now,
                    actor=d.actor,
                    reverses_seq=pl.leg.reverses_seq,
                    purpose=pl.purpose,
                    reason=pl.reason,
                )
            )
        spans.append((start, len(moves)))
    repo.add_postings(postings)
    seqs = repo.add_movements(moves)
    return [PostingResult(d.id, tuple(seqs[a:b])) for d, (a, b) in zip(drafts, spans, strict=True)]
