"""Outgoing requests to the city (请调函): when the county cannot cover the demand it approved, a dispatcher asks
the city for the rest — items and quantities, the reason, needed-by, for one event — and prints the request as a
letter (请调函) with the bureau's name, a number and signature lines. Pure Python."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from stockpile.domain.errors import DomainError
from stockpile.domain.events import MAX_QTY, NEEDED_WITHIN, RequestLine

APPROVED_STATES = ("approved", "partly", "planned", "part_delivered")  # lines the county promised to serve
MAX_REASON = 500


class BadCityRequest(DomainError):
    """`reason` names what is wrong (`value`): no lines, a quantity ≤ 0, an item twice, no reason, a needed-by time
    in the past or more than a year ahead, an item the county is not short of."""

    code = "bad_city_request"


class UnknownCityRequest(DomainError):
    code = "unknown_city_request"


@dataclass(frozen=True, slots=True)
class CityRequestLine:
    item_code: str
    qty: int


@dataclass(frozen=True, slots=True)
class CityRequest:
    """One outgoing request; `number` is its letter number (请调〔year〕n号), given when recorded."""

    id: int
    event_code: str
    lines: tuple[CityRequestLine, ...]
    reason: str
    needed_by: datetime | None
    recipient: str = ""
    number: str = ""
    created_by: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Per item: what the county approved for the event, what it holds, what it has asked the city for."""

    item_code: str
    approved: int
    on_hand: int
    asked: int

    @property
    def short(self) -> int:
        """What is still uncovered: approved − on hand − already asked of the city, never below 0."""
        return max(0, self.approved - self.on_hand - self.asked)


def check_city_request(r: CityRequest) -> None:
    """At least one line, each item once with a quantity > 0, and a reason (the letter must say why)."""
    if not r.lines:
        raise BadCityRequest(reason="lines", value="")
    seen: set[str] = set()
    for ln in r.lines:
        if not 0 < ln.qty <= MAX_QTY:
            raise BadCityRequest(reason="qty", value=f"{ln.item_code}={ln.qty}")
        if ln.item_code in seen:
            raise BadCityRequest(reason="item", value=ln.item_code)
        seen.add(ln.item_code)
    if not r.reason.strip() or len(r.reason) > MAX_REASON:
        raise BadCityRequest(reason="reason", value=r.reason[:40])


def check_city_needed_by(
    needed_by: datetime | None, now: datetime, fmt: Callable[[datetime], str] = str
) -> None:
    """The letter's needed-by time lies between now and a year after it, as a township request's does from its
    event (a past one was printed on a letter to the city; `fmt` writes the time for the message)."""
    if needed_by is not None and not now <= needed_by <= now + NEEDED_WITHIN:
        raise BadCityRequest(reason="needed_by", value=fmt(needed_by))


def check_short(r: CityRequest, short: Iterable[Shortfall]) -> None:
    """Every item asked of the city is one the county is still short of for the event (approved and not yet
    delivered, more than its free stock and what the city was already asked for): a letter for nothing short
    asked the city for goods the county holds."""
    still = {s.item_code: s.short for s in short}
    for ln in r.lines:
        if still.get(ln.item_code, 0) <= 0:
            raise BadCityRequest(reason="not_short", value=ln.item_code)


def letter_number(year: int, serial: int) -> str:
    """The letter's number as a bureau writes it: 请调〔2026〕3号 (serial within the year)."""
    return f"请调〔{year}〕{serial}号"


def shortfalls(
    approved: Mapping[str, int], on_hand: Mapping[str, int], asked: Iterable[CityRequest]
) -> list[Shortfall]:
    """Every item the event's approved requests name, with the county's stock and what the city was already
    asked for; the items short come first, by item code."""
    asked_by_item: dict[str, int] = {}
    for r in asked:
        for ln in r.lines:
            asked_by_item[ln.item_code] = asked_by_item.get(ln.item_code, 0) + ln.qty
    rows = [
        Shortfall(item, qty, max(0, on_hand.get(item, 0)), asked_by_item.get(item, 0))
        for item, qty in approved.items()
        if qty > 0
    ]
    return sorted(rows, key=lambda s: (s.short == 0, s.item_code))


def approved_by_item(lines: Iterable[RequestLine]) -> dict[str, int]:
    """Township request lines → what the county still owes per item: approved minus already delivered, over the
    lines it promised (submitted and refused lines owe nothing)."""
    out: dict[str, int] = {}
    for ln in lines:
        if ln.status in APPROVED_STATES:
            left = (ln.approved_qty or 0) - (ln.delivered_qty or 0)
            if left > 0:
                out[ln.item_code] = out.get(ln.item_code, 0) + left
    return out
