"""Province commands (省级, docs/deployment.md): read-only, across the counties of the registry
(RELIEF_COUNTIES_FILE).

Each county's database has its own users, so the province's reader is a user each county grants itself
(`relief --county CODE user add NAME --role province`) and logs in to each county: `relief province login NAME`
asks for the password once and signs in to every county with it, one session file per county. `relief province
rollup` then reads every county as the user logged in there: a county without that login, or that refuses it, is
listed with the reason and left out of the figures.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from stockpile.cli import common
from stockpile.cli.login import sign_in, stored_user
from stockpile.config import County, choose_county, get_settings, read_counties
from stockpile.domain.errors import DomainError
from stockpile.i18n import domain_error_text, error_text, t
from stockpile.reports import province as rollup_tables


def _counties() -> list[County]:
    try:
        return read_counties(get_settings().counties_file)
    except ValueError as e:
        common.err_console.print(f"[red]{t('province.registry_bad', detail=str(e))}[/red]")
        raise typer.Exit(2) from e


def login(username: Annotated[str, typer.Argument(help="省级查看用户名 / the province reader")]) -> None:
    """登录本省各县（同一密码，每县各自的会话）/ sign in to every registered county."""
    counties = _counties()
    password = os.environ.get("RELIEF_PASSWORD") or str(typer.prompt(t("auth.password"), hide_input=True))
    refused = 0
    for c in counties:
        choose_county(c.code)
        try:
            sign_in(username, password)
            common.console.print(t("province.login_ok", code=c.code, name=c.name))
        except DomainError as e:
            refused += 1
            common.err_console.print(f"[red]{c.code} {c.name}：{error_text(e.code, e.params)}[/red]")
        except Exception as e:  # one county's server down must not stop the others
            refused += 1
            common.err_console.print(
                f"[red]{t('province.unreachable', code=c.code, detail=type(e).__name__)}[/red]"
            )
    choose_county(None)
    common.console.print(t("province.login_done", ok=len(counties) - refused, n=len(counties)))


def _read(c: County) -> rollup_tables.CountyFigures:
    """One county as the user logged in there, or the reason it is left out."""
    choose_county(c.code)
    try:
        who = stored_user()
        if who is None:
            return rollup_tables.CountyFigures(c.code, c.name, problem=t("province.not_logged_in"))
        return rollup_tables.county_figures(c.code, c.name, common.services(), who.username)
    except DomainError as e:
        return rollup_tables.CountyFigures(c.code, c.name, problem=domain_error_text(e))
    except Exception as e:  # unreachable or not migrated: named, the other counties still read
        return rollup_tables.CountyFigures(
            c.code, c.name, problem=t("province.unreachable_short", detail=str(e)[:120])
        )
    finally:
        choose_county(None)


def _print(df: Any, title: str) -> None:
    from rich.table import Table

    tab = Table(title=title)
    for col in df.columns:
        tab.add_column(t(f"province.col_{col}"))
    for row in df.itertuples(index=False):
        tab.add_row(*[common.cell(v) for v in row])
    common.console.print(tab)


def rollup(
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="另存为 Excel / also write the workbook")
    ] = None,
) -> None:
    """省级汇总：各县库存（县 × 物资）、储备定额缺口、保障圈覆盖率（只读）/ the province roll-up, read-only."""
    figures = [_read(c) for c in _counties()]
    sheets = {
        t("province.sheet_stock"): rollup_tables.stock_table(figures),
        t("province.sheet_totals"): rollup_tables.item_totals(figures),
        t("province.sheet_gaps"): rollup_tables.gap_table(figures),
        t("province.sheet_coverage"): rollup_tables.coverage_table(figures),
    }
    for title, df in sheets.items():
        _print(df, title)
    if xlsx is not None:
        from stockpile.adapters.files.exporters import to_xlsx

        cols = {c for df in sheets.values() for c in df.columns}
        xlsx.write_bytes(to_xlsx(sheets, {c: t(f"province.col_{c}") for c in cols}))
        common.console.print(t("province.written", path=str(xlsx)))
    if any(f.problem for f in figures):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    province = typer.Typer(help="省级（只读）province, read-only: login, rollup", no_args_is_help=True)
    province.command("login")(login)
    province.command("rollup")(rollup)
    app.add_typer(province, name="province")
