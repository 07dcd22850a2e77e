"""Streamlit entry: build the services once, pick the language and (until login exists) the role, navigate by role.

Pages declare themselves in their first lines:
`# nav: roles=keeper,admin order=20 title=nav.stock icon=📦 section=keeper` (section optional);
app.py lists app_pages/*.py, reads those headers and shows each role its pages, grouped by section.

Pre-login stand-in: the role comes from the sidebar picker (st.session_state["role"], default
settings.current_role) and the user from settings.current_user. When login lands, it sets
st.session_state["user"] and st.session_state["role"] and the picker is hidden (settings.role_picker = False
or a logged-in user).
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
ROLES = ("keeper", "dispatcher", "planner", "admin")
SECTIONS = ("map", "keeper", "query", "dispatch", "plan", "admin")


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


def pages_for(role: str) -> dict[str, list[st.Page]]:
    """The role's pages grouped by translated section, sections in a fixed order (unknown ones last)."""
    groups: dict[str, list[st.Page]] = {}
    mine = [p for p in page_table() if role in p["roles"].split(",")]
    has_default = any(p.get("default") == "1" for p in mine)
    for i, p in enumerate(mine):
        page = st.Page(
            p["path"],
            title=t(p["title"]),
            icon=p.get("icon"),
            url_path=Path(p["path"]).stem,
            default=p.get("default") == "1" or (not has_default and i == 0),
        )
        groups.setdefault(p.get("section", "other"), []).append(page)
    order = {s: i for i, s in enumerate(SECTIONS)}
    return {t(f"nav.section.{s}"): groups[s] for s in sorted(groups, key=lambda s: order.get(s, 99))}


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

if "role" not in st.session_state:
    st.session_state["role"] = settings.current_role if settings.current_role in ROLES else "admin"
logged_in = bool(st.session_state.get("user"))
if not logged_in and getattr(settings, "role_picker", True):
    st.session_state["role"] = st.sidebar.selectbox(
        t("app.role_pick"),
        ROLES,
        index=ROLES.index(st.session_state["role"]) if st.session_state["role"] in ROLES else 3,
        format_func=lambda r: t(f"role.{r}"),
        key=f"role_picker.{lang}",  # its own key per language: the label changes with the language
    )
role = st.session_state["role"]
user = st.session_state.get("user") or settings.current_user
st.sidebar.caption(t("app.user", user=user, role=t(f"role.{role}")))
if not logged_in:
    st.sidebar.caption(t("app.prelogin_note"))
st.sidebar.caption(t("app.demo_note"))

st.navigation(pages_for(role), expanded=True).run()
