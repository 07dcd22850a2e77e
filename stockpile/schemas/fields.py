"""The field types of the boundary models and the text rules they share with the import cells: quantities are
strict ints in 1..10^9 (no floats, no bools, no "1,000"), timestamps are aware (naive ones are refused), codes are
trimmed + NFKC + upper-cased, text loses control characters and is length-capped.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from stockpile.domain.model import MAX_QTY

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_CODE_OK = re.compile(r"^[A-Z0-9][A-Z0-9_\-./]*$")


_NO_BREAK = str.maketrans({"\u00a0": " ", "\u2007": " ", "\u202f": " "})


def clean_text(v: object) -> object:
    """Strip control, bidi and zero-width characters (keep TAB/LF), NFC-normalise, no-break spaces as spaces (a name
    pasted from a web page: 丹江\u00a0镇 would match no boundary file), trim."""
    if not isinstance(v, str):
        return v
    return _CONTROL.sub("", unicodedata.normalize("NFC", v)).translate(_NO_BREAK).strip()


def normalise_code(v: object) -> object:
    """Codes: NFKC (full-width → ASCII), trim, upper-case; control characters make the code invalid."""
    if not isinstance(v, str):
        return v
    s = unicodedata.normalize("NFKC", v).strip().upper()
    if not _CODE_OK.match(s):
        raise ValueError("invalid_code")
    return s


def foreign_digits(s: str) -> bool:
    """Decimal digits of another script (Arabic-Indic ٥, Devanagari ५ …): NFKC maps full-width digits to ASCII but
    keeps these, and ``int()`` and a Unicode ``[[:digit:]]`` would read them as numbers."""
    return any(ch.isdecimal() and not ch.isascii() for ch in s)


def _strict_qty(v: object) -> object:
    if isinstance(v, bool):
        raise ValueError("qty_not_integer")
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError("qty_not_integer")
        return int(v)
    if isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip()
        if not re.fullmatch(r"[0-9]+", s):
            raise ValueError("qty_not_integer")
        return int(s)
    return v


Code = Annotated[str, BeforeValidator(normalise_code), Field(min_length=1, max_length=64)]
Text = Annotated[str, BeforeValidator(clean_text), Field(max_length=200)]
Remark = Annotated[str, BeforeValidator(clean_text), Field(max_length=1000)]
Qty = Annotated[int, BeforeValidator(_strict_qty), Field(gt=0, le=MAX_QTY, strict=False)]
CountQty = Annotated[int, BeforeValidator(_strict_qty), Field(ge=0, le=MAX_QTY)]


def _aware(v: datetime) -> datetime:
    if v.tzinfo is None:
        raise ValueError("naive_datetime")
    return v


Aware = Annotated[datetime, AfterValidator(_aware)]


def _sane_date(v: date | None) -> date | None:
    if v is not None and not (1990 <= v.year <= 2100):
        raise ValueError("date_out_of_range")
    return v


SaneDate = Annotated[date | None, AfterValidator(_sane_date)]
