"""Exports: xlsx with Chinese headers (XlsxWriter) and CSV, neutralising formula injection.

Strings that a spreadsheet would run as a formula (starting with = + - @ { TAB CR) get a leading apostrophe;
XlsxWriter is told never to turn strings into formulas; numbers stay numbers.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from stockpile import clock

DANGEROUS = ("=", "+", "-", "@", "{", "\t", "\r")


def neutralise(v: Any) -> Any:
    if isinstance(v, str) and v.startswith(DANGEROUS):
        return "'" + v
    return v


def _prepare(df: pd.DataFrame, headers: Mapping[str, str]) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = [neutralise(_plain(v)) for v in out[c]]
        elif str(out[c].dtype).startswith("datetime64") and getattr(out[c].dt, "tz", None) is not None:
            out[c] = out[c].dt.tz_convert(clock.county_tz()).dt.tz_localize(None)
    return out.rename(columns={c: headers.get(c, c) for c in out.columns})


def _plain(v: Any) -> Any:
    if isinstance(v, datetime) and v.tzinfo is not None:
        return clock.local(v).replace(tzinfo=None)
    if v is not None and not isinstance(v, (str, int, float, date, datetime, bool)):
        return str(v)
    return v


def sheet_title(name: str) -> str:
    """A name Excel accepts for a sheet: none of []:*?/\\, not blank, at most 31 characters."""
    clean = re.sub(r"[\[\]:*?/\\]", "·", name).strip("'") or "Sheet"
    return clean[:31]


def to_xlsx(sheets: Mapping[str, pd.DataFrame], headers: Mapping[str, str]) -> bytes:
    """One workbook, one sheet per frame, translated headers, frozen header row, autofilter."""
    buf = io.BytesIO()
    with pd.ExcelWriter(
        buf,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as xw:
        for name, df in sheets.items():
            frame = _prepare(df, headers)
            title = sheet_title(name)
            frame.to_excel(xw, sheet_name=title, index=False)
            ws = xw.sheets[title]
            ws.freeze_panes(1, 0)
            if len(frame.columns):
                ws.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
            for i, col in enumerate(frame.columns):
                width = max([len(str(col)) * 2] + [len(str(x)) for x in frame[col].head(200)])
                ws.set_column(i, i, min(max(width, 8), 40))
    return buf.getvalue()


def to_csv(df: pd.DataFrame, headers: Mapping[str, str]) -> bytes:
    """UTF-8 with BOM so Excel on Chinese Windows opens it correctly. CRLF line ends make the writer quote any
    field holding a bare CR, which Excel would otherwise take as a row break starting a new (formula) cell."""
    return _prepare(df, headers).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
