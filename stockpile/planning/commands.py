"""What the reserve-planning pages and the CLI hand to the services: agreement checks (核查) and call-offs (调用).
Plain data; never imports the optimizer, so a page can import it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class VerifyCmd:
    """核查 of one contract: verified quantity per item code (every line need not be checked)."""

    client_id: uuid.UUID
    actor: str
    contract_code: str
    checked_on: date
    inspector: str
    verified: tuple[tuple[str, int], ...]  # (item_code, verified_qty)
    remark: str = ""


@dataclass(frozen=True, slots=True)
class CallOffCmd:
    """调用 of agreement stock in an emergency."""

    client_id: uuid.UUID
    actor: str
    contract_code: str
    item_code: str
    qty: int
    called_at: datetime
    event_tag: str = ""
    to_site_code: str | None = None
