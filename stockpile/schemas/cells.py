"""Import rows: raw cells → typed values, or a coded error (`CellError`, an i18n key under `import_errors`); the
accepted headers and the aliases of the ledger file's choice columns."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

import opencc

from stockpile import clock
from stockpile.domain.model import MAX_QTY
from stockpile.schemas.fields import _CONTROL, clean_text, foreign_digits, normalise_code

KIND_ALIASES = {
    "入库": "receipt",
    "验收入库": "receipt",
    "receipt": "receipt",
    "出库": "issue",
    "issue": "issue",
}
OWNER_ALIASES = {
    "政府": "government",
    "government": "government",
    "企业": "enterprise",
    "enterprise": "enterprise",
    "社会": "social",
    "social": "social",
    "": "government",
}
SOURCE_ALIASES = {
    "采购": "procured",
    "procured": "procured",
    "捐赠": "donated",
    "donated": "donated",
    "征用": "requisitioned",
    "requisitioned": "requisitioned",
    "": "procured",
}
PURPOSE_ALIASES = {
    "救灾": "relief",
    "relief": "relief",
    "演练": "drill",
    "drill": "drill",
    "轮换": "rotation",
    "rotation": "rotation",
    "销售": "sale",
    "sale": "sale",
    "": "relief",
}

MOVEMENT_COLUMNS = {  # field → accepted headers (zh first)
    "kind": ("业务类型", "kind"),
    "site_code": ("库点编码", "site_code"),
    "item_code": ("物资编码", "item_code"),
    "lot_no": ("批次号", "lot_no"),
    "qty": ("数量", "qty"),
    "unit": ("单位", "unit"),
    "expiry": ("有效期至", "expiry"),
    "manufactured_on": ("生产日期", "manufactured_on"),
    "occurred_at": ("发生时间", "occurred_at"),
    "doc_no": ("单据号", "doc_no"),
    "purpose": ("用途", "purpose"),
    "owner_type": ("权属", "owner"),
    "source": ("来源", "source"),
    "donor": ("捐赠方", "donor"),
    "remark": ("备注", "remark"),
    "row_id": ("行号", "row_id"),
}
MOVEMENT_REQUIRED = ("kind", "site_code", "item_code", "qty", "occurred_at")


class CellError(ValueError):
    """A cell that cannot become a value; `code` is an i18n key under `import_errors`."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params  # the message's values ({most} of a length rule)
        super().__init__(code)


@cache
def _converter(config: str) -> Any:
    return opencc.OpenCC(config)


@lru_cache(maxsize=4096)  # a drop-down column compares every cell with the same few labels
def script_fold(text: str) -> str:
    """A template word (a sheet name, a header, a drop-down choice) folded so that its Simplified and Traditional
    spellings meet: 「乡镇代码」 and 「鄉鎮代碼」, 「县级」 and 「縣級」, 「坐标系」 and Taiwan's 「座標系」 give one key
    (OpenCC: to Traditional, then to Simplified). For comparing two such words only; a name or value a county
    enters is never folded, it is kept as typed."""
    try:
        return str(_converter("t2s").convert(_converter("s2t").convert(text)))
    except UnicodeError:  # a lone surrogate (an xlsx string's "_xD800_" escape) is no word of a template
        return text


def cell_text(v: object, max_len: int = 200) -> str:
    """Text cells: numbers become text, formulas stay literal text, controls are stripped."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(clean_text(str(v)))
    if len(s) > max_len:
        raise CellError("text_too_long")
    return s


def cell_code(v: object) -> str:
    """Codes: strings kept as typed, numbers only if integral and short, NFKC + upper."""
    if v is None or (isinstance(v, str) and not v.strip()):
        raise CellError("required")
    if isinstance(v, bool):
        raise CellError("invalid_code")
    if isinstance(v, float):
        if not v.is_integer() or abs(v) >= 1e11:
            raise CellError("code_in_scientific_notation")
        v = int(v)
    if isinstance(v, int):
        if abs(v) >= 10**11:  # Excel shows such numbers as 6.93217E+12 and keeps only 15 digits
            raise CellError("code_in_scientific_notation")
        v = str(v)
    if not isinstance(v, str):
        raise CellError("invalid_code")
    if _CONTROL.search(v) or len(v) > 64:
        raise CellError("invalid_code")
    if re.fullmatch(r"\s*[0-9.]+[eE][+-]?\d+\s*", v):
        raise CellError("code_in_scientific_notation")
    try:
        return str(normalise_code(v))
    except ValueError as e:
        raise CellError("invalid_code") from e


def cell_qty(v: object) -> int:
    """Quantities: whole numbers 1..10^9 in plain digits; native integral floats are fine."""
    if v is None or (isinstance(v, str) and not v.strip()):
        raise CellError("required")
    if isinstance(v, bool):
        raise CellError("qty_not_integer")
    if isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip()
        if s.startswith("="):
            raise CellError("formula_not_value")
        if foreign_digits(s):
            raise CellError("digits_not_ascii")
        if re.fullmatch(r"-?[0-9]{1,3}(,[0-9]{3})+|[0-9]+,[0-9]+", s):
            raise CellError("use_plain_digits")
        if re.fullmatch(r"-[0-9]+", s):
            raise CellError("qty_not_positive")
        if not re.fullmatch(r"[0-9]+", s):
            raise CellError("qty_not_integer")
        n = int(s)
    elif isinstance(v, float):
        if v != v or not v.is_integer():
            raise CellError("qty_not_integer")
        n = int(v)
    elif isinstance(v, int):
        n = v
    else:
        raise CellError("qty_not_integer")
    if n <= 0:
        raise CellError("qty_not_positive")
    if n > MAX_QTY:
        raise CellError("qty_too_large")
    return n


# a date written year first, as a clerk types it: 2027-05-01, 2027-5-1, 2027/5/1, 2027.5.1, 2027年5月1日 (one
# separator throughout); 03/04/2027 or 27-01-01 stay refused: day and month cannot be told apart
_YEAR_FIRST = re.compile(
    r"(?P<y>[0-9]{4})(?:(?P<sep>[-/.])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
    r"|\s*年\s*(?P<m2>[0-9]{1,2})\s*月\s*(?P<d2>[0-9]{1,2})\s*日)"
)


def cell_date(v: object, required: bool = False) -> date | None:
    """Dates: native date cells, or text written year first (ISO 8601, 2027/5/1, 2027.5.1, 2027年5月1日)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        if required:
            raise CellError("required")
        return None
    if isinstance(v, datetime):
        d = v.date()
    elif isinstance(v, date):
        d = v
    elif isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip()
        if foreign_digits(s):
            raise CellError("digits_not_ascii")
        m = _YEAR_FIRST.fullmatch(s)
        if m is None:
            raise CellError("date_not_iso")
        try:
            d = date(int(m["y"]), int(m["m"] or m["m2"]), int(m["d"] or m["d2"]))
        except ValueError as e:
            raise CellError("date_invalid") from e
    else:
        raise CellError("date_not_iso")  # numbers: Excel serials typed as text or numbers are ambiguous
    if not 1990 <= d.year <= 2100:
        raise CellError("date_out_of_range")
    return d


def cell_datetime(v: object) -> datetime:
    """Timestamps: native cells or ISO 8601 text; no offset = the county's time zone, an offset is honoured."""
    from datetime import UTC

    if v is None or (isinstance(v, str) and not v.strip()):
        raise CellError("required")
    if isinstance(v, datetime):
        dt = v
    elif isinstance(v, date):
        dt = datetime(v.year, v.month, v.day)
    elif isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip()
        if foreign_digits(s):
            raise CellError("digits_not_ascii")
        if not re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?", s
        ):
            raise CellError("datetime_not_iso")
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError as e:
            raise CellError("date_invalid") from e
    else:
        raise CellError("datetime_not_iso")
    if not 1990 <= dt.year <= 2100:
        raise CellError("date_out_of_range")
    return clock.local(dt).astimezone(UTC)  # no offset = county time


def word_in(text: str, words: Collection[str]) -> str | None:
    """The word of ``words`` that ``text`` names: as typed, in lower case, with full-width brackets or letters
    (「单件重量（克）」 is 「单件重量(克)」) or spelled in the other script (「出庫」 is 「出库」, 「數量」 is
    「数量」); None when it names none. For headers and drop-down choices only."""
    if text in words:
        return text
    low = text.lower()
    if low in words:
        return low
    folded = _word_key(text)
    return next((w for w in words if _word_key(w) == folded), None)


@lru_cache(maxsize=4096)  # a Traditional file's choice column misses the exact words on every row
def _word_key(text: str) -> str:
    return script_fold(" ".join(unicodedata.normalize("NFKC", text).lower().split()))


def cell_choice(v: object, aliases: dict[str, str]) -> str:
    key = word_in(cell_text(v, 32) if v is not None else "", aliases)
    if key is None:
        raise CellError("invalid_choice")
    return aliases[key]
