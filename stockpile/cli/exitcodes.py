"""Exit codes of the `relief` CLI: one per kind of refusal, so scripts can tell them apart."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    REFUSED = 1  # a rule refused the command (the message names it)
    NEEDS_CONFIRMATION = 2  # e.g. an import whose encoding was guessed
    NOT_LOGGED_IN = 3  # no login, or it expired or was revoked: `relief login`
    NOT_A_DEMO_DATABASE = 4  # `relief demo` on a database not created as a demo
    DATABASE_MISSING = 10  # DATABASE_URL names a SQLite file that does not exist
    DATABASE_NOT_INITIALISED = 11  # reachable but without the schema: `relief init` or `relief demo`
    DATABASE_CORRUPT = 12  # not a database, or damaged
    DATABASE_READ_ONLY = 13  # the file or its folder cannot be written
    DATABASE_FULL = 14  # disk or quota full
    DATABASE_UNAVAILABLE = 15  # server unreachable, connection lost, locked too long
    DATABASE_DRIVER_MISSING = 16  # a PostgreSQL URL but the driver (the postgres extra) is not installed
    INTERNAL_ERROR = 70  # a fault of the program (sysexits' EX_SOFTWARE): the traceback is in data/logs
