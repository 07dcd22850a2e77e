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

__all__ = ["DECISIONS", "EVENT_KINDS", "LEVELS", "PRIORITIES", "EventRecord", "ReportRecord", "RequestLine"]
