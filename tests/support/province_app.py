"""A province install in small: two counties, each its own SQLite database with the test users (keeper1 with a
password of its own per county; `prov`, the province reader, with the same password in both) and one lot on hand
(甲县 LOT-A ×10, 乙县 LOT-B ×7), named by a registry file for RELIEF_COUNTIES_FILE. Used by the AppTest and the
Chromium tests of the county picker."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import update

from stockpile.adapters.db.engine import create_schema, make_engine
from stockpile.adapters.orm.auth import UserRow
from stockpile.adapters.repos.passwords import Argon2Hasher
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.schemas import ReceiptCmd
from tests.conftest import TEST_NOW
from tests.support.factory import seed_minimal, seed_users

COUNTIES = {"360401": ("甲县", "LOT-A", 10), "360402": ("乙县", "LOT-B", 7)}
KEEPER_PASSWORD = {"360401": "Gan-county-one-2026", "360402": "Gan-county-two-2026"}
PROVINCE_PASSWORD = "Province-reader-2026"  # the same reader, granted by each county in its own database


def _county(path: Path, code: str) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    create_schema(engine)
    seed_minimal(engine)  # with the test users (keeper1 keeps D-COUNTY)
    seed_users(engine, {"prov": ("province", ())})
    with engine.begin() as c:
        c.execute(update(UserRow).values(password_hash=Argon2Hasher().hash(KEEPER_PASSWORD[code])))
        hashed = Argon2Hasher().hash(PROVINCE_PASSWORD)
        c.execute(update(UserRow).where(UserRow.username == "prov").values(password_hash=hashed))
    engine.dispose()
    _, lot, qty = COUNTIES[code]
    build_services(Settings(database_url=url)).ledger.record_receipt(
        ReceiptCmd(
            client_id=uuid.uuid4(), actor="keeper1", occurred_at=TEST_NOW - timedelta(hours=1),
            site_code="D-COUNTY", item_code="1020101", lot_no=lot, qty=qty, expiry=date(2099, 1, 1),
        )
    )  # fmt: skip
    return url


def province_registry(base: Path) -> Path:
    """Both counties' databases under `base` and the registry naming them; the registry's path."""
    lines = []
    for code, (name, _, _) in COUNTIES.items():
        url = _county(base / f"relief_{code}.db", code)
        lines += [f"[counties.{code}]", f'name = "{name}"', f'database_url = "{url}"']
    path = base / "counties.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
