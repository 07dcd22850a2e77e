"""The ledger rules, each a test named after the rule, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from stockpile.domain.errors import (
    AlreadyResolved,
    AlreadyReversed,
    ExistsWithDifferent,
    ExpiredOnArrival,
    Frozen,
    LotExpired,
    LotExpiryConflict,
    NegativeLaterBalance,
    OutOfStock,
    PostingInFuture,
    UnknownItem,
    UnknownSite,
    UnknownUnit,
)
from stockpile.ledger import reservations as rsv
from stockpile.ledger import stock
from stockpile.ledger.checks import verify_ledger
from stockpile.ledger.write_offs import approve_write_off, propose_write_off
from stockpile.schemas import (
    AdjustCmd,
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReserveCmd,
    ResolveReservationCmd,
    ReverseCmd,
    TransferCmd,
    WriteOffCmd,
)
from tests.conftest import NOW

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

H = timedelta(hours=1)


def receipt(w, qty=10, lot="L1", expiry=date(2027, 1, 1), at=NOW - 24 * H, site=None, item=None, **kw):
    return ReceiptCmd(
        client_id=uuid.uuid4(),
        actor="keeper1",
        occurred_at=at,
        site_code=site or w.depot,
        item_code=item or w.water,
        lot_no=lot,
        qty=qty,
        expiry=expiry,
        **kw,
    )


def issue(w, qty, at=NOW, lot=None, site=None, item=None, cid=None):
    return IssueCmd(
        client_id=cid or uuid.uuid4(),
        actor="keeper1",
        occurred_at=at,
        site_code=site or w.depot,
        item_code=item or w.water,
        qty=qty,
        lot_no=lot,
    )


def on_hand(uow, w, site=None, lot=None):
    with uow:
        item = uow.ledger.item_by_code(w.water)
        site_id = uow.ledger.site_by_code(site or w.depot).id
        rows = uow.ledger.lock_item_balances(site_id, item.id)
        return sum(b.on_hand for b, lt in rows if lot is None or lt.lot_no == lot)


def test_receipt_then_issue_updates_the_balance(uow, world):
    """A receipt adds to the lot's balance, an issue takes from it; the ledger checks stay clean."""
    stock.record_receipt(receipt(world, 10), uow, NOW)
    stock.issue_stock(issue(world, 4), uow, NOW)
    assert on_hand(uow, world) == 6
    assert verify_ledger(uow) == []


def test_issue_takes_the_lot_that_expires_first(uow, world):
    """FEFO: the lot with the earliest expiry leaves first."""
    stock.record_receipt(receipt(world, 5, lot="LATE", expiry=date(2028, 1, 1)), uow, NOW)
    stock.record_receipt(receipt(world, 5, lot="EARLY", expiry=date(2026, 12, 1)), uow, NOW)
    stock.issue_stock(issue(world, 7), uow, NOW)
    assert on_hand(uow, world, lot="EARLY") == 0
    assert on_hand(uow, world, lot="LATE") == 3


def test_issuing_more_than_available_raises_out_of_stock(uow, world):
    """No negative stock now."""
    stock.record_receipt(receipt(world, 3), uow, NOW)
    with pytest.raises(OutOfStock):
        stock.issue_stock(issue(world, 4), uow, NOW)
    assert on_hand(uow, world) == 3


def test_backdated_issue_that_breaks_a_later_balance_is_refused(uow, world):
    """Receipt 10 at t1, issue 8 at t3; an issue of 5 backdated to t2 would leave −3 after t3."""
    stock.record_receipt(receipt(world, 10, at=NOW - 10 * H), uow, NOW)
    stock.issue_stock(issue(world, 8, at=NOW - 2 * H), uow, NOW)
    with pytest.raises((NegativeLaterBalance, OutOfStock)):
        stock.issue_stock(issue(world, 5, at=NOW - 5 * H), uow, NOW)
    # a backdated issue that fits is fine
    stock.issue_stock(issue(world, 2, at=NOW - 5 * H), uow, NOW)
    assert on_hand(uow, world) == 0
    assert verify_ledger(uow) == []


def test_issuing_an_expired_lot_raises_lot_expired(uow, world):
    """An expired lot is never issued; FEFO skips it."""
    stock.record_receipt(
        receipt(world, 5, lot="OLD", expiry=date(2026, 6, 15), at=NOW - 30 * 24 * H), uow, NOW
    )
    later = NOW + 20 * 24 * H
    with pytest.raises(LotExpired):
        stock.issue_stock(issue(world, 1, lot="OLD", at=later), uow, later)
    with pytest.raises(OutOfStock):
        stock.issue_stock(issue(world, 1, at=later), uow, later)


def test_expired_lot_can_be_written_off(uow, world):
    """The only way out for an expired lot is 报废."""
    stock.record_receipt(
        receipt(world, 5, lot="OLD", expiry=date(2026, 6, 15), at=NOW - 30 * 24 * H), uow, NOW
    )
    later = NOW + 20 * 24 * H
    pid = propose_write_off(
        WriteOffCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=later,
            site_code=world.depot,
            item_code=world.water,
            lot_no="OLD",
            qty=5,
            reason="expired",
        ),
        uow,
        later,
    )
    approve_write_off(pid, "admin", uow, later)
    assert on_hand(uow, world) == 0


def test_same_lot_other_expiry_raises_conflict(uow, world):
    """One expiry per (item, lot)."""
    stock.record_receipt(receipt(world, 5, lot="L", expiry=date(2027, 1, 1)), uow, NOW)
    with pytest.raises(LotExpiryConflict):
        stock.record_receipt(receipt(world, 5, lot="L", expiry=date(2027, 2, 1)), uow, NOW)


def test_receipt_already_expired_is_refused(uow, world):
    """Goods expired on arrival are not received."""
    with pytest.raises(ExpiredOnArrival):
        stock.record_receipt(receipt(world, 5, expiry=date(2026, 5, 1)), uow, NOW)


def test_future_posting_is_refused(uow, world):
    """occurred_at more than 5 minutes ahead is refused."""
    with pytest.raises(PostingInFuture):
        stock.record_receipt(receipt(world, 5, at=NOW + timedelta(minutes=6)), uow, NOW)
    stock.record_receipt(receipt(world, 5, at=NOW + timedelta(minutes=4)), uow, NOW)


def test_keeper_before_freeze_date_is_frozen(uow, world):
    """Nothing is posted on or before the freeze date (冻结日期)."""
    with uow:
        uow.ledger.set_setting("freeze_date", "2026-05-20")
        uow.commit()
    with pytest.raises(Frozen):
        stock.record_receipt(receipt(world, 5, at=NOW - 15 * 24 * H), uow, NOW)


def test_same_client_id_twice_writes_one_movement(uow, world):
    """A retry with the same client id returns the first result and writes nothing."""
    cmd = receipt(world, 5)
    first = stock.record_receipt(cmd, uow, NOW)
    again = stock.record_receipt(cmd, uow, NOW)
    assert again.replayed and again.movement_seqs == first.movement_seqs
    assert on_hand(uow, world) == 5


def test_same_id_other_qty_raises_exists_with_different(uow, world):
    """The same client id with other content is an error naming the field."""
    cmd = receipt(world, 5)
    stock.record_receipt(cmd, uow, NOW)
    with pytest.raises(ExistsWithDifferent) as e:
        stock.record_receipt(cmd.model_copy(update={"qty": 6}), uow, NOW)
    assert e.value.params["field"] == "qty"


def test_pack_units_convert_to_base_units(uow, world):
    """A receipt in 箱 of 24 is stored as 24 × bottles; an unknown unit is refused."""
    stock.record_receipt(receipt(world, 2, unit="箱"), uow, NOW)
    assert on_hand(uow, world) == 48
    with pytest.raises(UnknownUnit):
        stock.record_receipt(receipt(world, 2, unit="托", lot="L9"), uow, NOW)


def test_unknown_item_or_site_is_refused(uow, world):
    with pytest.raises(UnknownItem):
        stock.record_receipt(receipt(world, 2, item="9999999"), uow, NOW)
    with pytest.raises(UnknownSite):
        stock.record_receipt(receipt(world, 2, site="NOPE"), uow, NOW)


def test_transfer_sits_in_transit_until_received_once(uow, world):
    """OUT at A + IN to 在途 on shipping; receipt at B clears transit exactly once."""
    stock.record_receipt(receipt(world, 10), uow, NOW)
    ship = stock.ship_transfer(
        TransferCmd(
            client_id=uuid.uuid4(),
            actor="k",
            occurred_at=NOW,
            from_site_code=world.depot,
            to_site_code=world.point,
            item_code=world.water,
            qty=4,
        ),
        uow,
        NOW,
    )
    assert on_hand(uow, world) == 6 and on_hand(uow, world, site=world.point) == 0
    rcv = ReceiveTransferCmd(client_id=uuid.uuid4(), actor="k", occurred_at=NOW, transfer_id=ship.transfer_id)
    stock.receive_transfer(rcv, uow, NOW)
    assert on_hand(uow, world, site=world.point) == 4
    with pytest.raises(AlreadyResolved):
        stock.receive_transfer(rcv.model_copy(update={"client_id": uuid.uuid4()}), uow, NOW)
    assert verify_ledger(uow) == []


def test_only_the_latest_count_applies(uow, world):
    """Count 10; a backdated count of 20 changes nothing; a later count of 40 → 40."""
    stock.record_receipt(receipt(world, 7, at=NOW - 48 * H), uow, NOW)

    def count(n, at):
        return stock.record_count(
            CountCmd(
                client_id=uuid.uuid4(),
                actor="k",
                occurred_at=at,
                site_code=world.depot,
                item_code=world.water,
                lot_no="L1",
                counted=n,
            ),
            uow,
            NOW,
        )

    count(10, NOW - 2 * H)
    assert on_hand(uow, world) == 10
    r = count(20, NOW - 10 * H)
    assert r.extra["superseded"] and on_hand(uow, world) == 10
    count(40, NOW - 1 * H)
    assert on_hand(uow, world) == 40


def test_reserving_more_than_available_raises(uow, world):
    """A hold needs on hand − reserved ≥ qty, and an issue cannot take held stock."""
    stock.record_receipt(receipt(world, 10), uow, NOW)
    r = ReserveCmd(
        client_id=uuid.uuid4(), actor="disp", site_code=world.depot, item_code=world.water, lot_no="L1", qty=7
    )
    rsv.reserve(r, uow, NOW)
    with pytest.raises(OutOfStock):
        rsv.reserve(r.model_copy(update={"client_id": uuid.uuid4()}), uow, NOW)
    with pytest.raises(OutOfStock):
        stock.issue_stock(issue(world, 4), uow, NOW)
    stock.issue_stock(issue(world, 3), uow, NOW)
    assert verify_ledger(uow) == []


def test_posting_a_reservation_twice_returns_already_posted(uow, world):
    """A reservation resolves at most once."""
    stock.record_receipt(receipt(world, 10), uow, NOW)
    held = rsv.reserve(
        ReserveCmd(
            client_id=uuid.uuid4(),
            actor="disp",
            site_code=world.depot,
            item_code=world.water,
            lot_no="L1",
            qty=6,
        ),
        uow,
        NOW,
    )
    cmd = ResolveReservationCmd(reservation_id=held.id, actor="disp", action="issue", occurred_at=NOW)
    rsv.resolve_reservation(cmd, uow, NOW)
    assert on_hand(uow, world) == 4
    with pytest.raises(AlreadyResolved):
        rsv.resolve_reservation(cmd.model_copy(update={"action": "release"}), uow, NOW)
    assert verify_ledger(uow) == []


def test_released_reservation_frees_the_stock(uow, world):
    stock.record_receipt(receipt(world, 10), uow, NOW)
    held = rsv.reserve(
        ReserveCmd(
            client_id=uuid.uuid4(),
            actor="disp",
            site_code=world.depot,
            item_code=world.water,
            lot_no="L1",
            qty=10,
        ),
        uow,
        NOW,
    )
    rsv.resolve_reservation(
        ResolveReservationCmd(reservation_id=held.id, actor="disp", action="release", occurred_at=NOW),
        uow,
        NOW,
    )
    stock.issue_stock(issue(world, 10), uow, NOW)
    assert on_hand(uow, world) == 0


def test_reversing_twice_is_refused(uow, world):
    """A posting is reversed at most once, and a reversal that would make a running balance negative is refused."""
    first = stock.record_receipt(receipt(world, 10), uow, NOW)
    rev = ReverseCmd(client_id=uuid.uuid4(), actor="k", occurred_at=NOW, posting_id=first.posting_id)
    stock.reverse_posting(rev, uow, NOW)
    assert on_hand(uow, world) == 0
    with pytest.raises(AlreadyReversed):
        stock.reverse_posting(rev.model_copy(update={"client_id": uuid.uuid4()}), uow, NOW)


def test_reversal_that_would_go_negative_is_refused(uow, world):
    first = stock.record_receipt(receipt(world, 10), uow, NOW)
    stock.issue_stock(issue(world, 6), uow, NOW)
    with pytest.raises(OutOfStock):
        stock.reverse_posting(
            ReverseCmd(client_id=uuid.uuid4(), actor="k", occurred_at=NOW, posting_id=first.posting_id),
            uow,
            NOW,
        )


def test_adjustment_reason_sets_the_direction(uow, world):
    stock.record_receipt(receipt(world, 10), uow, NOW)
    mk = {
        "client_id": None,
        "actor": "k",
        "occurred_at": NOW,
        "site_code": world.depot,
        "item_code": world.water,
        "lot_no": "L1",
        "qty": 3,
    }
    stock.adjust_stock(AdjustCmd(**{**mk, "client_id": uuid.uuid4()}, reason="damaged"), uow, NOW)
    stock.adjust_stock(AdjustCmd(**{**mk, "client_id": uuid.uuid4(), "qty": 1}, reason="found"), uow, NOW)
    assert on_hand(uow, world) == 8


def test_raw_update_or_delete_on_movement_fails(engine, uow, world):
    """The movement table is append-only at the database level (trigger on both backends)."""
    stock.record_receipt(receipt(world, 10), uow, NOW)
    for sql in ("UPDATE movement SET qty = 99", "DELETE FROM movement", "DELETE FROM posting"):
        with pytest.raises(DBAPIError), engine.begin() as c:
            c.execute(text(sql))


def test_uncommitted_receipt_is_rolled_back(uow, world):
    """The unit of work rolls back unless told to commit."""
    from stockpile.ledger.posting import post_batch

    with uow:
        d, _ = stock.decide_receipt(uow.ledger, receipt(world, 10), NOW)
        post_batch(uow, [d], NOW)
    assert on_hand(uow, world) == 0


def test_balance_check_constraint_forbids_reserved_above_on_hand(engine, uow, world):
    """CHECK (0 ≤ reserved ≤ on_hand) guards the balance table itself."""
    stock.record_receipt(receipt(world, 10), uow, NOW)
    with pytest.raises(DBAPIError), engine.begin() as c:
        c.execute(text("UPDATE stock_balance SET reserved = on_hand + 1"))


def test_fresh_pooled_connection_has_all_pragmas(tmp_path):
    """Every SQLite connection gets WAL, synchronous=FULL, foreign_keys=ON and busy_timeout; writers BEGIN
    IMMEDIATE (the database lock is taken at the start of the transaction)."""
    from stockpile.adapters.db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as c:
        got = {
            p: c.exec_driver_sql(f"PRAGMA {p}").scalar()
            for p in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert got == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "busy_timeout": 5000}
    with engine.begin() as c1:
        c1.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    import sqlite3

    with engine.begin():
        probe = sqlite3.connect(tmp_path / "p.db", timeout=0.05)
        with pytest.raises(sqlite3.OperationalError):
            probe.execute("BEGIN IMMEDIATE")
        probe.close()
    engine.dispose()
