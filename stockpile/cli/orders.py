"""`relief order list|show|reprint|void|pick|ship|receive|close`: dispatch orders after confirmation, as the user of
`relief login` (scoped like the Orders page: a keeper sees and ships the parts at own depots)."""

from __future__ import annotations

import csv
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from stockpile import clock
from stockpile.cli.common import (
    acting_user,
    code_named,
    console,
    err_console,
    input_file,
    iso_time,
    services,
    time_value,
)
from stockpile.domain.dispatch import ORDER_STATES
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, domain_error_text, error_text, label_sep, listed, t
from stockpile.reports.orders import vehicle_label

order_app = typer.Typer(
    help="调拨单 dispatch orders: list, show, reprint, void, pick, ship, receive (签收), close",
    no_args_is_help=True,
)


def _run(fn: Any, *args: Any, **kw: Any) -> Any:
    """Call a service; a domain error is one translated sentence and exit code 1 (never a traceback)."""
    try:
        return fn(*args, **kw)
    except DomainError as e:
        err_console.print(f"[red]{domain_error_text(e)}[/red]")
        raise typer.Exit(1) from e


def _when(v: datetime | None) -> str:
    return "" if v is None else clock.local(v).strftime("%m-%d %H:%M")


def _plan_no(plan_id: Any) -> str:
    """A plan as its orders' number prefix (DD + 8 hex digits)."""
    return f"DD{plan_id.hex[:8].upper()}"


def _parts(depots: list[dict[str, Any]]) -> str:
    """Each depot part by name with its state, in the reader's punctuation: 县应急物资储备库（已发运）、… /
    … (shipped), …; its code where the site has no name."""
    return listed(
        aside(d.get("site_name") or d["site"], t("order.state." + d["state"]) + _short(d)) for d in depots
    )


def _short(d: dict[str, Any]) -> str:
    """A part that loaded less than it held: its shipped/planned quantity."""
    if d.get("shipped_qty") is None or d["shipped_qty"] >= d["planned_qty"]:
        return ""
    return t("order.cli.part_short", shipped=d["shipped_qty"], planned=d["planned_qty"])


def _state_code(typed: str | None) -> str:
    """Typer callback of ``--state``: a state by its code or by the name the list shows, in either language
    (已结单, closed); anything else is a usage error naming the states (it listed nothing, as if none matched)."""
    word = (typed or "").strip()
    if not word:
        return ""
    code = code_named(word, ORDER_STATES, "order.state")
    if code is not None:
        return code
    allowed = listed(aside(code, t(f"order.state.{code}")) for code in ORDER_STATES)
    raise typer.BadParameter(t("order.cli.bad_state", value=typed, allowed=allowed))


@order_app.command("list")
def list_cmd(
    scenario: Annotated[str, typer.Option("--scenario", help="情景编码")] = "",
    depot: Annotated[str, typer.Option("--depot", help="仓库编码")] = "",
    vehicle: Annotated[str, typer.Option("--vehicle", help="车辆编码")] = "",
    state: Annotated[
        str,
        typer.Option(
            "--state",
            help="pending|picked|shipped|delivered|closed|void|superseded（或状态名 已结单 …）",
            callback=_state_code,
        ),
    ] = "",
) -> None:
    """列出调拨单（保管员只见本库的调拨单）。"""
    svc, actor = services(), acting_user()
    rows = _run(svc.dispatch.list_orders, actor, scenario=scenario, depot=depot, vehicle=vehicle, state=state)
    if not rows:
        console.print(t("order.cli.none"))
        return
    tab = Table()
    for c in ("doc", "scenario", "vehicle", "state", "depots", "confirmed"):
        tab.add_column(t(f"order.cli.col_{c}"))
    for r in rows:
        tab.add_row(
            r["doc_no"],
            r["scenario"],
            vehicle_label(r),
            aside(
                t(f"order.state.{r['state']}"),
                t("order.cli.superseded_by", plan=_plan_no(r["superseded_by"])),
            )
            if r.get("superseded_by")
            else t(f"order.state.{r['state']}"),
            _parts(r["depots"]),
            _when(r["confirmed_at"]),
        )
    console.print(tab)


@order_app.command("show")
def show_cmd(doc_no: Annotated[str, typer.Argument(help="调拨单号")]) -> None:
    """显示一张调拨单：表头、按站点顺序的明细（批号、数量、单位、预计时间）、各仓库状态。"""
    from stockpile.adapters.documents.dispatch import (
        header_rows,
        line_rows,
        receipt_rows,
        shipment_rows,
    )

    sheet = _run(services().dispatch.show_order, doc_no, acting_user())
    for k, v in header_rows(sheet.header, sheet.depots):
        console.print(f"{k}{label_sep()}{v}")
    tab = Table()
    for c in ("no", "kind", "place", "eta", "item", "lot", "qty", "shipped", "unit"):
        tab.add_column(t(f"order.doc.col_{c}"))
    for row in line_rows(sheet.lines):
        tab.add_row(*row)
    console.print(tab)
    for line in [*shipment_rows(sheet.shipments), *receipt_rows(sheet.header, sheet.receipt)]:
        console.print(line)


@order_app.command("reprint")
def reprint_cmd(
    doc_nos: Annotated[list[str] | None, typer.Argument(help="调拨单号（省略：所有可见的调拨单）")] = None,
    scenario: Annotated[str, typer.Option("--scenario", help="只输出该情景的调拨单")] = "",
    out: Annotated[Path, typer.Option("--out", help="输出目录")] = Path("orders"),
    zip_: Annotated[bool, typer.Option("--zip", help="另打包为一个 zip")] = False,
) -> None:
    """从数据库重新生成调拨单（xlsx 与 PDF），随时可重印。"""
    svc, actor = services(), acting_user()
    docs = [svc.dispatch.order_no(d) for d in doc_nos or []] or [
        r["doc_no"] for r in _run(svc.dispatch.list_orders, actor, scenario=scenario)
    ]  # files named as the order prints its number, whatever way it was typed
    out.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        xlsx, pdf = _run(svc.dispatch.order_documents, doc, actor)
        (out / f"{doc}.xlsx").write_bytes(xlsx)
        (out / f"{doc}.pdf").write_bytes(pdf)
    if zip_ and docs:
        with zipfile.ZipFile(out / "orders.zip", "w", zipfile.ZIP_DEFLATED) as z:
            for doc in docs:
                z.write(out / f"{doc}.xlsx", f"{doc}.xlsx")
                z.write(out / f"{doc}.pdf", f"{doc}.pdf")
    console.print(t("order.cli.reprinted", n=len(docs), out=str(out)))


@order_app.command("void")
def void_cmd(doc_no: Annotated[str, typer.Argument(help="该方案任一调拨单号")]) -> None:
    """作废调拨单所属的整个调度方案，一次释放全部预留（已发运的不能作废）。"""
    v = _run(services().dispatch.void, doc_no, acting_user())
    plan = _plan_no(v.plan_id)
    key = "order.cli.void_again" if v.again else "order.cli.voided"
    console.print(t(key, plan=plan, orders=len(v.orders), holds=v.released))


@order_app.command("pick")
def pick_cmd(
    doc_no: Annotated[str, typer.Argument(help="调拨单号")],
    depot: Annotated[str, typer.Option("--depot", help="仓库编码")],
) -> None:
    """备货：本库保管员标记本库部分已备货。"""
    svc = services()
    doc_no = svc.dispatch.order_no(doc_no)  # said as stored, not as typed
    done = _run(svc.dispatch.pick, doc_no, depot, acting_user())
    console.print(
        t("order.cli.picked" if done else "order.cli.picked_again", doc=doc_no, depot=_depot_name(depot))
    )


@order_app.command("ship")
def ship_cmd(
    doc_no: Annotated[str, typer.Argument(help="调拨单号")],
    depot: Annotated[str, typer.Option("--depot", help="仓库编码")],
    line: Annotated[
        list[str] | None, typer.Option("--line", help="物资编码（与 --qty 成对，可重复）")
    ] = None,
    qty: Annotated[list[int] | None, typer.Option("--qty", help="该物资实际装车数量")] = None,
    reason: Annotated[
        str, typer.Option("--reason", help="少装原因 damaged|not_found|unusable|vehicle_full|other")
    ] = "",
    note: Annotated[str, typer.Option("--note", help="说明（原因为 other 时必填）")] = "",
    file: Annotated[
        Path | None, typer.Option("--file", help="装车明细 CSV：物资编码,实装数量", callback=input_file)
    ] = None,
) -> None:
    """装车发运：本库部分一次过账出库；少装时逐项给出实装数量与原因，短少部分的预留同时释放。"""
    loaded = _loaded(line or [], qty or [], file)
    svc, actor = services(), acting_user()
    doc_no = svc.dispatch.order_no(doc_no)  # said as stored, not as typed
    name = _depot_name(depot)
    if not loaded:
        n = _run(svc.dispatch.ship, doc_no, depot, actor)
        console.print(t("order.cli.shipped" if n else "order.cli.shipped_again", doc=doc_no, depot=name, n=n))
        return
    done = _run(svc.dispatch.ship_loaded, doc_no, depot, actor, loaded, reason, note)
    if done.again:
        console.print(t("order.cli.shipped_again", doc=doc_no, depot=name))
        return
    shipped = sum(s for _, s in done.lines.values())
    planned = sum(p for p, _ in done.lines.values())
    key = "order.cli.shipped_part" if done.short else "order.cli.shipped"
    console.print(t(key, doc=doc_no, depot=name, n=done.issued, shipped=shipped, planned=planned))


def _depot_name(code: str) -> str:
    """A depot as a keeper reads it: its name, with the code the command was given in brackets."""
    sites = services().views.sites()
    names = dict(zip(sites["code"], sites["name"], strict=True)) if not sites.empty else {}
    return aside(names[code], code) if code in names else code


def _loaded(items: list[str], qty: list[int], file: Path | None) -> dict[str, int]:
    """--line/--qty pairs, or a CSV of item code and quantity loaded; a malformed row names itself and exits 1."""
    if len(items) != len(qty):
        err_console.print(f"[red]{t('order.cli.line_qty_pairs', lines=len(items), qty=len(qty))}[/red]")
        raise typer.Exit(1)
    out: dict[str, int] = {}
    for item, n in zip((i.strip() for i in items), qty, strict=True):
        _once(out, item)
        out[item] = n
    if file is None:
        return out
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:  # GBK from Excel, or not text at all
        err_console.print(f"[red]{t('order.cli.ship_file_not_utf8', file=str(file))}[/red]")
        raise typer.Exit(1) from e
    rows = 0
    for n, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or (n == 1 and not row[-1].strip().lstrip("-").isdigit()):
            continue  # blank line or header
        if len(row) < 2 or not row[1].strip().lstrip("-").isdigit():
            err_console.print(f"[red]{t('order.cli.ship_file_row', row=n, value=','.join(row))}[/red]")
            raise typer.Exit(1)
        _once(out, row[0].strip(), n)
        out[row[0].strip()] = int(row[1])
        rows += 1
    if rows == 0:  # a loading list without a single line would ship the whole plan
        err_console.print(f"[red]{t('order.cli.ship_file_empty', file=str(file))}[/red]")
        raise typer.Exit(1)
    return out


def _once(seen: dict[str, int], item: str, row: int | None = None) -> None:
    """An item's loaded quantity is given once: a second line would silently replace the first (and the first's
    quantity would be booked as a shortfall that cannot be corrected after shipping)."""
    if item in seen:
        where = t("order.cli.ship_file_row_no", row=row) if row is not None else ""
        err_console.print(f"[red]{t('order.cli.line_twice', item=item, where=where)}[/red]")
        raise typer.Exit(1)


def _pairs(values: list[str]) -> list[tuple[tuple[str, str], str]]:
    """STOP:ITEM=VALUE options → [((stop, item), value)] as typed: a line given twice reaches the receipt, which
    refuses it (a dict kept the last)."""
    out = []
    for v in values:
        key, _, val = v.partition("=")
        stop, _, item = key.partition(":")
        out.append(((stop.strip(), item.strip()), val.strip()))
    return out


@order_app.command("receive")
def receive_cmd(
    doc_no: Annotated[str, typer.Argument(help="调拨单号")],
    receiver: Annotated[str, typer.Option("--receiver", help="签收人姓名")],
    qty: Annotated[
        list[str] | None, typer.Option("--qty", help="实收 站点:物资编码=数量（默认按装车数量）")
    ] = None,
    reason: Annotated[
        list[str] | None, typer.Option("--reason", help="短少/损坏原因 站点:物资编码=原因")
    ] = None,
    at: Annotated[str, typer.Option("--at", help="签收时间（县时间，默认现在）", callback=time_value)] = "",
) -> None:
    """签收：登记签收人、时间、实收数量及短少/损坏原因；调拨单转为已签收。"""
    try:
        quantities = [(k, int(v)) for k, v in _pairs(qty or [])]
    except ValueError as e:
        err_console.print(
            f"[red]{error_text('receipt_invalid', {'reason': 'not_a_number', 'line': listed(qty or [])})}[/red]"
        )  # as typed
        raise typer.Exit(1) from e
    when = iso_time(at) if at else None
    svc = services()
    doc_no = svc.dispatch.order_no(doc_no)  # said as stored, not as typed
    lines = _run(
        svc.dispatch.receive,
        doc_no,
        receiver,
        acting_user(),
        quantities=quantities,
        reasons=_pairs(reason or []),
        received_at=when,
    )
    short = sum(p - g for p, g, _ in lines.values())
    console.print(t("order.cli.received", doc=doc_no, receiver=receiver, short=short))


@order_app.command("close")
def close_cmd(doc_no: Annotated[str, typer.Argument(help="调拨单号")]) -> None:
    """结单：已签收的调拨单结单；方案的全部调拨单结单后，该情景可确认新方案。"""
    svc = services()
    doc_no = svc.dispatch.order_no(doc_no)  # said as stored, not as typed
    done = _run(svc.dispatch.close, doc_no, acting_user())
    console.print(t("order.cli.closed" if done else "order.cli.closed_again", doc=doc_no))


def register(app: typer.Typer) -> None:
    app.add_typer(order_app, name="order")
