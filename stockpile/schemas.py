"""Pydantic v2 boundary models: forms, CLI and importers build these; services receive them validated.

Rules enforced here: quantities are strict ints in 1..10^9 (no floats, no bools, no "1,000"),
timestamps are aware (naive ones are refused), codes are trimmed + NFKC + upper-cased, text loses control characters
and is length-capped.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from stockpile import clock
from stockpile.domain.model import (
    MAX_QTY,
    AdjustReason,
    InspectionResult,
    IssuePurpose,
    LotSource,
    OwnerType,
    WriteOffReason,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_CODE_OK = re.compile(r"^[A-Z0-9][A-Z0-9_\-./]*$")


def clean_text(v: object) -> object:
    """Strip control, bidi and zero-width characters (keep TAB/LF), NFC-normalise, trim."""
    if not isinstance(v, str):
        return v
    return _CONTROL.sub("", unicodedata.normalize("NFC", v)).strip()


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


class Cmd(BaseModel):
    """Common fields of every ledger command (the client id is made when the form renders)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: uuid.UUID
    actor: Code
    occurred_at: Aware
    doc_no: Annotated[str, BeforeValidator(clean_text), Field(max_length=64)] = ""
    event_tag: Annotated[str, BeforeValidator(clean_text), Field(max_length=64)] = ""
    remark: Remark = ""

    def payload(self) -> dict[str, object]:
        """What a replay must repeat exactly (everything but the client id)."""
        return self.model_dump(mode="json", exclude={"client_id"})


class ReceiptCmd(Cmd):
    """验收入库: accepted goods of one lot into a site; rejected quantity is recorded, never stocked."""

    site_code: Code
    item_code: Code
    lot_no: Code
    qty: Qty
    unit: Annotated[str, BeforeValidator(clean_text), Field(max_length=16)] = ""
    expiry: SaneDate = None
    manufactured_on: SaneDate = None
    owner_type: OwnerType = OwnerType.GOVERNMENT
    owner_name: Text = ""
    source: LotSource = LotSource.PROCURED
    donor: Text = ""
    supplier: Text = ""
    inspector: Text = ""
    inspection: InspectionResult = InspectionResult.PASSED
    rejected_qty: CountQty = 0

    @model_validator(mode="after")
    def _dates(self) -> ReceiptCmd:
        if self.expiry and self.manufactured_on and self.expiry < self.manufactured_on:
            raise ValueError("expiry_before_manufacture")
        return self


class IssueCmd(Cmd):
    """出库: from one site; FEFO over lots unless a lot is named."""

    site_code: Code
    item_code: Code
    qty: Qty
    unit: Annotated[str, BeforeValidator(clean_text), Field(max_length=16)] = ""
    lot_no: Code | None = None
    purpose: IssuePurpose = IssuePurpose.RELIEF


class TransferCmd(Cmd):
    """调拨: ship from one site to another; the goods sit on 在途 until received."""

    from_site_code: Code
    to_site_code: Code
    item_code: Code
    qty: Qty
    unit: Annotated[str, BeforeValidator(clean_text), Field(max_length=16)] = ""
    lot_no: Code | None = None

    @model_validator(mode="after")
    def _distinct(self) -> TransferCmd:
        if self.from_site_code == self.to_site_code:
            raise ValueError("same_site")
        return self


class ReceiveTransferCmd(Cmd):
    transfer_id: uuid.UUID


class CountCmd(Cmd):
    """盘点: the counted quantity of one lot at one site."""

    site_code: Code
    item_code: Code
    lot_no: Code
    counted: CountQty


class WriteOffCmd(Cmd):
    """报废: the only way an expired lot leaves stock."""

    site_code: Code
    item_code: Code
    lot_no: Code
    qty: Qty
    reason: WriteOffReason


class AdjustCmd(Cmd):
    site_code: Code
    item_code: Code
    lot_no: Code
    qty: Qty
    reason: AdjustReason


class ReverseCmd(Cmd):
    """冲销: reverse every leg of an earlier posting, once."""

    posting_id: uuid.UUID


class ReserveCmd(BaseModel):
    """A hold on (site, lot, qty) for a plan."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    client_id: uuid.UUID
    actor: Code
    site_code: Code
    item_code: Code
    lot_no: Code
    qty: Qty
    plan_ref: Annotated[str, BeforeValidator(clean_text), Field(max_length=64)] = ""
    expires_at: Aware | None = None


class ResolveReservationCmd(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    reservation_id: uuid.UUID
    actor: Code
    action: Literal["issue", "release", "expire"]
    occurred_at: Aware
    client_id: uuid.UUID | None = None


class StockQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    site_code: Code | None = None
    item_code: Code | None = None
    township_code: str | None = None
    expiring_within_days: int | None = Field(default=None, ge=0, le=3650)
    include_transit: bool = False


# ---- import rows: raw cells → typed values, or a coded error -----------------------------------------------
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

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


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


def cell_date(v: object, required: bool = False) -> date | None:
    """Dates: native date cells or ISO 8601 text only."""
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
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
            raise CellError("date_not_iso")
        try:
            d = date.fromisoformat(s)
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


def cell_choice(v: object, aliases: dict[str, str]) -> str:
    s = cell_text(v, 32).lower() if v is not None else ""
    s = s if s in aliases else cell_text(v, 32)
    if s not in aliases:
        raise CellError("invalid_choice")
    return aliases[s]
