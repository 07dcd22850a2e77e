"""The last boundary of the `relief` CLI: an error no command turned into a sentence of its own ends as one sentence
in the catalogue's words and an exit code, never a traceback (the brief: "never let a file or a fault end in a raw
traceback"). Called by the program's group (`storage_guard.StorageSafeGroup.invoke`) after storage faults.

- A value a command's model refused (pydantic): each field and what is wrong with it (`validation_text`), exit 1.
- A file that could not be read or written (a folder given for a file, a missing folder, an existing file, no
  permission): the file and why, exit 1.
- A number too large to store, a value that is not a number (inf, NaN), a file nested too deeply: that sentence,
  exit 1.
- A value the command could not read (a date such as 2026-02-30, an id): the value's problem, exit 1.
- Anything else is a fault of the program: one sentence naming its kind and the log file that holds the traceback
  (`data/logs/cli-errors.log`, the system's temporary folder when `data/` cannot be written), exit 70
  (`ExitCode.INTERNAL_ERROR`).
"""

from __future__ import annotations

import decimal
import errno
import tempfile
import traceback
from pathlib import Path

import sqlalchemy.exc
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from stockpile import clock
from stockpile.cli.exitcodes import ExitCode
from stockpile.config import data_dir
from stockpile.i18n import t, validation_text

err_console = Console(stderr=True)

FILE_REASONS = {
    errno.EISDIR: "is_a_directory",
    errno.ENOENT: "not_found",
    errno.EEXIST: "exists",
    errno.EACCES: "permission",
    errno.EPERM: "permission",
    errno.ENOTDIR: "not_a_directory",
    errno.ENAMETOOLONG: "name_too_long",
}


def log_traceback(e: BaseException) -> Path | None:
    """Append ``e``'s traceback to the CLI's error log; the log's path (None when nowhere could be written)."""
    text = "".join(traceback.format_exception(e))
    for folder in (data_dir() / "logs", Path(tempfile.gettempdir())):
        path = folder / "cli-errors.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as f:
                f.write(f"--- {clock.now().isoformat(timespec='seconds')}\n{text}\n")
            return path
        except OSError:
            continue
    return None


def sentence(e: Exception) -> tuple[str, ExitCode]:
    """What to tell the user about ``e``, and the exit code."""
    if isinstance(e, ValidationError):
        parts = []
        for err in e.errors():
            field = ".".join(str(p) for p in err.get("loc", ())) or "—"
            parts.append(t("cli.fault.field", field=field, problem=validation_text(err, "form_errors")))
        return t("cli.fault.invalid_values", detail="；".join(parts)), ExitCode.REFUSED
    if isinstance(e, OSError) and e.filename is not None:
        reason = FILE_REASONS.get(e.errno or 0)
        why = t(f"cli.fault.file_{reason}") if reason else (e.strerror or type(e).__name__)
        return t("cli.fault.file", file=str(e.filename), reason=why), ExitCode.REFUSED
    if isinstance(e, sqlalchemy.exc.ArgumentError):
        return t("cli.fault.bad_database_url", detail=str(e)), ExitCode.REFUSED
    if isinstance(e, OverflowError | MemoryError):
        return t("cli.fault.too_large"), ExitCode.REFUSED
    if isinstance(e, decimal.InvalidOperation):
        return t("cli.fault.not_a_number"), ExitCode.REFUSED
    if isinstance(e, RecursionError):
        return t("cli.fault.too_deep"), ExitCode.REFUSED
    if isinstance(e, ValueError):  # a value the command could not read (a date, a number, an id)
        return t("cli.fault.unreadable_value", detail=str(e)), ExitCode.REFUSED
    return t("cli.fault.internal", kind=type(e).__name__), ExitCode.INTERNAL_ERROR


def end(e: Exception) -> typer.Exit:
    """Print ``e`` as a sentence (a fault of the program: with where its traceback was logged); the Exit to
    raise."""
    text, code = sentence(e)
    err_console.print(f"[red]{escape(text)}[/red]")
    log = log_traceback(e) if code == ExitCode.INTERNAL_ERROR else None
    if log is not None:
        err_console.print(escape(t("cli.fault.logged", log=str(log))))
    return typer.Exit(code)
