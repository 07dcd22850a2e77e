"""The ledger rules through the real use-case functions, on the in-memory unit of work (no database).

Each test drives `stockpile.ledger` use cases with a `FakeUnitOfWork` and checks what they stored, what they
refused, and how often they committed.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from stockpile.domain.errors import (
    AlreadyResolved,
    AlreadyReversed,
    ExistsWithDifferent,
    NegativeLaterBalance,
    OutOfStock,
    PermissionDenied,
)
from stockpile.domain.model import MovementKind, ReservationState
from stockpile.ledger import reservations, stock
from stockpile.ledger.checks import verify_ledger
from stockpile.schemas import (
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReserveCmd,
    ResolveReservationCmd,
    ReverseCmd,
    TransferCmd,
)
from tests.conftest import NOW
from tests.support.fake_uow import FakeUnitOfWork

KEEPER = "KEEPER1"
DISPATCHER = "DISPATCH1"
DEPOT = "DEPOT-A"
OTHER = "DEPOT-B"
TENT = "1010101"


@pytest.fixture
def uow() -> FakeUnitOfWork:
    u = FakeUnitOfWork()
    a = u.add_site(DEPOT)
    b = u.add_site(OTHER)
    u.add_item(TENT)
    u.add_user(KEEPER, "keeper", [a, b])
    u.add_user("STRANGER", "keeper", [b])
    u.add_user(DISPATCHER, "dispatcher")
    return u


def receipt(qty: int, lot: str = "L1", expiry: date = date(2030, 1, 1), **kw: object) -> ReceiptCmd:
    fields: dict[str, object] = {
        "client_id": uuid.uuid4(),
        "actor": KEEPER,
        "occurred_at": NOW - timedelta(days=1),
        "site_code": DEPOT,
        "item_code": TENT,
        "lot_no": lot,
        "qty": qty,
        "expiry": expiry,
    }
    return ReceiptCmd(**{**fields, **kw})


def issue(qty: int, lot: str | None = None, **kw: object) -> IssueCmd:
    fields: dict[str, object] = {
        "client_id": uuid.uuid4(),
        "actor": KEEPER,
        "occurred_at": NOW,
        "site_code": DEPOT,
        "item_code": TENT,
        "qty": qty,
        "lot_no": lot,
    }
    return IssueCmd(**{**fields, **kw})


def on_hand(uow: FakeUnitOfWork, site: str = DEPOT, lot: str | None = None) -> int:
    sid = uow.ledger_state.sites[site].id
    lots = {x.id: x.lot_no for x in uow.ledger_state.lots.values()}
    return sum(
        b.on_hand for (s, lt), b in uow.ledger_state.balances.items() if s == sid and lot in (None, lots[lt])
    )


def test_a_receipt_commits_once_and_stores_one_posting_with_one_leg(uow: FakeUnitOfWork) -> None:
    res = stock.record_receipt(receipt(10), uow, NOW)
    assert uow.commits == 1 and uow.committed
    assert on_hand(uow) == 10
    [move] = uow.ledger_state.movements
    assert (move.kind, move.qty, move.posting_id, move.seq) == (MovementKind.RECEIPT, 10, res.posting_id, 1)
    assert res.movement_seqs == (1,) and not res.replayed
    assert list(uow.ledger_state.postings) == [res.posting_id]
    assert uow.ledger_state.balances[(move.site_id, move.lot_id)].last_occurred_at == NOW - timedelta(days=1)
    assert [e.action for e in uow.auth_state.audit] == ["receive"]
    assert verify_ledger(uow) == []


def test_an_issue_above_the_available_stock_is_refused_and_commits_nothing(uow: FakeUnitOfWork) -> None:
    stock.record_receipt(receipt(5), uow, NOW)
    before = (
        list(uow.ledger_state.movements),
        dict(uow.ledger_state.balances),
        dict(uow.ledger_state.postings),
    )
    with pytest.raises(OutOfStock) as err:
        stock.issue_stock(issue(6), uow, NOW)
    assert err.value.params["available"] == 5 and err.value.params["requested"] == 6
    assert uow.commits == 1 and not uow.committed
    after = (
        list(uow.ledger_state.movements),
        dict(uow.ledger_state.balances),
        dict(uow.ledger_state.postings),
    )
    assert after == before
    assert on_hand(uow) == 5


def test_the_same_command_twice_posts_once_and_answers_the_first_result(uow: FakeUnitOfWork) -> None:
    cmd = receipt(10)
    first = stock.record_receipt(cmd, uow, NOW)
    again = stock.record_receipt(cmd, uow, NOW)
    assert again.replayed and (again.posting_id, again.movement_seqs) == (
        first.posting_id,
        first.movement_seqs,
    )
    assert uow.commits == 1
    assert on_hand(uow) == 10 and len(uow.ledger_state.movements) == 1


def test_the_same_client_id_with_another_quantity_is_refused(uow: FakeUnitOfWork) -> None:
    cmd = receipt(10)
    stock.record_receipt(cmd, uow, NOW)
    with pytest.raises(ExistsWithDifferent) as err:
        stock.record_receipt(cmd.model_copy(update={"qty": 11}), uow, NOW)
    assert err.value.params["field"] == "qty"
    assert on_hand(uow) == 10 and uow.commits == 1


def test_an_issue_takes_the_lot_expiring_first_and_never_an_expired_one(uow: FakeUnitOfWork) -> None:
    early = NOW - timedelta(days=20)
    stock.record_receipt(receipt(4, "OLD", NOW.date() - timedelta(days=5), occurred_at=early), uow, NOW)
    stock.record_receipt(receipt(3, "SOON", date(2027, 1, 1)), uow, NOW)
    stock.record_receipt(receipt(9, "LATE", date(2030, 1, 1)), uow, NOW)
    stock.issue_stock(issue(5), uow, NOW)
    assert (on_hand(uow, lot="OLD"), on_hand(uow, lot="SOON"), on_hand(uow, lot="LATE")) == (4, 0, 7)
    with pytest.raises(OutOfStock):
        stock.issue_stock(issue(8), uow, NOW)  # 7 usable; the expired 4 do not count
    assert verify_ledger(uow) == []


def test_reserved_stock_is_not_issued_and_a_hold_is_resolved_once(uow: FakeUnitOfWork) -> None:
    stock.record_receipt(receipt(10), uow, NOW)
    hold = ReserveCmd(
        client_id=uuid.uuid4(),
        actor=DISPATCHER,
        site_code=DEPOT,
        item_code=TENT,
        lot_no="L1",
        qty=6,
        plan_ref="P1",
    )
    held = reservations.reserve(hold, uow, NOW)
    assert held.state is ReservationState.PENDING
    assert reservations.reserve(hold, uow, NOW) == held  # replay: nothing more is held
    [bal] = uow.ledger_state.balances.values()
    assert (bal.on_hand, bal.reserved) == (10, 6)
    with pytest.raises(OutOfStock):
        stock.issue_stock(issue(5), uow, NOW)
    release = ResolveReservationCmd(
        reservation_id=held.id, actor=DISPATCHER, action="release", occurred_at=NOW
    )
    assert reservations.resolve_reservation(release, uow, NOW) is None
    [bal] = uow.ledger_state.balances.values()
    assert (bal.on_hand, bal.reserved) == (10, 0)
    with pytest.raises(AlreadyResolved):
        reservations.resolve_reservation(release, uow, NOW)
    stock.issue_stock(issue(10), uow, NOW)
    assert on_hand(uow) == 0
    assert verify_ledger(uow) == []


def test_a_transfer_goes_through_transit_and_is_received_once(uow: FakeUnitOfWork) -> None:
    stock.record_receipt(receipt(10), uow, NOW)
    ship = TransferCmd(
        client_id=uuid.uuid4(),
        actor=KEEPER,
        occurred_at=NOW,
        from_site_code=DEPOT,
        to_site_code=OTHER,
        item_code=TENT,
        qty=4,
    )
    shipped = stock.ship_transfer(ship, uow, NOW)
    assert shipped.transfer_id == ship.client_id
    assert (on_hand(uow, DEPOT), on_hand(uow, "TRANSIT"), on_hand(uow, OTHER)) == (6, 4, 0)
    take = ReceiveTransferCmd(
        client_id=uuid.uuid4(), actor=KEEPER, occurred_at=NOW, transfer_id=ship.client_id
    )
    stock.receive_transfer(take, uow, NOW)
    assert (on_hand(uow, DEPOT), on_hand(uow, "TRANSIT"), on_hand(uow, OTHER)) == (6, 0, 4)
    assert uow.ledger_state.transfers[ship.client_id][0].state == "received"
    commits = uow.commits
    with pytest.raises(AlreadyResolved):
        stock.receive_transfer(take.model_copy(update={"client_id": uuid.uuid4()}), uow, NOW)
    assert uow.commits == commits and on_hand(uow, OTHER) == 4
    assert verify_ledger(uow) == []


def test_a_count_posts_the_difference_and_keeps_the_count(uow: FakeUnitOfWork) -> None:
    stock.record_receipt(receipt(10), uow, NOW)
    cmd = CountCmd(
        client_id=uuid.uuid4(),
        actor=KEEPER,
        occurred_at=NOW,
        site_code=DEPOT,
        item_code=TENT,
        lot_no="L1",
        counted=7,
    )
    res = stock.record_count(cmd, uow, NOW)
    assert res.extra == {"adjustment": -3, "system_qty": 10, "superseded": False}
    assert on_hand(uow) == 7
    [count] = uow.ledger_state.counts
    assert (count.posting_id, count.counted, count.system_qty, count.adjustment) == (cmd.client_id, 7, 10, -3)
    assert uow.ledger_state.movements[-1].kind is MovementKind.COUNT_ADJUST


def test_a_reversal_undoes_a_posting_once_and_never_drives_stock_negative(uow: FakeUnitOfWork) -> None:
    first = stock.record_receipt(receipt(10), uow, NOW)
    second = stock.record_receipt(receipt(5, occurred_at=NOW - timedelta(hours=1)), uow, NOW)
    stock.issue_stock(issue(8), uow, NOW)
    undo_first = ReverseCmd(
        client_id=uuid.uuid4(), actor=KEEPER, occurred_at=NOW, posting_id=first.posting_id
    )
    with pytest.raises((OutOfStock, NegativeLaterBalance)):
        stock.reverse_posting(undo_first, uow, NOW)  # 7 left: taking 10 away would go below zero
    assert on_hand(uow) == 7
    undo_second = ReverseCmd(
        client_id=uuid.uuid4(), actor=KEEPER, occurred_at=NOW, posting_id=second.posting_id
    )
    stock.reverse_posting(undo_second, uow, NOW)
    assert on_hand(uow) == 2
    reversal = uow.ledger_state.movements[-1]
    assert (reversal.kind, reversal.qty, reversal.reverses_seq) == (
        MovementKind.REVERSAL,
        -5,
        second.movement_seqs[0],
    )
    with pytest.raises(AlreadyReversed):
        stock.reverse_posting(undo_second.model_copy(update={"client_id": uuid.uuid4()}), uow, NOW)
    assert verify_ledger(uow) == []


def test_a_keeper_of_another_depot_is_refused_and_the_refusal_is_audited(uow: FakeUnitOfWork) -> None:
    with pytest.raises(PermissionDenied):
        stock.record_receipt(receipt(10, actor="STRANGER"), uow, NOW)
    assert on_hand(uow) == 0 and uow.ledger_state.postings == {}
    assert [(e.actor, e.action, e.outcome) for e in uow.auth_state.audit] == [
        ("STRANGER", "receive", "authz_denied")
    ]
    assert uow.commits == 1  # the denial's own transaction
