"""Workbook sheet names come from translated titles: whatever Excel refuses in a sheet name is replaced."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from stockpile.adapters.files.exporters import sheet_title, to_xlsx


def test_a_title_with_a_slash_still_makes_a_workbook() -> None:
    data = to_xlsx({"By county / township": pd.DataFrame({"gap": [1]}), "按县、乡（镇）": pd.DataFrame()}, {})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["By county · township", "按县、乡（镇）"]


def test_sheet_titles_are_excel_safe() -> None:
    assert sheet_title("a[b]:c*?/\\d") == "a·b··c····d"
    assert sheet_title("") == "Sheet"
    assert len(sheet_title("x" * 40)) == 31
