"""Disaster events (灾情): the rules for reports, follow-ups, township requests and an event's demand.

Pure Python. A township's disaster-information officer (灾情信息员) files an initial report per village within 2 hours
and follow-ups (续报) later; the latest report of a village supersedes the earlier figures. Townships send requests
(请领) to the county, which approves, partly approves or refuses each line. An event's demand for dispatch is the
approved request lines plus affected persons × the county's per-person norms × sustain days, one figure per
village and item (a village is never counted twice).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from stockpile.domain.dispatch import Norm
from stockpile.domain.errors import DomainError

EVENT_KINDS = ("flood", "earthquake", "typhoon", "landslide", "drought", "fire", "snow", "other")
LEVELS = (1, 2, 3, 4)  # response level Ⅰ (most severe) … Ⅳ
PRIORITIES = (1, 2, 3)  # 1 = shelters, medical, lives at risk first
DECISIONS = ("approved", "partly", "refused")
OPEN_STATUS = "submitted"


class UnknownEvent(DomainError):
    code = "unknown_event"


class UnknownArea(DomainError):
    """A township, village or shelter code the county does not have."""

    code = "unknown_area"


class VillageOutsideTownship(DomainError):
    code = "village_outside_township"


class PlaceOutsideEvent(DomainError):
    """A report or request for a place outside the township an event was opened for."""

    code = "place_outside_event"


class RelocatedOverAffected(DomainError):
    code = "relocated_over_affected"


class DuplicateNeed(DomainError):
    code = "duplicate_need"


class FollowUpTooEarly(DomainError):
    code = "follow_up_too_early"


class ReportInFuture(DomainError):
    code = "report_in_future"


class BadEventInput(DomainError):
    """A field outside its allowed values (kind, level, priority, a negative count); `field` and `value` say which."""

    code = "bad_event_input"


class UnknownRequest(DomainError):
    code = "unknown_request"


class RequestAlreadyDecided(DomainError):
    code = "request_already_decided"


class EventHasNoDemand(DomainError):
    code = "event_has_no_demand"


@dataclass(frozen=True, slots=True)
class EventRecord:
    code: str
    name: str
    kind: str
    area_code: str
    level: int
    reported_at: datetime


@dataclass(frozen=True, slots=True)
class ReportRecord:
    id: int
    event_code: str
    township: str
    village: str
    reported_at: datetime
    affected: int
    relocated: int
    damaged_houses: int
    reporter: str
    supersedes: int | None
    needs: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class RequestLine:
    id: int
    event_code: str
    township: str
    item_code: str
    qty: int
    priority: int
    needed_by: datetime | None
    destination: str
    status: str
    approved_qty: int | None
    reason: str
    requested_by: str
    decided_by: str
    delivered_qty: int | None = None  # received on 签收 of the orders that served it


@dataclass(frozen=True, slots=True)
class Place:
    """A destination the county knows: a village (its township is `township`) or a shelter."""

    code: str
    name: str
    kind: str  # village | shelter
    township: str
    lon: float
    lat: float


MAX_EVENT_CODE = 64  # the columns' widths (PostgreSQL refuses a longer value outright)
MAX_EVENT_NAME = 200
MAX_REASON = 500  # a decision's reason
MAX_SUSTAIN_DAYS = 90  # a scenario's days of supply: longer is a storage plan, not a relief scenario


def check_scenario(code: str, sustain_days: int) -> None:
    """A scenario made from an event: its code as an event's (1-64 characters, no space: ``relief plan CODE`` is
    typed), and 1-90 days of supply (100 000 days turned 60 people into 18 million bottles of water)."""
    if not code or len(code) > MAX_EVENT_CODE or any(_unprintable(ch) or ch.isspace() for ch in code):
        raise BadEventInput(field="code", value=_shown(code), allowed="event_code")
    if not 1 <= sustain_days <= MAX_SUSTAIN_DAYS:
        raise BadEventInput(field="sustain_days", value=sustain_days, allowed=f"1..{MAX_SUSTAIN_DAYS}")


# a report's persons or houses (more than any county has people) and a line's quantity (10^9 of an item): larger
# figures are typing slips, and 10^18 of them overflowed the planner's int64 flows into a traceback
MAX_PERSONS = 10_000_000
MAX_QTY = 1_000_000_000


def event_code(typed: str) -> str:
    """An event code as it is kept: full-width forms as ASCII (NFKC: ＦＬ１ is FL1), as every other code is read."""
    return unicodedata.normalize("NFKC", typed)


def same_event_code(a: str, b: str) -> bool:
    """Two event codes a dispatcher cannot tell apart: equal but for case or width (FL1, fl1, ＦＬ１). Codes are looked
    up exactly, so a new event's code may not be one of these beside an existing one."""
    return event_code(a).casefold() == event_code(b).casefold()


def check_event(code: str, name: str, kind: str, level: int) -> None:
    """An event's code (1-64 characters, no space or control character: it is typed on command lines and printed
    on orders), name (1-200 characters, no control character), kind and response level."""
    if not code or len(code) > MAX_EVENT_CODE or any(_unprintable(ch) or ch.isspace() for ch in code):
        raise BadEventInput(field="code", value=_shown(code), allowed="event_code")
    if not name.strip() or len(name) > MAX_EVENT_NAME or any(_unprintable(ch) for ch in name):
        raise BadEventInput(field="name", value=_shown(name), allowed="event_name")
    if kind not in EVENT_KINDS:
        raise BadEventInput(field="kind", value=kind, allowed="/".join(EVENT_KINDS))
    if level not in LEVELS:
        raise BadEventInput(field="level", value=level, allowed="1/2/3/4")


def check_figures(
    affected: int, relocated: int, damaged_houses: int, needs: Sequence[tuple[str, int]]
) -> None:
    """Counts are whole and not negative; relocated persons are among the affected; needs are positive, one line
    per item."""
    for name, value in (("affected", affected), ("relocated", relocated), ("damaged_houses", damaged_houses)):
        if not 0 <= value <= MAX_PERSONS:
            raise BadEventInput(field=name, value=value, allowed=f"0–{MAX_PERSONS}")
    if relocated > affected:
        raise RelocatedOverAffected(relocated=relocated, affected=affected)
    items = [item for item, _ in needs]
    for item in items:
        if items.count(item) > 1:  # two lines of one item: which one holds?
            raise DuplicateNeed(item=item)
    for item, qty in needs:
        if not 0 < qty <= MAX_QTY:
            raise BadEventInput(field="need", value=f"{item} {qty}", allowed=f"1–{MAX_QTY}")


def check_follow_up(
    village: str, at: datetime, latest: ReportRecord | None, fmt: Callable[[datetime], str] = str
) -> None:
    """A follow-up may not be earlier than the report it supersedes (`fmt` writes the times for the message)."""
    if latest is not None and at < latest.reported_at:
        raise FollowUpTooEarly(village=village, at=fmt(at), previous=fmt(latest.reported_at))


EARLIEST_EVENT = datetime(2000, 1, 1)  # an event's report time before this is a typing slip (1900-01-01)
REPORT_BEFORE_EVENT = timedelta(days=1)  # a village's report may precede the event's opening by this much
NEEDED_WITHIN = timedelta(days=366)  # a request's needed-by time lies between the event and a year after it


def check_event_time(at: datetime, fmt: Callable[[datetime], str] = str) -> None:
    """An event's report time is not before 2000 (the future is refused separately: ``ReportInFuture``; `fmt`
    writes the time for the message)."""
    if at.replace(tzinfo=None) < EARLIEST_EVENT:
        raise BadEventInput(field="reported_at", value=fmt(at), allowed="event_time")


def check_report_time(at: datetime, event_at: datetime, fmt: Callable[[datetime], str] = str) -> None:
    """A village's report is not more than a day older than the event it belongs to (1800-01-01 was accepted)."""
    if at < event_at - REPORT_BEFORE_EVENT:
        raise BadEventInput(field="reported_at", value=fmt(at), allowed="report_time")


def check_needed_by(
    needed_by: datetime | None, event_at: datetime, fmt: Callable[[datetime], str] = str
) -> None:
    """A request's needed-by time lies between the event and a year after it (1999 and 2300 were approved, and a
    past one became a one-minute deadline in the scenario)."""
    if needed_by is not None and not event_at <= needed_by <= event_at + NEEDED_WITHIN:
        raise BadEventInput(field="needed_by", value=fmt(needed_by), allowed="needed_by")


def check_request_line(qty: int, priority: int) -> None:
    if not 0 < qty <= MAX_QTY:
        raise BadEventInput(field="qty", value=qty, allowed=f"1–{MAX_QTY}")
    if priority not in PRIORITIES:
        raise BadEventInput(field="priority", value=priority, allowed="1/2/3")


def decide(line: RequestLine, decision: str, qty: int | None, reason: str) -> tuple[str, int]:
    """The status and approved quantity of a decision on a submitted line; a line is decided once."""
    if line.status != OPEN_STATUS:
        raise RequestAlreadyDecided(request=line.id, status=line.status, by=line.decided_by)
    if decision not in DECISIONS:
        raise BadEventInput(field="decision", value=decision, allowed="/".join(DECISIONS))
    if len(reason) > MAX_REASON or any(_unprintable(ch) for ch in reason):  # PostgreSQL refused it as a fault
        raise BadEventInput(field="reason", value=_shown(reason), allowed="reason_text")
    if decision == "refused":
        if not reason.strip():
            raise BadEventInput(field="reason", value="", allowed="reason_for_refusal")
        return "refused", 0
    approved = line.qty if qty is None else qty
    if approved <= 0 or approved > line.qty:
        raise BadEventInput(field="approved_qty", value=approved, allowed=f"1..{line.qty}")
    if approved < line.qty and not reason.strip():
        raise BadEventInput(field="reason", value="", allowed="reason_for_partial")
    return ("approved" if approved == line.qty else "partly"), approved


def latest_per_village(reports: Iterable[ReportRecord]) -> dict[str, ReportRecord]:
    """The current figures of each village: its latest report (a follow-up supersedes the earlier ones)."""
    out: dict[str, ReportRecord] = {}
    for r in sorted(reports, key=lambda r: (r.reported_at, r.id)):
        out[r.village] = r
    return out


def event_demand(
    latest: Mapping[str, ReportRecord],
    approved: Sequence[RequestLine],
    norms: Sequence[Norm],
    sustain_days: int,
    shelters: frozenset[str] = frozenset(),
) -> dict[tuple[str, str], int]:
    """(place, item) → quantity, one figure per place and item, the most explicit one counting:
    1. the norm estimate: per village, affected persons × norm ÷ 100 (rounded up) × days for daily norms;
    2. a need line of the village's latest report (`--need ITEM=QTY`, 急需) replaces the estimate of its item;
    3. approved request lines (their approved quantities, summed per destination and item) replace both: the
       dispatcher's decision holds, so approving 1 800 of 3 600 plans 1 800 even where the norm says more.
    A figure replaces, never adds (the three cover the same people), so no village is counted twice."""
    out: dict[tuple[str, str], int] = {}
    for village, r in latest.items():
        for n in norms:
            if n.priority_only and village not in shelters:
                continue
            days = sustain_days if n.per_day else 1
            qty = math.ceil(r.affected * n.units_per_100 / 100) * days
            if qty > 0:
                out[(village, n.item_code)] = qty
        for item, qty in r.needs:
            out[(village, item)] = qty
    requested: dict[tuple[str, str], int] = {}
    for line in approved:
        key = (line.destination, line.item_code)
        requested[key] = requested.get(key, 0) + (line.approved_qty or 0)
    out.update(requested)
    return {key: qty for key, qty in out.items() if qty > 0}


def deliver_requests(
    lines: Sequence[RequestLine], received: Mapping[tuple[str, str], int]
) -> dict[int, tuple[int, str]]:
    """签收 of an order, traced back to the request lines its scenario planned: the quantity received at a
    (destination, item) goes to that place's lines of the item, most urgent first (priority, needed-by, id), up
    to what each still lacks of its approved quantity. Returns request id → (delivered so far, status):
    `delivered` once the approved quantity arrived, `part_delivered` while short, `planned` while nothing came.
    Lines at places and items the order did not serve are left out."""
    out: dict[int, tuple[int, str]] = {}
    far = datetime.max.replace(tzinfo=UTC)
    for (place, item), qty in sorted(received.items()):
        mine = [r for r in lines if r.destination == place and r.item_code == item]
        for r in sorted(mine, key=lambda r: (r.priority, r.needed_by or far, r.id)):
            had = r.delivered_qty or 0
            take = max(0, min(qty, (r.approved_qty or 0) - had))
            qty -= take
            got = had + take
            status = "delivered" if got >= (r.approved_qty or 0) else ("part_delivered" if got else "planned")
            out[r.id] = (got, status)
    return out


def _unprintable(ch: str) -> bool:
    """A control or format character (a right-to-left override, a zero-width space): not shown, yet stored."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")


def _shown(text: str) -> str:
    """A refused value as a message shows it: control characters escaped, at most 40 characters."""
    shown = "".join(ch if not _unprintable(ch) else repr(ch)[1:-1] for ch in text)
    return shown if len(shown) <= 40 else shown[:39] + "…"
