"""Read the county workbook's sheets into records, every problem named by sheet, row, column and value.

Nothing stops at the first problem: a missing sheet, a renamed header, a bad cell, a repeated code and a reference to
a missing township are all collected in one pass. The records are keyed by each sheet's natural key and hold stored
values (codes, not labels), so they compare directly with what the database holds (`plan.py`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stockpile.domain.catalogue import item_code_problem
from stockpile.imports.masterdata import _packs
from stockpile.onboarding.sheets import SHEETS, Column, Sheet
from stockpile.schemas import CellError, cell_code, cell_date, cell_qty, cell_text, script_fold

# A sheet as read from the file: its header and its numbered rows (row number, header → raw cell value).
RawSheet = tuple[list[str], list[tuple[int, dict[str, Any]]]]
Records = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Problem:
    sheet: str
    row: int
    column: str
    value: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Parsed:
    records: Records = field(default_factory=dict)
    rows: dict[str, dict[tuple[Any, ...], int]] = field(default_factory=dict)  # where each record came from
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    refused: set[tuple[str, int, str]] = field(
        default_factory=set
    )  # (sheet id, row, field) of unreadable cells

    def error(self, sheet: Sheet, row: int, column: str, value: Any, code: str, **params: Any) -> None:
        self.errors.append(Problem(sheet.name, row, column, show(value), code, params))

    def warn(self, sheet: Sheet, row: int, column: str, value: Any, code: str, **params: Any) -> None:
        self.warnings.append(Problem(sheet.name, row, column, show(value), code, params))

    def row_of(self, sheet: Sheet, key: tuple[Any, ...]) -> int:
        return self.rows.get(sheet.id, {}).get(key, 0)

    def readable(self, sheet: Sheet, row: int, field: str) -> bool:
        """False for a cell already refused (its field is None): a check across rows compares none against it."""
        return (sheet.id, row, field) not in self.refused


def show(v: Any) -> str:
    """A cell as the user typed it (3.0 read back from Excel shows as 3), cut to 60 characters."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = "" if v is None else str(v)
    return s if len(s) <= 60 else s[:57] + "…"


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _whole(v: Any, positive: bool) -> int:
    """A whole number; text, fractions and (for `positive`) zero are refused, a negative number always is."""
    if isinstance(v, int | float) and not isinstance(v, bool) and v < 0:
        raise CellError("negative")
    if isinstance(v, str) and v.strip().startswith("-"):
        raise CellError("negative")
    if not positive and isinstance(v, int | float) and not isinstance(v, bool) and v == 0:
        return 0
    if not positive and isinstance(v, str) and v.strip() == "0":
        return 0
    return cell_qty(v)


def _choice(v: Any, column: Column) -> Any:
    assert column.choices is not None
    text = cell_text(v, 64).strip()
    text = (column.aliases or {}).get(text, text)
    if text in column.choices:
        return column.choices[text]
    folded = script_fold(text)  # 「縣級」 typed in Traditional characters is 「县级」
    for word, label in (*(column.aliases or {}).items(), *((c, c) for c in column.choices)):
        if script_fold(word) == folded and label in column.choices:
            return column.choices[label]
    for value in column.choices.values():  # the stored value itself (county, zhen, …) is accepted too
        if str(value).lower() == text.lower():
            return value
    raise CellError("invalid_choice", allowed=list(column.choices))  # listed the reader's way


def parse_cell(column: Column, v: Any) -> Any:
    """One cell → its stored value; a blank optional cell → the column's default."""
    if _blank(v):
        if column.required:
            raise CellError("required")
        return column.default if column.default is not None else _kind_blank(column.kind)
    kind = column.kind
    if kind in ("choice", "bool"):
        return _choice(v, column)
    if kind in ("int0", "pos"):
        return _whole(v, kind == "pos")
    if kind == "code":
        if (
            isinstance(v, int | float)
            and not isinstance(v, bool)
            and float(v).is_integer()
            and 0 <= v < 10**12
        ):
            v = str(int(v))  # a 12-digit village code typed as a number is exact (Excel keeps 15 digits)
        code = cell_code(v)
        if column.max_len and len(code) > column.max_len:
            raise CellError("code_too_long", most=column.max_len)
        return code
    if kind == "date":
        return cell_date(v)
    if kind == "packs":
        return tuple(sorted(_packs(v)))
    if kind == "codes":
        parts = re.split(r"[;；,，、\s]+", v) if isinstance(v, str) else [v]  # one code typed as a number
        return tuple(sorted({cell_code(c) for c in parts if c != ""}))
    if kind in ("lon", "lat"):
        return v  # read with the county's coordinate system later (`points.py`)
    text = cell_text(v)
    if column.max_len and len(text) > column.max_len:
        raise CellError("code_too_long", most=column.max_len)
    return text


def _kind_blank(kind: str) -> Any:
    return {"text": "", "code": "", "int0": 0, "bool": False, "packs": (), "codes": ()}.get(kind)


def parse_sheet(sheet: Sheet, raw: RawSheet | None, out: Parsed) -> None:
    """One sheet's rows into `out.records[sheet.id]`; header, cell and repeated-key problems into `out.errors`."""
    out.records[sheet.id], out.rows[sheet.id] = {}, {}
    if raw is None:
        if not sheet.optional:
            out.error(sheet, 0, "", "", "sheet_missing")
        return
    header, rows = raw
    known = {c.header: c for c in sheet.columns}
    folded = {script_fold(c.header): c.header for c in sheet.columns}
    for h in header:
        if (
            h and h not in known and script_fold(h) in folded
        ):  # 「鄉鎮代碼」 beside 「乡镇代码」: which cell is meant?
            out.error(sheet, 1, h, "", "column_twice", first=folded[script_fold(h)])
        elif h and h not in known:  # a 备注 or 序号 column of the county's own: read past, said once
            out.warn(sheet, 1, h, h, "unknown_column_ignored")
    present = [c for c in sheet.columns if c.header in header]
    for c in sheet.columns:
        if c.header not in header and c.required:
            out.error(sheet, 1, c.header, "", "missing_column")
    if any(c.header not in header and c.required for c in sheet.columns):
        return
    keys: Counter[tuple[Any, ...]] = Counter()
    parsed: list[tuple[int, dict[str, Any]]] = []
    for row_no, cells in rows:
        record = _parse_row(sheet, present, row_no, cells, out)
        if record is not None:
            parsed.append((row_no, record))
            keys[tuple(record.get(k) for k in sheet.key)] += 1
    for row_no, record in parsed:
        key = tuple(record.get(k) for k in sheet.key)
        if keys[key] > 1 and None not in key:  # a key cell already refused is not "the same code" twice
            out.error(
                sheet, row_no, sheet.column(sheet.key[-1]).header, "/".join(map(str, key)), "duplicate_code"
            )
        elif None not in key:
            out.records[sheet.id][key] = record
            out.rows[sheet.id][key] = row_no


def _parse_row(
    sheet: Sheet, present: list[Column], row_no: int, cells: Mapping[str, Any], out: Parsed
) -> dict[str, Any] | None:
    """A row's record, or None for a row with every cell blank; bad cells are errors and leave the field None."""
    if all(_blank(v) for v in cells.values()):
        return None
    record: dict[str, Any] = {}
    for c in sheet.columns:
        if c not in present:
            record[c.field] = c.default if c.default is not None else _kind_blank(c.kind)
            continue
        raw = cells.get(c.header)
        try:
            record[c.field] = parse_cell(c, raw)
        except CellError as e:
            out.error(sheet, row_no, c.header, raw, e.code, **e.params)
            out.refused.add((sheet.id, row_no, c.field))
            record[c.field] = None
    return record


def parse_workbook(raw: Mapping[str, RawSheet]) -> Parsed:
    """Every sheet of the workbook, then the item codes (GB/T 38565) and the county's code (GB/T 2260)."""
    out = Parsed()
    if not raw or all(not rows for _, rows in raw.values()):
        out.errors.append(Problem("", 0, "", "", "workbook_empty"))
        return out
    raw = as_template(raw)
    for sheet in SHEETS:
        parse_sheet(sheet, raw.get(sheet.name), out)
    _check_codes(out)
    return out


def as_template(raw: Mapping[str, RawSheet]) -> dict[str, RawSheet]:
    """The workbook with every sheet name and header spelled as the template spells it where it differs only in
    script (「鄉鎮」 → 「乡镇」, 「鄉鎮代碼」 → 「乡镇代码」, 「座標系」 → 「坐标系」: a workbook saved by a
    Traditional-Chinese Excel or typed with a Traditional input method, whose sheets were read as missing). A sheet
    spelled exactly as the template wins over another that only folds to it; other sheets and headers are kept."""
    sheets = {script_fold(s.name): s for s in SHEETS}
    exact = {s.name for s in SHEETS}
    out: dict[str, RawSheet] = {}
    for name in sorted(raw, key=lambda n: n not in exact):  # the template's own spellings first
        sheet = sheets.get(script_fold(name))
        if sheet is None or sheet.name in out:
            out.setdefault(name, raw[name])
            continue
        header, rows = raw[name]
        heads = {script_fold(c.header): c.header for c in sheet.columns}
        taken = {h for h in header if h in heads.values()}
        spelled = {}
        for h in header:  # a twin of a column already there stays as typed: parse_sheet says column_twice
            as_typed = heads.get(script_fold(h)) if h and h not in taken else None
            if as_typed is not None and as_typed not in taken:
                taken.add(as_typed)
                spelled[h] = as_typed
        out[sheet.name] = (
            [spelled.get(h, h) for h in header],
            [(row_no, {spelled.get(h, h): v for h, v in cells.items()}) for row_no, cells in rows],
        )
    return out


def _check_codes(out: Parsed) -> None:
    from stockpile.onboarding.sheets import COUNTY, ITEMS

    for (code,), rec in out.records.get(ITEMS.id, {}).items():
        if problem := item_code_problem(code):
            out.error(ITEMS, out.row_of(ITEMS, (code,)), "物资编码", code, problem)
            rec["code"] = None
    county = out.records.get(COUNTY.id, {})
    if len(county) > 1:
        for key in county:
            out.error(COUNTY, out.row_of(COUNTY, key), "区划代码", key[0], "county_one_row")
    for (code,) in county:
        if not (len(code) == 6 and code.isdigit()):
            out.error(COUNTY, out.row_of(COUNTY, (code,)), "区划代码", code, "county_code_not_6_digits")
