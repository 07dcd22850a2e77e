"""`relief requisition|donation|publish` on a copy of the demo county: a requisition received by the depot's keeper,
compensation per owner as a workbook, a donation accepted and one refused as expired, the public list and the
event's publication as xlsx and PDF — none of them carrying a name or a phone that is personal data."""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from typer.testing import CliRunner

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm import ledger as orm
from stockpile.cli.main import app
from tests.support.cli import login_as

runner = CliRunner()
WATER = "1020101"
PHONE_OWNER, PHONE_DONOR = "13811112222", "13933334444"
CID = "2b7f0a4e-5d1c-4a7e-9c3b-8f6d2e1a0b9c"


def _ok(args: list[str], code: int = 0) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    return res.output


def _cells(path) -> str:
    wb = load_workbook(io.BytesIO(path.read_bytes()))
    return " ".join(
        str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None
    )


@pytest.fixture
def event(cli_db) -> str:
    a = orm.AdminAreaRow
    with make_engine(f"sqlite:///{cli_db}").connect() as c:
        county = c.execute(select(a.code).where(a.level == "county")).scalar_one()
    login_as("dispatcher")
    at = (clock.now() - timedelta(hours=6)).replace(tzinfo=None).isoformat(timespec="minutes")
    _ok(["event", "new", "FLOOD-R", "--name", "登记演练", "--area", county, "--at", at])
    return "FLOOD-R"


def test_requisition_received_and_compensated(event, tmp_path):
    out = _ok(
        ["requisition", "add", event, "--owner", "王五", "--contact", PHONE_OWNER, "--item", WATER, "--qty", "120",
         "--price", "1.50", "--condition", "整箱完好"]
    )  # fmt: skip
    assert "已登记征用 1" in out
    _ok(["requisition", "add", event, "--owner", "王五", "--vehicle", "--plate", "赣B00001", "--capacity-kg", "3000",
         "--capacity-dm3", "12000", "--site", "XJK", "--rate", "600"])  # fmt: skip
    bad = _ok(
        ["requisition", "add", event, "--owner", "王五", "--item", WATER, "--qty", "1", "--price", "abc"], 2
    )
    assert "金额无法识别" in bad
    login_as("keeper_xjk")
    assert "已验收入库" in _ok(["requisition", "receive", "1", "--site", "XJK"])
    assert "不能入库" in _ok(["requisition", "receive", "1", "--site", "XJK"], 1)
    login_as("dispatcher")
    _ok(["requisition", "return", "2"])
    out = _ok(["requisition", "compensation", event, "--xlsx", str(tmp_path / "owed.xlsx")])
    assert "180.00" in out and "600.00" in out and "780.00" in out  # 120 × 1.50 元; one day × 600 元
    assert "王五" in _cells(tmp_path / "owed.xlsx")


def test_donations_and_the_publication_carry_no_personal_data(event, tmp_path):
    login_as("keeper_xjk")
    future = (clock.today() + timedelta(days=200)).isoformat()
    past = (clock.today() - timedelta(days=1)).isoformat()
    common = ["--site", "XJK", "--item", WATER, "--qty", "50", "--event", event]
    out = _ok(["donation", "add", *common, "--donor", "赵六", "--person", "--contact", PHONE_DONOR,
               "--lot", "JZ-A", "--expiry", future])  # fmt: skip
    assert "已验收入库" in out
    again = ["donation", "add", *common, "--donor", "某基金会", "--lot", "JZ-R", "--client-id", CID]
    first, retry = (
        _ok(again),
        _ok(again),
    )  # a retry with the same client id is the same donation, stocked once
    assert first == retry and "捐赠 2 已验收入库" in retry
    out = _ok(["donation", "add", *common, "--donor", "某公司", "--lot", "JZ-OLD", "--expiry", past], 1)
    assert "拒收" in out and "已过期" in out
    login_as("dispatcher")
    listing = _ok(["donation", "list", event])
    assert "赵六" in listing and "拒收" in listing and listing.count("JZ-R") == 1
    public = _ok(["donation", "public", event, "--xlsx", str(tmp_path / "public.xlsx")])
    assert "爱心人士" in public and "赵六" not in public
    published = _ok(
        ["publish", event, "--xlsx", str(tmp_path / "pub.xlsx"), "--pdf", str(tmp_path / "pub.pdf")]
    )
    for line in published.splitlines():  # an empty part names itself (a bare 没有记录。 stood alone)
        assert line.strip() != "没有记录。", published
    text = _cells(tmp_path / "pub.xlsx") + _cells(tmp_path / "public.xlsx")
    pdf = subprocess.run(["pdftotext", str(tmp_path / "pub.pdf"), "-"], capture_output=True, text=True).stdout
    assert "仓储" in pdf and "登记演练" in pdf
    for private in ("赵六", PHONE_DONOR, "王五", PHONE_OWNER, "keeper_xjk", "dispatcher"):
        assert private not in text and private not in pdf


def test_publication_in_english(event):
    out = _ok(["--lang", "en", "publish", event])
    assert "Storage (by township)" in out and "information publication" in out


def _lot_on_hand(cli_db, lot_no: str) -> int:
    b, lt = orm.StockBalanceRow, orm.LotRow
    with make_engine(f"sqlite:///{cli_db}").connect() as c:
        q = select(b.on_hand).join(lt, lt.id == b.lot_id).where(lt.lot_no == lot_no)
        return int(c.execute(q).scalar_one())


def test_unused_requisitioned_goods_go_back_to_their_owner(event, cli_db):
    """120 bottles taken at 1.50 元; 70 used for relief; the keeper issues the 50 left back to the owner out of
    that lot; compensation counts the 70 consumed (105.00 元), and nothing goes back twice or beyond the lot."""
    _ok(
        [
            "requisition",
            "add",
            event,
            "--owner",
            "李四商行",
            "--item",
            WATER,
            "--qty",
            "120",
            "--price",
            "1.50",
        ]
    )
    _ok(["requisition", "add", event, "--owner", "孙七", "--item", WATER, "--qty", "10", "--price", "2"])
    _ok(
        [
            "requisition",
            "add",
            event,
            "--owner",
            "周八",
            "--item",
            WATER,
            "--qty",
            "3",
            "--price",
            "1",
            "--site",
            "XJK",
        ]
    )
    login_as("keeper_xjk")
    incoming = _ok(["requisition", "incoming"])
    assert (
        "周八" in incoming and "未入库" in incoming and "李四商行" not in incoming
    )  # only lines bound for XJK
    _ok(["requisition", "receive", "1", "--site", "XJK", "--lot", "ZY-RET-1"])
    login_as("dispatcher")
    assert "已在库" in _ok(["requisition", "return", "1"], 1)  # goods in stock leave only through an issue
    assert "已归还" in _ok(["requisition", "return", "2"])  # never received: back whole, nothing owed
    login_as("keeper_xjk")
    _ok(["issue", "XJK", WATER, "70", "--lot", "ZY-RET-1", "--event", event])
    assert "不足" in _ok(["requisition", "return", "1", "--qty", "60"], 1)  # only 50 left of the lot
    assert _lot_on_hand(cli_db, "ZY-RET-1") == 50
    _ok(["requisition", "return", "1", "--qty", "130"], 1)  # more than was requisitioned
    out = _ok(["requisition", "return", "1", "--qty", "50"])
    assert "李四商行" in out and "50" in out and "70" in out
    assert _lot_on_hand(cli_db, "ZY-RET-1") == 0
    assert "不能再次办理" in _ok(["requisition", "return", "1", "--qty", "1"], 1)
    login_as("dispatcher")
    owed = _ok(["requisition", "compensation", event])
    assert "105.00" in owed and "180.00" not in owed  # 70 consumed × 1.50 元; 孙七's 10 came back: 0.00
    assert "20.00" not in owed
