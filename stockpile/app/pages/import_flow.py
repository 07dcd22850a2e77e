"""The import flow after the upload, apart from the uploader so AppTest can drive it with bytes: preview →
confirmation checkboxes (GB18030, identical rows) → check and import → every row error, or one commit. UI only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from stockpile.app.pages.common import current_user, fmt_num, services, show_error
from stockpile.domain.errors import DomainError
from stockpile.i18n import row_message, t


def import_flow(data: bytes, filename: str) -> None:
    svc = services()
    s = svc.settings
    try:
        with st.spinner(t("imports.reading")):
            table = svc.read_table(data, filename, max_rows=s.import_max_rows, max_bytes=s.import_max_bytes)
    except DomainError as e:
        show_error(e)
        return

    st.subheader(t("imports.preview", rows=fmt_num(len(table.rows))))
    preview = pd.DataFrame([{"#": n, **cells} for n, cells in table.rows[:50]], columns=["#", *table.header])
    st.dataframe(preview.fillna("").astype(str), hide_index=True, width="stretch")

    asked: dict[str, list[str]] = st.session_state.setdefault("imports.asked", {})
    codes = list(dict.fromkeys([*table.needs_confirmation, *asked.get(table.sha256, [])]))
    confirmed = frozenset(
        c
        for c in codes
        if st.checkbox(t(f"import_errors.{c}"), key=f"imports.confirm.{c}.{table.sha256[:12]}")
    )
    if not st.button(t("imports.submit"), type="primary", key="imports.submit"):
        return
    try:
        with st.status(t("imports.working"), expanded=False) as status:
            report = svc.imports.import_file(data, filename, current_user(), confirmed)
            status.update(label=t("imports.checked"), state="complete")
    except DomainError as e:
        show_error(e)
        return
    if report.already_imported:
        st.warning(t("cli.import_already", **report.already_imported))
    elif report.errors:
        st.error(t("cli.import_failed", n=len(report.errors)))
        rows = [
            {
                t("imports.col_row"): e.row,
                t("imports.col_column"): e.column,
                t("imports.col_value"): e.value,
                t("imports.col_message"): row_message(e.code, dict(e.params)),
            }
            for e in report.errors
        ]
        st.dataframe(pd.DataFrame(rows).astype(str), hide_index=True, width="stretch")
    elif report.needs_confirmation:
        asked[table.sha256] = list(report.needs_confirmation)
        st.warning(t("imports.needs_confirmation"))
        for w in report.warnings:
            st.caption(t("imports.identical", row=w.row, first=w.value))
        for c in report.needs_confirmation:
            if c not in codes:
                st.checkbox(t(f"import_errors.{c}"), key=f"imports.confirm.{c}.{table.sha256[:12]}")
    else:
        st.success(t("cli.import_ok", rows=fmt_num(report.accepted), postings=fmt_num(report.postings)))
