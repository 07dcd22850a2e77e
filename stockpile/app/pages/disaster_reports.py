"""灾情报送: an event's village reports (latest figures or every report) and a form to file one (初报/续报) with
any number of need lines (急需), as `relief report add --need ITEM=QTY` repeated."""
# nav: roles=informant,dispatcher,admin order=26 title=nav.reports icon=:material/flood: section=dispatch

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from stockpile import clock
from stockpile.app.pages.common import current_user, guard, lang, services
from stockpile.domain.errors import DomainError
from stockpile.events.commands import ReportRecord
from stockpile.i18n import aside, domain_error_text, listed, t
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
named = {e.code: aside(e.name, e.code) if e.name and e.name != e.code else e.code for e in events}
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
    "needs",
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
            listed(names.goods(i, q, lang()) for i, q in r.needs) or "—",
            r.reporter,
            "—" if r.supersedes is None else r.supersedes,
        )
        for r in rows
    ],
    columns=[t(f"events.col_{c}") for c in cols],
)
st.dataframe(table, hide_index=True) if rows else st.info(t("events.no_reports"))

words = names.words(lang())  # item code → (name in the reader's language, base unit)


def _need_lines(edited: pd.DataFrame) -> tuple[tuple[str, int], ...] | None:
    """The editor's rows as need lines (item code, quantity); blank rows are left out. A row with an item and no
    whole quantity ≥ 1, or a quantity and no item, is refused with its row number (None): nothing is saved. One
    line per item is the service's rule (`DuplicateNeed`), as for `--need` given twice."""
    out: list[tuple[str, int]] = []
    for n, row in enumerate(edited.to_dict("records"), start=1):
        item = row["item"] if isinstance(row.get("item"), str) else ""
        qty: Any = row.get("qty")
        blank = qty is None or pd.isna(qty)
        if not item and blank:
            continue
        if not item or blank or float(qty) != int(qty) or int(qty) < 1:
            st.error(t("events.bad_need_row", row=n))
            return None
        out.append((item, int(qty)))
    return tuple(out)


def _named(e: DomainError) -> DomainError:
    """The error with its item code as the item's name (「一项急需物资填了两行」 names the item, not its code)."""
    item = e.params.get("item")
    return type(e)(**{**e.params, "item": words[item][0]}) if item in words else e


def _file(needs: tuple[tuple[str, int], ...], village: str, counts: tuple[int, int, int]) -> None:
    at = clock.now().replace(microsecond=0)
    rec = ReportRecord(0, code, "", village, at, *counts, "", None, needs)
    try:
        r = svc.events.add_report(rec, user)
    except DomainError as e:
        st.error(f"{domain_error_text(_named(e))} {t('events.report_not_saved')}")  # nothing is stored
        return
    done = t(
        "events.reported",
        event=code,
        village=names.place(r.village),
        affected=r.affected,
        relocated=r.relocated,
        houses=r.damaged_houses,
        id=r.id,
    )
    if r.needs:
        done += t("events.reported_needs", needs=listed(names.goods(i, q, lang()) for i, q in r.needs))
    st.success(done)


st.subheader(t("events.new_report"))
blank_line: dict[str, list[Any]] = {"item": [None], "qty": [None]}
with st.form("report"):
    village = st.text_input(t("events.col_village"))
    c1, c2, c3 = st.columns(3)
    affected = c1.number_input(t("events.col_affected"), min_value=0, step=1)
    relocated = c2.number_input(t("events.col_relocated"), min_value=0, step=1)
    houses = c3.number_input(t("events.col_houses"), min_value=0, step=1)
    st.caption(t("events.needs_caption"))
    edited = st.data_editor(
        pd.DataFrame(blank_line).astype({"item": "object", "qty": "Int64"}),
        key="report.needs",
        num_rows="dynamic",
        hide_index=True,
        column_config={
            "item": st.column_config.SelectboxColumn(
                t("events.need_item"),
                options=list(words),
                format_func=lambda c: aside(words[c][0], words[c][1]) if words[c][1] else words[c][0],
            ),
            "qty": st.column_config.NumberColumn(t("events.need_qty"), min_value=1, step=1, format="%d"),
        },
        width="stretch",
    )
    sent = st.form_submit_button(t("events.submit_report"))
if sent and (needs := _need_lines(edited)) is not None:
    _file(needs, village.strip(), (int(affected), int(relocated), int(houses)))
