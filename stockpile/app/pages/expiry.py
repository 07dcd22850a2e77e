"""近效期看板: expired and expiring stock per site and item with its value; short-life items to move to agreements."""
# nav: roles=planner,admin,keeper,dispatcher order=63 title=nav.expiry icon=:material/hourglass_bottom: section=query

from __future__ import annotations

import pandas as pd
import streamlit as st

from stockpile.app.pages.common import current_user, guard, services, show_table
from stockpile.i18n import t

guard(__file__)

svc = services()
st.title(t("expiry.title"))
st.caption(t("expiry.caption"))

dash = svc.planning.expiry_dashboard(actor=current_user())  # a keeper's: the assigned depots
buckets = pd.DataFrame(dash["buckets"])
names = ["expired", "le_30", "le_60", "le_90", "le_180"]
cols = st.columns(len(names))
for col, b in zip(cols, names, strict=True):
    sub = buckets[buckets["bucket"] == b] if not buckets.empty else buckets
    value = int(sub["value_fen"].sum()) if not sub.empty else 0
    col.metric(t(f"bucket.{b}"), f"{value / 100:,.0f}", help=t("expiry.value_total"))

st.subheader(t("expiry.buckets"))
show_table(
    buckets,
    ["bucket", "site_name", "item_code", "item_name", "unit", "lots", "qty", "value_fen"],
    {"bucket": "bucket"},
)
st.subheader(t("expiry.recommend"))
show_table(
    pd.DataFrame(dash["recommendations"]),
    [
        "item_code",
        "item_name",
        "unit",
        "shelf_life_days",
        "physical_qty",
        "at_risk_qty",
        "at_risk_value_fen",
        "recommendation",
    ],
    {"recommendation": "recommend"},
)
