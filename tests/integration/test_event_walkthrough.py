"""Issue 17's done-when on the second county (上犹县, from its workbook only), all from the command line: two
townships' informants report a flood, one requests tents and water, the county approves part, makes a scenario
from the event, blocks a road, plans and confirms; a donation comes in; the publication and the public donation
list export — in Chinese and in English, without personal data."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import get_settings
from tests.support import county_book
from tests.support.cli import login_as

runner = CliRunner()
PASSWORD = "river lantern 2031 quiet"
TENT, WATER = "1010101", "1020101"
TOWN_A, TOWN_B = "360724101", "360724104"  # 东山镇, 营前镇
VILLAGE_A, VILLAGE_B = "360724101200", "360724104201"
BLOCKED = {  # a flooded stretch of road south-west of 东山镇's seat (invented)
    "type": "Feature",
    "properties": {"name": "东山镇西南封路"},
    "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[114.50, 25.74], [114.52, 25.74], [114.52, 25.76], [114.50, 25.76], [114.50, 25.74]]
        ],
    },
}


def run(*args: str, code: int = 0) -> str:
    res = runner.invoke(app, list(args), env={"RELIEF_NEW_PASSWORD": PASSWORD})
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res.output


def _cells(path: Path) -> str:
    wb = load_workbook(io.BytesIO(path.read_bytes()))
    return " ".join(
        str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None
    )


@pytest.fixture
def county(tmp_path, monkeypatch) -> Path:
    """上犹县 from its workbook; the admin chief keeps the county depot SY-XJK, which holds tents and water; an
    informant for each of two townships and a dispatcher."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'shangyou.db'}")
    run("init", "chief")
    login_as("chief", PASSWORD)
    book = tmp_path / "shangyou.xlsx"
    book.write_bytes(county_book.xlsx(county_book.sheets(clock.today())))
    run("county", "import", str(book))
    run("user", "grant", "chief", "--depot", "SY-XJK")
    far = (clock.today() + timedelta(days=600)).isoformat()
    run("receive", "SY-XJK", TENT, "LOT-SY-T", "80")
    run("receive", "SY-XJK", WATER, "LOT-SY-W", "3000", "--expiry", far)
    for name, role in (("inf_a", "informant"), ("inf_b", "informant"), ("disp", "dispatcher")):
        run("user", "add", name, "--role", role)
    run("informant", "set", "inf_a", TOWN_A)
    run("informant", "set", "inf_b", TOWN_B)
    return tmp_path


def _report_and_request() -> None:
    login_as("disp", PASSWORD)
    at = (clock.now() - timedelta(hours=3)).replace(tzinfo=None).isoformat(timespec="minutes")
    run("event", "new", "FLOOD-SY", "--name", "上犹县山洪", "--area", county_book.COUNTY, "--at", at)
    login_as("inf_a", PASSWORD)
    run("report", "add", "FLOOD-SY", VILLAGE_A, "--affected", "240", "--relocated", "90", "--houses", "6")
    run("request", "add", "FLOOD-SY", TENT, "60", "--to", VILLAGE_A, "--priority", "1")
    run("request", "add", "FLOOD-SY", WATER, "1200", "--to", VILLAGE_A)
    assert "不属于" in run("report", "add", "FLOOD-SY", VILLAGE_B, "--affected", "5", code=1)
    login_as("inf_b", PASSWORD)
    run("report", "add", "FLOOD-SY", VILLAGE_B, "--affected", "130", "--relocated", "40")


def test_flood_on_the_second_county_from_report_to_publication(county):
    _report_and_request()
    login_as("disp", PASSWORD)
    assert "部分批准" in run("request", "approve", "1", "--qty", "40", "--reason", "县库帐篷分批调拨")
    assert "已批准" in run("request", "approve", "2")
    assert "FLOOD-SY-SC" in run("scenario", "new", "--event", "FLOOD-SY")
    roads = county / "blocked.geojson"
    roads.write_text(json.dumps(BLOCKED, ensure_ascii=False), encoding="utf-8")
    assert "封路区域：已设置" in run("scenario", "set", "FLOOD-SY-SC", "--blocked", str(roads))
    out = run("plan", "FLOOD-SY-SC", "--time-limit", "2", "--confirm", "--out", str(county / "orders"))
    assert "校验器：通过" in out and "已确认" in out, out
    assert list((county / "orders").glob("*.pdf"))
    login_as("chief", PASSWORD)
    future = (clock.today() + timedelta(days=300)).isoformat()
    run("donation", "add", "--site", "SY-XJK", "--donor", "钱八", "--person", "--contact", "13500009999",
        "--item", WATER, "--qty", "200", "--lot", "JZ-SY-1", "--expiry", future, "--event", "FLOOD-SY")  # fmt: skip
    run("donation", "use", "1", "FLOOD-SY", VILLAGE_B, "120")
    login_as("disp", PASSWORD)
    pub = run("publish", "FLOOD-SY", "--xlsx", str(county / "pub.xlsx"), "--pdf", str(county / "pub.pdf"))
    assert "东山镇" in pub and "营前镇" in pub and "240" in pub and "130" in pub
    run("donation", "public", "FLOOD-SY", "--xlsx", str(county / "donations.xlsx"))
    public = _cells(county / "pub.xlsx") + _cells(county / "donations.xlsx")
    donations = _cells(county / "donations.xlsx")
    assert "爱心人士" in donations and "120" in donations  # received, and 120 used in 营前镇's village
    pdf = subprocess.run(["pdftotext", str(county / "pub.pdf"), "-"], capture_output=True, text=True).stdout
    assert "上犹县山洪" in pdf and "运输" in pdf
    for private in ("钱八", "13500009999", "inf_a", "inf_b", "disp", "chief"):
        assert private not in public and private not in pdf
    _figures_add_up()


def _figures_add_up() -> None:
    """The publication's figures, read back: each township's latest report, the requests and what was approved,
    the county depot's stock (received + donated − used; holds stay on hand) and the confirmed plan's deliveries."""
    pub = build_services(get_settings()).registers.publication("FLOOD-SY", "disp")
    assert [(t, a, r) for t, _, a, r, _ in pub.people] == [(TOWN_A, 240, 90), (TOWN_B, 130, 40)]
    assert pub.demand == [(TOWN_A, TENT, 60, 40), (TOWN_A, WATER, 1200, 1200)]
    stock = {item: qty for area, item, qty in pub.storage if area == county_book.COUNTY}
    assert stock == {TENT: 80, WATER: 3000 + 200 - 120}
    moved = {item: (done, pending) for item, done, pending in pub.transport}
    assert moved[TENT][0] == 0 and 0 < moved[TENT][1] <= 40  # confirmed, not yet delivered


def test_the_same_walk_reads_in_english(county):
    _report_and_request()
    login_as("disp", PASSWORD)
    out = run("--lang", "en", "request", "approve", "1", "--qty", "40", "--reason", "tents come in two lots")
    assert "partly" in out.lower() or "Partly" in out
    run("--lang", "en", "scenario", "new", "--event", "FLOOD-SY")
    pub = run("--lang", "en", "publish", "FLOOD-SY", "--xlsx", str(county / "pub_en.xlsx"))
    assert "Storage (by township)" in pub and "Demand" in pub
    assert "Affected persons" in _cells(county / "pub_en.xlsx")
    public = run("--lang", "en", "donation", "public", "FLOOD-SY")
    assert "No records." in public


def test_the_county_short_of_tents_asks_the_city(county):
    """上犹县 holds 80 tents and approves 110: the shortfall names 30, the dispatcher asks the city for them and
    the 请调函 prints with 上犹县应急管理局 as its heading, in zh and en."""
    _report_and_request()
    login_as("inf_a", PASSWORD)
    run("request", "add", "FLOOD-SY", TENT, "70", "--to", VILLAGE_A, "--priority", "1")
    login_as("disp", PASSWORD)
    run("request", "approve", "1", "--qty", "40", "--reason", "县库帐篷分批调拨")
    run("request", "approve", "3")
    short = [ln for ln in run("request", "city", "shortfall", "FLOOD-SY").splitlines() if "帐篷" in ln]
    assert len(short) == 1 and [c.strip() for c in short[0].split("│")][-2] == "30顶", short
    out = run("request", "city", "add", "FLOOD-SY", "--item", f"{TENT}=30", "--reason", "县库帐篷不足",
              "--needed-by", (clock.today() + timedelta(days=1)).isoformat())  # fmt: skip
    assert f"请调〔{clock.now().year}〕1号" in out
    run(
        "request",
        "city",
        "letter",
        "1",
        "--pdf",
        str(county / "letter.pdf"),
        "--xlsx",
        str(county / "l.xlsx"),
    )
    pdf = subprocess.run(
        ["pdftotext", str(county / "letter.pdf"), "-"], capture_output=True, text=True
    ).stdout
    for expected in ("上犹县应急管理局", "请调函", "上犹县山洪", "县库帐篷不足", "30", "经办人", "签发人"):
        assert expected in pdf, expected
    assert "上犹县应急管理局" in _cells(county / "l.xlsx")
    run("--lang", "en", "request", "city", "letter", "1", "--pdf", str(county / "letter_en.pdf"))
    en = subprocess.run(
        ["pdftotext", str(county / "letter_en.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "Request for relief materials" in en and "Issued by" in en
