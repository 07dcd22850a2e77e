"""灾情报送: an event's village reports (latest figures or every report) and a form to file one (初报/续报)."""
# nav: roles=informant,dispatcher,admin order=26 title=nav.reports icon=:material/flood: section=dispatch

from __future__ import annotations

import pandas as pd
import streamlit as st

from stockpile import clock
from stockpile.app.pages.common import current_user, guard, services
from stockpile.domain.errors import DomainError
from stockpile.events.commands import ReportRecord
from stockpile.i18n import domain_error_text, t
from stockpile.i18n import format as fmt

guard(__file__)

svc = services()
user = current_user()
st.title(t("nav.reports"))
st.caption(t("events.page_reports_caption"))

events = svc.events.events(user)
if not events:
    st.info(t("events.none"))
    st.stop()
named = {e.code: f"{e.name}（{e.code}）" if e.name and e.name != e.code else e.code for e in events}
code = st.selectbox(t("events.col_event"), list(named), format_func=named.__getitem__)
latest = st.checkbox(t("events.latest_only"), value=True)
rows = svc.events.reports(code, user, latest)
cols = [
    "id",
    "township",
    "village",
    "reported_at",
    "affected",
    "relocated",
    "houses",
    "reporter",
    "supersedes",
]
names = svc.registers.namer()  # townships and villages by name, the code beside
table = pd.DataFrame(
    [
        (
            r.id,
            names.place(r.township),
            names.place(r.village),
            fmt.when(r.reported_at),
            fmt.num(r.affected),
            fmt.num(r.relocated),
            fmt.num(r.damaged_houses),
            r.reporter,
            "—" if r.supersedes is None else r.supersedes,
        )
        for r in rows
    ],
    columns=[t(f"events.col_{c}") for c in cols],
)
st.dataframe(table, hide_index=True) if rows else st.info(t("events.no_reports"))

st.subheader(t("events.new_report"))
with st.form("report"):
    village = st.text_input(t("events.col_village"))
    c1, c2, c3 = st.columns(3)
    affected = c1.number_input(t("events.col_affected"), min_value=0, step=1)
    relocated = c2.number_input(t("events.col_relocated"), min_value=0, step=1)
    houses = c3.number_input(t("events.col_houses"), min_value=0, step=1)
    n1, n2 = st.columns(2)
    need_item = n1.text_input(t("events.need_item"))
    need_qty = n2.number_input(t("events.need_qty"), min_value=0, step=1)
    sent = st.form_submit_button(t("events.submit_report"))
if sent:
    needs = ((need_item.strip(), int(need_qty)),) if need_item.strip() else ()
    rec = ReportRecord(
        0,
        code,
        "",
        village.strip(),
        clock.now().replace(microsecond=0),
        int(affected),
        int(relocated),
        int(houses),
        "",
        None,
        needs,
    )
    try:
        r = svc.events.add_report(rec, user)
        st.success(
            t(
                "events.reported",
                event=code,
                village=names.place(r.village),
                affected=r.affected,
                relocated=r.relocated,
                houses=r.damaged_houses,
                id=r.id,
            )
        )
    except DomainError as e:
        st.error(domain_error_text(e))
