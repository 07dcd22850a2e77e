"""报废: the one exit for expired lots (and damaged, obsolete or lost goods), with a reason."""
# nav: roles=keeper,admin order=28 title=nav.write_off icon=:material/delete_sweep: section=keeper

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
    services,
    show_table,
    site_picker,
    when_inputs,
)
from stockpile.i18n import t
from stockpile.schemas import WriteOffCmd

guard(__file__)

svc = services()
st.title(t("write_off.title"))
st.caption(t("write_off.caption"))
form = OnceForm("write_off")
form.flash()

site = site_picker(t("form.site"), "write_off.site")
lots = svc.reads.stock(current_user(), site)
codes = [] if lots.empty else [*lots[lots["status"] == "expired"]["item_code"], *lots["item_code"]]
item = item_picker(
    t("form.item"), "write_off.item", list(dict.fromkeys(codes))
)  # items with expired lots first
if not item:
    st.info(t("issue.nothing"))
    st.stop()
unit = item_unit(item)
mine = lots[lots["item_code"] == item]
# lots already proposed for 报废 and waiting for an admin: marked, and not proposed twice (the service refuses too)
pending = {
    p.lot_no
    for p in svc.ledger.pending_write_offs(current_user())
    if (p.site_code, p.item_code) == (site, item)
}
mine = mine.assign(write_off=[t("write_off.pending_mark") if lo in pending else "" for lo in mine["lot_no"]])
show_table(
    mine,
    ["lot_no", "expiry", "days_left", "on_hand", "reserved", "available", "status", "write_off"],
    {"status": "status"},
    status_col="status",
)
avail = dict(zip(mine["lot_no"], mine["available"], strict=True))
status = dict(zip(mine["lot_no"], mine["status"], strict=True))
c1, c2, c3 = st.columns(3)
lot = c1.selectbox(
    t("form.lot_no"),
    list(avail),
    format_func=lambda x: (
        f"{x}（{t(f'status.{status[x]}')}"
        + (f" · {t('write_off.pending_mark')}" if x in pending else "")
        + "）"
    ),
    key=form.key("lot"),
)
qty = c2.number_input(
    t("form.qty_out", unit=unit),
    min_value=1,
    step=1,
    value=None,  # never prefilled: a fresh form must not be postable by a second click
    key=form.key("qty"),
)
if lot in pending:
    st.warning(t("write_off.pending_lot", lot=lot))
elif lot:
    st.caption(t("write_off.lot_available", qty=fmt_num(avail[lot]), unit=unit))
default_reason = 0 if lot and status.get(lot) == "expired" else 1
reason = c3.selectbox(
    t("form.reason"),
    ["expired", "damaged", "obsolete", "lost"],
    index=default_reason,
    format_func=lambda x: t(f"write_off_reason.{x}"),
    key=form.key("reason"),
)
occurred_at = when_inputs(form.key("when"))
c1, c2 = st.columns(2)
doc_no = c1.text_input(t("form.doc_no"), key=form.key("doc_no"), max_chars=64)
remark = c2.text_input(t("form.remark"), key=form.key("remark"), max_chars=1000)

if form.submit(t("write_off.submit")):
    form.post(
        lambda cid: WriteOffCmd(
            client_id=cid,
            actor=current_user(),
            occurred_at=occurred_at,
            site_code=site,
            item_code=item,
            lot_no=lot,
            qty=qty,
            reason=reason,
            doc_no=doc_no,
            remark=remark,
        ),
        svc.ledger.propose_write_off,  # four-eyes: an admin other than the proposer approves (admin page)
        lambda res: t("write_off.proposed", qty=fmt_num(qty), unit=unit, item=item_name(item), lot=lot),
    )
