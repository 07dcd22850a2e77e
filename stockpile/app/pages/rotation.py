"""轮换计划: plan the year's releases and procurements; stock vs standard chart, schedule, reasons for any gap."""
# nav: roles=planner,admin order=62 title=nav.rotation icon=:material/autorenew: section=plan

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from stockpile import clock
from stockpile.app.pages import job_panel
from stockpile.app.pages.common import guard, item_words, items_in_lang, services, show_table
from stockpile.i18n import format as fmt
from stockpile.i18n import t
from stockpile.jobs.commands import ROTATION_PLAN

guard(__file__)

svc = services()
st.title(t("rotation.title"))
st.caption(t("rotation.caption"))

year = st.number_input(
    t("rotation.year"), min_value=2000, max_value=2100, value=clock.today().year + 1, key="rotation.year"
)
# the plan is a job run by a worker (the solver forks nothing in this server); the newest plan of the year is
# shown again when the planner comes back
if st.button(t("rotation.run"), key="rotation.run"):
    job_panel.submit(ROTATION_PLAN, {"year": int(year)}, "rotation")
report = job_panel.newest(
    ROTATION_PLAN, "rotation", lambda p: p.get("year") == int(year), svc.planning.config.time_limit_s
)
st.session_state["rotation.report"] = report
if report is None:
    st.info(t("rotation.not_run"))
    st.stop()

plan = report.plan
keys = pd.DataFrame(report.keys)
st.caption(t("rotation.period", start=report.start, end=date(int(year), 12, 31)))
st.caption(t("rotation.status", status=fmt.enum_text("solver_status", plan.status)))
if report.before_start:  # planning a later year: lots gone by 1 January are this year's to rotate
    st.warning(t("rotation.before_start", n=len(report.before_start), start=report.start))
    show_table(
        pd.DataFrame(report.before_start),
        ["area_name", "item_code", "item_name", "lot_no", "qty", "unit", "expiry"],
        key="rotation.before_start",
    )
for ch in report.absent_channels:
    st.caption(t("rotation.channel_absent", channel=fmt.enum_text("channel", ch)))
if plan.holds_standard:
    st.success(t("rotation.holds"))
else:
    st.warning(t("rotation.short", keys=int((keys["short_days"] > 0).sum())))
cols = st.columns(3)
cols[0].metric(t("col.action"), len(report.schedule))
cols[1].metric(
    t("review_doc.budget_total"),
    fmt.yuan_amount(sum(r["cost_fen"] for r in report.schedule if r["action"] == "procure")),
)
# bottles and tents do not add up: count the short area/item pairs; each pair's gap is in its own unit below
cols[2].metric(
    t("rotation.short_keys"), fmt.num(int((keys["short_days"] > 0).sum()) if not keys.empty else 0)
)

st.subheader(t("rotation.chart"))
words = item_words()
labels = {
    r["key_id"]: f"{r['area_name']} · {r['item_code']} {words.get(r['item_code'], ('', ''))[0]}"
    for r in report.keys
}
short_days = dict(zip(keys["key_id"], keys["short_days"], strict=True))
order = sorted(labels, key=lambda k: (-int(short_days[k]), labels[k]))
key = st.selectbox(t("rotation.key"), order, format_func=lambda k: labels[k], key="rotation.key")
series = pd.DataFrame([r for r in report.series if r["key_id"] == key])
if not series.empty:
    chart = series.set_index("date")[["counted", "standard"]].rename(
        columns={"counted": t("col.counted"), "standard": t("col.standard")}
    )
    st.line_chart(chart)

st.subheader(t("rotation.schedule"))
sched = pd.DataFrame(report.schedule)
show_table(
    sched,
    [
        "date",
        "area_name",
        "item_code",
        "item_name",
        "action",
        "lot_no",
        "qty",
        "unit",
        "channel",
        "cost_fen",
        "arrival",
        "expiry",
    ],
    {"action": "action", "channel": "channel"},
)
if not sched.empty:
    headers = {c: t(f"col.{c}") for c in sched.columns}
    st.download_button(
        t("rotation.download"),
        svc.to_xlsx({t("rotation.schedule"): fmt.export_frame(items_in_lang(sched))}, headers),
        file_name=f"{t('file_name.rotation')}-{int(year)}.xlsx",
        key="rotation.download",
    )
if report.explanations:
    st.subheader(t("rotation.explanations"))
    explained = pd.DataFrame(report.explanations)
    explained["unit_days"] = [  # 9,905顶·天: a gap carries its item's unit
        fmt.qty(n, f"{u}·{t('rotation.day')}")
        for n, u in zip(explained["unit_days"], explained["unit"], strict=True)
    ]
    show_table(
        explained,
        [
            "area_name",
            "item_code",
            "item_name",
            "first_day",
            "last_day",
            "unit_days",
            "reason",
            "earliest_arrival",
        ],
        {"reason": "reason"},
    )
