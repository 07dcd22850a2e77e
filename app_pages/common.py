"""Helpers every page uses: the services handle, translated tables, error display. UI only."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from i18n import error_text, t
from stockpile.domain.errors import DomainError


def services() -> Any:
    """The Services object app.py put into session state (fakes in AppTest)."""
    return st.session_state["services"]


def show_table(df: pd.DataFrame, columns: list[str], translate: dict[str, str] | None = None) -> None:
    """A dataframe with translated headers and translated enum values (status, mode, kind, category)."""
    if df.empty:
        st.info(t("stock.empty"))
        return
    view = df[[c for c in columns if c in df.columns]].copy()
    for col, prefix in (translate or {}).items():
        if col in view.columns:
            view[col] = [t(f"{prefix}.{v}") for v in view[col]]
    view.columns = [t(f"col.{c}") for c in view.columns]
    st.dataframe(view, hide_index=True, use_container_width=True)


def show_error(e: DomainError) -> None:
    st.error(error_text(e.code, e.params))
