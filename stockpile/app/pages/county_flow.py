"""The county workbook's import flow after the upload, apart from the uploader so AppTest can drive it with bytes:
a dry-run preview (every problem with sheet, row, column and value, or what will be added, changed, deactivated or
kept) → 确认导入 → one all-or-nothing commit. UI only."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from stockpile.app.pages.common import current_user, services, show_error
from stockpile.domain.errors import DomainError
from stockpile.i18n import column_name, column_where, listed, problem_text, t


def _problems(problems: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("county.col_sheet"): p.sheet,
                t("county.col_row"): p.row,
                t("county.col_column"): column_where(p.column),
                t("county.col_value"): p.value,
                t("county.col_problem"): problem_text(p.code, p.params),
            }
            for p in problems
        ]
    ).astype(str)


def _changes(changes: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                t("county.col_kind"): t(f"county.kind.{c.kind}"),
                t("county.col_sheet"): c.sheet,
                t("county.col_key"): c.key,
                t("county.col_name"): c.name,
                t("county.col_fields"): listed(column_name(f) for f in c.fields),
            }
            for c in changes
        ]
    ).astype(str)


def _counts(report: Any) -> dict[str, Any]:
    return {
        k: report.counts().get(k, 0)
        for k in ("added", "reactivated", "changed", "deactivated", "deleted", "kept")
    }


def county_flow(data: bytes, replace: bool = False, boundaries: bytes | None = None) -> None:
    svc, user = services(), current_user()
    try:
        with st.spinner(t("imports.reading")):
            preview = svc.onboarding.import_workbook(data, user, replace, dry_run=True, boundaries=boundaries)
    except DomainError as e:
        show_error(e)
        return
    if preview.warnings:
        st.warning(t("county.warnings_title"))
        st.dataframe(_problems(preview.warnings), hide_index=True, width="stretch")
    if preview.errors:
        st.error(t("county.errors_title", n=len(preview.errors)))
        st.dataframe(_problems(preview.errors), hide_index=True, width="stretch")
        return
    if all(c.kind == "kept" for c in preview.changes):
        st.success(t("county.nothing"))
        return
    st.subheader(t("county.changes_title"))
    st.caption(t("county.previewed", **_counts(preview)))
    st.dataframe(_changes(preview.changes), hide_index=True, width="stretch")
    if not st.button(t("county.commit"), type="primary", key="county.commit"):
        return
    try:
        report = svc.onboarding.import_workbook(data, user, replace, boundaries=boundaries)
    except DomainError as e:
        show_error(e)
        return
    if report.errors:  # someone else changed the county between preview and commit
        st.error(t("county.errors_title", n=len(report.errors)))
        st.dataframe(_problems(report.errors), hide_index=True, width="stretch")
        return
    st.success(t("county.imported", **_counts(report)))
    if report.setup_codes:  # the only time anyone sees them: only their hashes are stored
        st.warning(t("county.setup_codes_title", n=len(report.setup_codes)))
        codes = [
            {t("county.col_user"): u, t("county.col_setup_code"): c} for u, c in report.setup_codes.items()
        ]
        st.dataframe(pd.DataFrame(codes).astype(str), hide_index=True, width="stretch")
