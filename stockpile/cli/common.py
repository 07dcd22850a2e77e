"""What the CLI's areas share: the consoles, the services, the acting user, scoped reads and rich tables."""

from __future__ import annotations

import numbers
import os
import sys
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.cli.login import current_user
from stockpile.config import get_settings
from stockpile.domain.errors import DomainError
from stockpile.i18n import current_lang, domain_error_text, t
from stockpile.i18n import format as fmt

# piped or captured output gets a wide console so tables are never cut to 80 columns
console = Console(width=None if sys.stdout.isatty() else 220)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 220)


def input_file(path: Path | None) -> Path | None:
    """Typer callback of an option or argument that names a file to read: a missing or unreadable file is a usage
    error in the catalogue's words (exit code 2), never a traceback from deep inside the command."""
    if path is not None and not (path.is_file() and os.access(path, os.R_OK)):
        raise typer.BadParameter(t("cli.no_such_file", file=path))
    return path


def iso_day(text: str) -> date:
    """A date typed as YYYY-MM-DD; anything else (2026-02-30, year 0, 2026/7/1) is a usage error naming it."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(t("cli.bad_day", value=text)) from None


def iso_time(text: str) -> datetime:
    """A time typed in ISO 8601 (2026-07-01T08:00); without a zone it is the county's time."""
    try:
        return clock.local(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        raise typer.BadParameter(t("cli.bad_time", value=text)) from None


def as_uuid(text: str) -> uuid.UUID:
    """A --client-id, posting or transfer id: a UUID."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise typer.BadParameter(t("cli.bad_uuid", value=text)) from None


def day_value(value: str | None) -> str | None:
    """Typer callback of a date option or argument: refused while parsing, with the option's name."""
    if value:
        iso_day(value)
    return value


def time_value(value: str | None) -> str | None:
    """Typer callback of a time option (--at, --to …): refused while parsing, with the option's name."""
    if value:
        iso_time(value)
    return value


def uuid_value(value: str | None) -> str | None:
    """Typer callback of --client-id and of an argument naming a posting or transfer."""
    if value:
        as_uuid(value)
    return value


# below the least a solve plans nothing (every engine's setup takes longer); above the most (an hour; the app offers
# 1-300 s) a typo such as "inf" would hold the command, and an infinite limit overflowed OR-Tools' milliseconds
TIME_LIMIT_S = (0.1, 3600.0)


def check_time_limit(seconds: float) -> float:
    """Typer callback of ``--time-limit``: outside ``TIME_LIMIT_S`` (zero, negative, NaN, inf) it is a usage error in
    the catalogue's words (exit code 2), before anything is solved."""
    least, most = TIME_LIMIT_S
    if not least <= seconds <= most:  # also NaN
        raise typer.BadParameter(t("cli.time_limit_out_of_range", seconds=seconds, least=least, most=most))
    return seconds


def services() -> Any:
    return build_services(get_settings())


def acting_user() -> str:
    """The CLI's user, for writes and reads alike: the one place the CLI decides who it acts as — the user of
    `relief login` (`cli.login.current_user()`; no login → exit code 3, no default user). The services re-read that
    user's role and depots on every call, so `relief stock|bincard|export` show only what the user may see."""
    return current_user()


def read_scoped(fn: Any, *args: Any, **kw: Any) -> Any:
    """A scoped read; a denial (another depot, an unknown user) is the catalogue's sentence and exit code 1."""
    try:
        return fn(*args, **kw)
    except DomainError as e:
        err_console.print(f"[red]{domain_error_text(e)}[/red]")
        raise typer.Exit(1) from e


def print_table(df: Any, columns: list[str], title: str = "") -> None:
    tab = Table(title=title or None)
    numbers = {"on_hand", "reserved", "available", "qty", "days_left", "balance"}
    for c in columns:
        tab.add_column(t(f"col.{c}"), justify="right" if c in numbers or c.endswith("_fen") else "left")
    if "item_name" in columns:
        df = items_in_lang(df)
    shown = [[_table_cell(c, v) for v in df[c]] for c in columns]
    for row in zip(*shown, strict=True):
        tab.add_row(*row)
    console.print(tab)


def items_in_lang(df: Any) -> Any:
    """A read model's frame with its item names in the CLI's language (the read models carry 中文名; the English
    name where the county gave one)."""
    if (
        current_lang.get() != "en"
        or "item_name" not in df.columns
        or "item_code" not in df.columns
        or not len(df)
    ):
        return df
    names = services().registers.namer()
    return df.assign(item_name=[names.item(c, "en") for c in df["item_code"]])


def _table_cell(col: str, v: Any) -> str:
    """A table cell as the pages show it: money held in 分 (``*_fen``) in 元, enum values in words (action,
    channel, status …), lot numbers of planned purchases in words, whole numbers with separators."""
    if col.endswith("_fen"):
        return "" if fmt.blank(v) else fmt.yuan_amount(int(v))
    if col in fmt.WORDED_COLUMNS:
        return str(fmt.in_words(col, v))
    if isinstance(v, numbers.Integral) and not isinstance(v, bool):
        return fmt.num(int(v))
    return cell(v)


def code_named(typed: str, codes: Iterable[str], section: str) -> str | None:
    """A code typed by itself or by the name the catalogue's ``section`` gives it, in either language and any
    case (洪涝, Flood, 已结单, closed); None where it names none of ``codes``."""
    word = typed.strip().lower()
    for code in codes:
        if word in (code, t(f"{section}.{code}", "zh").lower(), t(f"{section}.{code}", "en").lower()):
            return code
    return None


def item_words(svc: Any) -> dict[str, tuple[str, str]]:
    """Item code → (name in the CLI's language, base unit), for the goods a plan or an order lists."""
    words: dict[str, tuple[str, str]] = svc.registers.namer().words(current_lang.get())
    return words


def cell(v: Any) -> str:
    """Blank for missing values; timestamps in the county's time zone to the minute."""
    import pandas as pd

    if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)):
        return ""
    if isinstance(v, datetime):
        return clock.format_dt(v)
    return str(v)
