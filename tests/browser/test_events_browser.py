"""Chromium: with a flood on file (an event, a township's request approved, its scenario with a blocked road, a
requisitioned truck, a donation), the dispatcher opens 事件情景, 征用与捐赠 and 信息发布 in a real browser and sees
the scenario, the registers and the publication's four parts, with its downloads."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import timedelta

import pytest

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.domain.events import EventRecord, RequestLine
from stockpile.domain.registers import Donation, Requisition
from tests.support.streamlit_app import require_browser, serve_app

pytestmark = pytest.mark.browser
WATER = "1020101"
T = 60_000  # a cold first run on a loaded machine is slow
ROAD = {"type": "Polygon", "coordinates": [[[115.0, 29.0], [115.01, 29.0], [115.01, 29.01], [115.0, 29.0]]]}


def _flood(url: str) -> None:
    """The records a flood leaves, written through the services as the CLI would."""
    svc = build_services(Settings(database_url=url))
    county = str(svc.views.areas("county")["code"].iloc[0])
    village = str(svc.views.areas("village")["code"].iloc[0])
    at = clock.now() - timedelta(hours=2)
    svc.events.new_event(EventRecord("FLOOD-B", "浏览器演练洪涝", "flood", county, 4, at), "dispatcher")
    line = svc.events.add_request(
        RequestLine(0, "FLOOD-B", "", WATER, 300, 1, None, village, "", None, "", "", ""), "dispatcher"
    )
    svc.events.decide_request(line.id, "approved", "dispatcher", qty=200, reason="分批")
    svc.events.scenario_from_event("FLOOD-B", "dispatcher")
    svc.events.set_scenario_conditions(
        "FLOOD-B-SC", "dispatcher", None, (json.dumps(ROAD).encode(), "road.json")
    )
    truck = Requisition(
        0, "FLOOD-B", "vehicle", "某运输公司", "13800000000", "", 1, "厢式货车", "良好", at,
        plate="赣A00001", capacity_kg=5000, capacity_dm3=20000, home_site="XJK",
    )  # fmt: skip
    svc.registers.record_requisition(truck, "dispatcher")
    gift = Donation(0, "FLOOD-B", "某公司", "organisation", "", WATER, 50, "JZ-B", None, "XJK", "", "", at)
    svc.registers.receive_donation(gift, True, "keeper_xjk")


@pytest.fixture(scope="module")
def flood_app(tmp_path_factory, demo_url) -> Iterator[str]:
    require_browser()
    tmp = tmp_path_factory.mktemp("events-browser")
    db = tmp / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    _flood(f"sqlite:///{db}")
    env = {
        "DATABASE_URL": f"sqlite:///{db}",
        "RELIEF_TILE_URL": "",
        "RELIEF_ROLE_PICKER": "1",
        "RELIEF_CURRENT_ROLE": "dispatcher",
    }
    with serve_app(tmp, env) as url:
        yield url


def test_the_flood_pages_in_chromium(flood_app, browser):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(flood_app + "/event_scenario")
        expect(page.get_by_role("heading", name="事件情景").first).to_be_visible(timeout=T)
        expect(page.get_by_text("封路区域：已设置（调度时绕开）").first).to_be_visible(timeout=T)
        page.goto(flood_app + "/registers")
        expect(page.get_by_role("heading", name="征用与捐赠").first).to_be_visible(timeout=T)
        expect(page.get_by_role("tab", name="公开清单")).to_be_visible(timeout=T)
        page.goto(flood_app + "/publication")
        expect(page.get_by_role("heading", name="浏览器演练洪涝 信息发布")).to_be_visible(timeout=T)
        for part in ("受灾情况", "物资需求", "仓储（按乡镇）", "运输（送达与在途）"):
            expect(page.get_by_text(part, exact=True)).to_be_visible(timeout=T)
        expect(page.get_by_role("button", name="下载 PDF")).to_be_visible(timeout=T)
        assert "13800000000" not in page.content()
    finally:
        page.close()
