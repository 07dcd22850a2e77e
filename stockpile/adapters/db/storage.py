"""Storage faults in words: a missing SQLite file, a database without tables, a corrupt file, a
read-only file or server, a full disk and an unreachable server each become one `StorageFault` kind, so the CLI can
print a clear sentence and exit with its own code instead of a traceback.

Nothing here creates a database: `preflight` only looks (a missing file stays missing), `integrity_check` opens the
SQLite file read-only (`mode=ro` URI).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from stockpile.adapters.db.database_kind import sqlite_path
from stockpile.domain.errors import DatabaseUnavailable, StorageFull

LOW_DISK_BYTES = 64 * 1024  # below this much free space a SQLite failure is taken as "disk full"

KINDS = ("missing", "not_initialised", "corrupt", "read_only", "full", "unavailable", "driver_missing")


@dataclass(frozen=True, slots=True)
class StorageFault:
    kind: str  # one of KINDS
    detail: str = ""


def database_label(url: str) -> str:
    """The URL without its password."""
    return make_url(url).render_as_string(hide_password=True)


def preflight(url: str) -> StorageFault | None:
    """Before a command that must not create the database: a SQLite file that does not exist is `missing`."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return StorageFault("missing")
    return None


def _sqlite_writable(path: Path) -> bool:
    folder = path.parent if str(path.parent) else Path(".")
    return os.access(path, os.W_OK) and os.access(folder, os.W_OK)


def _disk_low(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent if str(path.parent) else ".").free < LOW_DISK_BYTES
    except OSError:
        return False


def classify(exc: BaseException | None, url: str) -> StorageFault | None:
    """The storage fault behind an exception (following `__cause__`), or None if it is not one."""
    seen = 0
    while exc is not None and seen < 5:
        fault = _classify_one(exc, url)
        if fault is not None:
            return fault
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _classify_one(exc: BaseException, url: str) -> StorageFault | None:
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == "psycopg":
        return StorageFault("driver_missing", exc.name or "psycopg")  # PostgreSQL without the postgres extra
    if isinstance(exc, StorageFull):
        return StorageFault("full")
    if isinstance(exc, DatabaseUnavailable):
        return StorageFault("unavailable")
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if (
        not isinstance(exc, SQLAlchemyError | sqlite3.Error)
        and type(orig).__module__.split(".")[0] != "psycopg"
    ):
        return None
    msg = str(orig).strip().splitlines()[0][:200] if str(orig).strip() else type(orig).__name__
    low = msg.lower()
    code = str(getattr(orig, "sqlstate", None) or "")
    path = sqlite_path(url)
    if code.startswith("53") or "database or disk is full" in low:
        return StorageFault("full", msg)
    if "file is not a database" in low or "malformed" in low or code in ("XX001", "XX002"):
        return StorageFault("corrupt", msg)
    if "readonly database" in low or "read-only" in low or code == "25006":
        return StorageFault("read_only", msg)
    if "no such table" in low or code == "42P01":
        return StorageFault("not_initialised", msg)
    if code == "3D000" or ("database" in low and "does not exist" in low):
        return StorageFault("missing", msg)
    if path is not None and path.exists():
        if _disk_low(path):
            return StorageFault("full", msg)
        if not _sqlite_writable(path):
            return StorageFault("read_only", msg)
    if isinstance(exc, DBAPIError) or isinstance(orig, sqlite3.Error) or code:
        return StorageFault("unavailable", msg)
    return None


def integrity_check(url: str) -> StorageFault | None:
    """SQLite `PRAGMA integrity_check` on a read-only connection: `corrupt` with SQLite's first finding, or None.
    (PostgreSQL keeps its own checksums; its data-corruption errors are classified when they occur.)"""
    path = sqlite_path(url)
    if path is None:
        return None
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as e:
        return _classify_one(e, url) or StorageFault("unavailable", str(e))
    try:
        rows = con.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as e:
        return StorageFault("corrupt", str(e))
    finally:
        con.close()
    findings = [str(r[0]) for r in rows]
    if findings != ["ok"]:
        return StorageFault("corrupt", "; ".join(findings[:3])[:200])
    return None
