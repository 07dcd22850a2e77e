"""`relief stock|available|bincard|check`: what is where, what can be dispatched, one bin card, the ledger's check.

Reads act as the user of `relief login` (`common.acting_user()`); the scoped services show only that user's depots.
"""

from __future__ import annotations

from typing import Annotated

import typer

from stockpile.cli.common import acting_user, console, err_console, print_table, read_scoped, services
from stockpile.config import get_settings
from stockpile.i18n import t

# the columns of `relief stock`, by lot
LOT_COLUMNS = [
    "site_code",
    "site_name",
    "item_code",
    "item_name",
    "lot_no",
    "expiry",
    "days_left",
    "on_hand",
    "reserved",
    "available",
    "unit",
    "status",
]


def stock_cmd(
    site: Annotated[str | None, typer.Option(help="库点编码")] = None,
    item: Annotated[str | None, typer.Option(help="物资编码")] = None,
    expiring: Annotated[int | None, typer.Option(help="N 天内到期")] = None,
    by_item: Annotated[bool, typer.Option("--by-item", help="按物资汇总")] = False,
) -> None:
    """What is where, in which lots, expiring when (the user's depots only: a keeper sees the assigned ones)."""

    svc, user = services(), acting_user()
    if by_item:
        df = read_scoped(svc.reads.stock_by_item, user)
        print_table(
            df, ["item_code", "item_name", "unit", "on_hand", "reserved", "available"], t("stock.by_item")
        )
        return
    df = read_scoped(svc.reads.stock, user, site, item_code=item, expiring_within_days=expiring)
    if df.empty:
        console.print(t("stock.empty"))
        return
    df["status"] = [t(f"status.{s}") for s in df["status"]]
    print_table(df, LOT_COLUMNS, t("stock.by_lot"))


def available(item: Annotated[str, typer.Option(help="物资编码")]) -> None:
    """Available to dispatch: physical + custodial now, agreement after lead time, capacity after activation."""

    df = read_scoped(services().reads.available, acting_user(), item)
    df["mode"] = [t(f"mode.{m}") for m in df["mode"]]
    print_table(
        df,
        ["site_code", "site_name", "mode", "qty", "per_day", "lead_minutes", "reference"],
        t("stock.availability"),
    )


def bincard(site: str, item: str, lot: Annotated[str | None, typer.Option()] = None) -> None:
    """货位卡: movements of one item at one site with the running balance (a depot of the user's)."""

    df = read_scoped(services().reads.bin_card, acting_user(), site, item, lot)
    df["kind"] = [t(f"kind.{k}") for k in df["kind"]]
    print_table(df, ["occurred_at", "kind", "lot_no", "qty", "balance", "actor", "doc_no"])


def check() -> None:
    """Check the database file (SQLite integrity_check), then rebuild balances from movements and compare (no
    running balance below 0, stored balances equal the movements, 0 ≤ reserved ≤ on hand)."""
    from stockpile.adapters.db.storage import integrity_check
    from stockpile.cli.storage_guard import refuse

    url = get_settings().database_url
    if (fault := integrity_check(url)) is not None:
        raise refuse(fault, url)
    errors = services().ledger.verify_ledger()
    if errors:
        for e in errors[:50]:
            err_console.print(f"{e.code} {e.key} {e.detail}")
        err_console.print(t("cli.ledger_errors", n=len(errors)))
        raise typer.Exit(1)
    console.print(t("cli.ledger_ok"))


def register(app: typer.Typer) -> None:
    app.command("stock")(stock_cmd)
    app.command("available")(available)
    app.command("bincard")(bincard)
    app.command("check")(check)
