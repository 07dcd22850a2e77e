"""Reserve-planning use cases, agreement side (协议储备): verification checks (核查), call-offs (调用) with
compensation (调用补偿), the check schedule and its alerts, contracted transport (协议运力).

Rules:
- Only valid, verified agreement quantity counts: min(agreed, last verified) while the contract is valid, minus
  what was called off since that check (the holder must restock; the next check shows it).
- Alerts: a check overdue (never checked, or last check + interval < today), a contract expiring within the
  configured days (90), a line verified below the agreed quantity.
- Compensation = qty × agreed unit price × `compensation_permille` ÷ 1000, rounded half up, in fen.
- Same client id and payload → the first result; same id, other payload → ExistsWithDifferent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from stockpile.domain.errors import ExistsWithDifferent, InvalidCommand, UnknownItem, UnknownSite
from stockpile.planning.commands import CallOffCmd, VerifyCmd
from stockpile.ports.uow import AbstractReserveUnitOfWork
from stockpile.reserve import agreements as rules
from stockpile.reserve.planning_errors import (
    CallOffExceedsAgreement,
    CheckInFuture,
    ContractNotValid,
    NegativeQuantity,
    PeriodReversed,
    UnknownContract,
    UnknownContractLine,
)
from stockpile.reserve.records import (
    CallOffRecord,
    CheckRecord,
    Contract,
    ContractLine,
    PlanningConfig,
    TransportReserve,
)
from stockpile.trust import authz


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # check_overdue | contract_expiring | verified_short | contract_expired
    contract_code: str
    holder_name: str
    item_code: str
    due_on: date | None
    detail: int  # days overdue / days left / shortfall units


def _contract(uow: AbstractReserveUnitOfWork, code: str) -> Contract:
    c: Contract | None = uow.reserve.contract(code)
    if c is None:
        raise UnknownContract(contract_code=code)
    return c


def _line(c: Contract, item_code: str) -> ContractLine:
    ln = next((x for x in c.lines if x.item_code == item_code), None)
    if ln is None:
        raise UnknownContractLine(contract_code=c.code, item_code=item_code)
    return ln


def record_verification(
    cmd: VerifyCmd, uow: AbstractReserveUnitOfWork, today: date, now: datetime
) -> CheckRecord:
    """Record a 核查 (planner, admin): checked-on date, inspector, verified quantity per line; the line's last
    check moves on."""

    def body() -> CheckRecord:
        if cmd.checked_on > today:
            raise CheckInFuture(checked_on=cmd.checked_on.isoformat())
        if not cmd.inspector.strip():
            raise InvalidCommand(reason="inspector")
        for code, qty in cmd.verified:
            if qty < 0:
                raise NegativeQuantity(item_code=code, qty=qty)
        c = _contract(uow, cmd.contract_code)
        rec = CheckRecord(
            cmd.client_id,
            c.code,
            cmd.checked_on,
            cmd.inspector.strip(),
            cmd.remark,
            tuple(sorted((_line(c, code).line_id, qty) for code, qty in cmd.verified)),
        )
        old = uow.reserve.check(cmd.client_id)
        if old is not None:
            if old != rec:
                raise ExistsWithDifferent(field="verified")
            return old
        uow.reserve.add_check(rec, c.id, cmd.actor, now)
        return rec

    return authz.write_as(uow, cmd.actor, "verify_agreement", body, now, cmd.contract_code, cmd.client_id)


def called_since_check(calloffs: list[CallOffRecord], contract_code: str, line: ContractLine) -> int:
    """Units called off a line on or after its last verification (all of them if never verified)."""
    since = line.last_verified_on
    return sum(
        x.qty
        for x in calloffs
        if x.contract_code == contract_code
        and x.line_id == line.line_id
        and (since is None or x.called_at.date() >= since)
    )


def line_contract(c: Contract, line: ContractLine, default_interval: int) -> rules.AgreementContract:
    """One DB contract line as the pure rule's contract: its own last verification is the check."""
    checks: tuple[rules.Verification, ...] = ()
    if line.last_verified_on is not None and line.last_verified_qty is not None:
        checks = (rules.Verification(line.last_verified_on, "", ((line.item_code, line.last_verified_qty),)),)
    return rules.AgreementContract(
        c.code,
        c.holder_name,
        (rules.AgreementLine(line.item_code, line.agreed_qty, line.price_fen),),
        c.valid_from,
        c.valid_to,
        c.lead_time_minutes,
        c.contact,
        c.subsidy_fen,
        c.check_interval_days or default_interval,
        checks,
    )


def counted_agreement(
    c: Contract, line: ContractLine, on: date, calloffs: list[CallOffRecord], default_interval: int = 90
) -> int:
    """Only valid, verified agreement quantity counts (`reserve.agreements.counted_qty`: valid contract and a
    current check), minus what was called off since that check."""
    counted = rules.counted_qty(line_contract(c, line, default_interval), line.item_code, on)
    return max(0, counted - called_since_check(calloffs, c.code, line))


def call_off(
    cmd: CallOffCmd, uow: AbstractReserveUnitOfWork, cfg: PlanningConfig, now: datetime
) -> CallOffRecord:
    """调用 (dispatcher, admin): at most the counted quantity of the line; compensation from the agreed
    price."""

    def body() -> CallOffRecord:
        if cmd.qty <= 0:
            raise NegativeQuantity(item_code=cmd.item_code, qty=cmd.qty)
        c = _contract(uow, cmd.contract_code)
        ln = _line(c, cmd.item_code)
        old = uow.reserve.calloff(cmd.client_id)
        if old is not None:
            if (old.contract_code, old.item_code, old.qty) != (c.code, cmd.item_code, cmd.qty):
                raise ExistsWithDifferent(field="qty")
            return old
        on = cmd.called_at.date()
        if not c.is_valid_on(on):
            raise ContractNotValid(contract_code=c.code, valid_to=c.valid_to.isoformat())
        available = counted_agreement(c, ln, on, uow.reserve.calloffs(), cfg.check_interval_days)
        if cmd.qty > available:
            raise CallOffExceedsAgreement(requested=cmd.qty, available=available)
        to_site = None
        if cmd.to_site_code:
            to_site = next((s.id for s in uow.reserve.sites() if s.code == cmd.to_site_code), None)
            if to_site is None:
                raise UnknownSite(site_code=cmd.to_site_code)
        call = rules.CallOff(c.code, cmd.item_code, cmd.qty, on, cfg.compensation_permille, 1000)
        comp = rules.compensation_fen(line_contract(c, ln, cfg.check_interval_days), call)
        rec = CallOffRecord(
            cmd.client_id,
            c.code,
            ln.line_id,
            cmd.item_code,
            cmd.qty,
            cmd.called_at,
            ln.price_fen,
            comp,
            cmd.event_tag,
        )
        uow.reserve.add_calloff(rec, c.id, to_site, cmd.actor, now)
        return rec

    return authz.write_as(uow, cmd.actor, "call_off_agreement", body, now, cmd.contract_code, cmd.client_id)


def set_check_interval(
    uow: AbstractReserveUnitOfWork, actor: str, contract_code: str, days: int, now: datetime | None = None
) -> None:
    """The check schedule of one contract (核查周期, days; planner, admin)."""

    def body() -> None:
        if days <= 0:
            raise NegativeQuantity(item_code="", qty=days)
        uow.reserve.set_check_interval(_contract(uow, contract_code).id, days)

    authz.write_as(uow, actor, "manage_reserve_plan", body, now, contract_code)


def next_check_due(c: Contract, cfg: PlanningConfig) -> date:
    """Last check of the contract + its interval; never checked → due from the contract start."""
    interval = c.check_interval_days or cfg.check_interval_days
    checked = [x.last_verified_on for x in c.lines if x.last_verified_on is not None]
    if len(checked) < len(c.lines) or not checked:
        return c.valid_from
    return min(checked) + timedelta(days=interval)


def agreement_alerts(contracts: list[Contract], cfg: PlanningConfig, today: date) -> list[Alert]:
    """Overdue checks, contracts expiring within `expiring_contract_days`, lines verified below agreed."""
    out: list[Alert] = []
    for c in contracts:
        if c.valid_to < today:
            out.append(
                Alert("contract_expired", c.code, c.holder_name, "", c.valid_to, (today - c.valid_to).days)
            )
            continue
        due = next_check_due(c, cfg)
        if due < today and c.valid_from <= today:
            out.append(Alert("check_overdue", c.code, c.holder_name, "", due, (today - due).days))
        left = (c.valid_to - today).days
        if left <= cfg.expiring_contract_days:
            out.append(Alert("contract_expiring", c.code, c.holder_name, "", c.valid_to, left))
        for ln in c.lines:
            if ln.last_verified_qty is not None and ln.last_verified_qty < ln.agreed_qty:
                short = ln.agreed_qty - ln.last_verified_qty
                out.append(
                    Alert("verified_short", c.code, c.holder_name, ln.item_code, ln.last_verified_on, short)
                )
    return out


def check_schedule(contracts: list[Contract], cfg: PlanningConfig, today: date) -> list[dict[str, Any]]:
    """One row per contract: last check, interval, next due, days until due (negative = overdue)."""
    rows = []
    for c in contracts:
        due = next_check_due(c, cfg)
        checked = [x.last_verified_on for x in c.lines if x.last_verified_on is not None]
        rows.append(
            {
                "contract_code": c.code,
                "holder_name": c.holder_name,
                "valid_from": c.valid_from,
                "valid_to": c.valid_to,
                "interval_days": c.check_interval_days or cfg.check_interval_days,
                "last_checked_on": max(checked) if checked else None,
                "next_due": due,
                "days_to_due": (due - today).days,
            }
        )
    return rows


def validate_transport(tr: TransportReserve) -> None:
    """协议运力 validity: to ≥ from, positive vehicles and capacities, non-negative activation delay."""
    if tr.valid_to < tr.valid_from:
        raise PeriodReversed(valid_from=tr.valid_from.isoformat(), valid_to=tr.valid_to.isoformat())
    for name in ("vehicles", "capacity_kg", "capacity_dm3", "activation_minutes"):
        v = getattr(tr, name)
        if v < 0 or (v == 0 and name != "activation_minutes"):
            raise NegativeQuantity(item_code=name, qty=v)


def save_transport(
    uow: AbstractReserveUnitOfWork, actor: str, tr: TransportReserve, now: datetime | None = None
) -> None:
    """Add a 协议运力 record (planner, admin)."""

    def body() -> None:
        validate_transport(tr)
        uow.reserve.add_transport(tr)

    authz.write_as(uow, actor, "manage_reserve_plan", body, now, "transport")


def fleet_pool(uow: AbstractReserveUnitOfWork, on: date) -> list[TransportReserve]:
    """协议运力 valid on `on`, for the dispatch optimizer's fleet pool (vehicles, capacity, activation delay)."""
    with uow:
        return [t for t in uow.reserve.transports() if t.valid_from <= on <= t.valid_to]


def item_code_or_raise(uow: AbstractReserveUnitOfWork, code: str) -> None:
    if code not in {i.code for i in uow.reserve.items()}:
        raise UnknownItem(item_code=code)
