"""Streamlit entry: build the services once, pick the language, navigate by role (UI only).

Pages declare themselves in their first lines: `# nav: roles=keeper,admin order=20 title=nav.stock icon=📦`;
app.py lists app_pages/*.py, reads those headers and shows each role its pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from i18n import set_lang, t
from stockpile.bootstrap import build_services
from stockpile.config import get_settings

st.set_page_config(page_title="应急物资储备与调度优化", page_icon="🚚", layout="wide")
NAV = re.compile(r"^# nav: (.*)$", re.M)
HERE = Path(__file__).resolve().parent


@st.cache_resource
def _services():  # type: ignore[no-untyped-def]
    return build_services(get_settings())


@st.cache_data
def page_table() -> list[dict[str, str]]:
    """Every page's nav header, sorted by order."""
    out = []
    for path in sorted((HERE / "app_pages").glob("*.py")):
        m = NAV.search(path.read_text(encoding="utf-8")[:600])
        if m:
            meta = dict(kv.split("=", 1) for kv in m.group(1).split())
            meta["path"] = f"app_pages/{path.name}"
            out.append(meta)
    return sorted(out, key=lambda d: int(d.get("order", "100")))


if "services" not in st.session_state:
    st.session_state["services"] = _services()
settings = st.session_state["services"].settings
role = st.session_state.get("role", settings.current_role)

lang = st.sidebar.radio(
    "语言 / Language",
    ["zh", "en"],
    format_func=lambda x: "中文" if x == "zh" else "English",
    horizontal=True,
    key="lang",
)
set_lang(lang)
st.sidebar.caption(t("app.user", user=settings.current_user, role=t(f"role.{role}")))
st.sidebar.caption(t("app.demo_note"))

pages = [
    st.Page(
        p["path"],
        title=t(p["title"]),
        icon=p.get("icon"),
        url_path=Path(p["path"]).stem,
        default=p.get("default") == "1",
    )
    for p in page_table()
    if role in p["roles"].split(",")
]
st.navigation(pages).run()
