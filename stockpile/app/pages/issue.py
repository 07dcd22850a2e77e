"""出库: issue from one depot; FEFO picks the lots (shown before posting) unless a lot is named."""
# nav: roles=keeper,admin order=22 title=nav.issue icon=:material/outbox: section=keeper

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
    show_error,
    show_table,
    site_picker,
    unit_picker,
    when_inputs,
)
from stockpile.domain.errors import DomainError
from stockpile.i18n import t
from stockpile.schemas import IssueCmd

guard(__file__)

svc = services()
st.title(t("issue.title"))
st.caption(t("issue.caption"))
form = OnceForm("issue")
last = form.flash()
if last is not None and not getattr(last, "replayed", False):
    st.download_button(
        t("issue.print"),
        svc.reads.voucher_pdf(last.posting_id, lang(), actor=current_user()),
        file_name=form.voucher_file("issue", last),
        mime="application/pdf",
        key="issue.print",
    )

c1, c2 = st.columns(2)
with c1:
    site = site_picker(t("form.site"), "issue.site")
lots = svc.reads.stock(current_user(), site)
with c2:
    item = item_picker(t("form.item"), "issue.item", sorted(set(lots["item_code"])) if not lots.empty else [])
if not item:
    st.info(t("issue.nothing"))
    st.stop()
unit = item_unit(item)
mine = lots[lots["item_code"] == item]
st.metric(t("issue.available", unit=unit), fmt_num(int(mine["available"].sum())))
show_table(
    mine,
    ["lot_no", "expiry", "days_left", "on_hand", "reserved", "available", "status"],
    {"status": "status"},
    status_col="status",
)

c1, c0, c2, c3 = st.columns([2, 1, 2, 2])
with c0:
    entry_unit, factor = unit_picker(item, form.key("unit"))
qty = c1.number_input(
    t("form.qty_out", unit=entry_unit), min_value=1, step=1, value=None, key=form.key("qty")
)
usable = [lo for lo, s in zip(mine["lot_no"], mine["status"], strict=True) if s != "expired"]
lot = c2.selectbox(
    t("form.lot_choice"), ["", *usable], format_func=lambda x: x or t("issue.fefo_auto"), key=form.key("lot")
)
purpose = c3.selectbox(
    t("form.purpose"),
    ["relief", "drill", "rotation", "sale"],
    format_func=lambda x: t(f"purpose.{x}"),
    key=form.key("purpose"),
)
occurred_at = when_inputs(form.key("when"))
if qty and not lot:
    try:
        picks = svc.ledger.suggest_fefo(site, item, int(qty) * factor, occurred_at.date(), current_user())
        st.info(t("issue.fefo", picks="；".join(f"{lo} × {fmt_num(q)}{unit}" for lo, q in picks)))
    except DomainError as e:
        show_error(e)
c1, c2 = st.columns(2)
doc_no = c1.text_input(t("form.doc_no"), key=form.key("doc_no"), max_chars=64)
event_tag = c2.text_input(t("form.event_tag"), key=form.key("event"), max_chars=64)
remark = st.text_area(t("form.remark"), key=form.key("remark"), max_chars=1000, height=68)

if form.submit(t("issue.submit")):
    form.post(
        lambda cid: IssueCmd(
            client_id=cid,
            actor=current_user(),
            occurred_at=occurred_at,
            site_code=site,
            item_code=item,
            qty=qty,
            unit=entry_unit if factor != 1 else "",
            lot_no=lot or None,
            purpose=purpose,
            doc_no=doc_no,
            event_tag=event_tag,
            remark=remark,
        ),
        svc.ledger.issue_stock,
        lambda res: t(
            "issue.posted",
            qty=fmt_num((qty or 0) * factor),
            unit=unit,
            item=item_name(item),
            balance=fmt_num(svc.reads.balance(current_user(), site, item)),
        ),
    )
