"""`relief` command line (typer + rich): the Typer app, its callback (language, time zone, storage check), the
database group and the helpers the areas share; each area's commands live in their own module (`reads`, `ledger`,
`files`, `circle`, `dispatch`, `login`, `periods`, `reserve`, `scenario`, `setup`, `users`), registered in
`_register_areas`.

Every command that reads or changes county data acts as the user of `relief login` (`current_user()`, cli/login.py;
no login → exit code 3). Every posting command takes --client-id so a retried command is idempotent; without it
a new id is made. Messages come from the i18n catalogue (--lang en for English).
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.cli.login import current_user
from stockpile.cli.storage_guard import StorageSafeGroup, check_before
from stockpile.config import get_settings
from stockpile.domain.errors import DomainError
from stockpile.i18n import domain_error_text, set_lang, t

app = typer.Typer(
    cls=StorageSafeGroup,  # storage faults → a sentence and their own exit code
    help="应急物资储备与调度优化 · relief-materials ledger and optimizer",
    no_args_is_help=True,
)
db_app = typer.Typer(help="数据库 database", no_args_is_help=True)
app.add_typer(db_app, name="db")
# piped or captured output gets a wide console so tables are never cut to 80 columns
console = Console(width=None if sys.stdout.isatty() else 220)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 220)


@app.callback()
def _main(ctx: typer.Context, lang: Annotated[str, typer.Option("--lang", help="zh | en")] = "zh") -> None:
    set_lang(lang)
    try:
        clock.configure(get_settings().timezone)  # every date the CLI reads or prints is the county's
    except ValidationError as e:
        err_console.print(f"[red]{t('cli.bad_settings', detail=_settings_problem(e))}[/red]")
        raise typer.Exit(2) from e
    check_before(ctx.invoked_subcommand)  # a missing SQLite file is never created by a reading command


def _settings_problem(e: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())


def _services() -> Any:
    return build_services(get_settings())


def _actor() -> str:
    """The CLI's user, for writes and reads alike: the one place the CLI decides who it acts as — the user of
    `relief login` (`cli.login.current_user()`; no login → exit code 3, no default user). The services re-read that
    user's role and depots on every call, so `relief stock|bincard|export` show only what the user may see."""
    return current_user()


def _read(fn: Any, *args: Any, **kw: Any) -> Any:
    """A scoped read; a denial (another depot, an unknown user) is the catalogue's sentence and exit code 1."""
    try:
        return fn(*args, **kw)
    except DomainError as e:
        err_console.print(f"[red]{domain_error_text(e)}[/red]")
        raise typer.Exit(1) from e


def _table(df: Any, columns: list[str], title: str = "") -> None:
    tab = Table(title=title or None)
    for c in columns:
        tab.add_column(
            t(f"col.{c}"),
            justify="right"
            if c in {"on_hand", "reserved", "available", "qty", "days_left", "balance"}
            else "left",
        )
    for row in df[columns].itertuples(index=False):
        tab.add_row(*[_cell(v) for v in row])
    console.print(tab)


def _cell(v: Any) -> str:
    """Blank for missing values; timestamps in the county's time zone to the minute."""
    import pandas as pd

    if v is None or (not isinstance(v, (list, tuple)) and pd.isna(v)):
        return ""
    if isinstance(v, datetime):
        return clock.format_dt(v)
    return str(v)


# ---- database -------------------------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema (alembic)."""
    from stockpile.adapters.db.migrate import upgrade

    url = get_settings().database_url
    upgrade(url)
    console.print(t("cli.db_upgraded", url=url.split("@")[-1]))


@db_app.command("init")
def db_init() -> None:
    """Same as upgrade on an empty database."""
    db_upgrade()


def _register_areas() -> None:
    """Each feature area of the CLI adds its commands with a `register(app)` function; the list is explicit. The
    ledger's own commands come first (reads, postings, files), in the order `relief --help` lists them."""
    from stockpile.cli import (
        circle,
        county,
        dispatch,
        events,
        files,
        jobs,
        ledger,
        login,
        periods,
        reads,
        reserve,
        scenario,
        setup,
        users,
    )

    for area in (
        reads,
        ledger,
        files,
        circle,
        county,
        dispatch,
        events,
        jobs,
        login,
        periods,
        reserve,
        scenario,
        setup,
        users,
    ):
        area.register(app)


_register_areas()

if __name__ == "__main__":  # pragma: no cover
    app()
