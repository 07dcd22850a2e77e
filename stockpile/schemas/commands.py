"""The ledger's commands and queries (pydantic v2, frozen, no extra fields): forms, the CLI and importers build
them; the use cases receive them validated.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from stockpile.domain.model import (
    AdjustReason,
    InspectionResult,
    IssuePurpose,
    LotSource,
    OwnerType,
    WriteOffReason,
)
from stockpile.schemas.fields import (
    Aware,
    Code,
    CountQty,
    Qty,
    Remark,
    SaneDate,
    Text,
    clean_text,
)


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
