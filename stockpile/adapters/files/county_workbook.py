"""The county workbook as a file: read every sheet (after the same container checks as any import: not a zip bomb,
not a macro workbook, not corrupt), and write sheets with Chinese headers, drop-downs and a 说明 sheet (xlsxwriter).
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from itertools import zip_longest
from typing import Any

import xlsxwriter
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from stockpile.adapters.files.importers import MAX_BYTES, MAX_ROWS, _check_zip, _verify_entries
from stockpile.domain.errors import FileRejected

RawSheet = tuple[list[str], list[tuple[int, dict[str, Any]]]]
VALIDATION_ROWS = 2000  # drop-downs reach this far down each sheet


TITLE_ROWS = 3  # at most this many title or blank rows above the header


def read_workbook(data: bytes, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> dict[str, RawSheet]:
    """Every sheet (hidden ones too): its header (the first row of two cells or more) and its numbered rows
    (header → raw cell value)."""
    if not data:
        raise FileRejected("file_empty")
    if len(data) > max_bytes:
        raise FileRejected("file_too_large", size=len(data), cap=max_bytes)
    if data[:4] != b"PK\x03\x04":
        raise FileRejected("county_not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_zip(zf, len(data))
            _verify_entries(zf)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # the formulas themselves: a formula whose result the file does not hold reads as blank otherwise
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as e:
        raise FileRejected("county_not_xlsx") from e
    try:  # hidden sheets too: a sheet a user hid is still the county's data
        return {
            _name(ws.title): _sheet(_rows(ws, fs), max_rows)
            for ws, fs in zip(wb.worksheets, formulas.worksheets, strict=True)
        }
    finally:
        wb.close()
        formulas.close()


def _rows(values: Any, formulas: Any) -> Iterator[tuple[Any, ...]]:
    """A sheet's rows of values; a formula cell with no saved result (a workbook written by a program, never opened
    and saved in Excel or WPS) is refused by sheet and cell rather than read as blank."""
    pairs = zip_longest(
        values.iter_rows(values_only=True), formulas.iter_rows(values_only=True), fillvalue=()
    )
    for n, (row, raw) in enumerate(pairs, start=1):
        for c, (v, f) in enumerate(zip_longest(row or (), raw or ())):
            if v is None and isinstance(f, str) and f.startswith("="):
                sheet = _name(values.title)
                raise FileRejected(
                    "county_formula_no_value", sheet=sheet, cell=f"{get_column_letter(c + 1)}{n}"
                )
        yield tuple(row or ())


def _name(text: object) -> str:
    """A sheet name or header as the template spells it: NFKC (全角括号 → ASCII), no outer spaces, one inner space."""
    return " ".join(unicodedata.normalize("NFKC", "" if text is None else str(text)).split())


def _filled(values: Any) -> int:
    return sum(1 for v in values or () if v is not None and str(v).strip())


def _sheet(it: Iterator[tuple[Any, ...]], max_rows: int) -> RawSheet:
    """The header is the first row with two cells or more: a title row above it (XX县乡镇基本情况表, often merged
    across the columns) is skipped, as are blank rows."""
    first, start = next(it, None), 2
    for _ in range(TITLE_ROWS):
        if first is None or _filled(first) >= 2:
            break
        first, start = next(it, None), start + 1
    header = [_name(v) for v in (first or ())]
    while header and not header[-1]:
        header.pop()
    rows: list[tuple[int, dict[str, Any]]] = []
    for n, values in enumerate(it, start=start):
        if n - 1 > max_rows:
            raise FileRejected("too_many_rows", cap=max_rows)
        cells = {h: v for h, v in zip(header, values, strict=False) if h}
        if any(v is not None and str(v).strip() for v in cells.values()):
            rows.append((n, cells))
    return header, rows


def write_workbook(
    sheets: Sequence[tuple[str, Sequence[str], Sequence[Mapping[str, Any]], Mapping[str, Sequence[str]]]],
    notes_name: str,
    notes: Sequence[str],
) -> bytes:
    """One sheet per (name, headers, rows as header → value, drop-down choices per header), then the notes."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False}
    )
    bold = wb.add_format({"bold": True, "bg_color": "#E8EDF3", "border": 1})
    text = wb.add_format({"num_format": "@"})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, headers, rows, choices in sheets:
        ws = wb.add_worksheet(name)
        for col, h in enumerate(headers):
            ws.write_string(0, col, h, bold)
            ws.set_column(
                col,
                col,
                max(10, len(h) * 2 + 2),
                text if h.endswith(("编码", "代码", "车牌号", "编号")) else None,
            )
            if h in choices:
                ws.data_validation(
                    1, col, VALIDATION_ROWS, col, {"validate": "list", "source": list(choices[h])}
                )
        for r, row in enumerate(rows, start=1):
            for col, h in enumerate(headers):
                _write(ws, r, col, row.get(h), text, day)
        ws.freeze_panes(1, 0)
    ws = wb.add_worksheet(notes_name)
    ws.set_column(0, 0, 120)
    for r, line in enumerate(notes):
        ws.write_string(r, 0, line)
    wb.close()
    return buf.getvalue()


def _write(ws: Any, r: int, col: int, v: Any, text: Any, day: Any) -> None:
    if v is None or v == "":
        return
    if isinstance(v, bool):
        ws.write_string(r, col, "是" if v else "否")
    elif isinstance(v, datetime | date):
        ws.write_datetime(r, col, datetime(v.year, v.month, v.day), day)
    elif isinstance(v, int | float):
        ws.write_number(r, col, v)
    else:
        ws.write_string(r, col, str(v), text)
