"""Read authorisation in the services (stockpile/trust/scoped_reads.py), on SQLite and PostgreSQL.

keeper1 keeps D-COUNTY, keeper2 keeps D-TS01 (tests/support/factory.py). A read of one depot the keeper does not
keep is PermissionDenied with one `authz_denied` audit row; a list holds only the keeper's depots; dispatcher and
admin read every depot.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from stockpile.adapters.documents.ledger import Documents
from stockpile.adapters.orm.auth import AuditEventRow
from stockpile.adapters.read.views import Views
from stockpile.domain.errors import PermissionDenied
from stockpile.ledger import stock
from stockpile.schemas import ReceiptCmd, TransferCmd
from stockpile.trust import scoped_reads as reads
from stockpile.trust import users
from tests.conftest import NOW

H = timedelta(hours=1)


@pytest.fixture
def county(engine, uow, world):
    """A receipt at each depot (by its keeper) and a transfer D-COUNTY → D-TS01 still on 在途."""
    postings = {}
    for site, keeper, lot in ((world.depot, "keeper1", "LC"), (world.point, "keeper2", "LP")):
        cmd = ReceiptCmd(
            client_id=uuid.uuid4(),
            actor=keeper,
            occurred_at=NOW - 2 * H,
            site_code=site,
            item_code=world.water,
            lot_no=lot,
            qty=50,
            expiry=date(2027, 1, 1),
        )
        postings[site] = stock.record_receipt(cmd, uow, NOW).posting_id
    ship = TransferCmd(
        client_id=uuid.uuid4(),
        actor="keeper1",
        occurred_at=NOW - H,
        from_site_code=world.depot,
        to_site_code=world.point,
        item_code=world.water,
        qty=5,
    )
    postings["transfer"] = stock.ship_transfer(ship, uow, NOW).posting_id
    views = Views(engine)
    return {"postings": postings, "views": views, "documents": Documents(engine)}


def _denials(engine) -> list[AuditEventRow]:
    with engine.connect() as c:
        q = select(AuditEventRow).where(AuditEventRow.outcome == "authz_denied").order_by(AuditEventRow.id)
        return list(c.execute(q).all())


def _one_depot_reads(w, c):
    """Reads of the township point D-TS01 (keeper2's), as keeper1."""
    v, d, p = c["views"], c["documents"], c["postings"]
    return {
        "voucher_pdf": lambda uow: reads.voucher_pdf(uow, d, "keeper1", p[w.point]),
        "bin_card": lambda uow: reads.bin_card(uow, v, "keeper1", w.point, w.water),
        "ledger": lambda uow: reads.ledger(uow, v, "keeper1", site_code=w.point),
        "stock": lambda uow: reads.stock(uow, v, "keeper1", w.point),
        "balance": lambda uow: reads.balance(uow, v, "keeper1", w.point, w.water),
        "count_sheet_pdf": lambda uow: reads.count_sheet_pdf(uow, d, "keeper1", w.point, "zh"),
        "unknown_depot": lambda uow: reads.stock(uow, v, "keeper1", "NO-SUCH"),
    }


@pytest.mark.parametrize(
    "read", ["voucher_pdf", "bin_card", "ledger", "stock", "balance", "count_sheet_pdf", "unknown_depot"]
)
def test_keeper_reading_another_depot_is_denied_and_audited(uow, world, engine, county, read):
    """keeper1 asking for D-TS01's voucher, bin card, ledger, stock, balance or count sheet (or a depot that
    does not exist: the same answer, so codes cannot be probed) → PermissionDenied, one authz_denied row."""
    before = len(_denials(engine))
    with pytest.raises(PermissionDenied):
        _one_depot_reads(world, county)[read](uow)
    rows = _denials(engine)
    assert len(rows) == before + 1
    assert rows[-1].actor == "keeper1"


def test_keeper_reads_own_depot_and_documents(uow, world, county):
    """The same reads on the keeper's own depot answer (the scope narrows, it does not blank)."""
    v, d, p = county["views"], county["documents"], county["postings"]
    assert reads.balance(uow, v, "keeper2", world.point, world.water) == 50
    assert set(reads.bin_card(uow, v, "keeper2", world.point, world.water)["lot_no"]) == {"LP"}
    assert reads.voucher_pdf(uow, d, "keeper2", p[world.point]).startswith(b"%PDF")
    assert reads.count_sheet_pdf(uow, d, "keeper2", world.point, "zh").startswith(b"%PDF")


def test_transfer_voucher_is_readable_by_the_destination_keeper(uow, world, county):
    """调拨单: the shipping keeper and the receiving keeper may print it; a third keeper may not."""
    d, pid = county["documents"], county["postings"]["transfer"]
    assert reads.voucher_pdf(uow, d, "keeper1", pid).startswith(b"%PDF")
    assert reads.voucher_pdf(uow, d, "keeper2", pid).startswith(b"%PDF")
    users.set_sites(uow, "admin", "keeper2", (), NOW)
    with pytest.raises(PermissionDenied):
        reads.voucher_pdf(uow, d, "keeper2", pid)


def test_keeper_lists_hold_only_own_depot_rows(uow, world, county):
    """Stock, totals, ledger, depots to pick, postings to print and the KPIs of keeper2 hold only
    D-TS01; the dispatcher's hold both depots."""
    v, d = county["views"], county["documents"]
    own = {world.point}
    assert set(reads.stock(uow, v, "keeper2")["site_code"]) == own
    assert set(reads.ledger(uow, v, "keeper2")["site_code"]) == own
    assert set(reads.sites(uow, v, "keeper2")["code"]) == own
    assert int(reads.stock_by_item(uow, v, "keeper2")["on_hand"].sum()) == 50
    assert reads.kpis(uow, v, "keeper2")["lots"] == 1
    shown = reads.recent_postings(uow, d, "keeper2", ("receipt", "transfer"), 50)
    assert set(shown["posting_id"]) == {county["postings"][world.point]}
    assert set(reads.stock(uow, v, "disp")["site_code"]) == {world.depot, world.point}
    assert set(reads.ledger(uow, v, "disp")["site_code"]) - {"TRANSIT"} == {world.depot, world.point}


def test_transfers_in_transit_are_the_keepers_own(uow, world, county):
    """在途: the shipper and the receiver see the transfer; only the receiver is offered it to receive."""
    v = county["views"]
    assert len(reads.in_transit(uow, v, "keeper1")) == 1
    assert reads.in_transit(uow, v, "keeper1", incoming=True).empty
    assert len(reads.in_transit(uow, v, "keeper2", incoming=True)) == 1
    users.set_sites(uow, "admin", "keeper2", (), NOW)
    assert reads.in_transit(uow, v, "keeper2").empty


def test_removed_depot_disappears_from_the_next_read(uow, world, county):
    """The depots are re-read from the database on every read: after the grant is removed, the keeper's next
    list is empty and the next read of that depot is denied."""
    v = county["views"]
    users.set_sites(uow, "admin", "keeper2", (world.depot,), NOW)
    assert world.point not in set(reads.stock(uow, v, "keeper2")["site_code"])
    with pytest.raises(PermissionDenied):
        reads.bin_card(uow, v, "keeper2", world.point, world.water)


def test_unknown_or_deactivated_user_reads_nothing(uow, world, county):
    """Deny by default: an unknown or deactivated user reads nothing."""
    with pytest.raises(PermissionDenied):
        reads.stock(uow, county["views"], "mallory")
    users.set_active(uow, "admin", "keeper2", False, NOW)
    with pytest.raises(PermissionDenied):
        reads.stock(uow, county["views"], "keeper2")
