"""Bad county workbooks: each is refused with the sheet, row, column and value of every problem, and nothing is
written (all or nothing)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import prcoords
import pytest
from sqlalchemy import func, select

from stockpile import clock
from stockpile.adapters.orm import ledger as orm
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.domain.errors import FileRejected
from tests.support import county_book
from tests.support.factory import seed_users

Book = dict[str, tuple[list[str], list[list[Any]]]]


@pytest.fixture
def svc(engine, db_url):
    seed_users(engine, {"admin": ("admin", ())})
    return build_services(Settings(database_url=db_url))


def _set(book: Book, sheet: str, row: int, header: str, value: Any) -> None:
    headers, rows = book[sheet]
    rows[row][headers.index(header)] = value


def _dup_township(b: Book) -> None:
    b["乡镇"][1].append(list(b["乡镇"][1][0]))


def _orphan_village(b: Book) -> None:
    _set(b, "村社区", 0, "所属乡镇代码", "360724199")


def _swapped(b: Book) -> None:
    _set(b, "村社区", 1, "经度", 25.8)
    _set(b, "村社区", 1, "纬度", 114.5)


def _abroad(b: Book) -> None:
    _set(b, "乡镇", 2, "经度", 2.35)  # Paris
    _set(b, "乡镇", 2, "纬度", 48.85)


def _outside(b: Book) -> None:
    _set(b, "避难场所", 0, "经度", 115.9)  # in Jiangxi, but another county
    _set(b, "避难场所", 0, "纬度", 29.6)


def _bad_term(b: Book) -> None:
    today = clock.today()
    _set(b, "协议储备", 0, "有效期起", today)
    _set(b, "协议储备", 0, "有效期止", today - timedelta(days=1))


def _no_capacity(b: Book) -> None:
    for h in ("载重(千克)", "容积(立方分米)", "冷链箱位"):
        _set(b, "车辆", 0, h, 0)


CASES: list[tuple[str, Callable[[Book], None], str, int, str]] = [
    ("duplicate code", _dup_township, "乡镇", 8, "duplicate_code"),
    ("village of a missing township", _orphan_village, "村社区", 2, "unknown_township"),
    ("negative population", lambda b: _set(b, "乡镇", 0, "人口", -5), "乡镇", 2, "negative"),
    ("population as text", lambda b: _set(b, "乡镇", 1, "人口", "很多"), "乡镇", 3, "qty_not_integer"),
    ("coordinates swapped", _swapped, "村社区", 3, "geo_swapped"),
    (
        "null island",
        lambda b: (_set(b, "储备库点", 0, "经度", 0), _set(b, "储备库点", 0, "纬度", 0)),
        "储备库点",
        2,
        "geo_null_island",
    ),
    ("out of China", _abroad, "乡镇", 4, "geo_out_of_china"),
    ("outside the county", _outside, "避难场所", 2, "geo_out_of_area"),
    ("agreement ends before it starts", _bad_term, "协议储备", 2, "valid_to_before_from"),
    ("vehicle carries nothing", _no_capacity, "车辆", 2, "vehicle_no_capacity"),
    (
        "depot of unknown type",
        lambda b: _set(b, "储备库点", 1, "类型", "地下室"),
        "储备库点",
        3,
        "invalid_choice",
    ),
    (
        "pack factor not whole",
        lambda b: _set(b, "物资目录", 1, "包装换算", "箱:2.5"),
        "物资目录",
        3,
        "qty_not_integer",
    ),
    ("sheet missing", lambda b: b.pop("车辆"), "车辆", 0, "sheet_missing"),
    # a code at two levels was refused by the database as "cannot connect" (probe, session 19)
    (
        "village with its township's code",
        lambda b: _set(b, "村社区", 3, "村社区代码", "360724102"),
        "村社区",
        5,
        "code_used_above",
    ),
    (
        "township with the county's code",
        lambda b: _set(b, "乡镇", 0, "乡镇代码", "360724"),
        "乡镇",
        2,
        "code_used_above",
    ),
    (
        "shelter with a village's code",
        lambda b: _set(b, "避难场所", 0, "场所编码", "360724101200"),
        "避难场所",
        2,
        "code_used_above",
    ),
    # longer than its column: PostgreSQL refused it as "cannot connect", SQLite kept it
    (
        "township code too long",
        lambda b: _set(b, "乡镇", 0, "乡镇代码", "3607241019999999"),
        "乡镇",
        2,
        "code_too_long",
    ),
    ("plate too long", lambda b: _set(b, "车辆", 0, "车牌号", "赣B" + "1" * 40), "车辆", 2, "code_too_long"),
    ("header renamed", lambda b: b["乡镇"][0].__setitem__(5, "常住人口"), "乡镇", 1, "missing_column"),
]


@pytest.mark.parametrize(("name", "spoil", "sheet", "row", "code"), CASES, ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_workbook_is_refused_with_its_place(svc, engine, name, spoil, sheet, row, code):
    book = county_book.sheets(clock.today())
    spoil(book)
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin")
    assert not report.ok and not report.committed
    assert any((p.sheet, p.row, p.code) == (sheet, row, code) for p in report.errors), report.errors
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(orm.AdminAreaRow)).scalar_one() == 0


def test_every_bad_row_in_one_pass(svc):
    """Different kinds of problems in different sheets are all reported together, not only the first kind."""
    book = county_book.sheets(clock.today())
    _orphan_village(book)
    _no_capacity(book)
    _set(book, "乡镇", 0, "人口", -5)
    codes = {p.code for p in svc.onboarding.import_workbook(county_book.xlsx(book), "admin").errors}
    assert {"unknown_township", "vehicle_no_capacity", "negative"} <= codes


def test_empty_workbook(svc):
    import io

    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    report = svc.onboarding.import_workbook(buf.getvalue(), "admin")
    assert [p.code for p in report.errors] == ["workbook_empty"]


def test_not_a_workbook(svc):
    with pytest.raises(FileRejected):
        svc.onboarding.import_workbook(b"name,code\n", "admin")


def test_gcj02_declared_but_wgs84_given_warns(svc):
    """A village just outside the border as given, moved inside by the GCJ-02 → WGS-84 shift: a warning names it."""
    book = county_book.sheets(clock.today())
    _set(book, "县情", 0, "坐标系", "GCJ-02")
    lons = [t[2] for t in county_book.TOWNSHIPS]
    lats = [t[3] for t in county_book.TOWNSHIPS]
    # the townships' seats convert too: find the border after conversion, then a point the shift carries over it
    seats = [prcoords.gcj_wgs_bored(prcoords.Coords(la, lo)) for lo, la in zip(lons, lats, strict=True)]
    east = max(s.lon for s in seats) + 0.15
    given = east + 0.002  # outside as given; the shift (about −0.005° lon here) brings it inside
    _set(book, "村社区", 0, "经度", round(given, 6))
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin", dry_run=True)
    assert report.ok, report.errors
    assert any(p.code == "crs_shift_crosses_border" and p.row == 2 for p in report.warnings), report.warnings


def test_non_admin_is_refused(svc, engine):
    from stockpile.domain.errors import PermissionDenied

    seed_users(engine, {"plan": ("planner", ())})
    with pytest.raises(PermissionDenied):
        svc.onboarding.import_workbook(county_book.xlsx(county_book.sheets(clock.today())), "plan")


def test_village_codes_typed_as_numbers_are_their_12_digits(svc):
    """360724101200 stored as a number is exact (Excel keeps 15 digits): it was refused as scientific notation,
    with a second, made-up "code twice" error on the same row."""
    book = county_book.sheets(clock.today())
    headers, rows = book["村社区"]
    for r in rows:
        r[headers.index("村社区代码")] = int(r[headers.index("村社区代码")])
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin", dry_run=True)
    assert report.ok, report.errors


def test_a_refused_code_cell_is_not_also_a_duplicate(svc):
    book = county_book.sheets(clock.today())
    for row in (0, 1):
        _set(book, "村社区", row, "村社区代码", "3.60724E+11")
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin", dry_run=True)
    codes = [(p.row, p.code) for p in report.errors if p.sheet == "村社区"]
    assert ("duplicate_code" not in {c for _, c in codes}) and (2, "code_in_scientific_notation") in codes


@pytest.mark.parametrize("bad", [0, 1], ids=["bad row first", "bad row second"])
def test_an_agreement_row_with_unreadable_dates_is_the_only_row_named(svc, bad):
    """协议储备: one item line of a contract with dates nobody can read (下月初) is named for its dates; its sibling
    line (same contract and holder, another item) was also called "inconsistent" against the unreadable row, and
    the bad row itself against its sibling. A check across the rows of a contract skips a cell already refused."""
    book = county_book.sheets(clock.today())
    headers, rows = book["协议储备"]
    rows.append(list(rows[0]))
    rows[1][headers.index("物资编码")] = "1010201"
    _set(book, "协议储备", bad, "有效期起", "下月初")
    _set(book, "协议储备", bad, "有效期止", "明年")
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin", dry_run=True)
    named = sorted((p.row, p.column) for p in report.errors if p.sheet == "协议储备")
    assert named == [(bad + 2, "有效期止"), (bad + 2, "有效期起")], report.errors
    assert "contract_fields_differ" not in {p.code for p in report.errors}


def test_agreement_rows_that_disagree_on_a_readable_term_are_still_named(svc):
    """The skip is for refused cells only: a sibling line whose readable end date differs is still named."""
    book = county_book.sheets(clock.today())
    headers, rows = book["协议储备"]
    rows.append(list(rows[0]))
    rows[1][headers.index("物资编码")] = "1010201"
    _set(book, "协议储备", 1, "有效期止", clock.today() + timedelta(days=400))
    _set(book, "协议储备", 0, "调用时限(分钟)", "两小时")
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin", dry_run=True)
    named = sorted((p.row, p.column, p.code) for p in report.errors if p.sheet == "协议储备")
    assert named == [(2, "调用时限(分钟)", "qty_not_integer"), (3, "有效期止", "contract_fields_differ")], (
        named
    )


def test_what_counties_also_write_is_read_as_the_label(svc):
    """CGCS2000 (the national datum) reads as WGS-84, 民族乡/苏木 as 乡, 街道办事处 as 街道, 调度 as 调度员; they were
    refused as "取值不在允许范围内" without saying what is allowed."""
    book = county_book.sheets(clock.today())
    _set(book, "县情", 0, "坐标系", "CGCS2000")
    _set(book, "乡镇", 0, "类型", "民族乡")
    _set(book, "乡镇", 1, "类型", "苏木")
    _set(book, "乡镇", 2, "类型", "街道办事处")
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin", dry_run=True)
    assert report.ok, report.errors


def test_a_value_not_allowed_names_the_allowed_ones(svc):
    from stockpile.i18n import problem_text

    book = county_book.sheets(clock.today())
    _set(book, "县情", 0, "坐标系", "北京54")
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin", dry_run=True)
    [problem] = [p for p in report.errors if p.code == "invalid_choice"]
    assert "可填 WGS-84、GCJ-02、BD-09" in problem_text(problem.code, problem.params)
    assert "allowed values: WGS-84, GCJ-02, BD-09" in problem_text(problem.code, problem.params, "en")


def test_a_latitude_that_is_wrong_is_named_under_its_own_column(svc):
    book = county_book.sheets(clock.today())
    _set(book, "村社区", 0, "纬度", "25.8x")
    _set(book, "村社区", 1, "经度", "114°30′")
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin", dry_run=True)
    got = {(p.row, p.column, p.code) for p in report.errors if p.sheet == "村社区"}
    assert {(2, "纬度", "geo_not_a_number"), (3, "经度", "geo_dms")} <= got, got


def test_a_workbook_as_a_county_keeps_it_is_read(svc):
    """What counties do to a template: a 备注 column and a 序号 column of their own (a warning, not a refusal), a
    merged title row above the header, full-width brackets typed in a header, a sheet hidden, a sheet name with a
    trailing space. Each was refused (unknown header, missing columns, missing sheet)."""
    import io

    from openpyxl import load_workbook

    book = county_book.sheets(clock.today())
    headers, rows = book["乡镇"]
    headers.append("备注")
    for r in rows:
        r.append("山区")
    vh, vrows = book["村社区"]
    vh.insert(0, "序号")
    for k, r in enumerate(vrows, 1):
        r.insert(0, k)
    wb = load_workbook(io.BytesIO(county_book.xlsx(book)))
    towns = wb["乡镇"]
    towns.insert_rows(1)
    towns["A1"] = "上犹县乡镇基本情况表"
    towns.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    county = wb["县情"]
    for cell in county[1]:
        if cell.value == "保障圈时限(分钟)":
            cell.value = "保障圈时限（分钟）"
    wb["避难场所"].sheet_state = "hidden"
    wb["车辆"].title = "车辆 "
    buf = io.BytesIO()
    wb.save(buf)
    report = svc.onboarding.import_workbook(buf.getvalue(), "admin", dry_run=True)
    assert report.ok, report.errors
    ignored = {(p.sheet, p.column) for p in report.warnings if p.code == "unknown_column_ignored"}
    assert ignored == {("乡镇", "备注"), ("村社区", "序号")}


def test_a_name_pasted_with_a_no_break_space_is_stored_with_a_plain_one(svc, engine):
    """丹江\\u00a0镇 from a web page would match no boundary file by name; the stored name has a plain space."""
    book = county_book.sheets(clock.today())
    _set(book, "乡镇", 0, "乡镇名称", "东山\u00a0镇")
    assert svc.onboarding.import_workbook(county_book.xlsx(book), "admin").ok
    with engine.connect() as c:
        names = set(c.execute(select(orm.AdminAreaRow.name)).scalars())
    assert "东山 镇" in names and not any("\u00a0" in n for n in names)


def test_a_code_whose_leading_zeros_excel_dropped_is_named_with_its_twin(svc):
    """A depot code 001 stored as the number 1 while the vehicle refers to 001: the row says the sheet holds 1 and
    asks whether Excel dropped the zeros (it said only "not in the depots sheet")."""
    from stockpile.i18n import problem_text

    book = county_book.sheets(clock.today())
    headers, rows = book["储备库点"]
    rows[0][headers.index("库点编码")] = 1
    _set(book, "车辆", 0, "所属库点编码", "001")
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin", dry_run=True)
    [problem] = [p for p in report.errors if p.sheet == "车辆"]
    assert problem.code == "leading_zeros_lost" and problem.value == "001"
    assert "那张表中有 1" in problem_text(problem.code, problem.params)


def test_a_file_that_is_no_workbook_is_not_offered_csv(svc):
    from stockpile.i18n import domain_error_text

    with pytest.raises(FileRejected) as e:
        svc.onboarding.import_workbook(b"PK\x03\x04garbage", "admin")
    assert "CSV" not in domain_error_text(e.value) and ".xlsx" in domain_error_text(e.value)


def test_a_formula_without_its_result_is_refused_by_its_cell(svc, engine):
    """A workbook written by a program with a formula (人口 = 1200+34) and never saved in Excel or WPS holds no result
    for it: refused by sheet and cell, in words, nothing written (it was read as blank: a missing number)."""
    from stockpile.i18n import domain_error_text

    book = county_book.sheets(clock.today())
    headers, _ = book["乡镇"]
    _set(book, "乡镇", 1, "人口", "=1200+34")
    with pytest.raises(FileRejected) as e:
        svc.onboarding.import_workbook(county_book.xlsx(book), "admin")
    column = chr(ord("A") + headers.index("人口"))
    assert e.value.code == "county_formula_no_value" and e.value.params == {
        "sheet": "乡镇",
        "cell": f"{column}3",
    }
    text = domain_error_text(e.value)
    assert "乡镇" in text and f"{column}3" in text and "公式" in text
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(orm.AdminAreaRow)).scalar_one() == 0


def test_a_formula_with_its_saved_result_is_read_as_that_value(svc):
    """Excel and WPS save each formula's result beside it: the value is read (here written by xlsxwriter with the
    result, as Excel would)."""
    import io
    from datetime import date, datetime

    import xlsxwriter

    book = county_book.sheets(clock.today())
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, (header, rows) in book.items():
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row):
                if name == "乡镇" and header[c] == "人口" and r == 2:
                    ws.write_formula(r, c, "=1200+34", None, 1234)
                elif isinstance(v, date):
                    ws.write_datetime(r, c, datetime(v.year, v.month, v.day), day)
                elif v is not None:
                    ws.write(r, c, v)
    wb.close()
    from stockpile.adapters.files.county_workbook import read_workbook

    _, towns = read_workbook(buf.getvalue())["乡镇"]
    assert towns[1][1]["人口"] == 1234
    report = svc.onboarding.import_workbook(buf.getvalue(), "admin", dry_run=True)
    assert report.ok, report.errors


def test_a_workbook_in_traditional_characters_is_read_and_its_names_kept_as_typed(svc, engine):
    """A workbook saved by a Traditional-Chinese Excel or typed with a Traditional input method: sheet names
    (「鄉鎮」), headers (「鄉鎮代碼」) and drop-down choices (「縣級」) read as the template's Simplified words (the
    sheets were read as missing); the names a county typed are stored as typed."""
    import opencc

    to_traditional = opencc.OpenCC("s2t").convert
    book = county_book.sheets(clock.today())
    traditional = {
        to_traditional(name): (
            [to_traditional(h) for h in headers],
            [[to_traditional(v) if isinstance(v, str) else v for v in row] for row in rows],
        )
        for name, (headers, rows) in book.items()
    }
    assert "鄉鎮" in traditional and "鄉鎮代碼" in traditional["鄉鎮"][0]
    report = svc.onboarding.import_workbook(county_book.xlsx(traditional), "admin")
    assert report.ok, report.errors[:5]
    first_town = str(book["乡镇"][1][0][book["乡镇"][0].index("乡镇名称")])
    with engine.connect() as c:
        names = set(c.execute(select(orm.AdminAreaRow.name)).scalars())
    assert to_traditional(first_town) in names, names


def test_one_column_under_both_scripts_is_refused_naming_both(svc, engine):
    """「乡镇代码」 and 「鄉鎮代碼」 in one sheet: which cell is the code? The later was read and nothing said; now
    the twin is an error at the header naming the first, and nothing is stored."""
    book = county_book.sheets(clock.today())
    headers, rows = book["乡镇"]
    at = headers.index("乡镇代码")
    book["乡镇"] = ([*headers, "鄉鎮代碼"], [[*row, "999999999"] for row in rows])
    with engine.connect() as c:
        before = c.execute(select(func.count()).select_from(orm.AdminAreaRow)).scalar_one()
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin")
    assert not report.ok
    assert [(p.sheet, p.row, p.column, p.code, dict(p.params)) for p in report.errors] == [
        ("乡镇", 1, "鄉鎮代碼", "column_twice", {"first": "乡镇代码"})
    ]
    assert rows[0][at] != "999999999"
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(orm.AdminAreaRow)).scalar_one() == before
