"""货位卡: every movement of one item (or one lot) at one depot, oldest first, with the running balance."""
# nav: roles=keeper,dispatcher,planner,admin order=12 title=nav.bin_card icon=:material/inventory: section=query

from __future__ import annotations

import streamlit as st

from stockpile.app.pages.common import (
    current_user,
    fmt_num,
    guard,
    item_picker,
    item_unit,
    services,
    show_table,
    site_picker,
)
from stockpile.i18n import t

guard(__file__)

svc = services()
st.title(t("bin_card.title"))
st.caption(t("bin_card.caption"))
c1, c2, c3 = st.columns(3)
with c1:
    site = site_picker(t("form.site"), "bin_card.site")
with c2:
    item = item_picker(t("form.item"), "bin_card.item")
lots = svc.reads.stock(current_user(), site, item_code=item, include_zero=True)
lot = c3.selectbox(
    t("form.lot_no"), ["", *lots["lot_no"]], format_func=lambda x: x or t("stock.all"), key="bin_card.lot"
)
with st.spinner(t("app.working")):
    card = svc.reads.bin_card(current_user(), site, item, lot or None)
unit = item_unit(item)
st.metric(t("bin_card.balance", unit=unit), fmt_num(int(card["balance"].iloc[-1]) if not card.empty else 0))
if not card.empty:
    card = card.iloc[::-1].reset_index(drop=True)  # newest first on screen
show_table(
    card,
    [
        "occurred_at",
        "kind",
        "lot_no",
        "qty",
        "balance",
        "purpose",
        "reason",
        "actor",
        "doc_no",
        "event_tag",
        "remark",
    ],
    {"kind": "kind", "purpose": "purpose", "reason": "reason"},
)
