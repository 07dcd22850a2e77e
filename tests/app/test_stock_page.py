"""AppTest: the app and its stock page render on the demo county, in Chinese and English, without exceptions."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from stockpile.bootstrap import build_services
from stockpile.config import Settings

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services(demo_url):
    return build_services(Settings(database_url=demo_url, role_picker=True))


def test_stock_page_renders_lots_with_expiry_status(services):
    at = AppTest.from_file(str(ROOT / "stockpile/app/pages/stock.py"), default_timeout=30)
    at.session_state["services"] = services
    at.session_state["user"] = "dispatcher"  # reads every depot
    at.session_state["role"] = "dispatcher"
    at.run()
    assert not at.exception
    assert at.title[0].value == "库存总览"
    assert len(at.dataframe) >= 1
    assert [m.label for m in at.metric][:2] == ["在库批次", "已过期批次"]


def test_stock_page_filters_by_site(services):
    at = AppTest.from_file(str(ROOT / "stockpile/app/pages/stock.py"), default_timeout=30)
    at.session_state["services"] = services
    at.session_state["user"] = "dispatcher"
    at.session_state["role"] = "dispatcher"
    at.run()
    at.selectbox(key="stock.site").set_value("XZ01").run()
    assert not at.exception
    df = at.dataframe[0].value
    df = df.data if hasattr(df, "data") else df  # a Styler when rows are tinted by expiry status
    assert set(df["库点名称"]) == {"城关镇应急物资储备点"}


def test_app_entry_shows_the_home_map_by_default(services, monkeypatch, demo_url):
    """The app opens on 应急一张图."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["services"] = services
    at.run()
    assert not at.exception
    assert at.title[0].value == "应急一张图"


def test_english_switch_translates_the_page(services, monkeypatch, demo_url):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["services"] = services
    at.run()
    at.sidebar.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "County emergency map"


def test_a_keeper_sees_only_the_assigned_depots(services):
    """The keeper of XZ01 sees XZ01's lots and no other depot's, in the list and the filter."""
    at = AppTest.from_file(str(ROOT / "stockpile/app/pages/stock.py"), default_timeout=30)
    at.session_state["services"] = services
    at.session_state["user"] = "keeper_xz01"
    at.session_state["role"] = "keeper"
    at.run()
    assert not at.exception
    assert set(at.dataframe[0].value["库点名称"]) == {"城关镇应急物资储备点"}
    assert set(at.selectbox(key="stock.site").options) <= {"全部", "城关镇应急物资储备点"}
