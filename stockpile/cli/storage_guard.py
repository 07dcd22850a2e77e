"""The `relief` command group that turns storage faults into a clear sentence and an exit code of their own, never a
traceback (kinds in `adapters/db/storage.py`, codes in `cli/exitcodes.py`).

Before a command runs, a SQLite `DATABASE_URL` naming a file that does not exist is refused (only `relief demo`,
`relief init` and `relief db upgrade` create a database). Asking for a command's help (`--help`, or a group named
without a command) needs no database: it is never refused. While it runs, a database error is classified: corrupt,
read-only, full, without tables, unreachable. A command that already printed a storage fault's domain message
(`storage_full`, `database_unavailable`) keeps its message and gets the fault's exit code. Any other error ends at
the last boundary (`faults.py`): a sentence and an exit code, its traceback in a log file.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from stockpile.adapters.db.storage import StorageFault, classify, database_label, preflight
from stockpile.cli import faults
from stockpile.cli.exitcodes import ExitCode
from stockpile.config import get_settings
from stockpile.i18n import t

err_console = Console(stderr=True)

CREATES_DATABASE = frozenset({"demo", "init", "db", "solve-vrp"})  # solve-vrp reads a JSON file, no database
# the empty workbook from the product's own sheet list; the registry of counties from its TOML file
# `province` reads the registry's county databases, each one named when it fails
NO_DATABASE = frozenset({"county template", "county list", "province"})
CHECKED_BY_GROUP = frozenset(
    {"county"}
)  # the group's callback checks, once it knows which of its commands runs
EXIT = {
    "missing": ExitCode.DATABASE_MISSING,
    "not_initialised": ExitCode.DATABASE_NOT_INITIALISED,
    "corrupt": ExitCode.DATABASE_CORRUPT,
    "read_only": ExitCode.DATABASE_READ_ONLY,
    "full": ExitCode.DATABASE_FULL,
    "unavailable": ExitCode.DATABASE_UNAVAILABLE,
    "driver_missing": ExitCode.DATABASE_DRIVER_MISSING,
}


def asks_for_help(rest: list[str], help_options: list[str], group: bool) -> bool:
    """The arguments after a command's name ask for its help: a help option before any ``--``, or nothing after a
    group's name (the group then shows its help)."""
    if group and not rest:
        return True
    options = rest[: rest.index("--")] if "--" in rest else rest
    return any(a in help_options for a in options)


def refuse(fault: StorageFault, url: str) -> typer.Exit:
    """Print the fault's sentence; the Exit to raise."""
    text = t(f"storage.{fault.kind}", database=database_label(url), detail=fault.detail)
    err_console.print(
        f"[red]{escape(text)}[/red]"
    )  # the sentence may hold brackets (a pip extra, a driver error)
    return typer.Exit(EXIT[fault.kind])


# in ctx.meta (shared by every context of one command line): the command line asks only for help
HELP_ONLY = "relief.help_only"


def check_before(ctx: typer.Context, subcommand: str | None) -> None:
    """Called by the app's callback (and a group's, as "group command"): refuse a missing SQLite file unless the
    command creates databases or needs none, or only its help is asked for."""
    if subcommand is None or subcommand in CREATES_DATABASE | NO_DATABASE | CHECKED_BY_GROUP:
        return
    if ctx.meta.get(HELP_ONLY):
        return
    url = get_settings().database_url
    fault = preflight(url)
    if fault is not None:
        raise refuse(fault, url)


class StorageSafeGroup(TyperGroup):
    """Every subcommand runs inside this group's `invoke`: storage faults end as a sentence and an exit code. Its
    `parse_args` notes whether the command line asks only for help (``HELP_ONLY``), which needs no database."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)  # what follows the command's name (a group stops parsing at it)
        named = len(args) > len(rest)
        command = self.get_command(ctx, args[len(args) - len(rest) - 1]) if named else None
        ctx.meta[HELP_ONLY] = asks_for_help(rest, ctx.help_option_names, isinstance(command, TyperGroup))
        return rest

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.Exit as e:
            if e.exit_code != ExitCode.REFUSED:  # also bad settings (exit 2): then there is no URL to read
                raise
            url = get_settings().database_url
            fault = classify(e.__cause__, url)
            if fault is None:
                raise
            raise typer.Exit(EXIT[fault.kind]) from e  # the command printed its message already
        except (typer.TyperException, typer.Abort):  # usage errors: click's own message
            raise
        except Exception as e:  # a storage fault, else the last boundary's sentence (cli/faults.py)
            try:
                url = get_settings().database_url
                fault = classify(e, url)
            except Exception:  # settings or a URL that cannot be read: the last boundary says so
                url, fault = "", None
            if fault is None:
                raise faults.end(e) from e
            raise refuse(fault, url) from e
