"""The import sheet's XML, read with a real (defused, streaming) XML parser before any spreadsheet reader sees it.

A spreadsheet reader sizes its grid from the cell references, so one cell at ``XFD1048576`` makes it allocate
rows × columns of the whole sheet (issue 14 item 3). The scan checks the declared dimension and every row and cell
reference against the import caps first, and collects what the values alone do not show: formula cells (however
the ``<c>`` element's attributes are ordered, item 4) and merged header cells (F13).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import IO

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from stockpile.domain.errors import FileRejected

MAX_COLUMNS = 64  # an import sheet has ≤ 20 columns; 64 = column BL
MAX_CELLS = 2_000_000  # rows × columns of the used range (the grid a reader allocates)
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384


@dataclass
class SheetScan:
    """What the sheet XML says beyond the cell values: formulas by (1-based row, 0-based column)."""

    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    max_row: int = 0
    max_col: int = 0  # 1-based


def column_index(letters: str) -> int:
    """'A' → 1, 'XFD' → 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def parse_ref(ref: str) -> tuple[int, int]:
    """'B7' → (7, 2); anything that is not a cell reference inside Excel's grid is refused, naming it."""
    m = _REF.fullmatch(ref.strip().replace("$", ""))
    if m is None:
        raise FileRejected("bad_cell_reference", cell=ref[:20])
    row, col = int(m.group(2)), column_index(m.group(1))
    if not (1 <= row <= _EXCEL_ROWS and 1 <= col <= _EXCEL_COLUMNS):
        raise FileRejected("bad_cell_reference", cell=ref[:20])
    return row, col


def _letters(col: int) -> str:
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


class _Box:
    """The caps every reference is checked against: rows (the import row cap + header + the empty rows read
    after the data), columns, and rows × columns."""

    def __init__(self, max_rows: int, slack_rows: int) -> None:
        self.rows = max_rows + 1 + slack_rows
        self.cols = MAX_COLUMNS
        self.cells = min(MAX_CELLS, self.rows * self.cols)

    def check(self, row: int, col: int, scan: SheetScan) -> None:
        scan.max_row, scan.max_col = max(scan.max_row, row), max(scan.max_col, col)
        if row > self.rows or col > self.cols or scan.max_row * scan.max_col > self.cells:
            raise FileRejected(
                "sheet_too_large",
                cell=f"{_letters(col)}{row}",
                rows=self.rows,
                cols=self.cols,
                cells=self.cells,
            )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def scan_sheet(stream: IO[bytes], max_rows: int, slack_rows: int) -> SheetScan:
    """One streaming pass over the sheet XML: dimension, row and cell references within the caps, merged header
    cells refused, formula cells collected. Cells without ``r`` take the next position, as spreadsheet readers do."""
    box, scan = _Box(max_rows, slack_rows), SheetScan()
    row_no, col_no = 0, 0
    try:
        for event, el in SafeET.iterparse(stream, events=("start", "end"), forbid_dtd=True):
            tag = _local(el.tag)
            if event == "start":
                if tag == "row":
                    r = el.get("r")
                    row_no = int(r) if r is not None and r.isascii() and r.isdigit() else row_no + 1
                    if not 1 <= row_no <= _EXCEL_ROWS:
                        raise FileRejected("bad_cell_reference", cell=f"row {r}"[:20])
                    col_no = 0
                continue
            if tag == "c":
                ref = el.get("r")
                if ref is not None:
                    row, col_no = parse_ref(ref)
                    row_no = max(row_no, row)  # a cell outside its <row> is still where it says
                else:
                    row, col_no = max(row_no, 1), col_no + 1
                box.check(row, col_no, scan)
                f = next((ch for ch in el if _local(ch.tag) == "f"), None)
                if f is not None:
                    scan.formulas[(row, col_no - 1)] = "=" + ((f.text or "").strip() or "(shared formula)")
                el.clear()
            elif tag == "row":
                el.clear()
            elif tag == "dimension":  # the declared used range, checked as a whole
                corners = [parse_ref(p) for p in (el.get("ref") or "A1").split(":")[:2]]
                box.check(max(r for r, _ in corners), max(c for _, c in corners), SheetScan())
            elif tag == "mergeCell":
                ref = el.get("ref") or ""
                if min(parse_ref(p)[0] for p in ref.split(":")[:2]) <= 1:
                    raise FileRejected("merged_header", cells=ref[:40])
    except DefusedXmlException as e:  # F11: DTDs and entities in the sheet itself
        raise FileRejected("xml_forbidden", detail=type(e).__name__) from e
    except SafeET.ParseError as e:
        raise FileRejected("not_xlsx", detail="sheet XML") from e
    return scan
