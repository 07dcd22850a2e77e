"""`relief requisition add|receive|return|list|compensation`, `relief donation add|use|list|public` and `relief
publish EVENT`: the 征用 and 捐赠 registers and an event's information publication (docs/events.md). Every
command acts as the user of `relief login`; lists print as tables and export with --xlsx (and --pdf)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from stockpile import clock
from stockpile.cli.common import console, day_value, err_console, iso_day, services, time_value
from stockpile.cli.events import _run, _when
from stockpile.cli.login import current_user
from stockpile.domain.registers import Donation, Requisition
from stockpile.i18n import format as fmt
from stockpile.i18n import label_sep, t
from stockpile.reports import registers as tables

requisition_app = typer.Typer(help="征用登记与补偿 requisitions and compensation", no_args_is_help=True)
donation_app = typer.Typer(help="捐赠登记 donations", no_args_is_help=True)
EventArg = Annotated[str | None, typer.Argument(help="事件编码（默认全部）event code (default: all)")]
XlsxOpt = Annotated[Path | None, typer.Option("--xlsx", help="另存为 xlsx save as xlsx")]
ClientId = Annotated[str | None, typer.Option("--client-id", help="重试时使用同一编号 / reuse on retry")]


def _client_id(text: str | None) -> uuid.UUID | None:
    """A retried posting with the same --client-id is one posting (the ledger replays it)."""
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        err_console.print(f"[red]{t('registers.bad_client_id', value=text)}[/red]")
        raise typer.Exit(2) from None


def _fen(text: str) -> int:
    """元 as typed (12.50) → 分; a bad amount is a sentence and exit code 2."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal(-1)
    if value < 0 or value != value.quantize(Decimal("0.01")):
        err_console.print(f"[red]{t('registers.bad_money', value=text)}[/red]")
        raise typer.Exit(2)
    return int(value * 100)


def _show(sheets: dict[str, pd.DataFrame], xlsx: Path | None = None) -> None:
    """Each table printed; with --xlsx the same tables saved as one workbook."""
    for name, df in sheets.items():
        tab = Table(title=name)
        for c in df.columns:
            tab.add_column(str(c))
        for row in df.itertuples(index=False):
            tab.add_row(*["" if v is None else str(v) for v in row])
        console.print(tab if len(df) else f"[bold]{name}[/bold]{label_sep()}{t('registers.none')}")
    if xlsx is not None:
        xlsx.write_bytes(services().to_xlsx(sheets, {}))
        console.print(t("registers.saved", path=str(xlsx)))


def _items() -> dict[str, tuple[str, str, str]]:
    names: dict[str, tuple[str, str, str]] = services().registers.names()[1]
    return names


@requisition_app.command("add")
def requisition_add(
    event: Annotated[str, typer.Argument(help="事件编码 event code")],
    owner: Annotated[str, typer.Option("--owner", help="所有人（单位或个人）owner")],
    item: Annotated[str, typer.Option("--item", help="物资编码（征用物资）item code")] = "",
    qty: Annotated[int, typer.Option("--qty", help="数量（基本单位）quantity")] = 0,
    price: Annotated[str, typer.Option("--price", help="市场单价（元）market unit price, yuan")] = "0",
    vehicle: Annotated[bool, typer.Option("--vehicle", help="征用车辆 a vehicle")] = False,
    plate: Annotated[str, typer.Option("--plate", help="车牌号 plate")] = "",
    capacity_kg: Annotated[int, typer.Option("--capacity-kg", help="载重 kg")] = 0,
    capacity_dm3: Annotated[int, typer.Option("--capacity-dm3", help="容积 dm³")] = 0,
    site: Annotated[str, typer.Option("--site", help="车辆所在储备库，或物资送往的储备库 depot")] = "",
    rate: Annotated[str, typer.Option("--rate", help="日租金（元/天，0 = 按规则）daily rate")] = "0",
    what: Annotated[str, typer.Option("--what", help="名称、型号 description")] = "",
    condition: Annotated[str, typer.Option("--condition", help="征用时状况 condition")] = "",
    contact: Annotated[str, typer.Option("--contact", help="联系电话 phone")] = "",
    at: Annotated[
        str | None, typer.Option("--at", help="征用时间 taken at (ISO 8601)", callback=time_value)
    ] = None,
) -> None:
    """登记征用的物资或车辆（调度员、管理员）；车辆即编入运力。"""
    kind = "vehicle" if vehicle else "goods"
    rec = Requisition(
        0, event, kind, owner, contact, item, 1 if vehicle else qty, what, condition, _when(at),
        _fen(price), _fen(rate), plate, capacity_kg, capacity_dm3, site,
    )  # fmt: skip
    r = _run(services().registers.record_requisition, rec, current_user())
    what_text = tables.what_text(r, _items())
    kind_text = t(f"requisition_kind.{kind}")
    console.print(t("registers.requisition_recorded", id=r.id, owner=r.owner, what=what_text, kind=kind_text))
    if r.vehicle_code:
        console.print(t("registers.vehicle_joined", vehicle=r.vehicle_code))


@requisition_app.command("receive")
def requisition_receive(
    rid: Annotated[int, typer.Argument(help="征用登记编号 register number")],
    site: Annotated[str, typer.Option("--site", help="入库储备库 depot")],
    lot: Annotated[str, typer.Option("--lot", help="批次号（默认 ZY-编号）lot")] = "",
) -> None:
    """征用物资验收入库（该库保管员）：批次来源为「征用」。"""
    _run(services().registers.receive_requisition, rid, site, lot, current_user())
    console.print(t("registers.requisition_received", id=rid, site=site, lot=lot or f"ZY-{rid}"))


@requisition_app.command("return")
def requisition_return(
    rid: Annotated[int, typer.Argument(help="征用登记编号 register number")],
    consumed: Annotated[bool, typer.Option("--consumed", help="已消耗（不归还）consumed")] = False,
    at: Annotated[
        str | None, typer.Option("--at", help="归还或消耗时间 when (ISO 8601)", callback=time_value)
    ] = None,
    qty: Annotated[int, typer.Option("--qty", help="在库物资归还数量（该库保管员出库）goods back")] = 0,
    client_id: ClientId = None,
) -> None:
    """登记归还（车辆退出运力）或消耗（调度员、管理员）；在库的征用物资用 --qty 由保管员出库归还所有人。"""
    when = _when(at)
    if qty:
        r = _run(services().registers.return_goods, rid, qty, current_user(), _client_id(client_id), when)
        unit = _items().get(r.item_code, ("", "", ""))[2]
        console.print(
            t(
                "registers.goods_returned",
                id=rid,
                owner=r.owner,
                qty=fmt.qty(r.returned_qty, unit),
                consumed=fmt.qty(r.consumed_qty, unit),
            )
        )
        return
    _run(services().registers.close_requisition, rid, consumed, current_user(), when)
    step = t("registers.step_consumed" if consumed else "registers.step_returned")
    console.print(t("registers.requisition_closed", id=rid, step=step, at=clock.format_dt(when)))


@requisition_app.command("incoming")
def requisition_incoming() -> None:
    """送往本库的征用物资（保管员：只看本人负责的储备库），按征用单编号验收入库或归还。"""
    rows = _run(services().registers.keeper_requisitions, current_user())
    table = tables.keeper_requisition_table(rows, _items(), services().registers.site_names())
    _show({t("registers.keeper_list"): table})


@requisition_app.command("list")
def requisition_list(event: EventArg = None, xlsx: XlsxOpt = None) -> None:
    """征用登记（含所有人与联系电话，仅供内部）。"""
    rows = _run(services().registers.requisitions, event, current_user())
    _show(
        {
            t("registers.sheet_register"): tables.requisition_table(
                rows, _items(), services().registers.site_names()
            )
        },
        xlsx,
    )


@requisition_app.command("compensation")
def requisition_compensation(event: EventArg = None, xlsx: XlsxOpt = None) -> None:
    """应付补偿：按所有人汇总与明细（物资 市场价×数量，车辆 日租金×天数）。"""
    owed = _run(services().registers.compensation, event, current_user())
    _show(tables.compensation_tables(owed, _items()), xlsx)
    console.print(t("registers.owed_total", total=fmt.yuan(sum(o.owed_fen for o in owed))))


@donation_app.command("add")
def donation_add(
    site: Annotated[str, typer.Option("--site", help="接收储备库 depot")],
    donor: Annotated[str, typer.Option("--donor", help="捐赠人 donor")],
    item: Annotated[str, typer.Option("--item", help="物资编码 item code")],
    qty: Annotated[int, typer.Option("--qty", help="数量 quantity")],
    lot: Annotated[str, typer.Option("--lot", help="批次号 lot")],
    expiry: Annotated[
        str | None, typer.Option("--expiry", help="有效期至 YYYY-MM-DD", callback=day_value)
    ] = None,
    person: Annotated[
        bool, typer.Option("--person", help="个人捐赠（公开清单不署名）a private donor")
    ] = False,
    contact: Annotated[str, typer.Option("--contact", help="联系电话 phone")] = "",
    event: Annotated[str, typer.Option("--event", help="定向捐赠的事件 event")] = "",
    failed: Annotated[bool, typer.Option("--failed", help="验收不合格 inspection failed")] = False,
    at: Annotated[
        str | None, typer.Option("--at", help="接收时间 received at (ISO 8601)", callback=time_value)
    ] = None,
    client_id: ClientId = None,
) -> None:
    """捐赠验收（该库保管员）：合格的入库（来源「捐赠」），过期或不合格的拒收并登记。"""
    kind = "person" if person else "organisation"
    d = Donation(
        0, event, donor, kind, contact, item, qty, lot, _date(expiry), site, "", "", _when(at)
    )  # fmt: skip
    done = _run(services().registers.receive_donation, d, not failed, current_user(), _client_id(client_id))
    if done.status == "refused":
        reason = t(f"refusal.{done.reason}")
        err_console.print(f"[yellow]{t('registers.donation_refused', id=done.id, reason=reason)}[/yellow]")
        raise typer.Exit(1)
    console.print(t("registers.donation_accepted", id=done.id, item=item, qty=qty, lot=lot))


def _date(text: str | None) -> date | None:
    if not text:
        return None
    return iso_day(text)


@donation_app.command("use")
def donation_use(
    did: Annotated[int, typer.Argument(help="捐赠登记编号 donation number")],
    event: Annotated[str, typer.Argument(help="事件编码 event code")],
    village: Annotated[str, typer.Argument(help="村（社区）代码 village code")],
    qty: Annotated[int, typer.Argument(help="数量 quantity")],
    client_id: ClientId = None,
) -> None:
    """捐赠物资发往某村（该库保管员）：从该批次出库并记录去向。"""
    _run(services().registers.use_donation, did, event, village, qty, current_user(), _client_id(client_id))
    console.print(t("registers.donation_used", id=did, qty=qty, village=village, event=event))


@donation_app.command("list")
def donation_list(event: EventArg = None, xlsx: XlsxOpt = None) -> None:
    """捐赠登记（含捐赠人、联系电话、拒收记录，仅供内部）。"""
    rows, uses = _run(services().registers.donations, event, current_user())
    _show(
        {
            t("registers.sheet_donations"): tables.donation_table(
                rows, uses, _items(), services().registers.site_names()
            )
        },
        xlsx,
    )


@donation_app.command("public")
def donation_public(event: EventArg = None, xlsx: XlsxOpt = None) -> None:
    """捐赠接收与使用公开清单（不含个人信息）。"""
    rows = _run(services().registers.public_donations, event, current_user(), t("registers.anonymous"))
    _show({t("registers.sheet_public"): tables.public_donation_table(rows, _items())}, xlsx)


def publish(
    event: Annotated[str, typer.Argument(help="事件编码 event code")],
    xlsx: XlsxOpt = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="另存为 PDF save as PDF")] = None,
) -> None:
    """事件信息发布：需求、生产、仓储、运输（不含个人信息）。"""
    svc: Any = services()
    pub = _run(svc.registers.publication, event, current_user())
    sheets = tables.publication_tables(pub)
    title, notes = tables.publication_title(pub)
    console.print(f"[bold]{title}[/bold]\n{notes[0]}")
    _show(sheets, xlsx)
    if pdf is not None:
        pdf.write_bytes(svc.to_pdf(title, sheets, notes, t("publication.empty")))
        console.print(t("registers.saved", path=str(pdf)))


def register(app: typer.Typer) -> None:
    app.add_typer(requisition_app, name="requisition")
    app.add_typer(donation_app, name="donation")
    app.command("publish")(publish)
