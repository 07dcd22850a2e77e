"""`relief` command line (typer + rich): database, demo county, stock queries and one-movement postings.

Every command that reads or changes county data acts as the user of `relief login` (`current_user()`, cli/login.py;
no login → exit code 3). Every posting command takes --client-id so a retried command is idempotent; without it
a new id is made. Messages come from the i18n catalogue (--lang en for English).
"""

from __future__ import annotations

import sys
import uuid
from datetime import date, datetime
from pathlib import Path
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
from stockpile.domain.model import IssuePurpose, WriteOffReason
from stockpile.i18n import domain_error_text, error_text, set_lang, t
from stockpile.schemas import (
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReverseCmd,
    TransferCmd,
    WriteOffCmd,
)

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

ClientId = Annotated[str | None, typer.Option("--client-id", help="重试时使用同一编号 / reuse on retry")]
When = Annotated[str | None, typer.Option("--at", help="发生时间 ISO 8601 (default: now)")]


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


def _common(client_id: str | None, at: str | None) -> dict[str, Any]:
    """Client id, actor (the logged-in user) and occurred-at of a posting command; a retry (same --client-id, no
    --at) keeps the first attempt's time so that it replays instead of conflicting."""
    actor = _actor()
    cid = uuid.UUID(client_id) if client_id else uuid.uuid4()
    earlier = _services().ledger.posting_time(cid) if client_id and not at else None
    when = datetime.fromisoformat(at) if at else (earlier or clock.now())
    when = clock.local(when)  # no offset given = county time
    return {
        "client_id": uuid.UUID(client_id) if client_id else uuid.uuid4(),
        "actor": actor,
        "occurred_at": when,
    }


def _post(fn: Any, cmd: Any) -> None:
    try:
        res = fn(cmd)
    except DomainError as e:
        err_console.print(f"[red]{error_text(e.code, e.params)}[/red]")
        raise typer.Exit(1) from e
    key = "cli.replayed" if res.replayed else "cli.posted"
    console.print(t(key, posting_id=res.posting_id, legs=len(res.movement_seqs)))
    if res.transfer_id and not res.replayed:
        console.print(t("cli.transfer_shipped", transfer_id=res.transfer_id))


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


# ---- database and demo ------------------------------------------------------------------------------------
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


# ---- queries ----------------------------------------------------------------------------------------------
@app.command("stock")
def stock_cmd(
    site: Annotated[str | None, typer.Option(help="库点编码")] = None,
    item: Annotated[str | None, typer.Option(help="物资编码")] = None,
    expiring: Annotated[int | None, typer.Option(help="N 天内到期")] = None,
    by_item: Annotated[bool, typer.Option("--by-item", help="按物资汇总")] = False,
) -> None:
    """What is where, in which lots, expiring when (the user's depots only: a keeper sees the assigned ones)."""
    svc, user = _services(), _actor()
    if by_item:
        df = _read(svc.reads.stock_by_item, user)
        _table(df, ["item_code", "item_name", "unit", "on_hand", "reserved", "available"], t("stock.by_item"))
        return
    df = _read(svc.reads.stock, user, site, item_code=item, expiring_within_days=expiring)
    if df.empty:
        console.print(t("stock.empty"))
        return
    df["status"] = [t(f"status.{s}") for s in df["status"]]
    _table(
        df,
        [
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
        ],
        t("stock.by_lot"),
    )


@app.command()
def available(item: Annotated[str, typer.Option(help="物资编码")]) -> None:
    """Available to dispatch: physical + custodial now, agreement after lead time, capacity after activation."""
    df = _read(_services().reads.available, _actor(), item)
    df["mode"] = [t(f"mode.{m}") for m in df["mode"]]
    _table(
        df,
        ["site_code", "site_name", "mode", "qty", "per_day", "lead_minutes", "reference"],
        t("stock.availability"),
    )


@app.command()
def bincard(site: str, item: str, lot: Annotated[str | None, typer.Option()] = None) -> None:
    """货位卡: movements of one item at one site with the running balance (a depot of the user's)."""
    df = _read(_services().reads.bin_card, _actor(), site, item, lot)
    df["kind"] = [t(f"kind.{k}") for k in df["kind"]]
    _table(df, ["occurred_at", "kind", "lot_no", "qty", "balance", "actor", "doc_no"])


@app.command()
def check() -> None:
    """Check the database file (SQLite integrity_check), then rebuild balances from movements and compare (no
    running balance below 0, stored balances equal the movements, 0 ≤ reserved ≤ on hand)."""
    from stockpile.adapters.db.storage import integrity_check
    from stockpile.cli.storage_guard import refuse

    url = get_settings().database_url
    if (fault := integrity_check(url)) is not None:
        raise refuse(fault, url)
    errors = _services().ledger.verify_ledger()
    if errors:
        for e in errors[:50]:
            err_console.print(f"{e.code} {e.key} {e.detail}")
        err_console.print(t("cli.ledger_errors", n=len(errors)))
        raise typer.Exit(1)
    console.print(t("cli.ledger_ok"))


# ---- one movement -----------------------------------------------------------------------------------------
@app.command()
def receive(
    site: str,
    item: str,
    lot: str,
    qty: int,
    expiry: Annotated[str | None, typer.Option()] = None,
    unit: Annotated[str, typer.Option()] = "",
    made: Annotated[str | None, typer.Option()] = None,
    doc: Annotated[str, typer.Option()] = "",
    client_id: ClientId = None,
    at: When = None,
) -> None:
    """验收入库: receive accepted goods of one lot."""
    cmd = ReceiptCmd(
        **_common(client_id, at),
        site_code=site,
        item_code=item,
        lot_no=lot,
        qty=qty,
        unit=unit,
        expiry=date.fromisoformat(expiry) if expiry else None,
        manufactured_on=date.fromisoformat(made) if made else None,
        doc_no=doc,
    )
    _post(_services().ledger.record_receipt, cmd)


@app.command()
def issue(
    site: str,
    item: str,
    qty: int,
    lot: Annotated[str | None, typer.Option()] = None,
    purpose: Annotated[str, typer.Option()] = "relief",
    unit: Annotated[str, typer.Option()] = "",
    event: Annotated[str, typer.Option()] = "",
    client_id: ClientId = None,
    at: When = None,
) -> None:
    """出库: FEFO unless --lot is given."""
    cmd = IssueCmd(
        **_common(client_id, at),
        site_code=site,
        item_code=item,
        qty=qty,
        lot_no=lot,
        purpose=IssuePurpose(purpose),
        unit=unit,
        event_tag=event,
    )
    _post(_services().ledger.issue_stock, cmd)


@app.command()
def transfer(
    from_site: str,
    to_site: str,
    item: str,
    qty: int,
    lot: Annotated[str | None, typer.Option()] = None,
    client_id: ClientId = None,
    at: When = None,
) -> None:
    """调拨: ship to another site (goods go 在途 until received)."""
    cmd = TransferCmd(
        **_common(client_id, at),
        from_site_code=from_site,
        to_site_code=to_site,
        item_code=item,
        qty=qty,
        lot_no=lot,
    )
    _post(_services().ledger.ship_transfer, cmd)


@app.command("transfer-receive")
def transfer_receive(transfer_id: str, client_id: ClientId = None, at: When = None) -> None:
    """Receive a transfer at its destination."""
    _post(
        _services().ledger.receive_transfer,
        ReceiveTransferCmd(**_common(client_id, at), transfer_id=uuid.UUID(transfer_id)),
    )


@app.command()
def count(
    site: str,
    item: str,
    lot: str,
    counted: int,
    client_id: ClientId = None,
    at: When = None,
) -> None:
    """盘点: post counted − book quantity at the count time."""
    _post(
        _services().ledger.record_count,
        CountCmd(**_common(client_id, at), site_code=site, item_code=item, lot_no=lot, counted=counted),
    )


@app.command()
def writeoff(
    site: str,
    item: str,
    lot: str,
    qty: int,
    reason: Annotated[str, typer.Option()] = "expired",
    client_id: ClientId = None,
    at: When = None,
) -> None:
    """Propose 报废 with a reason (expired, damaged, obsolete, lost); an admin approves (`relief writeoff-approve`)."""
    cmd = WriteOffCmd(
        **_common(client_id, at),
        site_code=site,
        item_code=item,
        lot_no=lot,
        qty=qty,
        reason=WriteOffReason(reason),
    )
    try:
        pid = _services().ledger.propose_write_off(cmd)
    except DomainError as e:
        err_console.print(f"[red]{error_text(e.code, e.params)}[/red]")
        raise typer.Exit(1) from e
    console.print(t("auth.writeoff_proposed", proposal_id=pid))


@app.command()
def reverse(posting_id: str, client_id: ClientId = None, at: When = None) -> None:
    """冲销: reverse every movement of an earlier posting (once)."""
    _post(
        _services().ledger.reverse_posting,
        ReverseCmd(**_common(client_id, at), posting_id=uuid.UUID(posting_id)),
    )


# ---- files ------------------------------------------------------------------------------------------------
@app.command("import")
def import_cmd(
    path: Path,
    confirm: Annotated[list[str] | None, typer.Option(help="e.g. encoding_guessed_gb18030")] = None,
) -> None:
    """Import receipts/issues from xlsx or csv: every row checked, all rows posted or none."""
    svc = _services()
    try:
        rep = svc.imports.import_file(path.read_bytes(), path.name, _actor(), frozenset(confirm or ()))
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


@app.command()
def export(
    out: Annotated[Path, typer.Option(help="xlsx file")] = Path("stock-export.xlsx"),
    site: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Export balances by lot, totals by item and the ledger to xlsx with Chinese headers (the user's depots)."""
    svc, user = _services(), _actor()
    stock_df = _read(svc.reads.stock, user, site)
    stock_df["status"] = [t(f"status.{s}") for s in stock_df["status"]]
    ledger_df = _read(svc.reads.ledger, user, limit=1_000_000, action="export", site_code=site)
    ledger_df["kind"] = [t(f"kind.{k}") for k in ledger_df["kind"]]
    headers = {k.removeprefix("col."): val for k, val in _catalogue_cols().items()}
    out.write_bytes(
        svc.to_xlsx(
            {
                t("stock.by_lot"): stock_df,
                t("stock.by_item"): _read(svc.reads.stock_by_item, user),
                "台账": ledger_df,
            },
            headers,
        )
    )
    console.print(t("cli.exported", path=out))


def row_error_text(e: Any) -> str:
    """One import error as a sentence with row, column and value."""
    key = f"import_errors.{e.code}"
    from stockpile.i18n import catalogue, current_lang

    msg = t(key, **e.params) if key in catalogue(current_lang.get()) else error_text(e.code, dict(e.params))
    return t("import.row_error", row=e.row, column=e.column, value=e.value, message=msg)


def _catalogue_cols() -> dict[str, str]:
    from stockpile.i18n import catalogue, current_lang

    return {k: v for k, v in catalogue(current_lang.get()).items() if k.startswith("col.")}


def _register_areas() -> None:
    """Each feature area of the CLI adds its commands with a `register(app)` function; the list is explicit."""
    from stockpile.cli import circle, dispatch, login, periods, reserve, roads, scenario, setup, users

    for area in (circle, dispatch, login, periods, reserve, roads, scenario, setup, users):
        area.register(app)


_register_areas()

if __name__ == "__main__":  # pragma: no cover
    app()
