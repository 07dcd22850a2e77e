"""What a page needs from the events capability: the record types, the allowed values and the errors (never the
optimizer)."""

from __future__ import annotations

from stockpile.domain.events import (
    DECISIONS,
    EVENT_KINDS,
    LEVELS,
    PRIORITIES,
    EventRecord,
    ReportRecord,
    RequestLine,
)
from stockpile.domain.registers import (
    DONOR_KINDS,
    REQUISITION_KINDS,
    Donation,
    Requisition,
)

__all__ = [
    "DECISIONS",
    "DONOR_KINDS",
    "EVENT_KINDS",
    "LEVELS",
    "PRIORITIES",
    "REQUISITION_KINDS",
    "Donation",
    "EventRecord",
    "ReportRecord",
    "RequestLine",
    "Requisition",
]
