"""Batch import: good files post every row; each kind of bad input is reported with row, column and value,
and nothing at all is committed."""

from __future__ import annotations

import io
from datetime import date

import pytest
import xlsxwriter
from sqlalchemy import func, select

from stockpile.adapters.orm.ledger import MovementRow, PostingRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.domain.errors import FileRejected
from stockpile.i18n import row_error_text
from tests.conftest import NOW

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

HEAD = ["业务类型", "库点编码", "物资编码", "批次号", "数量", "单位", "有效期至", "发生时间", "单据号"]
GOOD = [
    ["入库", "D-COUNTY", "1020101", "W-001", 100, "", "2027-06-30", "2026-05-20 09:00", "RK001"],
    ["入库", "D-COUNTY", "1020101", "W-002", 2, "箱", "2027-01-31", "2026-05-20 09:05", "RK002"],
    ["出库", "D-COUNTY", "1020101", "", 30, "", "", "2026-05-21 10:00", "CK001"],
]


def xlsx(rows, head=HEAD, sheet="Import", merge=False) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet(sheet)
    if merge:
        ws.merge_range(0, 0, 0, 1, "业务类型/库点")
        ws.write_row(0, 2, head[2:])
    else:
        ws.write_row(0, 0, head)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is not None and v != "":
                ws.write(r, c, v)
    wb.close()
    return buf.getvalue()


def csv_bytes(rows, encoding="utf-8-sig", head=HEAD) -> bytes:
    lines = [",".join(head)] + [",".join(str(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


@pytest.fixture
def svc(db_url, world):
    return build_services(Settings(database_url=db_url))


def counts(svc):
    with svc.ledger.uow() as uow:
        s = uow.session
        return (
            s.scalar(select(func.count()).select_from(MovementRow)),
            s.scalar(select(func.count()).select_from(PostingRow)),
        )


def test_good_xlsx_posts_every_row_in_base_units(svc):
    """Receipts (one in 箱 of 24) and a FEFO issue: 100 + 48 − 30, the issue taking the earlier-expiring lot."""
    rep = svc.imports.import_file(xlsx(GOOD), "stock.xlsx", "keeper1", now=NOW)
    assert rep.ok and rep.accepted == 3
    df = svc.views.stock(site_code="D-COUNTY", item_code="1020101", on=date(2026, 6, 1))
    assert dict(zip(df["lot_no"], df["on_hand"], strict=True)) == {"W-001": 100, "W-002": 18}


def test_same_file_twice_reports_already_imported(svc):
    """The file's sha256 makes a re-import a no-op that says when and by whom."""
    data = xlsx(GOOD)
    svc.imports.import_file(data, "stock.xlsx", "keeper1", now=NOW)
    before = counts(svc)
    rep = svc.imports.import_file(data, "stock.xlsx", "keeper2", now=NOW)
    assert rep.already_imported["actor"] == "KEEPER1" or rep.already_imported["actor"] == "keeper1"
    assert counts(svc) == before


def test_bad_last_row_commits_nothing_and_lists_all_errors(svc):
    """One bad row → zero movements, and every bad cell is listed."""
    rows = [*GOOD, ["入库", "NOPE", "9999999", "X", -5, "", "2027-01-01", "2026-05-20", ""]]
    before = counts(svc)
    rep = svc.imports.import_file(xlsx(rows), "bad.xlsx", "keeper1", now=NOW)
    assert not rep.ok
    got = {(e.row, e.column, e.code) for e in rep.errors}
    assert (5, "数量", "qty_not_positive") in got
    assert counts(svc) == before


BAD_CELLS = [  # id, row override (index → value), expected (column, code, value shown)
    ("unknown_item", {2: "9999999"}, ("物资编码", "unknown_item", "9999999")),
    ("unknown_site", {1: "XX-99"}, ("库点编码", "unknown_site", "XX-99")),
    ("negative_qty", {4: -3}, ("数量", "qty_not_positive", "-3")),
    ("fractional_qty", {4: 1.5}, ("数量", "qty_not_integer", "1.5")),
    ("thousands_separator", {4: "1,000"}, ("数量", "use_plain_digits", "1,000")),
    ("formula_qty", {4: "=A2*3"}, ("数量", "formula_not_value", "=A2*3")),
    ("expired_on_arrival", {6: "2026-05-01"}, ("有效期至", "expired_on_arrival", "2026-05-01")),
    ("future_date", {7: "2026-06-09 10:00"}, ("发生时间", "posting_in_future", "")),
    ("ambiguous_date", {6: "03/04/2027"}, ("有效期至", "date_not_iso", "03/04/2027")),
    ("unknown_unit", {5: "托"}, ("单位", "unknown_unit", "托")),
]


@pytest.mark.parametrize(("case", "override", "expected"), BAD_CELLS, ids=[c[0] for c in BAD_CELLS])
def test_bad_cell_names_row_column_and_value_and_commits_nothing(svc, case, override, expected):
    row = list(GOOD[0])
    for i, v in override.items():
        row[i] = v
    before = counts(svc)
    rep = svc.imports.import_file(xlsx([GOOD[1], row]), f"{case}.xlsx", "keeper1", now=NOW)
    assert not rep.ok
    col, code, value = expected
    hit = [e for e in rep.errors if e.code == code]
    assert hit, rep.errors
    assert hit[0].row == 3 and hit[0].column == col
    if value:
        assert hit[0].value == value
    assert "{" not in row_error_text(hit[0])  # the sentence's own values filled in (an unknown unit's item)
    assert counts(svc) == before


def test_a_column_named_twice_is_refused(svc):
    """Two 数量 columns: refused as a file, naming the column (the second's value was posted silently)."""
    head = [*HEAD, "数量"]
    rows = [[*row, 5] for row in GOOD]
    before = counts(svc)
    with pytest.raises(FileRejected) as e:
        svc.imports.import_file(csv_bytes(rows, head=head), "twice.csv", "keeper1", now=NOW)
    assert e.value.code == "duplicate_header" and e.value.params["column"] == "数量"
    assert counts(svc) == before


def test_one_column_under_two_spellings_is_refused_naming_both(svc):
    """「数量」 and 「qty」, or 「数量」 and its Traditional 「數量」: one field named twice; the later cell was
    posted and nothing said. Each is an error at the header naming the first; nothing is committed."""
    before = counts(svc)
    for twin in ("qty", "數量"):
        rows = [[*row, 5] for row in GOOD]
        rep = svc.imports.import_file(csv_bytes(rows, head=[*HEAD, twin]), f"{twin}.csv", "keeper1", now=NOW)
        assert [(e.row, e.column, e.code, dict(e.params)) for e in rep.errors] == [
            (1, twin, "column_twice", {"first": "数量"})
        ]
        assert "数量" in row_error_text(rep.errors[0], "zh") and "{" not in row_error_text(
            rep.errors[0], "en"
        )
    assert counts(svc) == before


def test_a_file_in_traditional_characters_is_read_as_the_template(svc):
    """A file saved by a Traditional-Chinese Excel: headers 「業務類型」「庫點編碼」… and kinds 「入庫」「出庫」 are read
    as the template's; the rows post as the Simplified file's do (a keeper in Hong Kong, Macao or Taiwan, or a
    Traditional input method, had every column reported missing)."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    head = [s2t.convert(h) for h in HEAD]
    assert head != HEAD and "業務類型" in head
    rows = [[s2t.convert(v) if isinstance(v, str) else v for v in row] for row in GOOD]
    assert rows[2][0] == "出庫"
    rep = svc.imports.import_file(xlsx(rows, head=head), "traditional.xlsx", "keeper1", now=NOW)
    assert rep.ok and rep.accepted == 3, rep.errors
    df = svc.views.stock(site_code="D-COUNTY", item_code="1020101", on=date(2026, 6, 1))
    assert dict(zip(df["lot_no"], df["on_hand"], strict=True)) == {"W-001": 100, "W-002": 18}


def test_a_file_with_a_header_and_no_rows_is_refused(svc):
    """Header only: refused as a file ("no data rows"), not reported as an import of 0 rows."""
    before = counts(svc)
    with pytest.raises(FileRejected) as e:
        svc.imports.import_file(csv_bytes([]), "header.csv", "keeper1", now=NOW)
    assert e.value.code == "no_rows" and counts(svc) == before


def test_lot_with_a_different_expiry_than_the_database_is_refused(svc):
    """Same lot number = same expiry, across files too."""
    svc.imports.import_file(xlsx([GOOD[0]]), "a.xlsx", "keeper1", now=NOW)
    row = list(GOOD[0])
    row[6], row[8] = "2027-12-31", "RK009"
    rep = svc.imports.import_file(xlsx([row]), "b.xlsx", "keeper1", now=NOW)
    assert [(e.row, e.column, e.code) for e in rep.errors] == [(2, "有效期至", "lot_expiry_conflict")]


def test_lot_with_two_expiries_in_one_file_flags_both_rows(svc):
    a, b = list(GOOD[0]), list(GOOD[0])
    b[6] = "2027-07-31"
    rep = svc.imports.import_file(xlsx([a, b]), "two.xlsx", "keeper1", now=NOW)
    assert sorted(e.row for e in rep.errors if e.code == "lot_two_expiries") == [2, 3]


def test_issue_that_goes_negative_part_way_names_the_row(svc):
    """Simulated in (time, row) order; the first row that would go negative is reported."""
    rows = [GOOD[0], ["出库", "D-COUNTY", "1020101", "", 150, "", "", "2026-05-21 10:00", "CK9"]]
    rep = svc.imports.import_file(xlsx(rows), "neg.xlsx", "keeper1", now=NOW)
    assert [(e.row, e.code) for e in rep.errors] == [(3, "out_of_stock")]


def test_non_xlsx_file_named_xlsx_is_rejected(svc):
    with pytest.raises(FileRejected) as e:
        svc.imports.import_file(b"PK\x03\x04 this is not a zip at all", "fake.xlsx", "keeper1", now=NOW)
    assert e.value.code == "not_xlsx"
    with pytest.raises(FileRejected) as e:
        svc.imports.import_file(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "picture.xlsx", "keeper1", now=NOW)
    assert e.value.code in {"binary_file", "bad_encoding"}


def test_gbk_csv_needs_confirmation_then_imports(svc):
    """GBK is read as GB18030 only after the user confirms the preview."""
    data = csv_bytes(GOOD, encoding="gbk")
    rep = svc.imports.import_file(data, "gbk.csv", "keeper1", now=NOW)
    assert rep.needs_confirmation == ["encoding_guessed_gb18030"] and counts(svc)[0] == 0
    rep = svc.imports.import_file(
        data, "gbk.csv", "keeper1", confirmed=frozenset({"encoding_guessed_gb18030"}), now=NOW
    )
    assert rep.ok and rep.accepted == 3


def test_utf8_bom_csv_header_is_recognised(svc):
    rep = svc.imports.import_file(csv_bytes(GOOD), "bom.csv", "keeper1", now=NOW)
    assert rep.ok


def test_merged_header_is_rejected(svc):
    with pytest.raises(FileRejected) as e:
        svc.imports.import_file(xlsx(GOOD, merge=True), "merged.xlsx", "keeper1", now=NOW)
    assert e.value.code == "merged_header"


def test_code_typed_as_number_keeps_its_digits_but_scientific_notation_is_refused(svc):
    """A numeric item code 1020101 is the same code; 6.93217E+12 is Excel's damage and refused."""
    row = list(GOOD[0])
    row[2] = 1020101
    assert svc.imports.import_file(xlsx([row]), "num.xlsx", "keeper1", now=NOW).ok
    row2 = list(GOOD[1])
    row2[2] = 6.93217e12
    rep = svc.imports.import_file(xlsx([row2]), "sci.xlsx", "keeper1", now=NOW)
    assert [e.code for e in rep.errors] == ["code_in_scientific_notation"]


def test_dates_written_year_first_are_read_and_day_first_refused(svc):
    """2027/6/30, 2027.1.31 and 2027年6月30日 are the dates a clerk types; they read as 2027-06-30 (only 03/04/2027,
    where day and month cannot be told apart, stays refused: BAD_CELLS)."""
    rows = [list(r) for r in GOOD]
    rows[0][6], rows[1][6] = "2027/6/30", "2027年1月31日"
    rep = svc.imports.import_file(xlsx(rows), "dates.xlsx", "keeper1", now=NOW)
    assert rep.ok, rep.errors
    df = svc.views.stock(site_code="D-COUNTY", item_code="1020101", on=date(2026, 6, 1))
    assert sorted(str(x) for x in df["expiry"]) == ["2027-01-31", "2027-06-30"]


def test_an_empty_row_in_the_middle_is_named_and_the_rows_above_are_still_checked(svc):
    """A blank row 3 with data below it: each row below is an error naming row 3 as the empty one, without an empty
    column and value in the sentence; a bad cell above the blank row is reported in the same pass (it was not: the
    file stopped at the blank row's errors). Nothing is committed."""
    bad = list(GOOD[0])
    bad[4] = -5
    before = counts(svc)
    rep = svc.imports.import_file(xlsx([bad, [None] * len(HEAD), GOOD[1]]), "gap.xlsx", "keeper1", now=NOW)
    assert not rep.ok and counts(svc) == before
    after = [e for e in rep.errors if e.code == "data_after_empty_row"]
    assert [(e.row, e.params["empty_row"]) for e in after] == [(4, 3)]
    assert (
        row_error_text(after[0])
        == "第 4 行：第 3 行是空行，其后还有数据：请删除该空行，或把数据移到空行之前（空行以下不导入）"
    )
    assert any(e.code == "qty_not_positive" and e.row == 2 for e in rep.errors)
