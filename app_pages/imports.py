"""批量导入: upload an xlsx or CSV of receipts and issues → preview → every row error (row, column, value) or one
all-or-nothing commit. GB18030 files and identical rows need a tick before they are posted."""
# nav: roles=keeper,admin order=30 title=nav.imports icon=:material/upload_file: section=keeper

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import current_user, fmt_num, lang, services, show_error
from i18n import catalogue, t
from stockpile.domain.errors import DomainError

svc = services()
st.title(t("imports.title"))
st.caption(t("imports.caption"))
st.download_button(
    t("imports.template"),
    svc.import_template(lang()),
    file_name="导入模板.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="imports.template",
)
up = st.file_uploader(t("imports.upload"), type=["xlsx", "csv"], key="imports.file")
if up is None:
    st.info(t("imports.hint"))
    st.stop()


def message(code: str, params: dict) -> str:
    key = f"import_errors.{code}" if f"import_errors.{code}" in catalogue("zh") else f"errors.{code}"
    return t(key, **params)


data = up.getvalue()
try:
    with st.spinner(t("imports.reading")):
        s = svc.settings
        table = svc.read_table(data, up.name, max_rows=s.import_max_rows, max_bytes=s.import_max_bytes)
except DomainError as e:
    show_error(e)
    st.stop()

st.subheader(t("imports.preview", rows=fmt_num(len(table.rows))))
preview = pd.DataFrame([{"#": n, **cells} for n, cells in table.rows[:50]], columns=["#", *table.header])
st.dataframe(preview.astype(str), hide_index=True, width="stretch")

asked = st.session_state.setdefault("imports.asked", {})
codes = list(dict.fromkeys([*table.needs_confirmation, *asked.get(table.sha256, [])]))
confirmed = frozenset(
    c for c in codes if st.checkbox(t(f"import_errors.{c}"), key=f"imports.confirm.{c}.{table.sha256[:12]}")
)

if st.button(t("imports.submit"), type="primary", key="imports.submit"):
    try:
        with st.status(t("imports.working"), expanded=False) as status:
            report = svc.import_file(data, up.name, current_user(), confirmed)
            status.update(label=t("imports.checked"), state="complete")
    except DomainError as e:
        show_error(e)
        st.stop()
    if report.already_imported:
        st.warning(t("cli.import_already", **report.already_imported))
    elif report.errors:
        st.error(t("cli.import_failed", n=len(report.errors)))
        rows = [
            {
                t("imports.col_row"): e.row,
                t("imports.col_column"): e.column,
                t("imports.col_value"): e.value,
                t("imports.col_message"): message(e.code, dict(e.params)),
            }
            for e in report.errors
        ]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    elif report.needs_confirmation:
        asked[table.sha256] = list(report.needs_confirmation)
        st.warning(t("imports.needs_confirmation"))
        for w in report.warnings:
            st.caption(t("imports.identical", row=w.row, first=w.value))
        st.rerun()
    else:
        st.success(t("cli.import_ok", rows=fmt_num(report.accepted), postings=fmt_num(report.postings)))
