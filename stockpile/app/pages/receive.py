"""验收入库: accepted goods of one lot into a depot, posted exactly once; the balance before and after is shown."""
# nav: roles=keeper,admin order=20 title=nav.receive icon=:material/move_to_inbox: section=keeper

from __future__ import annotations

import streamlit as st

from stockpile.app.pages.common import (
    OnceForm,
    current_user,
    fmt_num,
    guard,
    item_name,
    item_picker,
    item_unit,
    lang,
    services,
    site_picker,
    unit_picker,
    when_inputs,
)
from stockpile.i18n import t
from stockpile.schemas import ReceiptCmd

guard(__file__)

svc = services()
st.title(t("receive.title"))
st.caption(t("receive.caption"))
form = OnceForm("receive")
last = form.flash()
if last is not None and not getattr(last, "replayed", False):
    st.download_button(
        t("receive.print"),
        svc.reads.voucher_pdf(last.posting_id, lang(), actor=current_user()),
        file_name=form.voucher_file("receipt", last),
        mime="application/pdf",
        key="receive.print",
    )

c1, c2 = st.columns(2)
with c1:
    site = site_picker(t("form.site"), "receive.site")
with c2:
    item = item_picker(t("form.item"), "receive.item")
unit = item_unit(item)
st.metric(t("receive.balance", unit=unit), fmt_num(svc.reads.balance(current_user(), site, item)))

c1, c2, c3, c4 = st.columns([3, 2, 1, 2])
lot_no = c1.text_input(t("form.lot_no"), key=form.key("lot_no"), max_chars=64)
with c3:
    entry_unit, factor = unit_picker(item, form.key("unit"))
qty = c2.number_input(t("form.qty_in", unit=entry_unit), min_value=1, step=1, value=None, key=form.key("qty"))
expiry = c4.date_input(t("form.expiry"), value=None, key=form.key("expiry"), format="YYYY-MM-DD")
c1, c2, c3 = st.columns(3)
made = c1.date_input(t("form.manufactured_on"), value=None, key=form.key("made"), format="YYYY-MM-DD")
owner = c2.selectbox(
    t("form.owner_type"),
    ["government", "enterprise", "social"],
    format_func=lambda x: t(f"owner.{x}"),
    key=form.key("owner"),
)
source = c3.selectbox(
    t("form.source"),
    ["procured", "donated", "requisitioned"],
    format_func=lambda x: t(f"source.{x}"),
    key=form.key("source"),
)
c1, c2, c3 = st.columns(3)
supplier = c1.text_input(t("form.supplier"), key=form.key("supplier"), max_chars=200)
donor = c2.text_input(t("form.donor"), key=form.key("donor"), max_chars=200) if source == "donated" else ""
inspector = c3.text_input(t("form.inspector"), key=form.key("inspector"), max_chars=200)
c1, c2 = st.columns(2)
inspection = c1.radio(
    t("form.inspection"),
    ["passed", "partial"],
    format_func=lambda x: t(f"inspection.{x}"),
    horizontal=True,
    key=form.key("inspection"),
)
rejected = c2.number_input(t("form.rejected_qty"), min_value=0, step=1, value=0, key=form.key("rejected"))
c1, c2 = st.columns(2)
doc_no = c1.text_input(t("form.doc_no"), key=form.key("doc_no"), max_chars=64)
event_tag = c2.text_input(t("form.event_tag"), key=form.key("event"), max_chars=64)
remark = st.text_area(t("form.remark"), key=form.key("remark"), max_chars=1000, height=68)
occurred_at = when_inputs(form.key("when"))

if form.submit(t("receive.submit")):
    form.post(
        lambda cid: ReceiptCmd(
            client_id=cid,
            actor=current_user(),
            occurred_at=occurred_at,
            site_code=site,
            item_code=item,
            lot_no=lot_no,
            qty=qty,
            unit=entry_unit if factor != 1 else "",
            expiry=expiry,
            manufactured_on=made,
            owner_type=owner,
            source=source,
            donor=donor,
            supplier=supplier,
            inspector=inspector,
            inspection=inspection,
            rejected_qty=int(rejected or 0),
            doc_no=doc_no,
            event_tag=event_tag,
            remark=remark,
        ),
        svc.ledger.record_receipt,
        lambda res: t(
            "receive.posted",
            qty=fmt_num((qty or 0) * factor),
            unit=unit,
            item=item_name(item),
            lot=lot_no,
            balance=fmt_num(svc.reads.balance(current_user(), site, item)),
        ),
    )
