"""Agreement reserves (协议储备): verification checks, call-offs with compensation, alerts, contracted transport."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stockpile.adapters.orm import reserve as r
from stockpile.adapters.repos.reserve import ReserveUnitOfWork
from stockpile.domain.errors import ExistsWithDifferent
from stockpile.planning import agreements as planning
from stockpile.planning.commands import CallOffCmd, VerifyCmd
from stockpile.reserve.planning_errors import (
    CallOffExceedsAgreement,
    NegativeQuantity,
    PeriodReversed,
    UnknownContract,
)
from stockpile.reserve.records import TransportReserve
from tests.conftest import NOW
from tests.support.reserve import CFG, CONTRACT, add_contract

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

TODAY = NOW.date()


@pytest.fixture
def ruow(engine, world):
    add_contract(engine, world, date(2026, 1, 1), date(2026, 12, 31))
    return lambda: ReserveUnitOfWork(engine)


def _verify(w, qty: int, on: date = TODAY, cid: uuid.UUID | None = None) -> VerifyCmd:
    return VerifyCmd(cid or uuid.uuid4(), "plan", CONTRACT, on, "刘科长", ((w.water, qty),))


def _contract(ruow):
    with ruow() as uow:
        return uow.reserve.contract(CONTRACT)


def test_verification_records_inspector_date_and_quantity_and_moves_the_last_check(ruow, world):
    """A 核查 stores checked-on, inspector and verified qty per line; the line's last verified values follow."""
    planning.record_verification(_verify(world, 800), ruow(), TODAY, NOW)
    c = _contract(ruow)
    assert (c.lines[0].last_verified_on, c.lines[0].last_verified_qty) == (TODAY, 800)
    with ruow() as uow:
        [chk] = uow.reserve.checks(CONTRACT)
    assert chk.inspector == "刘科长" and chk.verified == ((c.lines[0].line_id, 800),)


def test_an_older_check_never_overrides_a_newer_one(ruow, world):
    """Recording a check dated before the last one keeps the newer figures."""
    planning.record_verification(_verify(world, 900), ruow(), TODAY, NOW)
    planning.record_verification(_verify(world, 100, TODAY - timedelta(days=30)), ruow(), TODAY, NOW)
    assert _contract(ruow).lines[0].last_verified_qty == 900


def test_same_client_id_replays_and_other_payload_is_refused(ruow, world):
    """A retried submit returns the first check; the same id with another quantity is refused."""
    cid = uuid.uuid4()
    first = planning.record_verification(_verify(world, 700, cid=cid), ruow(), TODAY, NOW)
    assert planning.record_verification(_verify(world, 700, cid=cid), ruow(), TODAY, NOW) == first
    with pytest.raises(ExistsWithDifferent):
        planning.record_verification(_verify(world, 701, cid=cid), ruow(), TODAY, NOW)


def test_negative_verified_quantity_is_refused_and_nothing_written(ruow, world, engine):
    """Negative quantities are a clear error; no check row appears."""
    with pytest.raises(NegativeQuantity):
        planning.record_verification(_verify(world, -5), ruow(), TODAY, NOW)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(r.AgreementCheckRow)) == 0


def test_unknown_contract_is_a_clear_error(ruow, world):
    """Checking a contract that does not exist names it."""
    cmd = VerifyCmd(uuid.uuid4(), "plan", "NOPE", TODAY, "x", ((world.water, 1),))
    with pytest.raises(UnknownContract) as e:
        planning.record_verification(cmd, ruow(), TODAY, NOW)
    assert e.value.params == {"contract_code": "NOPE"}


def test_only_valid_verified_agreement_quantity_counts(ruow, world):
    """Unverified counts 0; verified counts min(agreed, verified); outside validity counts 0."""
    c = _contract(ruow)
    assert planning.counted_agreement(c, c.lines[0], TODAY, []) == 0
    planning.record_verification(_verify(world, 600), ruow(), TODAY, NOW)
    c = _contract(ruow)
    assert planning.counted_agreement(c, c.lines[0], TODAY, []) == 600
    assert planning.counted_agreement(c, c.lines[0], date(2027, 1, 1), []) == 0


def test_a_check_older_than_the_interval_no_longer_counts(ruow, world):
    """Verified stock counts only while the check is current (last check + interval ≥ today)."""
    planning.record_verification(_verify(world, 600), ruow(), TODAY, NOW)
    c = _contract(ruow)
    assert planning.counted_agreement(c, c.lines[0], TODAY + timedelta(days=90), [], 90) == 600
    assert planning.counted_agreement(c, c.lines[0], TODAY + timedelta(days=91), [], 90) == 0


def test_call_off_owes_compensation_and_reduces_counted_until_the_next_check(ruow, world):
    """调用 of 200 at 150 fen owes 30 000 fen; counted drops by 200 until a new check."""
    planning.record_verification(_verify(world, 1000), ruow(), TODAY, NOW)
    cmd = CallOffCmd(uuid.uuid4(), "disp", CONTRACT, world.water, 200, NOW, "汛期")
    rec = planning.call_off(cmd, ruow(), CFG, NOW)
    assert rec.compensation_fen == 200 * 150
    with ruow() as uow:
        calloffs = uow.reserve.calloffs()
    c = _contract(ruow)
    assert planning.counted_agreement(c, c.lines[0], TODAY, calloffs) == 800


def test_call_off_beyond_the_counted_quantity_is_refused(ruow, world):
    """One cannot call off more than the valid, verified agreement quantity."""
    planning.record_verification(_verify(world, 300), ruow(), TODAY, NOW)
    with pytest.raises(CallOffExceedsAgreement) as e:
        planning.call_off(CallOffCmd(uuid.uuid4(), "disp", CONTRACT, world.water, 301, NOW), ruow(), CFG, NOW)
    assert e.value.params["available"] == 300


def test_alerts_name_overdue_checks_expiring_contracts_and_short_verifications(ruow, world):
    """Never checked → overdue; valid_to within 90 days → expiring; verified < agreed → short."""
    late = TODAY.replace(month=11, day=1)
    alerts = planning.agreement_alerts([_contract(ruow)], CFG, late)
    assert {a.kind for a in alerts} == {"check_overdue", "contract_expiring"}
    planning.record_verification(_verify(world, 900, late), ruow(), late, NOW)
    alerts = planning.agreement_alerts([_contract(ruow)], CFG, late)
    assert {(a.kind, a.detail) for a in alerts} == {("contract_expiring", 60), ("verified_short", 100)}


def test_check_schedule_follows_the_contract_interval(ruow, world):
    """Next check = last check + the contract's interval (overrides the configured default)."""
    planning.record_verification(_verify(world, 1000), ruow(), TODAY, NOW)
    planning.set_check_interval(ruow(), "plan", CONTRACT, 30)
    [row] = planning.check_schedule([_contract(ruow)], CFG, TODAY)
    assert row["next_due"] == TODAY + timedelta(days=30) and row["interval_days"] == 30


def test_contracted_transport_with_to_before_from_is_refused(ruow):
    """协议运力 valid to < valid from: clear error, nothing stored."""
    bad = TransportReserve("YL-1", "物流公司", None, 3, 5000, 20000, 60, date(2026, 6, 1), date(2026, 5, 1))
    with pytest.raises(PeriodReversed):
        planning.save_transport(ruow(), "plan", bad)
    assert planning.fleet_pool(ruow(), TODAY) == []


def test_fleet_pool_lists_transport_valid_on_the_day(ruow):
    """The dispatch fleet pool sees vehicles, capacity and activation delay of valid contracts only."""
    ok = TransportReserve("YL-1", "物流公司", None, 3, 5000, 20000, 60, date(2026, 1, 1), date(2026, 12, 31))
    old = TransportReserve("YL-0", "旧公司", None, 1, 1000, 5000, 30, date(2025, 1, 1), date(2025, 12, 31))
    planning.save_transport(ruow(), "plan", ok)
    planning.save_transport(ruow(), "plan", old)
    assert [t.code for t in planning.fleet_pool(ruow(), TODAY)] == ["YL-1"]
