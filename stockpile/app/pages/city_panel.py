"""The county's requests to the city (请调函) on the 请领 page, for a dispatcher or admin: the event's shortfall per
item, a form to ask the city for it (quantities filled in from what is still short) and the letters sent, each
downloadable as PDF and xlsx with the bureau of the county settings. UI only."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import pandas as pd
import streamlit as st

from stockpile import clock
from stockpile.domain.city_requests import CityRequest, CityRequestLine
from stockpile.domain.errors import DomainError
from stockpile.i18n import current_lang, domain_error_text, t
from stockpile.reports import city_requests as tables
from stockpile.reports.registers import item_text


def _form(svc: Any, code: str, user: str, short: list[Any], items: Any) -> None:
    """The new request: one editable quantity per approved item (the still-short quantity to start with)."""
    codes = [s.item_code for s in short]
    qty_col = t("city.col_qty")
    start = pd.DataFrame(
        {t("city.col_item"): [item_text(items, c) for c in codes], qty_col: [s.short for s in short]}
    )
    with st.form("city_request"):
        st.caption(t("city.lines"))
        edited = st.data_editor(
            start,
            hide_index=True,
            disabled=[t("city.col_item")],
            column_config={qty_col: st.column_config.NumberColumn(qty_col, min_value=0, step=1)},
            key="city.lines",
        )
        c1, c2 = st.columns(2)
        reason = c1.text_input(t("city.reason"), value=t("city.reason_default"))
        to = c2.text_input(t("city.recipient"), value=t("city.recipient_default"))
        day = st.date_input(t("city.needed_by"), value=None, format="YYYY-MM-DD")
        sent = st.form_submit_button(t("city.submit"))
    if not sent:
        return
    lines = tuple(
        CityRequestLine(c, int(q))
        for c, q in zip(codes, edited[qty_col].fillna(0), strict=True)
        if int(q) > 0
    )
    when = clock.local(datetime.combine(day, time(23, 59))) if day is not None else None
    try:
        r = svc.registers.record_city_request(CityRequest(0, code, lines, reason, when, to.strip()), user)
    except DomainError as e:
        st.error(domain_error_text(e))
        return
    st.success(t("city.recorded", number=r.number, lines=tables.lines_text(r, items)))


def _letters(svc: Any, code: str, user: str, items: Any) -> None:
    """The letters sent for the event, and the chosen one as PDF and xlsx."""
    st.markdown(f"**{t('city.list')}**")
    sent: list[CityRequest] = svc.registers.city_requests(code, user)
    if not sent:
        st.info(t("city.none"))
        return
    st.dataframe(tables.requests_table(sent, items), hide_index=True)
    by_number = {r.number: r for r in sent}
    pick = st.selectbox(t("city.pick"), list(by_number), key="city.pick")
    r = by_number[pick]
    doc = tables.letter(r, svc.registers.event_name(code), svc.registers.bureau(current_lang.get()), items)
    c1, c2 = st.columns(2)
    c1.download_button(
        t("city.download_pdf"), svc.letter_pdf(doc), tables.letter_filename(r, "pdf"), "application/pdf"
    )
    c2.download_button(
        t("city.download_xlsx"),
        svc.letter_xlsx(doc),
        tables.letter_filename(r, "xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def show(svc: Any, code: str, user: str) -> None:
    """The section: shortfall, the new request, the letters."""
    st.subheader(t("city.title"))
    st.caption(t("city.caption"))
    items = svc.registers.names()[1]
    try:
        short = svc.registers.shortfall(code, user)
    except DomainError as e:
        st.error(domain_error_text(e))
        return
    if short:
        st.markdown(f"**{t('city.shortfall')}**")
        st.dataframe(tables.shortfall_table(short, items), hide_index=True)
        if not any(s.short for s in short):
            st.info(t("city.no_shortfall"))
        _form(svc, code, user, short, items)
    else:
        st.info(t("city.no_shortfall"))
    _letters(svc, code, user, items)
