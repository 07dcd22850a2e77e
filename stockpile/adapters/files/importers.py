"""File → table of raw cells, refusing hostile containers before any row is read.

Returns a `RawTable` (header + numbered rows of raw cell values, all text kept as str) or raises `FileRejected`
with a code and the values the message needs. Row-level validation happens at the boundary models and in the
import service, which report (row, column, value, code).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from stockpile.adapters.files.xlsx_sheet import scan_sheet
from stockpile.domain.errors import FileRejected

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 100
SHEET_NAMES = ("Import", "导入")
SCAN_AFTER_EMPTY = 200
MOJIBAKE = re.compile(r"锟斤拷|烫烫烫|Ã.|Â.|â€|�")


@dataclass
class RawTable:
    header: list[str]
    rows: list[tuple[int, dict[str, Any]]]  # (1-based sheet row number, column → raw value)
    sha256: str
    encoding: str = ""
    needs_confirmation: list[str] = field(default_factory=list)  # e.g. "encoding_guessed_gb18030"
    trailing_rows: list[int] = field(default_factory=list)  # rows with data after the first empty row
    empty_row: int | None = None  # that first empty row, where data follows it


def read_table(data: bytes, filename: str, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> RawTable:
    """Sniff the container by content (never by name) and read the import sheet or CSV."""
    if len(data) > max_bytes:
        raise FileRejected("file_too_large", size=len(data), cap=max_bytes)
    if not data:
        raise FileRejected("file_empty")
    digest = hashlib.sha256(data).hexdigest()
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, digest, max_rows)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise FileRejected("xlsx_encrypted")
        raise FileRejected("xls_not_supported")
    return _read_csv(data, digest, max_rows)


# ---- xlsx -------------------------------------------------------------------------------------------------
def _check_zip(zf: zipfile.ZipFile, size: int) -> None:
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        raise FileRejected("not_xlsx")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise FileRejected("xlsm_not_supported")
    total = sum(i.file_size for i in zf.infolist())
    if total > MAX_UNZIPPED or total > MAX_RATIO * max(size, 1):
        raise FileRejected("zip_bomb", unzipped=total)


def _verify_entries(zf: zipfile.ZipFile) -> None:
    """Inflate every entry once, bounded by its declared size and checked against its CRC, before any reader sees
    the file: an entry that lies about its size (a zip bomb past the Σ size check) or is corrupt is refused."""
    for info in zf.infolist():
        size = 0
        try:
            with zf.open(info) as f:
                while chunk := f.read(1 << 20):
                    size += len(chunk)
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, RuntimeError, ValueError) as e:
            raise FileRejected("zip_corrupt", entry=info.filename[:80]) from e
        if size != info.file_size:  # zipfile stops at a declared size that is too small, not at one too large
            raise FileRejected("zip_corrupt", entry=info.filename[:80])


def _sheet_path(zf: zipfile.ZipFile) -> tuple[str, str]:
    """The import sheet's name and XML path: the sheet named Import/导入, or the only sheet; never a hidden one."""
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    }
    wb = SafeET.fromstring(zf.read("xl/workbook.xml"))
    sheets = [
        (s.get("name"), s.get(f"{{{ns['r']}}}id"), s.get("state", "visible"))
        for s in wb.iterfind("m:sheets/m:sheet", ns)
    ]
    chosen = next((s for s in sheets if s[0] in SHEET_NAMES), None)
    if chosen is None:
        if len(sheets) != 1:
            raise FileRejected("no_import_sheet", sheets=", ".join(str(s[0]) for s in sheets))
        chosen = sheets[0]
    if chosen[2] != "visible":  # hidden or veryHidden: what the user sees is not what would be imported
        raise FileRejected("hidden_sheet", sheet=str(chosen[0]))
    rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels if r.get("Id") == chosen[1])
    target = target.lstrip("/")
    return str(chosen[0]), target if target.startswith("xl/") else f"xl/{target}"


def _read_xlsx(data: bytes, digest: str, max_rows: int) -> RawTable:
    """The sheet XML is checked first (caps on every cell reference, formulas, merged headers: xlsx_sheet); only
    then calamine (Rust, streaming rows) reads the values."""
    from python_calamine import CalamineWorkbook

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError) as e:
        raise FileRejected("not_xlsx") from e
    with zf:
        _check_zip(zf, len(data))
        _verify_entries(zf)
        try:
            sheet, path = _sheet_path(zf)
        except DefusedXmlException as e:  # DTDs and entities (billion laughs, XXE) are refused
            raise FileRejected("xml_forbidden", detail=type(e).__name__) from e
        except (SafeET.ParseError, KeyError, StopIteration, AttributeError) as e:
            raise FileRejected("not_xlsx", detail=type(e).__name__) from e
        if path not in zf.namelist():
            raise FileRejected("not_xlsx", detail="sheet part missing")
        with zf.open(path) as stream:
            scan = scan_sheet(stream, max_rows, SCAN_AFTER_EMPTY)
    try:
        ws = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet)
        col0 = (
            ws.start[1] if ws.start else 0
        )  # calamine pads rows from row 1 but starts at the first used column
        it = ws.iter_rows()
        header_row = next(it, None)
    except Exception as e:  # calamine raises its own error types on corrupt files
        raise FileRejected("not_xlsx", detail=type(e).__name__) from e
    if not header_row or all(v in (None, "") for v in header_row):
        raise FileRejected("no_header")
    header = [_header_text(v) for v in header_row]
    table = RawTable(header=header, rows=[], sha256=digest, encoding="xlsx")
    formulas = scan.formulas
    rows = (_with_formulas(r, n, formulas, col0) for n, r in enumerate(it, start=2)) if formulas else it
    _collect(table, ([None if v == "" else v for v in r] for r in rows), header, max_rows, start=2)
    return table


def _with_formulas(row: list[Any], row_no: int, formulas: dict[tuple[int, int], str], col0: int) -> list[Any]:
    """A formula is never read as its cached value: numeric columns refuse it, text keeps it literal."""
    return [formulas.get((row_no, col0 + c), v) for c, v in enumerate(row)]


def _header_text(v: Any) -> str:
    return "" if v is None else str(v).replace("\ufeff", "").strip()


def _collect(table: RawTable, it: Any, header: list[str], max_rows: int, start: int) -> None:
    """Rows until the first empty one; data after it is reported, not read. A column named twice is refused: which
    of the two cells holds the value? (two 数量 columns posted the second's and said nothing)"""
    named = [h for h in header if h]
    twice = next((h for h in named if named.count(h) > 1), None)
    if twice is not None:
        raise FileRejected("duplicate_header", column=twice)
    row_no = start
    empty_at = None
    for values in it:
        blank = all(v is None or (isinstance(v, str) and not v.strip()) for v in values)
        if empty_at is None:
            if blank:
                empty_at = row_no
            else:
                if len(table.rows) >= max_rows:
                    raise FileRejected("too_many_rows", cap=max_rows)
                cells = dict(zip(header, values, strict=False))
                if len(values) > len(header) and any(v not in (None, "") for v in values[len(header) :]):
                    cells["__ragged__"] = len(values)
                table.rows.append((row_no, cells))
        elif not blank:
            table.trailing_rows.append(row_no)
            table.empty_row = empty_at
        elif row_no - empty_at > SCAN_AFTER_EMPTY:
            break
        row_no += 1


# ---- csv --------------------------------------------------------------------------------------------------
def _decode(data: bytes) -> tuple[str, str, list[str]]:
    """UTF-8 (with or without BOM) strictly; UTF-16 by BOM; else GB18030 needing the user's confirmation."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as e:
            raise FileRejected("bad_encoding", offset=e.start) from e
    if b"\x00" in data[:4096]:
        raise FileRejected("binary_file", offset=data.index(b"\x00"))
    try:
        return data.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as first:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as e:
            raise FileRejected("bad_encoding", offset=e.start) from e
        if not re.search(r"[\u4e00-\u9fff]", text):
            raise FileRejected("bad_encoding", offset=first.start) from first
        return text, "gb18030", ["encoding_guessed_gb18030"]


def _read_csv(data: bytes, digest: str, max_rows: int) -> RawTable:
    text, encoding, confirm = _decode(data)
    if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text[:4096]):
        raise FileRejected(
            "binary_file", offset=next(i for i, ch in enumerate(text) if ord(ch) < 32 and ch not in "\t\r\n")
        )
    first_line = text.split("\n", 1)[0]
    try:  # only the delimiter comes from the header line; quoting stays Excel's ("" inside quotes)
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = _csv_rows(csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter))
    header_row = next(reader, None)
    if not header_row or all(not h.strip() for h in header_row):
        raise FileRejected("no_header")
    header = [_header_text(h) for h in header_row]
    if MOJIBAKE.search(first_line):
        raise FileRejected("mojibake", row=1)
    table = RawTable(header=header, rows=[], sha256=digest, encoding=encoding, needs_confirmation=confirm)
    _collect(table, ([None if c == "" else c for c in r] for r in reader), header, max_rows, start=2)
    bad = [
        n for n, cells in table.rows if any(isinstance(v, str) and MOJIBAKE.search(v) for v in cells.values())
    ]
    if bad:
        raise FileRejected("mojibake", row=bad[0], rows=", ".join(map(str, bad[:10])))
    return table


def _csv_rows(reader: Any) -> Iterator[list[str]]:
    """The csv module's rows, its errors as the product's: a cell over the field limit (131 072 characters) or a
    malformed line is refused with the line number."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            line = reader.line_num
            if "field limit" in str(e):
                raise FileRejected("csv_cell_too_long", line=line, cap=csv.field_size_limit()) from e
            raise FileRejected("csv_malformed", line=line) from e
        yield row


def is_formula(v: Any) -> bool:
    """A formula cell as openpyxl returns it in read-only mode (text starting with '=')."""
    return isinstance(v, str) and v.startswith("=")


def cell_is_date(v: Any) -> bool:
    return isinstance(v, (date, datetime))
