"""Chromium clicks the event workflow (issue 17): an informant (灾情信息员) logs in and files a village report on
灾情报送 and a township request on 请领; the dispatcher logs in, approves part of it with a reason on 请领 and makes
the scenario from the event on 事件情景. Each step is checked in the database afterwards."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.demo.users import DEMO_PASSWORDS
from stockpile.domain.events import EventRecord
from stockpile.i18n import t
from tests.support.streamlit_app import require_browser, serve_app

pytestmark = pytest.mark.browser
WATER = "1020101"
PASSWORD = "river lantern 2031 quiet"
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-stale="true"]')"""
EVENT = "FLOOD-W"


@pytest.fixture(scope="module")
def workflow_app(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """The app with logins on a copy of the demo county: an event, an informant for one township."""
    require_browser()
    tmp = tmp_path_factory.mktemp("event-walk")
    shutil.copy(demo_url.removeprefix("sqlite:///"), tmp / "demo.db")
    url = f"sqlite:///{tmp / 'demo.db'}"
    svc = build_services(Settings(database_url=url))
    villages = svc.views.areas("village")
    village = str(villages["code"].iloc[0])
    township = str(villages["parent_code"].iloc[0])
    county = str(svc.views.areas("county")["code"].iloc[0])
    at = clock.now() - timedelta(hours=1)
    svc.events.new_event(EventRecord(EVENT, "浏览器流程洪涝", "flood", county, 4, at), "dispatcher")
    svc.trust.add_user("admin", "inf_walk", "informant", PASSWORD, ())
    svc.events.set_informant_townships("inf_walk", [township], "admin")
    env = {
        "DATABASE_URL": url,
        "RELIEF_ROLE_PICKER": "0",
        "RELIEF_ORS_ENABLED": "0",
        "RELIEF_TILE_URL": "",
        "RELIEF_MATRIX_CACHE_DIR": str(tmp / "cache"),
    }
    with serve_app(tmp, env) as app:
        yield app, url, village


def _idle(page: Any) -> None:
    for pause in (200, 800):
        page.wait_for_timeout(pause)
        page.wait_for_function(IDLE, timeout=90_000)


def _log_in(page: Any, url: str, user: str, password: str) -> None:
    page.goto(url)
    page.wait_for_selector('[data-testid="stSidebar"]')
    _idle(page)
    page.get_by_label(t("auth.username", "zh"), exact=True).fill(user)
    page.get_by_label(t("auth.password", "zh"), exact=True).fill(password)
    page.get_by_role("button", name=t("auth.login", "zh")).click()
    page.locator('[data-testid="stSidebarNavLink"]').first.wait_for(timeout=90_000)
    _idle(page)


def _open(page: Any, title_key: str) -> None:
    title = t(title_key, "zh")
    page.locator(f'[data-testid="stSidebarNavLink"]:has(span[label="{title}"])').first.click()
    page.get_by_role("heading", name=title).first.wait_for()
    _idle(page)


def _choose(page: Any, label: str, option: str) -> None:
    """Open the selectbox labelled `label` and pick `option` (retried once if a rerun closes the list)."""
    box = page.get_by_label(label, exact=True).first
    for attempt in range(3):
        box.click()
        opt = page.get_by_role("option", name=option).first
        try:
            opt.wait_for(timeout=10_000)
            opt.click()
            break
        except Exception:
            if attempt == 2:
                raise
            _idle(page)
    _idle(page)


def _fill(page: Any, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True).first
    box.fill(value)
    box.press("Tab")


def _success(page: Any, text: str) -> None:
    page.locator('[data-testid="stAlertContentSuccess"]', has_text=text).first.wait_for(timeout=90_000)


def test_informant_reports_and_requests_dispatcher_approves_part_and_makes_the_scenario(
    workflow_app: tuple[str, str, str], browser: Any
) -> None:
    app, url, village = workflow_app
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    try:
        _log_in(page, app, "inf_walk", PASSWORD)
        _open(page, "nav.reports")
        _choose(page, t("events.col_event", "zh"), EVENT)
        _fill(page, t("events.col_village", "zh"), village)
        _fill(page, t("events.col_affected", "zh"), "320")
        _fill(page, t("events.col_relocated", "zh"), "90")
        page.get_by_role("button", name=t("events.submit_report", "zh")).click()
        _success(page, "已报送")
        _open(page, "nav.requests")
        _choose(page, t("events.col_event", "zh"), EVENT)
        _fill(page, t("events.col_item", "zh"), WATER)
        _fill(page, t("events.col_qty", "zh"), "400")
        _fill(page, t("events.col_destination", "zh"), village)
        page.get_by_role("button", name=t("events.submit_request", "zh")).click()
        _success(page, "已提交请领")
    finally:
        ctx.close()

    ctx = browser.new_context(viewport={"width": 1400, "height": 1100}, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    try:
        _log_in(page, app, "dispatcher", DEMO_PASSWORDS["dispatcher"])
        _open(page, "nav.requests")
        _choose(page, t("events.col_event", "zh"), EVENT)
        _fill(page, t("events.approved_qty", "zh"), "250")
        _fill(page, t("events.reason", "zh"), "先保障重点安置点")
        page.get_by_role("button", name=t("events.submit_decision", "zh")).click()
        _success(page, "部分批准")
        _open(page, "nav.event_scenario")
        _choose(page, t("events.col_event", "zh"), f"浏览器流程洪涝（{EVENT}）")
        page.get_by_role("button", name=t("scenario_edit.from_event", "zh")).click()
        _success(page, f"{EVENT}-SC")
    finally:
        ctx.close()

    svc = build_services(Settings(database_url=url))
    (report,) = svc.events.reports(EVENT, "dispatcher")
    assert (report.village, report.affected, report.relocated, report.reporter) == (
        village,
        320,
        90,
        "inf_walk",
    )
    (line,) = svc.events.requests(EVENT, "dispatcher")
    assert (line.qty, line.approved_qty, line.reason, line.requested_by) == (
        400,
        250,
        "先保障重点安置点",
        "inf_walk",
    )
    assert line.status == "planned"  # the scenario made from the event took it
    assert f"{EVENT}-SC" in svc.dispatch.scenarios()
