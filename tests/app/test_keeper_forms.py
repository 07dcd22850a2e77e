"""Keeper forms post exactly once: a click posts one movement, a second click on the same form cannot post it
again, a racing rerun with the same client id shows "already posted", and rule violations show as messages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.app.conftest import page, texts

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)


def postings(svc, site: str, item: str) -> int:
    return len(svc.views.bin_card(site, item))


def receive_form(svc, lot: str = "APPTEST-1", qty: int = 5, expiry: date | None = None):
    at = page("receive", svc)
    at.run()
    at.selectbox(key="receive.site").set_value("XJK")
    at.selectbox(key="receive.item").set_value("1010101")
    at.run()
    at.text_input(key="receive.lot_no.0").input(lot)
    at.number_input(key="receive.qty.0").set_value(qty)
    if expiry is not None:
        at.date_input(key="receive.expiry.0").set_value(expiry)
    return at


def test_receipt_posts_once_and_the_balance_grows(services):
    """One click on 确认入库 posts one receipt; the page shows the new balance and a fresh, empty form."""
    before, n = services.views.balance("XJK", "1010101"), postings(services, "XJK", "1010101")
    at = receive_form(services)
    at.button(key="receive.submit.0").click().run()
    assert not at.exception and not at.error, texts(at, "error")
    assert services.views.balance("XJK", "1010101") == before + 5
    assert postings(services, "XJK", "1010101") == n + 1
    assert "已入库" in texts(at, "success")[0]
    assert [b.key for b in at.button if b.key and b.key.startswith("receive.submit")] == ["receive.submit.1"]
    assert at.number_input(key="receive.qty.1").value is None  # a new form for the next receipt


def test_second_click_does_not_post_a_second_receipt(services):
    """Two clicks → one movement: after a post the old button is gone and the fresh form has no quantity."""
    before = services.views.balance("XJK", "1010101")
    at = receive_form(services)
    at.button(key="receive.submit.0").click().run()
    at.button(key="receive.submit.1").click().run()  # the user clicks again
    assert services.views.balance("XJK", "1010101") == before + 5
    assert at.error  # the empty fresh form says what is missing instead of posting


def test_replayed_client_id_shows_already_posted(services):
    """A rerun that races the post (same client id, same content) writes nothing and says so."""
    at = receive_form(services)
    cid = at.session_state["receive.client_id"]
    at.button(key="receive.submit.0").click().run()
    before = services.views.balance("XJK", "1010101")
    again = receive_form(services)
    again.session_state["receive.client_id"] = cid
    again.button(key="receive.submit.0").click().run()
    assert services.views.balance("XJK", "1010101") == before
    assert any("重复提交" in w for w in texts(again, "warning"))


def test_expired_on_arrival_is_refused_with_a_message(services):
    """A lot already expired on arrival is refused: a message, no traceback, nothing posted."""
    before = services.views.balance("XJK", "1010101")
    at = receive_form(services, lot="OLD-LOT", expiry=date.today() - timedelta(days=3))
    at.button(key="receive.submit.0").click().run()
    assert not at.exception
    assert any("到货时已过期" in e for e in texts(at, "error"))
    assert services.views.balance("XJK", "1010101") == before
    assert at.button(key="receive.submit.0")  # same form, same client id: the keeper corrects and retries


def test_missing_lot_number_is_named_in_the_message(services):
    """An empty lot number is reported against the 批次号 field."""
    at = receive_form(services, lot="")
    at.button(key="receive.submit.0").click().run()
    assert any("批次号" in e for e in texts(at, "error"))


def issue_form(svc, qty: int):
    at = page("issue", svc)
    at.run()
    at.selectbox(key="issue.site").set_value("XJK")
    at.run()
    at.selectbox(key="issue.item").set_value("1020101")
    at.run()
    at.number_input(key="issue.qty.0").set_value(qty).run()
    return at


def test_issue_shows_the_fefo_lots_and_posts_once(services):
    """出库 shows the lots FEFO will take before posting, then posts exactly once."""
    before = services.views.balance("XJK", "1020101")
    at = issue_form(services, 3)
    assert any("先到期先出" in i for i in texts(at, "info"))
    at.button(key="issue.submit.0").click().run()
    at.button(key="issue.submit.1").click().run()
    assert services.views.balance("XJK", "1020101") == before - 3
    assert "已出库" in texts(at, "success")[0] if at.success else True


def test_issue_beyond_the_available_quantity_shows_out_of_stock(services):
    """Asking for more than is available shows 库存不足 and posts nothing."""
    before = services.views.balance("XJK", "1020101")
    at = issue_form(services, 10_000_000)
    assert any("库存不足" in e for e in texts(at, "error"))
    at.button(key="issue.submit.0").click().run()
    assert not at.exception
    assert services.views.balance("XJK", "1020101") == before


def test_transfer_ships_into_transit_and_is_received_once(services):
    """调拨: shipping moves goods to 在途; receiving it at the destination books them there, once."""
    src, dst, item = "XJK", "XZ01", "1010201"
    s0, d0 = services.views.balance(src, item), services.views.balance(dst, item)
    at = page("transfer", services)
    at.run()
    at.selectbox(key="transfer.from").set_value(src)
    at.run()
    at.selectbox(key="transfer.to").set_value(dst)
    at.selectbox(key="transfer.item").set_value(item)
    at.run()
    at.number_input(key="transfer.qty.0").set_value(4)
    at.button(key="transfer.submit.0").click().run()
    assert not at.exception and not at.error, texts(at, "error")
    assert services.views.balance(src, item) == s0 - 4
    transit = services.views.in_transit()
    mine = transit[(transit["to_site"] == dst) & (transit["item_code"] == item)]
    assert list(mine["qty"]) == [4]
    at.selectbox(key="transfer_recv.pick.0").set_value(str(mine["transfer_id"].iloc[0]))
    at.button(key="transfer_recv.submit.0").click().run()
    assert not at.exception and not at.error, texts(at, "error")
    at.button(key="transfer_recv.submit.1").click().run()  # a second click receives nothing else
    assert any("请先选择" in e for e in texts(at, "error"))
    assert services.views.balance(dst, item) == d0 + 4
    assert services.views.in_transit()[lambda d: d["to_site"] == dst].empty


def test_count_posts_the_variance_against_the_book(services):
    """盘点: counting 2 less than the book posts −2 and the lot's balance equals the count."""
    at = page("count", services)
    at.run()
    at.selectbox(key="count.site").set_value("XJK")
    at.run()
    at.selectbox(key="count.item").set_value("1010201")
    at.run()
    lot = at.selectbox(key="count.lot.0").value
    book = int(
        services.views.stock(site_code="XJK", item_code="1010201").set_index("lot_no").loc[lot, "on_hand"]
    )
    at.number_input(key="count.counted.0").set_value(book - 2).run()
    assert any("差异 -2" in i for i in texts(at, "info"))
    at.button(key="count.submit.0").click().run()
    assert not at.exception and not at.error, texts(at, "error")
    after = services.views.stock(site_code="XJK", item_code="1010201").set_index("lot_no").loc[lot, "on_hand"]
    assert after == book - 2
    assert "-2" in texts(at, "success")[0]


def test_write_off_takes_an_expired_lot_out_once(services):
    """报废: a keeper proposes the write-off of an expired lot (once); it leaves stock when another admin
    approves (four-eyes)."""
    stock = services.views.stock()
    expired = stock[stock["status"] == "expired"].iloc[0]
    site, item, lot = expired["site_code"], expired["item_code"], expired["lot_no"]
    before = services.views.balance(site, item)
    at = page("write_off", services)
    at.run()
    at.selectbox(key="write_off.site").set_value(site)
    at.run()
    at.selectbox(key="write_off.item").set_value(item)
    at.run()
    at.selectbox(key="write_off.lot.0").set_value(lot)
    at.run()
    assert at.selectbox(key="write_off.reason.0").value == "expired"
    qty = int(expired["on_hand"])
    at.number_input(key="write_off.qty.0").set_value(qty)
    at.button(key="write_off.submit.0").click().run()
    at.button(key="write_off.submit.1").click().run()
    assert not at.exception
    assert services.views.balance(site, item) == before  # proposed, not yet posted
    pending = services.ledger.pending_write_offs("admin")
    assert len(pending) == 1
    services.ledger.approve_write_off(pending[0].id, "admin")
    assert services.views.balance(site, item) == before - qty


def test_receipt_in_cases_books_base_units(services):
    """Water received as 2 箱 (1 箱 = 24 瓶) raises the balance by 48 瓶."""
    before = services.views.balance("XJK", "1020101")
    at = page("receive", services)
    at.run()
    at.selectbox(key="receive.site").set_value("XJK")
    at.selectbox(key="receive.item").set_value("1020101")
    at.run()
    at.selectbox(key="receive.unit.0").set_value("箱")
    at.text_input(key="receive.lot_no.0").input("CASE-1")
    at.number_input(key="receive.qty.0").set_value(2)
    at.date_input(key="receive.expiry.0").set_value(date.today() + timedelta(days=400))
    at.button(key="receive.submit.0").click().run()
    assert not at.exception and not at.error, texts(at, "error")
    assert services.views.balance("XJK", "1020101") == before + 48
    assert "48 瓶" in texts(at, "success")[0]


def test_a_printed_voucher_is_named_by_its_doc_no():
    """出库单-CK_2026_001.pdf: the 单据号 the keeper typed names the file (characters no file system takes become
    _); a voucher without one takes its posting's short id, as before."""
    import uuid

    from stockpile.app.pages.common import voucher_file_name

    pid = uuid.UUID("1234abcd-0000-0000-0000-000000000000")
    assert voucher_file_name("出库单", "CK/2026:001", pid) == "出库单-CK_2026_001.pdf"
    assert voucher_file_name("Goods issue note", " RK 7 ", pid) == "Goods issue note-RK_7.pdf"
    assert (
        voucher_file_name("入库单", "", pid)
        == voucher_file_name("入库单", "///", pid)
        == "入库单-1234abcd.pdf"
    )
