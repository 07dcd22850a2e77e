"""The 征用 (requisition) and 捐赠 (donation) registers of an event: the rules, pure Python.

征用: goods or vehicles taken from a company or person for the relief (owner, what, condition, when taken, when
returned or consumed). Requisitioned goods enter stock as lots with source "requisitioned"; vehicles join the
fleet while the event lasts. The county owes compensation (补偿) by a rule it configures: market price × quantity
× a per-mille factor for goods, a daily rate × days held (a started day counts) for vehicles; money in 分.

捐赠: a donor's goods are checked at acceptance (验收): an expired lot or a failed inspection is refused — recorded
as refused, never stocked; accepted goods become lots with source "donated" and the donor's name. Each use (issued
to a village of an event) is recorded against the donation, so the public list shows what came in and where it
went — without the donor's contact or a private donor's name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from stockpile.domain.errors import DomainError
from stockpile.domain.events import EventRecord

REQUISITION_KINDS = ("goods", "vehicle")
DONOR_KINDS = ("organisation", "person")  # a person's name is personal data: never on the public list
DONATION_STATUS = ("accepted", "refused")
REFUSAL_REASONS = ("expired", "inspection_failed")


class BadRegisterInput(DomainError):
    """A field outside its allowed values; `field`, `value` and `allowed` say which."""

    code = "bad_register_input"


class UnknownRequisition(DomainError):
    code = "unknown_requisition"


class UnknownDonation(DomainError):
    code = "unknown_donation"


class RequisitionClosed(DomainError):
    """Returned or consumed already: a line is closed once."""

    code = "requisition_closed"


class RequisitionNotReceivable(DomainError):
    """Only goods not yet received enter stock (a vehicle joins the fleet instead)."""

    code = "requisition_not_receivable"


class RequisitionNotReturnable(DomainError):
    """Only requisitioned goods can go back out of stock, and only goods that were received into it; goods in
    stock go back through the depot's issue (`return_goods`), never by a mark alone."""

    code = "requisition_not_returnable"


class DonationRefused(DomainError):
    """A refused donation was never stocked, so nothing of it can be used."""

    code = "donation_refused"


class DonationOverused(DomainError):
    code = "donation_overused"


@dataclass(frozen=True, slots=True)
class CompensationRule:
    """补偿 rule (stockpile/resources/event_registers.toml): goods at market price × qty × price_permille ÷ 1000;
    vehicles at their daily rate (or `vehicle_daily_rate_fen` when none was agreed) × days held, a started day
    counting as one and at least `min_days`."""

    price_permille: int = 1000
    vehicle_daily_rate_fen: int = 80_000
    min_days: int = 1


@dataclass(frozen=True, slots=True)
class Requisition:
    id: int
    event_code: str
    kind: str  # goods | vehicle
    owner: str
    owner_contact: str
    item_code: str  # goods only
    qty: int  # goods: base units; vehicle: 1
    description: str  # what was taken, in words (a vehicle: make and type)
    condition: str  # 状况 when taken
    taken_at: datetime
    price_fen: int = 0  # goods: market price per base unit
    daily_rate_fen: int = 0  # vehicle: agreed daily rate (0 = the rule's default)
    plate: str = ""
    capacity_kg: int = 0
    capacity_dm3: int = 0
    home_site: str = ""  # a vehicle's depot while it serves; goods: the depot that received them
    lot_no: str = ""
    vehicle_code: str = ""
    received_at: datetime | None = None
    returned_at: datetime | None = None
    consumed_at: datetime | None = None
    returned_qty: int = 0  # goods handed back to the owner unused; the rest was consumed

    @property
    def consumed_qty(self) -> int:
        return max(0, self.qty - self.returned_qty)


@dataclass(frozen=True, slots=True)
class Donation:
    id: int
    event_code: str  # "" when not given for one event
    donor: str
    donor_kind: str  # organisation | person
    donor_contact: str
    item_code: str
    qty: int
    lot_no: str
    expiry: date | None
    site_code: str
    status: str  # accepted | refused
    reason: str  # why refused
    received_at: datetime


@dataclass(frozen=True, slots=True)
class DonationUse:
    donation_id: int
    event_code: str
    village: str
    qty: int
    used_at: datetime


@dataclass(frozen=True, slots=True)
class Owed:
    """One line of the compensation list: what was taken from whom and what the county owes for it."""

    requisition: Requisition
    basis: str  # goods: qty×price (分); vehicle: days×daily rate (分)
    owed_fen: int


@dataclass(frozen=True, slots=True)
class PublicDonation:
    """A line of the public list: what came in, when, from whom (an organisation's name; a private donor is not
    named), how much was used and where (village names)."""

    received_on: str
    donor: str
    item_code: str
    qty: int
    used: int
    used_for: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Publication:
    """An event's information publication as figures (codes and numbers; names are looked up in `areas` and
    `items`); it holds no person."""

    event: EventRecord
    at: datetime
    people: list[tuple[str, int, int, int, int]]  # township, villages, affected, relocated, damaged houses
    demand: list[tuple[str, str, int, int]]  # township, item, requested, approved
    production: list[tuple[str, str, int]]  # agreement | capacity, item, qty
    storage: list[tuple[str, str, int]]  # area (township or county), item, on hand
    transport: list[tuple[str, int, int]]  # item, delivered, pending
    areas: dict[str, str]  # area code → name
    items: dict[str, tuple[str, str, str]]  # item code → (name zh, name en, unit)


def check_requisition(r: Requisition) -> None:
    """A requisition names its owner, is goods (an item, qty > 0, a price ≥ 0) or a vehicle (capacities > 0, a
    depot to serve from), and money is never negative."""
    if r.kind not in REQUISITION_KINDS:
        raise BadRegisterInput(field="kind", value=r.kind, allowed="/".join(REQUISITION_KINDS))
    if not r.owner.strip():
        raise BadRegisterInput(field="owner", value="", allowed="the owner's name")
    for name, value in (("price_fen", r.price_fen), ("daily_rate_fen", r.daily_rate_fen)):
        if value < 0:
            raise BadRegisterInput(field=name, value=value, allowed=">= 0")
    if r.kind == "goods":
        if not r.item_code:
            raise BadRegisterInput(field="item", value="", allowed="an item code")
        if r.qty <= 0:
            raise BadRegisterInput(field="qty", value=r.qty, allowed="> 0")
        return
    for name, value in (("capacity_kg", r.capacity_kg), ("capacity_dm3", r.capacity_dm3)):
        if value <= 0:
            raise BadRegisterInput(field=name, value=value, allowed="> 0")
    if not r.home_site:
        raise BadRegisterInput(field="site", value="", allowed="the depot the vehicle serves from")


def days_held(taken: datetime, until: datetime, min_days: int = 1) -> int:
    """Whole days a vehicle was held: a started day counts as one."""
    seconds = max(0.0, (until - taken).total_seconds())
    return max(min_days, math.ceil(seconds / 86_400))


def compensation_fen(r: Requisition, rule: CompensationRule, now: datetime) -> tuple[int, str]:
    """What the county owes for one requisition line, in 分, and how it was reckoned (`basis`, in figures: goods
    `qty×price`, vehicles `days×rate`). A vehicle still held is reckoned up to `now`."""
    if r.kind == "goods":  # only what was consumed: goods returned unused cost the county nothing
        owed = (r.consumed_qty * r.price_fen * rule.price_permille + 500) // 1000
        return owed, f"{r.consumed_qty}×{r.price_fen}"
    rate = r.daily_rate_fen or rule.vehicle_daily_rate_fen
    days = days_held(r.taken_at, r.returned_at or now, rule.min_days)
    return days * rate, f"{days}×{rate}"


def check_return(r: Requisition, at: datetime) -> None:
    """A line is returned or consumed once, not before it was taken."""
    if r.returned_at is not None or r.consumed_at is not None:
        raise RequisitionClosed(id=r.id)
    if at < r.taken_at:
        raise BadRegisterInput(field="returned_at", value=at.isoformat(), allowed=">= taken_at")


def check_goods_return(r: Requisition, qty: int, at: datetime) -> None:
    """Received goods, still open, 0 < qty ≤ what was requisitioned (the ledger checks what is left of the lot)."""
    if r.kind != "goods" or r.received_at is None:
        raise RequisitionNotReturnable(id=r.id)
    check_return(r, at)
    if not 0 < qty <= r.qty:
        raise BadRegisterInput(field="qty", value=qty, allowed=f"1–{r.qty}")


def check_donation(d: Donation) -> None:
    """The fields a donation needs before its acceptance check."""
    if not d.donor.strip():
        raise BadRegisterInput(field="donor", value="", allowed="the donor's name")
    if d.donor_kind not in DONOR_KINDS:
        raise BadRegisterInput(field="donor_kind", value=d.donor_kind, allowed="/".join(DONOR_KINDS))
    if d.qty <= 0:
        raise BadRegisterInput(field="qty", value=d.qty, allowed="> 0")
    if not d.lot_no.strip():
        raise BadRegisterInput(field="lot", value="", allowed="a lot number")


def acceptance(d: Donation, inspection_passed: bool, on: date) -> str:
    """验收: "" when the goods may be stocked, else the refusal reason (expired on or before `on`, or failed)."""
    if d.expiry is not None and d.expiry <= on:
        return "expired"
    if not inspection_passed:
        return "inspection_failed"
    return ""


def check_use(d: Donation, used: int, qty: int) -> None:
    """A use of an accepted donation, for no more than is left of it."""
    if d.status != "accepted":
        raise DonationRefused(id=d.id)
    if qty <= 0:
        raise BadRegisterInput(field="qty", value=qty, allowed="> 0")
    if used + qty > d.qty:
        raise DonationOverused(id=d.id, qty=qty, left=d.qty - used)


def public_donor(d: Donation, anonymous: str) -> str:
    """An organisation's name is public; a private donor is shown as `anonymous` (personal data, seeds 000:296)."""
    return d.donor if d.donor_kind == "organisation" else anonymous
