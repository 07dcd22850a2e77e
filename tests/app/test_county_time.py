"""The county's day, not the server's: a UTC container at 20:00 shows Beijing's tomorrow."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime

import pytest

from stockpile import clock
from tests.app.conftest import page

pytestmark = pytest.mark.dates


@pytest.fixture
def utc_server(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_keeper_stock_page_shows_the_beijing_days_expiry_status(demo_services, utc_server, pinned_clock):
    """At 20:00 UTC on the day before a lot's expiry it is already the expiry day in Beijing: 已过期, not 近效期."""
    lots = demo_services.views.stock()
    lot = lots[lots["expiry"].notna() & lots["site_code"].str.startswith("XZ")].iloc[0]
    expiry = lot["expiry"]
    pinned_clock.set(datetime.combine(expiry - timedelta(days=1), dtime(20, 0), tzinfo=UTC))
    server_day = datetime.fromtimestamp(
        clock.now().timestamp()
    ).date()  # the instant on the server's calendar
    assert server_day == expiry - timedelta(days=1)
    assert clock.today() == expiry

    at = page("stock", demo_services, role="keeper", user="keeper_demo")
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    table = table.data if hasattr(table, "data") else table
    mine = table[(table["批次号"] == lot["lot_no"]) & (table["库点名称"] == lot["site_name"])]
    assert len(mine) == 1, table.columns.tolist()
    assert mine["状态"].iloc[0] == "已过期"
    assert int(mine["剩余天数"].iloc[0]) == 0
