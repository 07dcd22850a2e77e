"""库存总览: what is where, in which lots, expiring when; totals by item; available to dispatch."""
# nav: roles=keeper,dispatcher,planner,admin,province order=10 title=nav.stock icon=:material/inventory_2: section=query

from __future__ import annotations

import streamlit as st

from stockpile.app.pages.common import (
    current_user,
    guard,
    services,
    show_table,
    site_table,
    status_legend,
)
from stockpile.app.pages.common import item_names as names_of_items
from stockpile.i18n import t

guard(__file__)

svc = services()
views = svc.views
st.title(t("stock.title"))
st.caption(t("stock.caption"))

sites = site_table()  # a keeper sees only the assigned depots
items = views.items()
c1, c2, c3 = st.columns(3)
site_opts = ["", *list(sites["code"])]
site_names = dict(zip(sites["code"], sites["name"], strict=True))
item_opts = ["", *list(items["code"])]
item_names = names_of_items()
site = c1.selectbox(
    t("stock.filter_site"),
    site_opts,
    format_func=lambda c: site_names.get(c, t("stock.all")),
    key="stock.site",
)
item = c2.selectbox(
    t("stock.filter_item"),
    item_opts,
    format_func=lambda c: f"{c} {item_names[c]}" if c else t("stock.all"),
    key="stock.item",
)
within = c3.number_input(
    t("stock.filter_expiring"), min_value=0, max_value=3650, value=0, step=30, key="stock.within"
)

user = current_user()
k = svc.reads.kpis(user)
cols = st.columns(4)
for col, key in zip(cols, ["lots", "expired_lots", "expiring_30", "in_transit"], strict=True):
    col.metric(t(f"kpi.{key}"), k[key])

tab_lots, tab_items, tab_avail = st.tabs([t("stock.by_lot"), t("stock.by_item"), t("stock.availability")])
with tab_lots:
    df = svc.reads.stock(user, site or None, item_code=item or None, expiring_within_days=within or None)
    show_table(
        df,
        [
            "site_name",
            "item_code",
            "item_name",
            "lot_no",
            "expiry",
            "days_left",
            "on_hand",
            "reserved",
            "available",
            "unit",
            "mode",
            "status",
        ],
        {"status": "status", "mode": "mode"},
        status_col="status",
    )
    status_legend()
with tab_items:
    by_item = svc.reads.stock_by_item(user)
    show_table(
        by_item,
        ["item_code", "item_name", "unit", "on_hand", "reserved", "available", "expired_qty", "near_qty"],
    )
with tab_avail:
    if item:
        show_table(
            svc.reads.available(user, item),
            ["site_code", "site_name", "mode", "qty", "per_day", "lead_minutes", "reference"],
            {"mode": "mode"},
        )
    else:
        st.info(t("stock.filter_item"))
