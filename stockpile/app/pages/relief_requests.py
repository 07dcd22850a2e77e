"""请领: township request lines with their status, a form to submit one, and the county's decision on a line."""
# nav: roles=informant,dispatcher,admin order=27 title=nav.requests icon=:material/assignment: section=dispatch

from __future__ import annotations

import pandas as pd
import streamlit as st

from stockpile.app.pages import city_panel
from stockpile.app.pages.common import current_user, guard, lang, services
from stockpile.domain.errors import DomainError
from stockpile.events.commands import DECISIONS, PRIORITIES, RequestLine
from stockpile.i18n import aside, domain_error_text, t
from stockpile.i18n import format as fmt

guard(__file__)

svc = services()
user = current_user()
st.title(t("nav.requests"))
st.caption(t("events.page_requests_caption"))

events = svc.events.events(user)
if not events:
    st.info(t("events.none"))
    st.stop()
named = {e.code: aside(e.name, e.code) if e.name and e.name != e.code else e.code for e in events}
code = st.selectbox(t("events.col_event"), list(named), format_func=named.__getitem__)
rows = svc.events.requests(code, user)
cols = [
    "id",
    "township",
    "item",
    "qty",
    "priority",
    "needed_by",
    "destination",
    "status",
    "approved",
    "delivered",
    "reason",
]
names = svc.registers.namer()  # places and items by name, quantities in the item's unit, blanks as —


def _qty(item: str, n: int | None) -> str:
    return "—" if n is None else fmt.qty(n, names.unit(item))


table = pd.DataFrame(
    [
        (
            r.id,
            names.place(r.township),
            names.item(r.item_code, lang()),
            _qty(r.item_code, r.qty),
            r.priority,
            fmt.when(r.needed_by),
            names.place(r.destination),
            t(f"request_status.{r.status}"),
            _qty(r.item_code, r.approved_qty),
            _qty(r.item_code, r.delivered_qty),
            r.reason or "",
        )
        for r in rows
    ],
    columns=[t(f"events.col_{c}") for c in cols],
)
st.dataframe(table, hide_index=True) if rows else st.info(t("events.no_requests"))


def _run(fn: object, *args: object, **kw: object) -> object:
    try:
        return fn(*args, **kw)  # type: ignore[operator]
    except DomainError as e:
        st.error(domain_error_text(e))
        return None


st.subheader(t("events.new_request"))
with st.form("request"):
    c1, c2, c3 = st.columns(3)
    item = c1.text_input(t("events.col_item"))
    qty = c2.number_input(t("events.col_qty"), min_value=0, step=1)
    priority = c3.selectbox(t("events.col_priority"), PRIORITIES, index=1)
    dest = st.text_input(t("events.col_destination"))
    sent = st.form_submit_button(t("events.submit_request"))
if sent:
    line = RequestLine(
        0, code, "", item.strip(), int(qty), int(priority), None, dest.strip(), "", None, "", "", ""
    )
    r = _run(svc.events.add_request, line, user)
    if isinstance(r, RequestLine):
        st.success(
            t(
                "events.requested",
                id=r.id,
                item=names.item(r.item_code, lang()),
                qty=fmt.qty(r.qty, names.unit(r.item_code)),
                to=names.place(r.destination),
                priority=r.priority,
            )
        )

open_lines = [r.id for r in rows if r.status == "submitted"]
if st.session_state.get("role") in ("dispatcher", "admin") and open_lines:
    st.subheader(t("events.decide"))
    with st.form("decide"):
        rid = st.selectbox(t("events.col_id"), open_lines)
        decision = st.selectbox(
            t("events.decision"), DECISIONS, format_func=lambda d: t(f"request_status.{d}")
        )
        approved = st.number_input(t("events.approved_qty"), min_value=0, step=1)
        reason = st.text_input(t("events.reason"))
        go = st.form_submit_button(t("events.submit_decision"))
    if go:
        want = "refused" if decision == "refused" else "approved"
        r = _run(svc.events.decide_request, rid, want, user, int(approved) or None, reason)
        if isinstance(r, RequestLine):
            why = aside("", r.reason) if r.reason else ""  # 「（…）」 / " (…)"
            st.success(
                t(
                    "events.decided",
                    id=r.id,
                    status=t(f"request_status.{r.status}"),
                    qty=r.approved_qty,
                    reason=why,
                )
            )

if st.session_state.get("role") in ("dispatcher", "admin"):
    city_panel.show(svc, code, user)  # 请调函: ask the city for what the county cannot cover
