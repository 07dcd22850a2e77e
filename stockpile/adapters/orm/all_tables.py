"""Import every ORM module (adapters/orm/) so `Base.metadata` knows all tables (migrations, create_schema)."""

from __future__ import annotations

import importlib
import pkgutil

import stockpile.adapters as _pkg
from stockpile.adapters.orm.ledger import Base

for _m in pkgutil.iter_modules(_pkg.__path__):
    if _m.name == "orm" or _m.name.startswith("orm_"):
        importlib.import_module(f"stockpile.adapters.{_m.name}")

metadata = Base.metadata
