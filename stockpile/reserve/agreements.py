"""协议储备 / 产能储备 / 协议运力: agreement contracts, their checks, call-offs and what is available by when.

Counting rule (documented for the gap report): on ``as_of`` a contract line counts
``min(agreed, verified)`` where ``verified`` is that item's quantity in the **last** check on or before
``as_of``, provided the contract is valid (``valid_from <= as_of <= valid_to``) and that check is at most
``check_every_days`` old. Otherwise the line counts 0: an unchecked promise is not stock.

Compensation (调用补偿) = qty × price_fen × rate_num / rate_den, in integer fen, rounded half up.
Times for capacity and transport are integer seconds from activation (the call-off order).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

EXPIRY_WARNING_DAYS = 90
DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class AgreementLine:
    """One item of a contract: agreed quantity and unit price (fen)."""

    item_code: str
    agreed_qty: int
    price_fen: int


@dataclass(frozen=True, slots=True)
class Verification:
    """A check (核查) of the holder's stock: verified quantity per item code."""

    checked_on: date
    inspector: str
    verified: tuple[tuple[str, int], ...]

    def qty(self, item_code: str) -> int:
        return sum(q for code, q in self.verified if code == item_code)


@dataclass(frozen=True, slots=True)
class AgreementContract:
    """应急物资储备协议 with a holder (supermarket, enterprise)."""

    contract_id: str
    holder: str
    lines: tuple[AgreementLine, ...]
    valid_from: date
    valid_to: date
    call_off_lead_minutes: int
    contact: str
    subsidy_fen: int = 0
    check_every_days: int = 90
    checks: tuple[Verification, ...] = ()

    def __post_init__(self) -> None:
        if self.valid_to < self.valid_from or self.check_every_days <= 0:
            raise ValueError("valid_to before valid_from, or check_every_days <= 0")
        if any(ln.agreed_qty < 0 or ln.price_fen < 0 for ln in self.lines):
            raise ValueError("negative agreed quantity or price")


@dataclass(frozen=True, slots=True)
class AgreementAlert:
    """``code``: expired, not_yet_valid, expiring_soon, check_overdue, verified_below_agreed."""

    code: str
    contract_id: str
    item_code: str | None
    detail: str


def is_valid(c: AgreementContract, as_of: date) -> bool:
    return c.valid_from <= as_of <= c.valid_to


def last_check(c: AgreementContract, as_of: date) -> Verification | None:
    """The latest check on or before ``as_of``."""
    done = [v for v in c.checks if v.checked_on <= as_of]
    return max(done, key=lambda v: v.checked_on) if done else None


def check_is_current(c: AgreementContract, as_of: date) -> bool:
    last = last_check(c, as_of)
    return last is not None and (as_of - last.checked_on).days <= c.check_every_days


def counted_qty(c: AgreementContract, item_code: str, as_of: date) -> int:
    """Quantity of ``item_code`` that counts towards the standard on ``as_of`` (module rule)."""
    last = last_check(c, as_of)
    if not is_valid(c, as_of) or last is None or not check_is_current(c, as_of):
        return 0
    agreed = sum(ln.agreed_qty for ln in c.lines if ln.item_code == item_code)
    return min(agreed, last.qty(item_code))


def counted_by_item(contracts: Iterable[AgreementContract], as_of: date) -> dict[str, int]:
    """Counted agreement quantity per item over all contracts."""
    out: dict[str, int] = {}
    for c in contracts:
        for code in {ln.item_code for ln in c.lines}:
            out[code] = out.get(code, 0) + counted_qty(c, code, as_of)
    return out


def alerts(c: AgreementContract, as_of: date) -> list[AgreementAlert]:
    """Everything a planner must act on for one contract on ``as_of``."""
    out: list[AgreementAlert] = []
    cid = c.contract_id
    if as_of > c.valid_to:
        out.append(AgreementAlert("expired", cid, None, f"valid to {c.valid_to}"))
        return out
    if as_of < c.valid_from:
        out.append(AgreementAlert("not_yet_valid", cid, None, f"valid from {c.valid_from}"))
    if (c.valid_to - as_of).days <= EXPIRY_WARNING_DAYS:
        out.append(AgreementAlert("expiring_soon", cid, None, f"{(c.valid_to - as_of).days} days left"))
    last = last_check(c, as_of)
    if not check_is_current(c, as_of):
        since = "never checked" if last is None else f"last check {last.checked_on}"
        out.append(AgreementAlert("check_overdue", cid, None, f"{since}; every {c.check_every_days} days"))
    if last is not None:
        for ln in c.lines:
            if last.qty(ln.item_code) < ln.agreed_qty:
                got = last.qty(ln.item_code)
                out.append(
                    AgreementAlert("verified_below_agreed", cid, ln.item_code, f"{got} < {ln.agreed_qty}")
                )
    return out


@dataclass(frozen=True, slots=True)
class CallOff:
    """调用: units drawn from a contract line, compensated at ``rate_num / rate_den`` of the price."""

    contract_id: str
    item_code: str
    qty: int
    called_on: date
    rate_num: int = 1
    rate_den: int = 1


def compensation_fen(c: AgreementContract, call: CallOff) -> int:
    """调用补偿 = qty × price × rate, integer fen, rounded half up (never float)."""
    if call.contract_id != c.contract_id or call.qty < 0 or call.rate_num < 0 or call.rate_den <= 0:
        raise ValueError("call-off does not match the contract or has a bad quantity/rate")
    line = next((ln for ln in c.lines if ln.item_code == call.item_code), None)
    if line is None:
        raise ValueError(f"{call.item_code} is not in contract {c.contract_id}")
    num = call.qty * line.price_fen * call.rate_num
    return (2 * num + call.rate_den) // (2 * call.rate_den)


@dataclass(frozen=True, slots=True)
class CapacityReserve:
    """产能储备: a producer delivers ``units_per_day`` after ``activation_lead_s``, up to ``max_units``."""

    holder: str
    item_code: str
    units_per_day: int
    activation_lead_s: int
    max_units: int | None = None

    def available_by(self, t_s: int) -> int:
        """Units produced by ``t_s`` seconds after activation (whole units, rounded down)."""
        if t_s <= self.activation_lead_s:
            return 0
        made = self.units_per_day * (t_s - self.activation_lead_s) // DAY_S
        return made if self.max_units is None else min(made, self.max_units)


@dataclass(frozen=True, slots=True)
class ContractedVehicle:
    """协议运力: a vehicle under a transport agreement, ready ``activation_delay_s`` after the call."""

    vehicle_id: str
    holder: str
    capacity_g: int
    capacity_cm3: int
    activation_delay_s: int


def vehicles_available_by(vehicles: Iterable[ContractedVehicle], t_s: int) -> list[ContractedVehicle]:
    """Vehicles ready by ``t_s`` seconds after the call, earliest first."""
    return sorted(
        (v for v in vehicles if v.activation_delay_s <= t_s),
        key=lambda v: (v.activation_delay_s, v.vehicle_id),
    )
