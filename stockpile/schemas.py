"""Pydantic v2 boundary models: forms, CLI and importers build these; services receive them validated.

Rules enforced here (RELIABILITY.md §3): quantities are strict ints in 1..10^9 (no floats, no bools, no "1,000"),
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


def _strict_qty(v: object) -> object:
    if isinstance(v, bool):
        raise ValueError("qty_not_integer")
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError("qty_not_integer")
        return int(v)
    if isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip()
        if not re.fullmatch(r"\d+", s):
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
    """Common fields of every ledger command (I6: the client id is made when the form renders)."""

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
