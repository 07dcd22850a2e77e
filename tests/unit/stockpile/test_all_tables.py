"""Migrations and create_schema read `all_tables.metadata`: imported alone it must know every table."""

from __future__ import annotations

import subprocess
import sys


def test_all_tables_alone_knows_every_area() -> None:
    code = "from stockpile.adapters.orm.all_tables import metadata\nprint(' '.join(sorted(metadata.tables)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    from stockpile.adapters.orm import auth, dispatch, ledger, oidc, reserve

    expected = set()
    for module in (auth, dispatch, ledger, oidc, reserve):
        expected |= {t.name for t in module.Base.metadata.sorted_tables}
    assert set(out) == expected and len(out) >= 40
