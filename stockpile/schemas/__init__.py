"""Pydantic v2 boundary models: forms, CLI and importers build these; services receive them validated.

Rules enforced here: quantities are strict ints in 1..10^9 (no floats, no bools, no "1,000"),
timestamps are aware (naive ones are refused), codes are trimmed + NFKC + upper-cased, text loses control characters
and is length-capped.

The package by topic: `fields` (the field types and text rules), `commands` (the ledger's commands and the stock
query), `cells` (import cells → typed values or a coded error). Everything is importable from `stockpile.schemas`.
"""

from __future__ import annotations

from stockpile.schemas.cells import (
    KIND_ALIASES,
    MOVEMENT_COLUMNS,
    MOVEMENT_REQUIRED,
    OWNER_ALIASES,
    PURPOSE_ALIASES,
    SOURCE_ALIASES,
    CellError,
    cell_choice,
    cell_code,
    cell_date,
    cell_datetime,
    cell_qty,
    cell_text,
    script_fold,
    word_in,
)
from stockpile.schemas.commands import (
    AdjustCmd,
    Cmd,
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReserveCmd,
    ResolveReservationCmd,
    ReverseCmd,
    StockQuery,
    TransferCmd,
    WriteOffCmd,
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
    foreign_digits,
    normalise_code,
)

__all__ = [
    "KIND_ALIASES",
    "MOVEMENT_COLUMNS",
    "MOVEMENT_REQUIRED",
    "OWNER_ALIASES",
    "PURPOSE_ALIASES",
    "SOURCE_ALIASES",
    "AdjustCmd",
    "Aware",
    "CellError",
    "Cmd",
    "Code",
    "CountCmd",
    "CountQty",
    "IssueCmd",
    "Qty",
    "ReceiptCmd",
    "ReceiveTransferCmd",
    "Remark",
    "ReserveCmd",
    "ResolveReservationCmd",
    "ReverseCmd",
    "SaneDate",
    "StockQuery",
    "Text",
    "TransferCmd",
    "WriteOffCmd",
    "cell_choice",
    "cell_code",
    "cell_date",
    "cell_datetime",
    "cell_qty",
    "cell_text",
    "clean_text",
    "foreign_digits",
    "normalise_code",
    "script_fold",
    "word_in",
]
