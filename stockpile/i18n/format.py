"""Numbers as a person reads them, in one place (Babel): thousands separators, percentages with %, money in 元,
quantities with their unit, distances in km. Pages, exports and printed documents all format through here.

Every function takes the language (``zh``/``en``) or uses the current one; blanks (None, NaN) read as "—".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal, format_percent

from stockpile.i18n import catalogue, current_lang, t

LOCALES = {"zh": "zh_CN", "en": "en"}
BLANK = "—"


def _locale(lang: str | None) -> str:
    return LOCALES.get(lang or current_lang.get(), "zh_CN")


def blank(v: Any) -> bool:
    """None, NaN and pandas' NA/NaT (anything that is not equal to itself) are blanks."""
    if v is None:
        return True
    try:
        return bool(v != v)
    except (TypeError, ValueError):  # pandas.NA compares to NA
        return True


def num(n: Any, lang: str | None = None, decimals: int = 0) -> str:
    """A number with thousands separators and at most ``decimals`` decimals (2,400,653 · 12.5)."""
    if blank(n):
        return BLANK
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    value = n if isinstance(n, int | Decimal) else Decimal(str(round(float(n), decimals)))
    return format_decimal(value, format=pattern, locale=_locale(lang))


def pct(fraction: Any, lang: str | None = None, decimals: int = 1) -> str:
    """A share as a percentage with % (0.965 → 96.5%; 1.0 → 100%)."""
    if blank(fraction):
        return BLANK
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "") + "%"
    return format_percent(
        Decimal(str(round(float(fraction), decimals + 2))), format=pattern, locale=_locale(lang)
    )


def pct_points(percent: Any, lang: str | None = None, decimals: int = 1) -> str:
    """A value already in percent (96.5 → 96.5%)."""
    return BLANK if blank(percent) else pct(float(percent) / 100, lang, decimals)


def yuan_amount(fen: Any, lang: str | None = None) -> str:
    """Money held in 分 as 元, two decimals, no unit (a table column says 元 in its header)."""
    if blank(fen):
        return BLANK
    return format_decimal(Decimal(int(fen)) / 100, format="#,##0.00", locale=_locale(lang))


def yuan(fen: Any, lang: str | None = None) -> str:
    """Money held in 分 as 元 with the unit: 12,345.50 元 (zh) / CNY 12,345.50 (en)."""
    if blank(fen):
        return BLANK
    return t("fmt.yuan", lang, amount=yuan_amount(fen, lang))


def qty(n: Any, unit: str = "", lang: str | None = None) -> str:
    """A quantity with its unit attached: 1,200顶 (zh) / 1,200 顶 (en)."""
    if blank(n):
        return BLANK
    if not unit:
        return num(n, lang)
    return t("fmt.qty", lang, n=num(n, lang), unit=unit)


def km(metres: Any, lang: str | None = None, decimals: int = 1) -> str:
    """Metres as kilometres, one decimal (12,345 m → 12.3), no unit (the header says 公里)."""
    if blank(metres):
        return BLANK
    return num(float(metres) / 1000, lang, decimals)


def km_text(metres: Any, lang: str | None = None) -> str:
    """Metres as kilometres with the unit: 12.3 公里 / 12.3 km."""
    return BLANK if blank(metres) else t("fmt.km", lang, n=km(metres, lang))


# ---- frames for exports and printed tables -------------------------------------------------------------------
ENUM_COLUMNS = {  # column → catalogue section of its values
    "status": "status",
    "mode": "mode",
    "category": "category",
    "kind": "kind",
    "purpose": "purpose",
    "owner_type": "owner",
    "source": "source",
    "inspection": "inspection",
    "level": "scope",
    "channel": "channel",
    "action": "action",
}
INTERNAL_COLUMNS = ("posting_id", "client_id", "transfer_id", "key_id")  # ids a person never reads


def enum_text(section: str, value: Any, lang: str | None = None) -> str:
    """An enum value in words (``kind``, ``transfer_in`` → 调拨入库); blanks stay blank, a value the catalogue
    does not know is shown as it is."""
    if blank(value) or value == "":
        return ""
    key = f"{section}.{value}"
    return t(key, lang) if key in catalogue("zh") else str(value)


def lot_text(lot: Any, lang: str | None = None) -> str:
    """A lot number as the keeper knows it; a lot the plan would buy (``new:buy:7``) reads 待采购批次 7."""
    if blank(lot) or lot == "":
        return ""
    parts = str(lot).split(":")
    if len(parts) == 3 and parts[0] == "new":
        return t("fmt.new_lot", lang, n=parts[2])
    return str(lot)


WORDED_COLUMNS = (*ENUM_COLUMNS, "lot_no")


def in_words(column: str, value: Any, lang: str | None = None) -> Any:
    """A cell of a column whose values are codes in words, the one rule of the pages, the CLI and the exports:
    an enum value (``ENUM_COLUMNS``) by its catalogue name, a lot number as the keeper knows it; any other column's
    value as it is."""
    if column in ENUM_COLUMNS:
        return enum_text(ENUM_COLUMNS[column], value, lang)
    if column == "lot_no":
        return lot_text(value, lang)
    return value


def export_frame(df: Any, lang: str | None = None) -> Any:
    """A frame as a person reads it in a workbook: enum values in words, money held in 分 as 元 (numbers, two
    decimals; the header says 元), internal ids left out. Headers stay data names (the writer translates them)."""
    out = df.drop(columns=[c for c in INTERNAL_COLUMNS if c in df.columns]).copy()
    for col in out.columns:
        if col in WORDED_COLUMNS:
            out[col] = [in_words(col, v, lang) for v in out[col]]
    for col in out.columns:
        if str(col).endswith("_fen"):
            out[col] = [None if blank(v) else round(int(v) / 100, 2) for v in out[col]]
    return out


def name_in(zh: str, en: str | None, lang: str | None = None) -> str:
    """A name the county gave in Chinese and (perhaps) English, in the reader's language: the Chinese one where
    no English one was given."""
    return str(en or zh) if (lang or current_lang.get()) == "en" else str(zh)


def when(at: Any, lang: str | None = None) -> str:
    """A moment in the county's zone as a person reads it: ISO (GB/T 7408) in Chinese, ``8 Dec 2026 00:16`` in
    English; never an offset. A blank reads "—"."""
    from stockpile import clock

    if blank(at):
        return BLANK
    local = clock.local(at)
    if (lang or current_lang.get()) == "zh":
        return str(local.strftime("%Y-%m-%d %H:%M"))
    return f"{local.day} {local:%b %Y %H:%M}"
