"""`relief request city shortfall|add|list|letter` on a copy of the demo county: the county approves more water than
it holds, the shortfall names the gap, a dispatcher asks the city for it and the 请调函 exports as PDF and xlsx with
the bureau of the county settings, the letter number and signature lines; bad input is a sentence, nothing written."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.city_requests import CityRequestRow
from stockpile.adapters.repos.county import bureau_name
from stockpile.cli.main import app
from stockpile.i18n import t
from tests.support.cli import login_as

runner = CliRunner()
WATER = "1020101"


def _ok(args: list[str], code: int = 0) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res.output


def _free(url: str, item: str) -> int:
    b, s, i = orm.StockBalanceRow, orm.SiteRow, orm.ItemRow
    q = (
        select(func.coalesce(func.sum(b.on_hand - b.reserved), 0))
        .join(s, s.id == b.site_id)
        .join(i, i.id == b.item_id)
        .where(i.code == item, s.site_type != "transit")
    )
    with make_engine(url).connect() as c:
        return int(c.execute(q).scalar_one())


@pytest.fixture
def short_event(cli_db) -> tuple[str, int, str]:
    """An event whose one approved request line asks for 500 more bottles of water than the county holds."""
    url = f"sqlite:///{cli_db}"
    a = orm.AdminAreaRow
    with make_engine(url).connect() as c:
        county = c.execute(select(a.code).where(a.level == "county")).scalar_one()
        village = c.execute(select(a.code).where(a.level == "village").order_by(a.code)).scalars().first()
    login_as("dispatcher")
    at = (clock.now() - timedelta(hours=3)).replace(tzinfo=None).isoformat(timespec="minutes")
    _ok(["event", "new", "FLOOD-C", "--name", "请调演练", "--area", county, "--at", at])
    need = _free(url, WATER) + 500
    _ok(["request", "add", "FLOOD-C", WATER, str(need + 100), "--to", village])
    _ok(["request", "approve", "1", "--qty", str(need), "--reason", "先保障重点村"])
    return "FLOOD-C", need, url


def test_shortfall_request_and_letter(short_event, tmp_path):
    event, need, url = short_event
    out = _ok(["request", "city", "shortfall", event])
    assert "500瓶" in out and "饮用水" in out and f"{need:,}瓶" in out
    by = (clock.today() + timedelta(days=2)).isoformat()
    out = _ok(["request", "city", "add", event, "--item", f"{WATER}=490", "--needed-by", by,
               "--reason", "县级储备饮用水不足"])  # fmt: skip
    year = clock.now().year
    assert f"请调〔{year}〕1号" in out
    with make_engine(url).connect() as c:
        assert c.execute(select(func.count()).select_from(CityRequestRow)).scalar_one() == 1
        bureau = bureau_name(make_engine(url)) or t("app.county", "zh")
    _ok(
        [
            "request",
            "city",
            "letter",
            "1",
            "--pdf",
            str(tmp_path / "l.pdf"),
            "--xlsx",
            str(tmp_path / "l.xlsx"),
        ]
    )
    assert (tmp_path / "l.pdf").read_bytes().startswith(b"%PDF")
    wb = load_workbook(io.BytesIO((tmp_path / "l.xlsx").read_bytes()))
    cells = " ".join(
        str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )
    for expected in (bureau, "请调函", f"请调〔{year}〕1号", "市应急管理局", "县级储备饮用水不足", "请调演练",
                     "经办人", "签发人", "盖章", "490"):  # fmt: skip
        assert expected in cells, expected
    by_number = _ok(["request", "city", "letter", f"请调〔{year}〕1号"])
    assert "县级储备饮用水不足" in by_number and bureau in by_number
    assert "请调函" in _ok(["request", "city", "letter", f"请调〔{year}〕9号"], 1)
    listed = _ok(["request", "city", "list", event, "--xlsx", str(tmp_path / "list.xlsx")])
    assert f"请调〔{year}〕1号" in listed
    second = _ok(["request", "city", "add", event, "--item", f"{WATER}=10", "--reason", "续调"])
    assert f"请调〔{year}〕2号" in second


def test_a_letter_for_nothing_short_or_needed_in_the_past_is_refused(short_event):
    """A needed-by time already past was printed on the letter, and a letter was recorded when the county was
    short of nothing (asked again for what the city was already asked, or for an item it holds enough of): both
    refused in the use case with the catalogue's sentence, exit 1, nothing written."""
    event, _, url = short_event
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    late = _ok(["request", "city", "add", event, "--item", f"{WATER}=500", "--needed-by", yesterday,
                "--reason", "县级储备不足"], 1)  # fmt: skip
    assert "需到达时间须在现在与一年之内" in late and yesterday in late, late
    tent = "1010101"  # in the demo county, but no approved request of it in this event
    assert "该物资目前不缺" in _ok(
        ["request", "city", "add", event, "--item", f"{tent}=5", "--reason", "x"], 1
    )
    _ok(["request", "city", "add", event, "--item", f"{WATER}=500", "--reason", "县级储备不足"])
    again = _ok(["request", "city", "add", event, "--item", f"{WATER}=10", "--reason", "续调"], 1)
    assert "该物资目前不缺" in again and WATER in again, again
    english = _ok(
        ["--lang", "en", "request", "city", "add", event, "--item", f"{WATER}=10", "--reason", "x"], 1
    )
    assert "not short of this item" in " ".join(english.split()), english
    with make_engine(url).connect() as c:
        assert c.execute(select(func.count()).select_from(CityRequestRow)).scalar_one() == 1


def test_shortfall_counts_what_was_asked(short_event):
    event, _, _ = short_event
    _ok(["request", "city", "add", event, "--item", f"{WATER}=300", "--reason", "县级储备不足"])
    rows = [ln for ln in _ok(["request", "city", "shortfall", event]).splitlines() if "饮用水" in ln]
    cells = [c.strip() for c in rows[0].split("│")]
    assert len(rows) == 1 and cells[-3:-1] == ["300瓶", "200瓶"]  # asked of the city 300, still short 200


def test_bad_requests_write_nothing(short_event, tmp_path):
    event, _, url = short_event
    assert "须在 1 与 1000000000 之间" in _ok(
        ["request", "city", "add", event, "--item", f"{WATER}=0", "--reason", "x"], 1
    )
    assert "只能写一次" in _ok(
        ["request", "city", "add", event, "--item", f"{WATER}=1", "--item", f"{WATER}=2", "--reason", "x"], 1
    )
    assert "物资编码=数量" in _ok(["request", "city", "add", event, "--item", "abc", "--reason", "x"], 2)
    assert "9999999" in _ok(["request", "city", "add", event, "--item", "9999999=3", "--reason", "x"], 1)
    assert "NOPE" in _ok(["request", "city", "add", "NOPE", "--item", f"{WATER}=3", "--reason", "x"], 1)
    assert "请调函" in _ok(["request", "city", "letter", "42"], 1)
    login_as("keeper_xjk")
    _ok(["request", "city", "add", event, "--item", f"{WATER}=3", "--reason", "x"], 1)
    with make_engine(url).connect() as c:
        assert c.execute(select(func.count()).select_from(CityRequestRow)).scalar_one() == 0
