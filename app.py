"""Streamlit entry: build the services once, pick the language, navigate by role (UI only)."""

from __future__ import annotations

import streamlit as st

from i18n import set_lang, t
from stockpile.bootstrap import build_services
from stockpile.config import get_settings

st.set_page_config(page_title="应急物资储备与调度优化", page_icon="🚚", layout="wide")


@st.cache_resource
def _services():  # type: ignore[no-untyped-def]
    return build_services(get_settings())


if "services" not in st.session_state:
    st.session_state["services"] = _services()
settings = st.session_state["services"].settings

lang = st.sidebar.radio(
    "语言 / Language",
    ["zh", "en"],
    format_func=lambda x: "中文" if x == "zh" else "English",
    horizontal=True,
    key="lang",
)
set_lang(lang)
st.sidebar.caption(t("app.user", user=settings.current_user, role=t(f"role.{settings.current_role}")))
st.sidebar.caption(t("app.demo_note"))

PAGES = {
    "keeper": [("app_pages/stock.py", "nav.stock", "📦")],
    "dispatcher": [("app_pages/stock.py", "nav.stock", "📦")],
    "planner": [("app_pages/stock.py", "nav.stock", "📦")],
    "admin": [("app_pages/stock.py", "nav.stock", "📦")],
}
pages = [
    st.Page(path, title=t(key), icon=icon, url_path=path.split("/")[-1][:-3])
    for path, key, icon in PAGES.get(settings.current_role, PAGES["keeper"])
]
st.navigation(pages).run()
