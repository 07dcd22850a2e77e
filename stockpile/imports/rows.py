"""The rows of a batch import (台账导入): header mapping, per-cell checks and cross-row checks, each error reported
with its row, column and value. ``ledger_files.import_movements`` posts the rows once all of them pass."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stockpile.schemas import (
    KIND_ALIASES,
    MOVEMENT_COLUMNS,
    MOVEMENT_REQUIRED,
    OWNER_ALIASES,
    PURPOSE_ALIASES,
    SOURCE_ALIASES,
    CellError,
    cell_choice,
    cell_code,
    cell_date,
    cell_datetime,
    cell_qty,
    cell_text,
    word_in,
)

IMPORT_NS = uuid.UUID("6f1c2a52-6f6e-4c8e-9d0b-2d2f7c1f3a10")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    value: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class ImportReport:
    accepted: int = 0
    postings: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    needs_confirmation: list[str] = field(default_factory=list)
    already_imported: dict[str, str] | None = None
    posting_id: uuid.UUID | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.needs_confirmation and self.already_imported is None


@dataclass
class ParsedRow:
    row: int
    values: dict[str, Any]


def map_header(header: list[str], columns: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """header text → field name; a header is read in any case and in either script (「數量」 is 「数量」: a file
    saved by a Traditional-Chinese Excel or typed with a Traditional input method)."""
    lookup: dict[str, str] = {}
    for f, aliases in columns.items():
        for alias in aliases:
            lookup.setdefault(alias.lower(), f)
    out = {}
    for h in header:
        if h and (key := word_in(h, lookup)) is not None:
            out[h] = lookup[key]
    return out


def columns_twice(fields: Mapping[str, str], report: ImportReport) -> None:
    """Two headers naming one field (「数量」 and 「qty」, or 「数量」 and 「數量」): which of the two cells holds the
    value? Each later one is a RowError naming the first (the later cell was posted and nothing said)."""
    first: dict[str, str] = {}
    for header, fld in fields.items():
        if fld in first:
            report.errors.append(RowError(1, header, "", "column_twice", {"first": first[fld]}))
        else:
            first[fld] = header


PARSERS: dict[str, Callable[[Any], Any]] = {
    "kind": lambda v: cell_choice(v, KIND_ALIASES),
    "site_code": cell_code,
    "item_code": cell_code,
    "lot_no": lambda v: cell_code(v) if v not in (None, "") else None,
    "qty": cell_qty,
    "unit": lambda v: cell_text(v, 16),
    "expiry": cell_date,
    "manufactured_on": cell_date,
    "occurred_at": cell_datetime,
    "doc_no": lambda v: cell_text(v, 64),
    "purpose": lambda v: cell_choice(v, PURPOSE_ALIASES),
    "owner_type": lambda v: cell_choice(v, OWNER_ALIASES),
    "source": lambda v: cell_choice(v, SOURCE_ALIASES),
    "donor": cell_text,
    "remark": lambda v: cell_text(v, 1000),
    "row_id": lambda v: cell_text(v, 64),
}


def header_ok(
    table: Any,
    fields: Mapping[str, str],
    columns: Mapping[str, tuple[str, ...]],
    required: Any,
    report: ImportReport,
) -> bool:
    """Every required column present, once (False where not: no row can be read), and no data after an empty
    row (each such row a RowError naming the empty one; the rows above it are still read, so that every problem is
    reported at once); each miss is a RowError in ``report``."""
    before = len(report.errors)
    columns_twice(fields, report)
    have = set(fields.values())
    for f in required:
        if f not in have:
            report.errors.append(RowError(1, columns[f][0], "", "missing_column"))
    readable = len(report.errors) == before
    empty_row = getattr(table, "empty_row", None)
    for r in table.trailing_rows:
        report.errors.append(RowError(r, "", "", "data_after_empty_row", {"empty_row": empty_row or r - 1}))
    return readable


def parse_rows(table: Any, report: ImportReport) -> list[ParsedRow]:
    """Cells → typed values; every bad cell is one RowError (nothing stops at the first)."""
    fields = map_header(table.header, MOVEMENT_COLUMNS)
    if not header_ok(table, fields, MOVEMENT_COLUMNS, MOVEMENT_REQUIRED, report):
        return []
    out: list[ParsedRow] = []
    for row_no, cells in table.rows:
        if "__ragged__" in cells:
            report.errors.append(RowError(row_no, "", str(cells["__ragged__"]), "ragged_row"))
        out.append(ParsedRow(row_no, parse_cells(row_no, cells, fields, PARSERS, report)))
    return out


def parse_cells(
    row_no: int,
    cells: Mapping[str, Any],
    fields: Mapping[str, str],
    parsers: Mapping[str, Callable[[Any], Any]],
    report: ImportReport,
) -> dict[str, Any]:
    """One row's typed values (field → value); every bad cell is a RowError with its row, column and value."""
    values: dict[str, Any] = {}
    for header, fld in fields.items():
        raw = cells.get(header)
        try:
            values[fld] = parsers[fld](raw)
        except CellError as e:
            report.errors.append(RowError(row_no, header, show_value(raw), e.code))
    return values


def show_value(v: Any) -> str:
    """A cell value as the user typed it (spreadsheet numbers come back as floats: 3.0 is shown as 3)."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = "" if v is None else str(v)
    return s if len(s) <= 60 else s[:57] + "…"


def cross_row_checks(rows: list[ParsedRow], report: ImportReport, header_of: Mapping[str, str]) -> None:
    """Across rows: expiry before manufacture, one lot with two expiries, duplicate ids, identical rows (warning).
    One error per cell: a cell whose value was already refused (a homoglyph lot code) gets no second error."""
    flagged = {(e.row, e.column) for e in report.errors}

    def add(err: RowError) -> None:
        if (err.row, err.column) not in flagged:
            flagged.add((err.row, err.column))
            report.errors.append(err)

    ids = Counter(r.values.get("row_id") for r in rows if r.values.get("row_id"))
    expiries: dict[tuple[str, str], set[Any]] = defaultdict(set)
    for r in rows:
        v = r.values
        if v.get("row_id") and ids[v["row_id"]] > 1:
            add(RowError(r.row, header_of.get("row_id", "行号"), v["row_id"], "duplicate_id"))
        if v.get("expiry") and v.get("manufactured_on") and v["expiry"] < v["manufactured_on"]:
            add(
                RowError(
                    r.row, header_of.get("expiry", "有效期至"), str(v["expiry"]), "expiry_before_manufacture"
                )
            )
        if v.get("kind") == "receipt" and v.get("lot_no") and v.get("item_code"):
            expiries[(v["item_code"], v["lot_no"])].add(v.get("expiry"))
        if v.get("kind") == "receipt" and not v.get("lot_no"):
            add(RowError(r.row, header_of.get("lot_no", "批次号"), "", "required"))
    for r in rows:
        key = (r.values.get("item_code"), r.values.get("lot_no"))
        if len(expiries.get(key, ())) > 1:  # type: ignore[arg-type]
            add(
                RowError(
                    r.row,
                    header_of.get("expiry", "有效期至"),
                    str(r.values.get("expiry")),
                    "lot_two_expiries",
                )
            )
    seen: dict[tuple[Any, ...], int] = {}
    for r in rows:
        if r.values.get("row_id"):
            continue
        sig = tuple(r.values.items())  # every row has the same columns in the same order
        if sig in seen:
            report.warnings.append(RowError(r.row, "", str(seen[sig]), "identical_rows"))
        else:
            seen[sig] = r.row
