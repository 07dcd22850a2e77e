"""Hostile files on the real reader: each is refused with the product's own message naming
the row, column and value or the file problem; nothing is committed; the process survives."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

from stockpile.adapters.files import importers
from stockpile.adapters.files.geo import CoordinateIssue, parse_degrees
from stockpile.domain.errors import FileRejected
from stockpile.i18n import catalogue, domain_error_text, t
from stockpile.planning.standards_import import cell_count
from stockpile.schemas import CellError
from tests.integration.test_hostile_inputs import XGOOD, XHEAD, csv, movements, row, run_import, xlsx
from tests.support.cli import login_as

SHEET = "xl/worksheets/sheet1.xml"


def patch_entry(data: bytes, name: str, fn) -> bytes:
    """The same workbook with one entry's XML rewritten."""
    zin, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            body = zin.read(info.filename)
            z.writestr(info.filename, fn(body) if info.filename == name else body)
    return out.getvalue()


def good_xlsx() -> bytes:
    return xlsx([XHEAD, XGOOD])


def with_cells(extra: bytes) -> bytes:
    """The good workbook with raw XML added at the end of its sheet data."""
    return patch_entry(good_xlsx(), SHEET, lambda x: x.replace(b"</sheetData>", extra + b"</sheetData>"))


def refused(data: bytes, name: str = "a.xlsx") -> FileRejected:
    with pytest.raises(FileRejected) as e:
        importers.read_table(data, name)
    return e.value


# ---- a cell reference far out makes the reader allocate the whole grid -------------------------------------
HUGE = {
    "value-at-XFD1048576": (b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "XFD1048576"),
    "empty-cell-at-XFD1048576": (b'<row r="1048576"><c r="XFD1048576" s="0"/></row>', "XFD1048576"),
    "wide-row": (b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>', "XFD3"),
    "deep-row": (b'<row r="900000"><c r="A900000"><v>1</v></c></row>', "A900000"),
    "area-over-the-cell-cap": (b'<row r="40000"><c r="BL40000"><v>1</v></c></row>', "BL40000"),
}


@pytest.mark.parametrize("case", sorted(HUGE))
def test_huge_cell_reference_is_refused_before_reading(case):
    """Every cell reference is checked against rows × columns caps before calamine reads the
    sheet (one value at XFD1048576 made it allocate 512 GiB and abort the process); the cell is named."""
    extra, cell = HUGE[case]
    e = refused(with_cells(extra))
    assert (e.code, e.params["cell"]) == ("sheet_too_large", cell)
    assert cell in domain_error_text(e) and "工作表范围过大" in domain_error_text(e)


def test_huge_declared_dimension_is_refused_before_reading():
    """The sheet's declared dimension is checked as well."""
    data = patch_entry(
        good_xlsx(), SHEET, lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', x)
    )
    assert refused(data).code == "sheet_too_large"


@pytest.mark.parametrize("ref", ["A0", "XFE1", "A1048577", "1A", "A-1"])
def test_invalid_cell_reference_is_refused_and_named(ref):
    """A reference outside Excel's grid or not a reference at all is a damaged file, named."""
    e = refused(with_cells(f'<row r="3"><c r="{ref}"><v>1</v></c></row>'.encode()))
    assert (e.code, e.params["cell"]) == ("bad_cell_reference", ref)


def test_huge_cell_reference_does_not_kill_the_cli(tmp_path, monkeypatch, cli_db):
    """In the CLI: `relief import` in its own process prints the Chinese refusal and exits 1, not 134."""
    path = tmp_path / "huge.xlsx"
    path.write_bytes(with_cells(HUGE["value-at-XFD1048576"][0]))
    login_as("keeper_xz01")
    res = subprocess.run(
        [sys.executable, "-m", "stockpile.cli.main", "import", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1, res.stderr[-2000:]
    assert "工作表范围过大" in res.stdout + res.stderr and "XFD1048576" in res.stdout + res.stderr


# ---- the formula check reads the XML with a parser, whatever the attribute order ---------------------------
FORMULA_CELLS = {
    "s-before-r": b'<c s="0" r="E2"><f>A2*3</f><v>30</v></c>',
    "t-before-r": b'<c t="n" r="E2"><f>A2*3</f><v>30</v></c>',
    "single-quotes": b"<c r='E2' s='0'><f>A2*3</f><v>30</v></c>",
    "no-r-attribute": None,  # the fifth cell of row 2 by position
}


@pytest.mark.parametrize("case", sorted(FORMULA_CELLS))
def test_formula_is_refused_whatever_the_attribute_order(case, uow, world, engine):
    """A formula in the quantity column is refused (its cached value 30 is never posted), however the
    `<c>` element spells its attributes."""
    data = xlsx([XHEAD, [*XGOOD[:4], "=A2*3", *XGOOD[5:]]])
    if FORMULA_CELLS[case] is not None:
        data = patch_entry(data, SHEET, lambda x: re.sub(rb'<c r="E2"[^>]*>.*?</c>', FORMULA_CELLS[case], x))
    else:
        data = patch_entry(
            data, SHEET, lambda x: re.sub(rb'(<row r="2"[^>]*>.*?</row>)', _strip_refs, x, flags=re.S)
        )
    before = movements(engine)
    report = run_import(uow, data, "a.xlsx")
    assert ("formula_not_value", 2, "数量", "=A2*3") in [
        (e.code, e.row, e.column, e.value) for e in report.errors
    ]
    assert movements(engine) == before


def _strip_refs(m: re.Match[bytes]) -> bytes:
    return re.sub(rb' r="[A-Z]+2"', b"", m.group(1))


def test_formula_is_found_when_the_sheet_starts_after_column_a(uow, world, engine):
    """Calamine starts a row at the first used column; formulas are still matched to their own cell."""
    data = xlsx([[None, *XHEAD], [None, *XGOOD[:4], "=B2*3", *XGOOD[5:]]])
    report = run_import(uow, data, "a.xlsx")
    assert ("formula_not_value", 2, "数量", "=B2*3") in [
        (e.code, e.row, e.column, e.value) for e in report.errors
    ]
    assert movements(engine) == 0


# ---- hidden sheets -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_import_sheet_is_refused(state, uow, world, engine):
    """A hidden (or very hidden) sheet named Import is never read instead of the visible sheet."""
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(XHEAD)
    hidden = wb.create_sheet("Import")
    for r in [XHEAD, XGOOD]:
        hidden.append(r)
    hidden.sheet_state = state
    buf = io.BytesIO()
    wb.save(buf)
    e = refused(buf.getvalue())
    assert (e.code, e.params["sheet"]) == ("hidden_sheet", "Import")
    assert "隐藏" in domain_error_text(e) and movements(engine) == 0


def test_visible_import_sheet_beside_a_hidden_one_is_read():
    """A hidden helper sheet (drop-down lists) beside the visible Import sheet does not stop the import."""
    wb = openpyxl.Workbook()
    wb.active.title = "Import"
    for r in [XHEAD, XGOOD]:
        wb.active.append(r)
    wb.create_sheet("lists").sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    assert len(importers.read_table(buf.getvalue(), "a.xlsx").rows) == 1


# ---- the csv module's and zipfile's own errors become the product's ----------------------------------------
def test_csv_cell_over_the_field_limit_is_refused_with_the_line(uow, world, engine):
    """A CSV cell over 131 072 characters is refused with the line, not a raw `_csv.Error`."""
    data = csv(row(remark="x" * 131_073))
    e = refused(data, "a.csv")
    assert (e.code, e.params["line"], e.params["cap"]) == ("csv_cell_too_long", 2, 131_072)
    assert "第 2 行" in domain_error_text(e) and movements(engine) == 0


def lie_about_size(data: bytes, name: str, declared: int) -> bytes:
    """The zip with `name`'s uncompressed size in both headers replaced by `declared` (CRC kept)."""
    buf = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    struct.pack_into("<I", buf, info.header_offset + 22, declared)  # local file header
    at = 0
    while (at := buf.find(b"PK\x01\x02", at)) >= 0:  # central directory entries
        n = struct.unpack_from("<H", buf, at + 28)[0]
        if bytes(buf[at + 46 : at + 46 + n]) == name.encode():
            struct.pack_into("<I", buf, at + 24, declared)
        at += 4
    return bytes(buf)


LIES = {
    "sheet-smaller": (SHEET, lambda n: n // 3),
    "sheet-larger": (SHEET, lambda n: n * 3),
    "styles-smaller": ("xl/styles.xml", lambda n: 10),
    "workbook-smaller": ("xl/workbook.xml", lambda n: n - 1),
}


@pytest.mark.parametrize("case", sorted(LIES))
def test_zip_entry_lying_about_its_size_is_refused(case):
    """An entry whose declared size does not match its content (a bomb past the Σ-size check, or a
    damaged file) is refused naming the entry, never a raw `BadZipFile`, before any reader sees it."""
    data = xlsx([XHEAD, XGOOD, ["入库", "D-COUNTY", "1020101", "文本批次", 1, "2027-01-01", "2026-05-31"]])
    name, size = LIES[case]
    real = zipfile.ZipFile(io.BytesIO(data)).getinfo(name).file_size
    e = refused(lie_about_size(data, name, size(real)))
    assert (e.code, e.params["entry"]) == ("zip_corrupt", name)
    assert name in domain_error_text(e)


# ---- digits of other scripts; one error per cell -----------------------------------------------------------
@pytest.mark.parametrize(
    ("column", "field", "value"),
    [
        ("数量", "qty", "٥"),  # Arabic-Indic 5
        ("数量", "qty", "५"),  # Devanagari 5
        ("数量", "qty", "1٠"),
        ("有效期至", "expiry", "٢٠٢٧-٠١-٠١"),
        ("发生时间", "at", "२०२६-०५-३१ 10:00"),
    ],
)
def test_other_script_digits_are_refused(column, field, value, uow, world, engine):
    """Only ASCII and full-width digits are numbers; ٥ or ५ is refused naming row, column and value."""
    report = run_import(uow, csv(row(**{field: value})), "a.csv")
    assert [(e.code, e.row, e.column, e.value) for e in report.errors] == [
        ("digits_not_ascii", 2, column, value)
    ]
    assert movements(engine) == 0
    assert "0–9" in t("import_errors.digits_not_ascii")


def test_full_width_digits_are_still_numbers(uow, world, engine):
    """Full-width digits stay accepted."""
    assert run_import(uow, csv(row(qty="１０")), "a.csv").ok


def test_other_script_digits_are_refused_in_planning_and_coordinates():
    """The planning import's counts and the site import's coordinates refuse them too."""
    with pytest.raises(CellError) as e:
        cell_count("٥")
    assert e.value.code == "digits_not_ascii"
    assert isinstance(parse_degrees("٣٠.٥", "lat"), CoordinateIssue)
    assert parse_degrees("３０.５", "lat") == 30.5


@pytest.mark.parametrize("lot", ["Л1", "L\u202e1", "ＬＯＴ・1"])
def test_homoglyph_lot_code_gets_one_error_per_cell(lot, uow, world, engine):
    """A homoglyph (Cyrillic Л) lot code is one `invalid_code` error, no second "必填" for the same cell."""
    report = run_import(uow, csv(row(lot=lot)), "a.csv")
    cells = [(e.row, e.column) for e in report.errors]
    assert [(e.code, e.row, e.column) for e in report.errors] == [("invalid_code", 2, "批次号")], (
        report.errors
    )
    assert len(cells) == len(set(cells)) and movements(engine) == 0


# ---- the CLI prints file refusals in the app's words -------------------------------------------------------
CLI_FILES = {
    "no_import_sheet": (lambda: xlsx([XHEAD, XGOOD], sheets=("A", "B")), "a.xlsx"),
    "too_many_rows": (lambda: csv(*([row()] * 50_001)), "a.csv"),
    "sheet_too_large": (lambda: with_cells(HUGE["value-at-XFD1048576"][0]), "a.xlsx"),
    "zip_corrupt": (lambda: lie_about_size(good_xlsx(), SHEET, 5), "a.xlsx"),
    "csv_cell_too_long": (lambda: csv(row(remark="x" * 131_073)), "a.csv"),
}


@pytest.mark.parametrize("code", sorted([*CLI_FILES, "file_too_large"]))
def test_cli_prints_file_refusals_in_the_app_words(code, cli_db, tmp_path):
    """`relief import` prints a refused file's message exactly as the import page does
    (`import_errors.<code>`), never the raw catalogue key `errors.<code>`."""
    from stockpile.cli.main import app

    if code == "file_too_large":
        data, name = b"a" * (10 * 1024 * 1024 + 1), "a.csv"
    else:
        make, name = CLI_FILES[code]
        data = make()
    path = tmp_path / name
    path.write_bytes(data)
    login_as("keeper_xz01")
    res = CliRunner().invoke(app, ["import", str(path)])
    assert res.exit_code == 1, res.output
    with pytest.raises(FileRejected) as e:
        importers.read_table(data, name)
    assert e.value.code == code
    shown = " ".join(res.output.split())
    assert " ".join(domain_error_text(e.value).split()) in shown, shown
    assert "errors." not in res.output and "import_errors." not in res.output


def test_every_file_refusal_has_a_message_in_both_languages():
    """Every `FileRejected` code raised in stockpile/ has its `import_errors.<code>` sentence, zh and en."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "stockpile"
    codes = {
        m.group(1)
        for f in root.rglob("*.py")
        for m in re.finditer(r'FileRejected\(\s*"(\w+)"', f.read_text(encoding="utf-8"))
    }
    assert {"sheet_too_large", "hidden_sheet", "zip_corrupt", "csv_cell_too_long", "no_import_sheet"} <= codes
    for lang in ("zh", "en"):
        assert [c for c in codes if f"import_errors.{c}" not in catalogue(lang)] == []


def test_entity_declarations_in_the_sheet_are_refused():
    """The sheet parser keeps defusedxml's rules: a DTD with entities in the sheet XML is refused."""
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
    data = patch_entry(
        good_xlsx(), SHEET, lambda x: bomb + x.split(b"?>", 1)[-1] if x.startswith(b"<?xml") else bomb + x
    )
    assert refused(data).code == "xml_forbidden"
