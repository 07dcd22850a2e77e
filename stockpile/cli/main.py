"""`relief` command line (typer + rich): the Typer app, its group (storage faults, the help in the language of
`--lang`), its callback (language, time zone, storage check) and the database group. The helpers the areas share
are in `common.py`; each area's commands live in their own module, registered explicitly in `_register_areas`.

Every command that reads or changes county data acts as the user of `relief login` (`current_user()`, cli/login.py;
no login → exit code 3). Every posting command takes --client-id so a retried command is idempotent; without it
a new id is made. Messages come from the i18n catalogue (--lang en for English).
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.markup import escape
from typer._click.exceptions import UsageError

from stockpile import clock
from stockpile.cli import click_text
from stockpile.cli.common import console, err_console
from stockpile.cli.help_text import language_of, localise
from stockpile.cli.storage_guard import StorageSafeGroup, check_before
from stockpile.config import choose_county, get_settings, load_settings
from stockpile.i18n import LANGS, current_lang, set_lang, settings_text, t


class ReliefGroup(StorageSafeGroup):
    """The program's command group: storage faults end as a sentence and an exit code (``StorageSafeGroup``), and
    the help is the catalogue's in the language of ``--lang`` (``help_text``), put on the commands before click
    parses anything, since ``--help`` is printed while parsing."""

    def make_context(self, info_name: Any, args: list[str], parent: Any = None, **extra: Any) -> Any:
        # an unknown language is zh-CN (and refused by the callback); none given: RELIEF_LANGUAGE, as the callback
        set_lang(language_of(args) or os.environ.get("RELIEF_LANGUAGE", "zh"))
        localise(self, current_lang.get())
        click_text.use(current_lang.get())  # typer's own words too: Options, Try … for help
        args = click_text.trimmed_codes(args)  # --to "532399102200 " pasted with its cell's space
        args = click_text.ascii_numbers(args)  # --affected １２０ as a Chinese keyboard types it
        args = click_text.ascii_codes(args)  # --depot ＸＪＫ, --need １０１０１０１=２０ likewise
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as e:  # "No such option", "Missing argument" … in the catalogue's words
            raise click_text.usage_error(e) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as e:  # a subcommand's parse
            raise click_text.usage_error(e) from None


app = typer.Typer(
    cls=ReliefGroup,
    help="应急物资储备与调度优化 · relief-materials ledger and optimizer",
    no_args_is_help=True,
)
db_app = typer.Typer(help="数据库 database", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _known_language(value: str | None) -> str | None:
    """--lang: zh or en; any other is a usage error (it read as zh-CN without a word)."""
    if value is not None and value not in LANGS:
        raise typer.BadParameter(t("cli.bad_lang", value=value, langs=" | ".join(LANGS)))
    return value


@app.callback()
def _main(
    ctx: typer.Context,
    lang: Annotated[str | None, typer.Option("--lang", help="zh | en", callback=_known_language)] = None,
    county: Annotated[
        str | None,
        typer.Option(
            "--county", help="县代码：使用该县的数据库（RELIEF_COUNTIES_FILE）/ the county's database"
        ),
    ] = None,
) -> None:
    set_lang(lang or "zh")
    choose_county(county)  # every settings read of this command; none given: RELIEF_COUNTY, else DATABASE_URL
    settings, bad = load_settings()
    if settings is None:
        err_console.print(f"[red]{escape(t('cli.bad_settings', detail=settings_text(bad)))}[/red]")
        raise typer.Exit(2)
    set_lang(lang or settings.language)  # no --lang: RELIEF_LANGUAGE
    clock.configure(settings.timezone)  # every date the CLI reads or prints is the county's
    check_before(ctx, ctx.invoked_subcommand)  # a missing SQLite file is never created by a reading command


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
        city,
        county,
        dispatch,
        events,
        files,
        jobs,
        ledger,
        login,
        orders,
        periods,
        province,
        reads,
        registers,
        replan,
        reserve,
        roads,
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
        orders,
        replan,
        events,
        city,
        jobs,
        login,
        periods,
        province,
        registers,
        reserve,
        roads,
        scenario,
        setup,
        users,
    ):
        area.register(app)


_register_areas()

if __name__ == "__main__":  # pragma: no cover
    app()
