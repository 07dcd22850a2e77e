"""`relief receive|issue|transfer|transfer-receive|count|writeoff|reverse`: one posting per command.

Each acts as the user of `relief login` (`common.acting_user()`) and takes --client-id so a retried command is idempotent;
without it a new id is made.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import typer

from stockpile import clock
from stockpile.cli.common import (
    acting_user,
    as_uuid,
    console,
    day_value,
    err_console,
    iso_day,
    iso_time,
    services,
    time_value,
    uuid_value,
)
from stockpile.domain.errors import DomainError
from stockpile.domain.model import IssuePurpose, WriteOffReason
from stockpile.i18n import error_text, t
from stockpile.schemas import (
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReverseCmd,
    TransferCmd,
    WriteOffCmd,
)

ClientId = Annotated[
    str | None, typer.Option("--client-id", help="重试时使用同一编号 / reuse on retry", callback=uuid_value)
]
When = Annotated[
    str | None, typer.Option("--at", help="发生时间 ISO 8601 (default: now)", callback=time_value)
]


def _ledger() -> Any:
    """The ledger service (svc.ledger)."""

    return services().ledger


def _common(client_id: str | None, at: str | None) -> dict[str, Any]:
    """Client id, actor (the logged-in user) and occurred-at of a posting command; a retry (same --client-id, no
    --at) keeps the first attempt's time so that it replays instead of conflicting."""

    actor = acting_user()
    cid = as_uuid(client_id) if client_id else uuid.uuid4()
    earlier = _ledger().posting_time(cid) if client_id and not at else None
    when = iso_time(at) if at else clock.local(earlier or clock.now())  # no offset given = county time
    return {
        "client_id": cid,
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


def receive(
    site: str,
    item: str,
    lot: str,
    qty: int,
    expiry: Annotated[str | None, typer.Option(callback=day_value)] = None,
    unit: Annotated[str, typer.Option()] = "",
    made: Annotated[str | None, typer.Option(callback=day_value)] = None,
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
        expiry=iso_day(expiry) if expiry else None,
        manufactured_on=iso_day(made) if made else None,
        doc_no=doc,
    )
    _post(_ledger().record_receipt, cmd)


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
    _post(_ledger().issue_stock, cmd)


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
    _post(_ledger().ship_transfer, cmd)


def transfer_receive(
    transfer_id: Annotated[str, typer.Argument(callback=uuid_value)],
    client_id: ClientId = None,
    at: When = None,
) -> None:
    """Receive a transfer at its destination."""
    _post(
        _ledger().receive_transfer,
        ReceiveTransferCmd(**_common(client_id, at), transfer_id=as_uuid(transfer_id)),
    )


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
        _ledger().record_count,
        CountCmd(**_common(client_id, at), site_code=site, item_code=item, lot_no=lot, counted=counted),
    )


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
        pid = _ledger().propose_write_off(cmd)
    except DomainError as e:
        err_console.print(f"[red]{error_text(e.code, e.params)}[/red]")
        raise typer.Exit(1) from e
    console.print(t("auth.writeoff_proposed", proposal_id=pid))


def reverse(
    posting_id: Annotated[str, typer.Argument(callback=uuid_value)],
    client_id: ClientId = None,
    at: When = None,
) -> None:
    """冲销: reverse every movement of an earlier posting (once)."""
    _post(
        _ledger().reverse_posting,
        ReverseCmd(**_common(client_id, at), posting_id=as_uuid(posting_id)),
    )


def register(app: typer.Typer) -> None:
    app.command("receive")(receive)
    app.command("issue")(issue)
    app.command("transfer")(transfer)
    app.command("transfer-receive")(transfer_receive)
    app.command("count")(count)
    app.command("writeoff")(writeoff)
    app.command("reverse")(reverse)
