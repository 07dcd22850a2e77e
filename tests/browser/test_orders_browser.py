"""Chromium: the order handover as three people signed in with their own accounts — the dispatcher plans the demo
flood drill and confirms it, two keepers of two different depots each pick and ship their part of one order (the
second loads one unit less and gives the reason), and the dispatcher records the 签收 and closes the order.

A real `streamlit run app.py` (no role picker: everyone logs in) on a temporary demo database; headless Debian
Chromium via Playwright (never `playwright install`). Skipped when Chromium is missing unless REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.demo.users import DEMO_PASSWORDS
from tests.browser.test_app_browser import choose, idle, no_exception
from tests.support.streamlit_app import CHROMIUM, ROOT
from tests.support.streamlit_app import free_port as _free_port
from tests.support.streamlit_app import skip_or_fail as _skip_or_fail
from tests.support.streamlit_app import wait_healthy as _wait_healthy

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def orders_app(tmp_path_factory, demo_url) -> Iterator[tuple[str, str]]:
    """(app URL, database URL): the app on its own copy of the demo county, everyone signing in by password."""
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    db = tmp_path_factory.mktemp("orders-browser") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    env = {k: v for k, v in os.environ.items() if k != "RELIEF_ROLE_PICKER"}
    env.update(DATABASE_URL=f"sqlite:///{db}", RELIEF_TILE_URL="", RELIEF_SOLVE_TIME_LIMIT_S="2")
    port = _free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    log = (tmp_path_factory.mktemp("orders-browser-log") / "streamlit.log").open("wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url, f"sqlite:///{db}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _login(browser: Any, url: str, username: str) -> Any:
    """A fresh browser context signed in as `username` (the demo passwords, docs/trust.md)."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(90_000)
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORDS["keeper" if username.startswith("keeper") else username])
    page.get_by_role("button", name="登录").click()
    idle(page)
    page.locator('[data-testid="stSidebar"]', has_text=username).wait_for()
    return page


def _open(page: Any, title: str) -> None:
    """Open a page from the sidebar; a click swallowed by the rerun that lands a fresh login is retried."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    link = page.locator(f'[data-testid="stSidebarNavLink"]:has(span[label="{title}"])').first
    for attempt in range(3):
        idle(page)
        link.click()
        try:
            page.get_by_role("heading", name=title).first.wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                page.screenshot(
                    path=str(Path(tempfile.gettempdir()) / f"orders-open-{title}.png"), full_page=True
                )
                raise
    idle(page)


def _said(page: Any, text: str) -> None:
    """Wait for a message box (success, error) with `text` (not a table cell that happens to read the same)."""
    page.locator('[data-testid="stAlert"]', has_text=text).first.wait_for()


def _order_page(page: Any, doc: str) -> None:
    _open(page, "调拨单")
    choose(page, "调拨单号", doc)


def _two_keepers(db_url: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """An order with parts at two depots that each have their own keeper: (order, [(depot, keeper)] ×2, the
    order's other depots)."""
    svc = build_services(Settings(database_url=db_url))
    own = {u.site_codes[0]: u.username for u in svc.trust.list_users("admin")
           if u.role == "keeper" and len(u.site_codes) == 1}  # fmt: skip
    for o in svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO"):
        kept = [(d["site"], own[d["site"]]) for d in o["depots"] if d["site"] in own]
        if len(kept) >= 2:
            return o["doc_no"], kept[:2], [d["site"] for d in o["depots"] if d["site"] not in dict(kept[:2])]
    pytest.fail("the confirmed plan has no order with parts at two keepers' depots")


def test_confirm_pick_ship_at_two_depots_receive_and_close_as_three_users(browser, orders_app, shots):
    app_url, db_url = orders_app
    desk = _login(browser, app_url, "dispatcher")
    _open(desk, "调度方案")
    desk.get_by_role("button", name="生成方案").click()
    desk.get_by_text("校验器：通过").first.wait_for(timeout=120_000)
    idle(desk)
    desk.get_by_role("button", name="确认方案（预留批次、生成调拨单）").click()
    _said(desk, "已确认")
    no_exception(desk)
    doc, (first, second), rest = _two_keepers(db_url)

    for n, (_, keeper) in enumerate((first, second)):
        page = _login(browser, app_url, keeper)
        _order_page(page, doc)
        page.get_by_role("button", name="备货完成").first.click()
        _said(page, "已备货")
        idle(page)
        form = page.locator('[data-testid="stForm"]').first
        if n == 1:  # the second keeper loads one unit less of the first item, for a reason
            box = form.locator('[data-testid="stNumberInput"] input').first
            box.fill(str(int(box.input_value()) - 1))
            box.press("Enter")
            idle(page)
            choose(page, "少装原因", "损坏")
        form.get_by_role("button", name="确认发运").click()
        _said(page, "部分发运" if n == 1 else "已发运")
        no_exception(page)
        page.screenshot(path=str(shots / f"orders-keeper-{n + 1}.png"), full_page=True)
        page.context.close()

    svc = build_services(Settings(database_url=db_url))
    for depot in rest:  # the order's other depots: their own keepers' work, outside this walk
        svc.dispatch.ship(doc, depot, "dispatcher")
    _order_page(desk, doc)
    desk.get_by_label("签收人").fill("李村长")
    desk.get_by_label("签收人").press("Enter")
    idle(desk)
    desk.get_by_role("button", name="登记签收（按装车数量）").click()
    _said(desk, "已签收")
    idle(desk)
    desk.get_by_role("button", name="结单").click()
    _said(desk, "已结单")
    no_exception(desk)
    desk.screenshot(path=str(shots / "orders-closed.png"), full_page=True)
    order = next(o for o in svc.dispatch.list_orders("dispatcher") if o["doc_no"] == doc)
    assert order["state"] == "closed"
    part = next(d for d in order["depots"] if d["site"] == second[0])
    assert part["shipped_qty"] == part["planned_qty"] - 1
    desk.context.close()
