"""Every ORM module imported, so `Base.metadata` knows all tables (migrations, create_schema). The list is explicit:
a new table module is added here."""

from __future__ import annotations

from stockpile.adapters.orm import (  # noqa: F401  (they register tables)
    auth,
    city_requests,
    county,
    dispatch,
    events,
    jobs,
    ledger,
    oidc,
    registers,
    reserve,
)
from stockpile.adapters.orm.ledger import Base

metadata = Base.metadata
