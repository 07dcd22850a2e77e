"""协议储备 rules: counting, alerts, compensation, capacity and contracted transport."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpile.reserve.agreements import (
    AgreementContract,
    AgreementLine,
    CallOff,
    CapacityReserve,
    ContractedVehicle,
    Verification,
    alerts,
    compensation_fen,
    counted_by_item,
    counted_qty,
    vehicles_available_by,
)

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)


def contract(*checks: Verification, valid_to: date = date(2025, 12, 31)) -> AgreementContract:
    return AgreementContract(
        "C1", "县城超市", (AgreementLine("water", 100, 250), AgreementLine("noodles", 50, 480)),
        date(2025, 1, 1), valid_to, 120, "张三 13800000000", subsidy_fen=500_000, check_every_days=90,
        checks=checks,
    )  # fmt: skip


CHECK = Verification(date(2025, 3, 1), "李四", (("water", 80), ("noodles", 60)))


def test_only_valid_verified_agreement_quantity_counts() -> None:
    """A line counts min(agreed, last verified) while the contract is valid and the check is current."""
    c = contract(CHECK)
    assert counted_qty(c, "water", date(2025, 4, 1)) == 80  # verified below agreed
    assert counted_qty(c, "noodles", date(2025, 4, 1)) == 50  # verified above agreed
    assert counted_qty(c, "water", date(2025, 2, 1)) == 0  # before the first check
    assert counted_qty(c, "water", date(2025, 6, 1)) == 0  # check older than 90 days
    assert counted_qty(contract(CHECK, valid_to=date(2025, 3, 31)), "water", date(2025, 4, 1)) == 0  # expired


def test_latest_check_replaces_earlier_ones() -> None:
    """Only the last check on or before the date counts, even if an earlier one verified more."""
    later = Verification(date(2025, 4, 1), "王五", (("water", 30),))
    c = contract(CHECK, later)
    assert counted_by_item([c], date(2025, 4, 2)) == {"water": 30, "noodles": 0}


def test_alerts_name_overdue_check_expiring_contract_and_short_verification() -> None:
    """Within 90 days of the end, with a stale check that found less than agreed, three alerts fire."""
    codes = {(a.code, a.item_code) for a in alerts(contract(CHECK), date(2025, 10, 15))}
    assert codes == {("expiring_soon", None), ("check_overdue", None), ("verified_below_agreed", "water")}


def test_expired_contract_raises_only_the_expired_alert() -> None:
    """After its end date a contract is reported as expired, nothing else."""
    assert [a.code for a in alerts(contract(CHECK), date(2026, 1, 1))] == ["expired"]


def test_never_checked_contract_is_overdue() -> None:
    """A contract without any check is overdue from day one."""
    assert "check_overdue" in {a.code for a in alerts(contract(), date(2025, 2, 1))}


def test_call_off_compensation_is_integer_fen_rounded_half_up() -> None:
    """7 units × 250 fen × 3/8 = 656.25 → 656 fen; 1 × 5 × 1/2 = 2.5 → 3 fen."""
    c = contract(CHECK)
    assert compensation_fen(c, CallOff("C1", "water", 7, date(2025, 5, 1), 3, 8)) == 656
    small = AgreementContract(
        "C2", "h", (AgreementLine("x", 1, 5),), date(2025, 1, 1), date(2025, 12, 31), 60, "c"
    )
    assert compensation_fen(small, CallOff("C2", "x", 1, date(2025, 5, 1), 1, 2)) == 3
    with pytest.raises(ValueError):
        compensation_fen(c, CallOff("C1", "tent", 1, date(2025, 5, 1)))


@given(st.integers(0, 10_000), st.integers(0, 100_000), st.integers(0, 50), st.integers(1, 50))
def test_compensation_matches_exact_rational_rounding(qty: int, price: int, num: int, den: int) -> None:
    """Compensation equals the exact rational value rounded half up, for any quantity, price and rate."""
    from fractions import Fraction

    c = AgreementContract(
        "C", "h", (AgreementLine("x", 1, price),), date(2025, 1, 1), date(2025, 2, 1), 1, "c"
    )
    exact = Fraction(qty * price * num, den)
    assert compensation_fen(c, CallOff("C", "x", qty, date(2025, 1, 2), num, den)) == int(
        exact + Fraction(1, 2)
    )


def test_capacity_reserve_delivers_nothing_before_activation_then_per_day() -> None:
    """200 units/day after a 12 h lead: 0 at 12 h, 100 at 24 h, capped at 500."""
    cap = CapacityReserve("食品厂", "bread", 200, 12 * 3600, max_units=500)
    assert [cap.available_by(h * 3600) for h in (12, 24, 36, 200)] == [0, 100, 200, 500]


def test_contracted_vehicles_are_listed_by_readiness() -> None:
    """Only vehicles whose activation delay has passed are available, earliest first."""
    vs = [
        ContractedVehicle("v2", "运输公司", 5_000_000, 0, 3600),
        ContractedVehicle("v1", "运输公司", 8_000_000, 0, 1800),
    ]
    assert [v.vehicle_id for v in vehicles_available_by(vs, 3600)] == ["v1", "v2"]
    assert vehicles_available_by(vs, 1000) == []
