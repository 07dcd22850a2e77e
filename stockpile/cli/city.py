"""`relief request city shortfall|add|list|letter`: outgoing requests to the city when the county is short (请调函,
docs/events.md). The shortfall compares what the county approved for an event with its free stock; a dispatcher or
admin records the request; the letter prints as PDF and/or xlsx with the bureau of the county settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stockpile.cli.common import console, err_console, services, time_value
from stockpile.cli.events import _run, _when, request_app
from stockpile.cli.login import current_user
from stockpile.cli.registers import _items, _show
from stockpile.domain.city_requests import CityRequest, CityRequestLine
from stockpile.i18n import current_lang, t
from stockpile.reports import city_requests as tables

city_app = typer.Typer(help="向市里请调（请调函）requests to the city", no_args_is_help=True)


def parse_lines(texts: list[str]) -> tuple[CityRequestLine, ...]:
    """`ITEM=QTY` each; a malformed one is a sentence naming it and exit code 2."""
    out: list[CityRequestLine] = []
    for row, text in enumerate(texts, 1):
        item, _, qty = text.partition("=")
        if not item.strip() or not qty.strip().lstrip("-").isdigit():
            err_console.print(f"[red]{t('city.bad_line', row=row, value=text)}[/red]")
            raise typer.Exit(2)
        out.append(CityRequestLine(item.strip(), int(qty)))
    return tuple(out)


def _letter_id(text: str) -> int:
    """The register id, or the id of the letter with that number (请调〔2026〕1号); 0 (unknown) otherwise."""
    if text.strip().isdigit():
        return int(text)
    found = [
        r.id
        for r in _run(services().registers.city_requests, None, current_user())
        if r.number == text.strip()
    ]
    return found[0] if found else 0


@city_app.command("shortfall")
def city_shortfall(event: Annotated[str, typer.Argument(help="事件编码 event code")]) -> None:
    """已批准未送达的请领对比全县可用库存：每项物资仍缺多少。"""
    rows = _run(services().registers.shortfall, event, current_user())
    _show({t("city.shortfall"): tables.shortfall_table(rows, _items())})


@city_app.command("add")
def city_add(
    event: Annotated[str, typer.Argument(help="事件编码 event code")],
    item: Annotated[list[str], typer.Option("--item", help="物资编码=数量，可重复 ITEM=QTY, repeatable")],
    reason: Annotated[str, typer.Option("--reason", help="理由 reason")] = "",
    needed_by: Annotated[
        str | None, typer.Option("--needed-by", help="需到达时间 needed by (ISO 8601)", callback=time_value)
    ] = None,
    to: Annotated[str, typer.Option("--to", help="致（默认：市应急管理局）addressee")] = "",
) -> None:
    """登记向市里的请调（调度员、管理员），得到函号。"""
    when = None if needed_by is None else _when(needed_by)
    if when is not None and len(needed_by or "") == 10:  # a date alone: by the end of that day
        when = when.replace(hour=23, minute=59, second=0, microsecond=0)
    req = CityRequest(0, event, parse_lines(item), reason or t("city.reason_default"), when, to)
    r = _run(services().registers.record_city_request, req, current_user())
    console.print(t("city.recorded", number=r.number, lines=tables.lines_text(r, _items())))


@city_app.command("list")
def city_list(
    event: Annotated[str | None, typer.Argument(help="事件编码（默认全部）event code")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="另存为 xlsx save as xlsx")] = None,
) -> None:
    """已登记的请调函。"""
    rows = _run(services().registers.city_requests, event, current_user())
    _show({t("city.list"): tables.requests_table(rows, _items())}, xlsx)


@city_app.command("letter")
def city_letter(
    number: Annotated[str, typer.Argument(help="函号（如 请调〔2026〕1号）或登记编号 letter number or id")],
    pdf: Annotated[Path | None, typer.Option("--pdf", help="保存 PDF")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="保存 xlsx")] = None,
) -> None:
    """导出请调函（PDF 和/或 xlsx），抬头为县情中的应急管理局名称。"""
    svc = services()
    r = _run(svc.registers.city_request, _letter_id(number), current_user())
    doc = tables.letter(
        r, svc.registers.event_name(r.event_code), svc.registers.bureau(current_lang.get()), _items()
    )
    for path, render in ((pdf, svc.letter_pdf), (xlsx, svc.letter_xlsx)):
        if path is not None:
            path.write_bytes(render(doc))
            console.print(t("city.saved", path=str(path)))
    if pdf is None and xlsx is None:
        console.print("\n".join((doc.bureau, doc.title, doc.number, doc.addressee, *doc.paragraphs)))


def register(app: typer.Typer) -> None:
    """Under `relief request` (the events area adds that group)."""
    request_app.add_typer(city_app, name="city")
