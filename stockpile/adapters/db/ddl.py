"""Append-only triggers (ledger movements and postings, the audit log) for both backends, shared by
`create_schema` and the alembic migrations."""

from __future__ import annotations

from sqlalchemy import Connection, text

LEDGER_TABLES = ("movement", "posting")  # what migration 0001 protects (its call uses the default)
APPEND_ONLY_TABLES = (*LEDGER_TABLES, "audit_event")  # everything create_schema protects


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS trg_{table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        f"CREATE TRIGGER IF NOT EXISTS trg_{table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
    ]


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION relief_forbid_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'P0001';
END $$ LANGUAGE plpgsql
"""


def _pg(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS trg_{table}_append_only ON {table}",
        f"CREATE TRIGGER trg_{table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION relief_forbid_change()",
    ]


def install_append_only_triggers(conn: Connection, tables: tuple[str, ...] = LEDGER_TABLES) -> None:
    """Create the no-UPDATE/DELETE triggers on the given tables for the connection's dialect."""
    name = conn.dialect.name
    statements: list[str] = []
    if name == "sqlite":
        for t in tables:
            statements += _sqlite(t)
    elif name == "postgresql":
        statements.append(PG_FUNCTION)
        for t in tables:
            statements += _pg(t)
    else:  # pragma: no cover - only the two supported backends
        raise RuntimeError(f"unsupported database dialect {name}")
    for s in statements:
        conn.execute(text(s))
