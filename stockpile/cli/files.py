"""`relief import FILE` (receipts and issues from xlsx or csv, all rows or none) and `relief export` (xlsx).

Both act as the user of `relief login` (`common.acting_user()`): an import posts as that user, an export holds only the
user's depots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stockpile.cli.common import acting_user, console, err_console, read_scoped, services
from stockpile.domain.errors import DomainError
from stockpile.i18n import domain_error_text, row_error_text, t


def import_cmd(
    path: Path,
    confirm: Annotated[list[str] | None, typer.Option(help="e.g. encoding_guessed_gb18030")] = None,
) -> None:
    """Import receipts/issues from xlsx or csv: every row checked, all rows posted or none."""

    svc = services()
    try:
        rep = svc.imports.import_file(path.read_bytes(), path.name, acting_user(), frozenset(confirm or ()))
    except DomainError as e:  # a refused file reads as on the import page
        err_console.print(f"[red]{domain_error_text(e)}[/red]")
        raise typer.Exit(1) from e
    if rep.already_imported:
        console.print(t("cli.import_already", **rep.already_imported))
        return
    if rep.needs_confirmation:
        err_console.print(", ".join(t(f"import_errors.{c}") for c in rep.needs_confirmation))
        raise typer.Exit(2)
    if rep.errors:
        for row_err in rep.errors[:200]:
            err_console.print(row_error_text(row_err))
        err_console.print(t("cli.import_failed", n=len(rep.errors)))
        raise typer.Exit(1)
    console.print(t("cli.import_ok", rows=rep.accepted, postings=rep.postings))


def export(
    out: Annotated[Path, typer.Option(help="xlsx file")] = Path("stock-export.xlsx"),
    site: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Export balances by lot, totals by item and the ledger to xlsx with Chinese headers (the user's depots)."""

    svc, user = services(), acting_user()
    stock_df = read_scoped(svc.reads.stock, user, site)
    stock_df["status"] = [t(f"status.{s}") for s in stock_df["status"]]
    ledger_df = read_scoped(svc.reads.ledger, user, limit=1_000_000, action="export", site_code=site)
    ledger_df["kind"] = [t(f"kind.{k}") for k in ledger_df["kind"]]
    headers = {k.removeprefix("col."): val for k, val in _catalogue_cols().items()}
    out.write_bytes(
        svc.to_xlsx(
            {
                t("stock.by_lot"): stock_df,
                t("stock.by_item"): read_scoped(svc.reads.stock_by_item, user),
                "台账": ledger_df,
            },
            headers,
        )
    )
    console.print(t("cli.exported", path=out))


def _catalogue_cols() -> dict[str, str]:
    from stockpile.i18n import catalogue, current_lang

    return {k: v for k, v in catalogue(current_lang.get()).items() if k.startswith("col.")}


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)
    app.command("export")(export)
