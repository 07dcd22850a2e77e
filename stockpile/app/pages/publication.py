"""信息发布: an event's demand, production, storage (by township) and transport (delivered and on the way), as the
bureau publishes them (seeds 000:296) — no reporter, owner, private donor, driver or phone — with xlsx and PDF."""
# nav: roles=dispatcher,planner,admin order=29 title=nav.publication icon=:material/campaign: section=dispatch

from __future__ import annotations

import streamlit as st

from stockpile.app.pages.common import current_user, guard, services
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, domain_error_text, t
from stockpile.reports import registers as tables

guard(__file__)

svc = services()
user = current_user()
st.title(t("nav.publication"))
st.caption(t("publication.caption"))

events = svc.events.events(user)
if not events:
    st.info(t("events.none"))
    st.stop()
names = {e.code: e.name for e in events}
code = st.selectbox(t("events.col_event"), list(names), format_func=lambda c: aside(names[c], c))
try:
    pub = svc.registers.publication(code, user)
except DomainError as e:
    st.error(domain_error_text(e))
    st.stop()
sheets = tables.publication_tables(pub)
title, notes = tables.publication_title(pub)
st.subheader(title)
st.caption(notes[0])
for name, df in sheets.items():
    st.markdown(f"**{name}**")
    if df.empty:
        st.caption(t("publication.empty"))
    else:
        st.dataframe(df, hide_index=True)
c1, c2 = st.columns(2)
c1.download_button(t("registers.download_xlsx"), svc.to_xlsx(sheets, {}), f"{title}.xlsx", key="pub.xlsx")
pdf = svc.to_pdf(title, sheets, notes, t("publication.empty"))
c2.download_button(t("registers.download_pdf"), pdf, f"{title}.pdf", mime="application/pdf", key="pub.pdf")
