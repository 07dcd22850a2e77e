"""County commands: the workbook (`relief county template FILE`, `relief county import FILE [--dry-run]
[--replace] [--boundaries FILE.geojson]`, `relief county export FILE [--boundaries FILE.geojson]`; import and export
act as the admin of `relief login`) and the province's registry of counties (`relief county list`: no database, no
login).

An import prints every problem (sheet, row, column, value, reason) and writes nothing when there is one; otherwise
it prints what was added, changed, deactivated, deleted or kept (`--dry-run`: what would be, nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from stockpile.cli import common
from stockpile.cli.common import input_file
from stockpile.cli.login import current_user
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, column_name, column_where, domain_error_text, listed, problem_text, t

_WORKBOOK_HELP = "县情工作簿 .xlsx / the county workbook"
File = Annotated[Path, typer.Argument(help=_WORKBOOK_HELP)]  # written
InFile = Annotated[Path, typer.Argument(help=_WORKBOOK_HELP, callback=input_file)]  # read


def _fail(e: DomainError) -> None:
    common.err_console.print(f"[red]{domain_error_text(e)}[/red]")
    raise typer.Exit(1) from e


def template(file: File) -> None:
    """写出空白县情工作簿（含下拉框和说明），无需数据库 / write the empty county workbook (no database needed)."""
    from stockpile.bootstrap import county_template

    file.write_bytes(county_template())
    common.console.print(t("county.template_written", path=str(file)))


_BOUNDARIES_HELP = "乡镇边界 GeoJSON（按乡镇代码或名称对应） / township boundaries (GeoJSON)"
Boundaries = Annotated[Path | None, typer.Option("--boundaries", help=_BOUNDARIES_HELP)]  # written
InBoundaries = Annotated[
    Path | None, typer.Option("--boundaries", help=_BOUNDARIES_HELP, callback=input_file)
]


def export(file: File, boundaries: Boundaries = None) -> None:
    """导出本县全部基础数据为县情工作簿（--boundaries：乡镇边界另存为 GeoJSON） / export the county's data."""
    actor = current_user()
    try:
        data = common.services().onboarding.export_workbook(actor)
        shapes = common.services().onboarding.export_boundaries(actor) if boundaries else None
    except DomainError as e:
        _fail(e)
    file.write_bytes(data)
    common.console.print(t("county.exported", path=str(file)))
    if boundaries is not None:
        if shapes is None:
            common.console.print(t("county.no_boundaries"))
        else:
            boundaries.write_bytes(shapes)
            common.console.print(t("county.exported_boundaries", path=str(boundaries)))


def import_(
    file: InFile,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只预览，不写入 / preview only")] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="以另一个县的数据替换本县（仅限台账为空） / replace the county")
    ] = False,
    boundaries: InBoundaries = None,
) -> None:
    """导入县情工作簿：全部成功或全部不导入 / import the county workbook, all or nothing."""
    actor = current_user()
    shapes = boundaries.read_bytes() if boundaries is not None else None
    try:
        report = common.services().onboarding.import_workbook(
            file.read_bytes(), actor, replace, dry_run, boundaries=shapes
        )
    except DomainError as e:
        _fail(e)
    for p in report.warnings:
        common.console.print(f"[yellow]{_problem(p)}[/yellow]")
    if report.errors:
        for p in report.errors:
            common.err_console.print(f"[red]{_problem(p)}[/red]")
        common.err_console.print(t("county.refused", n=len(report.errors)))
        raise typer.Exit(1)
    for c in report.changes:
        line = f"{t('county.kind.' + c.kind)} {_row_kind(c)} {c.key}" + (f" {c.name}" if c.name else "")
        fields = listed(column_name(f) for f in c.fields)  # the reader's names, not the workbook's headers
        common.console.print(aside(line, fields) if c.fields else line)
    counts = {
        k: report.counts().get(k, 0)
        for k in ("added", "reactivated", "changed", "deactivated", "deleted", "kept")
    }
    key = "county.nothing" if not report.changes else "county.previewed" if dry_run else "county.imported"
    common.console.print(t(key, **counts))
    if report.setup_codes:  # the only time anyone sees them: only their hashes are stored
        common.console.print(f"[yellow]{t('county.setup_codes_title', n=len(report.setup_codes))}[/yellow]")
        for user, code in report.setup_codes.items():
            common.console.print(f"  {user}\t{code}")


def list_() -> None:
    """列出本省登记的县（RELIEF_COUNTIES_FILE）/ the counties registered for this province."""
    from rich.table import Table

    from stockpile.adapters.db.storage import database_label
    from stockpile.config import get_settings, read_counties

    settings = get_settings()
    try:
        counties = read_counties(settings.counties_file)
    except ValueError as e:
        common.err_console.print(f"[red]{t('province.registry_bad', detail=str(e))}[/red]")
        raise typer.Exit(2) from e
    tab = Table(title=t("province.counties_title", n=len(counties)))
    for key in ("code", "name", "database", "chosen"):
        tab.add_column(t(f"province.col_{key}"))
    for c in counties:
        chosen = "✓" if c.code == settings.county else ""
        tab.add_row(c.code, c.name, database_label(c.database_url), chosen)
    common.console.print(tab)


def _row_kind(c: Any) -> str:
    """A changed row's kind in the reader's words (township, 乡镇), by the workbook sheet it was read from."""
    return t(f"county.row_kind.{c.sheet_id}") if c.sheet_id else str(c.sheet)


def _problem(p: Any) -> str:
    """One problem as a sentence: where (sheet, row, column), the value, and why."""
    where = t("county.where", sheet=p.sheet or "—", row=p.row or "—", column=column_where(p.column) or "—")
    value = t("county.value", value=p.value) if p.value else ""
    return f"{where}{value}：{problem_text(p.code, p.params)}"


def _check_storage(ctx: typer.Context) -> None:
    """The database is checked here, not by the app's callback: `template` needs none."""
    from stockpile.cli.storage_guard import check_before

    check_before(ctx, f"county {ctx.invoked_subcommand}")


def register(app: typer.Typer) -> None:
    county = typer.Typer(help="县情工作簿 county workbook: template, import, export", no_args_is_help=True)
    county.callback()(_check_storage)
    county.command("template")(template)
    county.command("import")(import_)
    county.command("export")(export)
    county.command("list")(list_)
    app.add_typer(county, name="county")
