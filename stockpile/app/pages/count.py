"""盘点: enter the counted quantity of one lot; the ledger posts the variance against the book quantity."""
# nav: roles=keeper,admin order=26 title=nav.count icon=:material/fact_check: section=keeper

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
    show_table,
    site_picker,
    when_inputs,
)
from stockpile.i18n import t
from stockpile.schemas import CountCmd

guard(__file__)

svc = services()
st.title(t("count.title"))
st.caption(t("count.caption"))
form = OnceForm("count")
form.flash()

site = site_picker(t("form.site"), "count.site")
with st.spinner(t("app.working")):
    sheet = svc.reads.count_sheet_pdf(site, lang(), actor=current_user())
st.download_button(
    t("count.print_sheet"),
    sheet,
    file_name=f"{t('file_name.count_sheet')}-{site}.pdf",
    mime="application/pdf",
    key="count.sheet",
)
lots = svc.reads.stock(current_user(), site)
item = item_picker(t("form.item"), "count.item", sorted(set(lots["item_code"])) if not lots.empty else [])
if not item:
    st.info(t("issue.nothing"))
    st.stop()
unit = item_unit(item)
mine = lots[lots["item_code"] == item]
show_table(
    mine,
    ["lot_no", "expiry", "days_left", "on_hand", "reserved", "status"],
    {"status": "status"},
    status_col="status",
)
book = dict(zip(mine["lot_no"], mine["on_hand"], strict=True))
c1, c2 = st.columns(2)
lot = c1.selectbox(t("form.lot_no"), list(book), key=form.key("lot"))
counted = c2.number_input(
    t("form.counted", unit=unit), min_value=0, step=1, value=None, key=form.key("counted")
)
if lot and counted is not None:
    diff = int(counted) - int(book[lot])
    st.info(
        t("count.preview", book=fmt_num(book[lot]), counted=fmt_num(counted), diff=f"{diff:+,}", unit=unit)
    )
occurred_at = when_inputs(form.key("when"))
remark = st.text_input(t("form.remark"), key=form.key("remark"), max_chars=1000)

if form.submit(t("count.submit")):
    form.post(
        lambda cid: CountCmd(
            client_id=cid,
            actor=current_user(),
            occurred_at=occurred_at,
            site_code=site,
            item_code=item,
            lot_no=lot,
            counted=counted,
            remark=remark,
        ),
        svc.ledger.record_count,
        lambda res: t(
            "count.posted_superseded" if res.extra.get("superseded") else "count.posted",
            item=item_name(item),
            lot=lot,
            adjustment=f"{res.extra.get('adjustment', 0):+,}",
            unit=unit,
        ),
    )
