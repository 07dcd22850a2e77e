"""Each role's day in headless Debian Chromium: log in with the demo account, land on the role's home, open the
role's key pages; no exception or error box, no catalogue key, English enum, internal id, offset time or long float
in what the page shows (the page audit's rules, on the browser's own text); a screenshot of every page in the
test output (the `shots` directory under pytest's basetemp, never committed).

Before/after captures: the home map, the situation map (with the dispatcher's confirmed plan), the dispatch page
and the coverage map at 1280×800, named `role_page_lang.png` so a later run overwrites the same names; the paths
are printed and recorded as test properties (`--junitxml` keeps them).

Also the gap table at 1280 px: it fits the page, with no horizontal scroll in the page or inside the grid.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stockpile.app.pages.common import nav_meta, page_roles
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.demo.users import DEMO_PASSWORDS
from stockpile.i18n import t
from tests.support.page_audit import text_findings
from tests.support.streamlit_app import ROOT, require_browser, serve_app

pytestmark = pytest.mark.browser

PAGES = ROOT / "stockpile" / "app" / "pages"
WALKS = {  # who: (login, password, language, the key pages by file)
    "keeper": ("keeper_demo", "keeper", "zh", ["home", "receive", "issue", "stock", "bin_card", "orders"]),
    "keeper_xz01": ("keeper_xz01", "keeper", "zh", ["home", "stock", "issue", "count", "orders"]),
    "dispatcher": ("dispatcher", "dispatcher", "zh", ["home", "situation", "dispatch", "orders", "coverage"]),
    "planner": ("planner", "planner", "zh", ["home", "situation", "standards", "review", "rotation"]),
    "admin": ("admin", "admin", "zh", ["home", "situation", "admin_users", "county", "write_off"]),
    "planner_en": ("planner", "planner", "en", ["home", "situation", "standards", "coverage"]),
}
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-stale="true"]')"""
MAP_PAGES = {"home", "situation", "coverage"}
ERROR_BOXES = '[data-testid="stException"], [data-testid="stAlertContentError"]'


CAPTURE_PAGES = ("home", "situation", "dispatch", "coverage")


@pytest.fixture(scope="module")
def walk_db(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The walk's own copy of the demo county."""
    require_browser()
    tmp = tmp_path_factory.mktemp("walk-browser")
    shutil.copy(demo_url.removeprefix("sqlite:///"), tmp / "demo.db")
    return tmp / "demo.db"


@pytest.fixture(scope="module")
def login_app(walk_db: Path) -> Iterator[str]:
    """The app with logins (no role picker) on a temp copy of the demo county."""
    tmp = walk_db.parent
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
        "RELIEF_ROLE_PICKER": "0",
        "RELIEF_ORS_ENABLED": "0",
        "RELIEF_TILE_URL": "",
        "RELIEF_MATRIX_CACHE_DIR": str(tmp / "cache"),
    }
    with serve_app(tmp, env) as url:
        yield url


def _idle(page: Any) -> None:
    """The script run finished: no running indicator, no stale element, twice (the indicator shows late)."""
    for pause in (200, 1000):
        page.wait_for_timeout(pause)
        page.wait_for_function(IDLE, timeout=90_000)


def _title(name: str, lang: str) -> str:
    return t(nav_meta(PAGES / f"{name}.py")["title"], lang)


def _log_in(page: Any, url: str, user: str, password: str, lang: str) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebar"]')
    _idle(page)
    if lang == "en":
        page.locator('[data-testid="stSidebar"] label', has_text="English").first.click()
        _idle(page)
    page.get_by_label(t("auth.username", lang), exact=True).fill(user)
    page.get_by_label(t("auth.password", lang), exact=True).fill(password)
    page.get_by_role("button", name=t("auth.login", lang)).click()
    page.get_by_role("heading", name=t("home.title", lang)).first.wait_for(timeout=90_000)  # the role's home
    _idle(page)


def _open(page: Any, name: str, lang: str) -> None:
    title = _title(name, lang)
    page.locator(f'[data-testid="stSidebarNavLink"]:has(span[label="{title}"])').first.click()
    page.locator("h1").first.wait_for()
    _idle(page)


def _map_drawn(page: Any, name: str) -> None:
    """A page with a map: wait until deck.gl has its canvas and drew a frame (the screenshot shows the map)."""
    if name in MAP_PAGES:
        page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(
            state="attached", timeout=90_000
        )
        _idle(page)
        page.wait_for_timeout(2000)


def _findings(page: Any, lang: str, where: str) -> list[str]:
    text = page.locator('[data-testid="stMain"]').inner_text()
    lines = [(where, line) for line in text.splitlines() if line.strip()]
    errors = [f"error box | {where}" for _ in range(page.locator(ERROR_BOXES).count())]
    return errors + text_findings(lines, lang, frozenset(DEMO_PASSWORDS) | {"keeper_demo", "keeper_xz01"})


@pytest.mark.parametrize("who", list(WALKS))
def test_each_role_walks_its_key_pages(login_app: str, browser: Any, shots: Path, who: str) -> None:
    user, pw_key, lang, pages = WALKS[who]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    findings: list[str] = []
    try:
        _log_in(page, login_app, user, DEMO_PASSWORDS[pw_key], lang)
        for i, name in enumerate(pages):
            if name != "home":
                _open(page, name, lang)
            _map_drawn(page, name)
            findings += _findings(page, lang, f"{who}/{name}")
            page.screenshot(path=str(shots / f"walk-{who}-{i:02d}-{name}.png"), full_page=True)
    finally:
        ctx.close()
    assert not findings, "\n" + "\n".join(findings)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_gap_table_fits_the_page_at_1280_px(login_app: str, browser: Any, shots: Path, lang: str) -> None:
    """储备定额与缺口 at 1280 px, in both languages: neither the page nor the grid scrolls sideways."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    try:
        _log_in(page, login_app, "planner", DEMO_PASSWORDS["planner"], lang)
        _open(page, "standards", lang)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.wait_for()
        page.wait_for_timeout(1000)
        sizes = grid.evaluate(
            """el => {
                const s = el.querySelector('.dvn-scroller') || el;
                const r = el.getBoundingClientRect();
                return {right: r.right, inner: window.innerWidth, page: document.documentElement.scrollWidth,
                        scroll: s.scrollWidth, client: s.clientWidth};
            }"""
        )
        page.screenshot(path=str(shots / f"gap-table-1280-{lang}.png"), full_page=True)
    finally:
        ctx.close()
    assert sizes["right"] <= sizes["inner"] and sizes["page"] <= sizes["inner"], sizes
    assert sizes["scroll"] <= sizes["client"] + 1, sizes  # the grid shows every column without scrolling


def _whole_page(page: Any, path: Path) -> None:
    """The whole page 1280 px wide: Streamlit scrolls inside its own container (a full-page screenshot stops at
    the window), so the window grows to the content's height for the shot and goes back to 1280×800."""
    height = page.evaluate(
        """() => Math.max(800, ...[...document.querySelectorAll(
            '[data-testid="stMain"], [data-testid="stAppViewContainer"], [data-testid="stMainBlockContainer"]'
        )].map(el => el.scrollHeight))"""
    )
    page.set_viewport_size({"width": 1280, "height": min(int(height), 8000)})
    page.wait_for_timeout(1500)  # deck.gl redraws at the new size
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.fixture(scope="module")
def confirmed(walk_db: Path) -> str:
    """The dispatcher's plan for the drill, confirmed in the walk's database (what the situation map draws)."""
    svc = build_services(Settings(database_url=f"sqlite:///{walk_db}", solve_time_limit_s=1))
    plan = svc.dispatch.plan("FLOOD-DEMO", svc.dispatch.plan_settings(time_limit_s=1.0))
    svc.dispatch.confirm(plan, "dispatcher")
    return str(plan.id)


@pytest.mark.parametrize(("role", "lang"), [("dispatcher", "zh"), ("dispatcher", "en"), ("planner", "zh")])
def test_before_after_captures_at_1280x800(
    login_app: str,
    browser: Any,
    shots: Path,
    confirmed: str,
    record_property: Any,
    role: str,
    lang: str,
) -> None:
    """The map and dispatch pages the role may open, at 1280×800, as `role_page_lang.png` (stable names to
    compare before and after a change); the situation page says it draws the confirmed plan, also for a planner
    who solved nothing."""
    pages = [p for p in CAPTURE_PAGES if role in page_roles(PAGES / f"{p}.py")]
    ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    saved: list[Path] = []
    try:
        _log_in(page, login_app, role, DEMO_PASSWORDS[role], lang)
        for name in pages:
            if name != "home":
                _open(page, name, lang)
            _map_drawn(page, name)
            if name == "situation":
                text = page.locator('[data-testid="stMain"]').inner_text()
                assert ("已确认的调度方案" if lang == "zh" else "confirmed dispatch plan") in text
            path = shots / f"{role}_{name}_{lang}.png"
            _whole_page(page, path)
            record_property(f"{role}_{name}_{lang}", str(path))
            print(f"screenshot: {path}")
            saved.append(path)
    finally:
        ctx.close()
    assert [p.name for p in saved] == [f"{role}_{n}_{lang}.png" for n in pages]
    assert set(pages) >= {"home", "situation", "coverage"}
    assert all(p.stat().st_size > 20_000 for p in saved)  # a drawn page, not a blank one
