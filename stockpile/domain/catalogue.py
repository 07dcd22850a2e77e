"""GB/T 38565-2020 item codes (应急物资分类及编码): 7 digits, level 1 one digit 1–3, levels 2–4 two digits 01–99."""

from __future__ import annotations

import re

TOP_CLASSES = {"1": "基本生活保障物资", "2": "应急装备及配套物资", "3": "工程材料与机械加工设备"}
_CODE = re.compile(r"^[1-3](0[1-9]|[1-9]\d){3}$")


def item_code_problem(code: str) -> str | None:
    """None if `code` is a well-formed GB/T 38565 code, else the error code to report."""
    if not re.fullmatch(r"\d{7}", code):
        return "item_code_not_7_digits"
    if not _CODE.match(code):
        return "item_code_bad_level"
    return None
