"""签收 (receipt) of a shipped order: receiver, time and quantities per stop and item against what was loaded for
that stop, the reason of any shortage or damage; the order becomes delivered. The request lines (请领) the order's
scenario planned move to `delivered` (or `part_delivered` while short) in the same transaction: the trace runs
order → plan → scenario → the request lines planned into that scenario, matched by destination and item."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from stockpile import clock
from stockpile.dispatch.orders import lines_with_lots, shipped_sites
from stockpile.dispatch.scenario import RepoOf
from stockpile.domain.dispatch import (
    OrderWrongState,
    ReceiptInvalid,
    ReceiptLineTwice,
    ReceiptTimeInvalid,
    ReceiptUnknownItem,
    ReceiptUnknownStop,
    ReceiverInvalid,
    UnknownOrder,
    stop_numbers,
)
from stockpile.domain.errors import named
from stockpile.domain.events import deliver_requests
from stockpile.ledger.posting import retry_on_conflict
from stockpile.ports.repos import DispatchRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

Given = Mapping[tuple[str, str], Any] | Iterable[tuple[tuple[str, str], Any]]  # (stop, item) → value


def _receipt_lines(
    planned: Mapping[tuple[str, str], tuple[int, int]],
    quantities: Mapping[tuple[str, str], int],
    reasons: Mapping[tuple[str, str], str],
) -> dict[tuple[str, int], tuple[int, int, str]]:
    """(place, item id) → (loaded, received, reason); received defaults to what was loaded for the stop, a
    shortage against it needs a reason (a shortfall at loading has its own reason on the shipment)."""
    out = {}
    for key, (qty, item_id) in sorted(planned.items()):
        got = quantities.get(key, qty)
        why = reasons.get(key, "").strip()
        if got < 0 or got > qty:
            raise ReceiptInvalid(reason="qty_range", line=f"{key[0]}/{key[1]}", planned=qty, received=got)
        if got < qty and not why:
            raise ReceiptInvalid(
                reason="reason_missing", line=f"{key[0]}/{key[1]}", planned=qty, received=got
            )
        out[(key[0], item_id)] = (qty, got, why[:200])
    return out


@authz.records_denials
@retry_on_conflict
def receive_order(
    doc_no: str,
    receiver: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    actor: str,
    quantities: Given | None = None,
    reasons: Given | None = None,
    received_at: datetime | None = None,
    now: datetime | None = None,
) -> dict[tuple[str, int], tuple[int, int, str]]:
    """签收: receiver, time and quantities per (stop, item) with the reason of any shortage or damage; the order
    becomes delivered. Only a shipped order can be received, once. Quantities and reasons come as a mapping or as
    (stop, item) → value pairs as typed, so a line named twice is refused, not silently the last."""
    at = (now or clock.now()).replace(microsecond=0)
    when = (received_at or at).replace(microsecond=0)
    with uow:
        authz.require(uow, actor, "receive_dispatch", None, None, doc_no)
        repo = repo_of(uow)
        o = repo.order(doc_no, lock=True)
        if o is None:
            raise UnknownOrder(doc_no=doc_no)
        if o["state"] != "shipped":
            raise OrderWrongState(doc_no=doc_no, state=o["state"], step="receive")
        receiver = _receiver(receiver)
        _check_time(when, at, repo.order_depots(doc_no))
        planned, stops, names = _loaded(repo, doc_no)
        lines = _receipt_lines(
            planned,
            _at_places(quantities or {}, planned, stops, names),
            _at_places(reasons or {}, planned, stops, names),
        )
        repo.add_receipt_lines(doc_no, lines)
        delivered = _deliver_requests(repo, o["plan_id"], doc_no, lines)
        short = sum(p - g for p, g, _ in lines.values())
        repo.set_order_state(doc_no, "delivered", when, received_by=receiver)
        authz.audit_ok(
            uow,
            actor,
            "receive_order",
            at,
            doc_no,
            detail={"receiver": receiver, "short": short, "requests": delivered},
        )
        uow.commit()
        return lines


MAX_RECEIVER = 64  # the order's column


def _receiver(name: str) -> str:
    """The receiver's name as signed: no control or invisible character (a zero-width space signs for no one),
    not blank, at most ``MAX_RECEIVER`` characters; a no-break space reads as a space."""
    text = name.replace("\u00a0", " ").strip()
    if not text or len(text) > MAX_RECEIVER or any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise ReceiverInvalid(value=repr(name)[1:-1][:80])
    return text


def _check_time(when: datetime, now: datetime, depots: list[dict[str, Any]]) -> None:
    """A receipt is not after now and not before the order's last part left its depot."""
    if when > now + clock.FUTURE_SLACK:
        raise ReceiptTimeInvalid(reason="future", at=clock.format_dt(when), bound=clock.format_dt(now))
    shipped = [d["shipped_at"] for d in depots if d.get("shipped_at") is not None]
    if shipped and when < max(shipped):
        raise ReceiptTimeInvalid(
            reason="before_shipment", at=clock.format_dt(when), bound=clock.format_dt(max(shipped))
        )


Named = dict[str, dict[str, str]]  # a place or item code → how a refusal names it (`named`)


def _loaded(
    repo: DispatchRepository, doc_no: str
) -> tuple[dict[tuple[str, str], tuple[int, int]], dict[str, str], Named]:
    """(stop, item code) → (quantity loaded for it, item id): the planned delivery less any shortfall at loading;
    each delivery stop's 序号 as the order prints it → its place code; and every place and item code of the order
    → its name (an item's also in English) with the code, as a refusal names it."""
    depots = shipped_sites(repo.order_depots(doc_no))
    out: dict[tuple[str, str], tuple[int, int]] = {}
    stops: dict[str, str] = {}
    lines = lines_with_lots(repo.order_lines(doc_no), repo.order_holds(doc_no), depots)
    names: Named = {}
    for ln in lines:
        names[ln["place_code"]] = named(ln["place_name"] or "", ln["place_code"])
        names[ln["item_code"]] = named(ln["item_name"] or "", ln["item_code"], ln.get("item_name_en") or "")
    for no, ln in zip(stop_numbers(lines), lines, strict=True):
        if ln["kind"] == "delivery":
            key = (ln["place_code"], ln["item_code"])
            got = ln["qty"] if ln["shipped"] is None else ln["shipped"]
            out[key] = (out.get(key, (0, 0))[0] + got, repo.item_id(ln["item_code"]))
            stops[str(no)] = ln["place_code"]
    return out, stops, names


def _at_places(
    given: Given, planned: Mapping[tuple[str, str], Any], stops: Mapping[str, str], names: Named
) -> dict[tuple[str, str], Any]:
    """Receipt values keyed by (stop, item) with the stop named by its place code or by the 序号 `order show`
    prints in its first column; a place code wins where a code is also a stop number. A stop the order does not
    deliver to, or an item it did not load for that stop, is refused naming it and what the order has instead;
    a line named twice (by 序号 and by place code, or twice alike) is refused naming both. Places and items are
    named by name with the code beside it (the reader types the code back); a stop as typed."""
    places = {p for p, _ in planned}
    out = {}
    typed: dict[tuple[str, str], str] = {}  # (place, item) → the stop as first typed
    for (stop, item), value in given.items() if isinstance(given, Mapping) else given:
        place = stop if stop in places else stops.get(stop.lstrip("#"))
        if place is None:
            raise ReceiptUnknownStop(stop=stop, stops=[_stop(n, names[p]) for n, p in stops.items()])
        if (place, item) not in planned:
            items = [names[i] for i in sorted(i for p, i in planned if p == place)]
            where = names[place] if stop == place else _stop(stop, names[place])
            raise ReceiptUnknownItem(stop=where, item=names.get(item, item), items=items)
        if (place, item) in typed:
            raise ReceiptLineTwice(
                first=typed[(place, item)], stop=stop, place=names[place], item=names[item]
            )
        typed[(place, item)] = stop
        out[(place, item)] = value
    return out


def _stop(no: str, place: dict[str, str]) -> dict[str, str]:
    """A delivery stop as a refusal lists it: its 序号 and place name, with the place code (either is typed)."""
    return {**place, "name": f"{no} {place['name']}"}


def _deliver_requests(
    repo: DispatchRepository,
    plan_id: Any,
    doc_no: str,
    lines: Mapping[tuple[str, int], tuple[int, int, str]],
) -> dict[str, list[int]]:
    """Move the scenario's request lines at the received stops and items to delivered / part_delivered."""
    plan = repo.plan_record(plan_id) or {}
    codes = {repo.item_id(ln["item_code"]): ln["item_code"] for ln in repo.order_lines(doc_no)}
    received = {(place, codes[item]): got for (place, item), (_, got, _) in lines.items()}
    changes = deliver_requests(repo.planned_requests(int(plan.get("scenario_id") or 0)), received)
    for rid, (qty, status) in sorted(changes.items()):
        repo.set_request_delivered(rid, qty, status)
    return {
        s: sorted(r for r, (_, st) in changes.items() if st == s) for s in ("delivered", "part_delivered")
    }
