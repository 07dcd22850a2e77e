"""The app's entry: build the services once, pick the language and the acting user, navigate by role.

Streamlit runs a thin script (the repository's `app.py` for `make run`, or `stockpile/app/run.py` for `relief app`
from an installed wheel) that calls `main()` on every rerun.

Pages declare themselves in their first lines:
`# nav: roles=keeper,admin order=20 title=nav.stock icon=📦 section=keeper` (section optional);
`main()` lists stockpile/app/pages/*.py, reads those headers and shows each role its pages, grouped by section.

Who acts: the logged-in user (login page; the server-side session is re-read on every rerun). A guest sees only
the login page. In demo/training mode (RELIEF_ROLE_PICKER=1) a sidebar picker acts as the role's demo user.

A province on one server (RELIEF_COUNTIES_FILE, docs/deployment.md): every county keeps its own database and its
own users. The login page signs in to each registered county that accepts the name and password (a login per
county, `auth.counties`); the sidebar's county picker lists only those, and the whole app then reads and writes
the chosen county's database (its services, its login). A county that did not accept the login is never listed.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from stockpile.app.pages.common import nav_meta
from stockpile.bootstrap import build_services, storage_problem
from stockpile.config import County, Settings, get_settings, load_settings, read_counties
from stockpile.i18n import set_lang, settings_text, t

PAGES = Path(__file__).resolve().parent / "pages"
ROLES = ("keeper", "dispatcher", "planner", "admin")
SECTIONS = ("map", "keeper", "query", "dispatch", "plan", "admin")


@st.cache_resource
def _services():  # type: ignore[no-untyped-def]
    return build_services(get_settings())


@st.cache_resource
def _county_services(registry: str, code: str):  # type: ignore[no-untyped-def]
    """One county's services, built once per process (keyed by the registry too: tests use several)."""
    return build_services(Settings(counties_file=registry, county=code))


def registry() -> list[County]:
    """The province's counties (RELIEF_COUNTIES_FILE), [] for a one-county install or an unreadable file."""
    path = get_settings().counties_file
    if path is None:
        return []
    try:
        return read_counties(path)
    except ValueError:  # the CLI names the fault (`relief county list`); the app stays a one-county app
        return []


def county_picker() -> None:
    """With a registry: the counties this session signed in to, one chosen in the sidebar; its services and login
    become the session's. Before any login the first registered county (or RELIEF_COUNTY) answers."""
    counties = registry()
    if not counties:
        return
    path = str(get_settings().counties_file)
    names = {c.code: c.name for c in counties}
    st.session_state["county.names"] = names
    st.session_state["county.services_of"] = lambda code: _county_services(path, code)
    tokens: dict[str, str] = {
        c: tok for c, tok in st.session_state.get("auth.counties", {}).items() if c in names
    }
    granted = sorted(tokens) or [get_settings().county or counties[0].code]
    chosen = str(st.session_state.get("county") or "")
    if chosen not in granted:  # never a county this session did not sign in to, whatever the session says
        chosen = granted[0]
    if len(granted) > 1:
        chosen = str(
            st.sidebar.selectbox(
                t("app.county_pick"),
                granted,
                index=granted.index(chosen),
                format_func=lambda c: names.get(c, c),
                key="county.pick",
            )
        )
    st.session_state["county"] = chosen
    st.session_state["services"] = _county_services(path, chosen)
    if chosen in tokens:
        st.session_state["auth.token"] = tokens[chosen]
    st.sidebar.caption(t("app.county_now", name=names[chosen]))


@st.cache_data
def page_table() -> list[dict[str, str]]:
    """Every page's nav header, sorted by order."""
    out = []
    for path in sorted(PAGES.glob("*.py")):
        meta = nav_meta(path)
        if meta:
            out.append(meta | {"path": str(path)})  # absolute: the same from the repository and from a wheel
    return sorted(out, key=lambda d: int(d.get("order", "100")))


def home_path(role: str) -> str:
    """The role's home: its default page (应急一张图), else its first page."""
    mine = [p for p in page_table() if role in p["roles"].split(",")]
    return next((p["path"] for p in mine if p.get("default") == "1"), mine[0]["path"])


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


def _language(first: str = "zh") -> str:
    """The sidebar's language switch, applied to this run (``first``: RELIEF_LANGUAGE, before any choice). The
    choice is also kept outside the widget: Streamlit drops a widget's state on a page switch (the landing after
    login), and the language must survive it."""
    chosen = st.session_state.setdefault("lang.chosen", first)
    if "lang" not in st.session_state:
        st.session_state["lang"] = chosen
    lang = str(
        st.sidebar.radio(
            "语言 / Language",
            ["zh", "en"],
            format_func=lambda x: "中文" if x == "zh" else "English",
            horizontal=True,
            key="lang",
        )
    )
    st.session_state["lang.chosen"] = lang
    set_lang(lang)
    return lang


def main() -> None:
    """One script run: services, language, who acts, the role's navigation."""
    st.set_page_config(page_title="应急物资储备与调度优化", page_icon="🚚", layout="wide")
    # a setting out of range: one sentence naming it, never Streamlit's redacted exception
    loaded, bad = load_settings()
    if loaded is None:
        st.error(t("cli.bad_settings", detail=settings_text(bad)))
        st.stop()
        return
    if "services" not in st.session_state and not registry():
        problem = storage_problem(loaded)  # a missing file is never created by opening the app
        if problem is not None:
            st.error(problem)
            st.stop()
        st.session_state["services"] = _services()

    lang = _language(loaded.language)
    county_picker()  # with a province registry: the chosen county's services and login
    settings = st.session_state["services"].settings

    svc = st.session_state["services"]
    # Who is acting, re-read from the database on every rerun: a revoked or disabled login is gone at once.
    token = st.session_state.get("auth.token")
    who = svc.trust.session_user(token) if token else None
    if who is None:
        for key in ("auth.token", "user"):
            st.session_state.pop(key, None)
    is_demo = (
        svc.trust.is_demo_database()
    )  # read once per run: the role picker and the sidebar note both need it
    st.session_state["demo_mode"] = demo_mode = bool(settings.role_picker) and is_demo
    if who is not None:
        role, user = who.role, who.username
        st.session_state["role"], st.session_state["user"] = role, user
    elif demo_mode:  # training role picker: only in a database made by `relief demo`
        current = st.session_state.get("role", settings.current_role)
        role = st.sidebar.selectbox(
            t("app.role_pick"),
            ROLES,
            index=ROLES.index(current) if current in ROLES else 3,
            format_func=lambda r: t(f"role.{r}"),
            key=f"role_picker.{lang}",  # its own key per language: the label changes with the language
        )
        user = settings.demo_users.get(role, role)
        st.session_state["role"], st.session_state["user"] = role, user
        st.sidebar.caption(t("app.prelogin_note"))
    else:
        role, user = "guest", ""
        st.session_state["role"] = "guest"
    st.sidebar.caption(t("app.user", user=user or "—", role=t(f"role.{role}")))
    if is_demo:  # a real county's data is not "fictional"
        st.sidebar.caption(t("app.demo_note"))

    nav = st.navigation(pages_for(role), expanded=True)
    if who is not None and st.session_state.pop("auth.land", False):
        # a fresh login lands on the role's home, not on the login form it came from
        st.switch_page(home_path(role))
    nav.run()
