"""`relief event new|list`, `relief report add|list`, `relief request add|approve|list`, `relief scenario new
--event E` and `relief informant set USER TOWNSHIP…`: disaster events, village reports, township requests and the
dispatch scenario an event becomes (docs/events.md). Every command acts as the user of `relief login`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.cli.common import code_named, console, err_console, iso_time, time_value
from stockpile.cli.login import current_user
from stockpile.cli.scenario import scenario_app
from stockpile.config import get_settings
from stockpile.domain.errors import DomainError
from stockpile.domain.events import EVENT_KINDS, EventRecord, ReportRecord, RequestLine
from stockpile.i18n import aside, current_lang, domain_error_text, listed, t

event_app = typer.Typer(help="灾害事件 disaster events", no_args_is_help=True)
report_app = typer.Typer(help="灾情报告 disaster reports (初报/续报)", no_args_is_help=True)
request_app = typer.Typer(help="请领 township requests", no_args_is_help=True)
informant_app = typer.Typer(help="灾情信息员 informants", no_args_is_help=True)
R = TypeVar("R")
WHEN = "ISO 8601，无时区按本县时间（默认：现在）/ ISO 8601, county time (default: now)"


def _run(fn: Callable[..., R], *args: Any, **kw: Any) -> R:
    """Call the events service; a refusal is the catalogue's sentence and exit code 1 (never a traceback)."""

    try:
        return fn(*args, **kw)
    except DomainError as e:
        err_console.print(f"[red]{domain_error_text(e)}[/red]")
        raise typer.Exit(1) from None


def _when(text: str | None) -> datetime:

    if text is None:
        return clock.now().replace(microsecond=0)
    return iso_time(text)


class _Names:
    """``events.names.Names`` in the CLI's language."""

    def __init__(self, root: Any) -> None:
        self.names = root.registers.namer()

    def place(self, code: str) -> str:
        return str(self.names.place(code))

    def item(self, code: str) -> str:
        return str(self.names.item(code, current_lang.get()))

    def goods(self, code: str, qty: int) -> str:
        return str(self.names.goods(code, qty, current_lang.get()))


def _print(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:

    tab = Table(title=title)
    for h in headers:
        tab.add_column(t(f"events.col_{h}"))
    for row in rows:
        tab.add_row(
            *[
                "" if v is None else clock.format_dt(v) if isinstance(v, datetime) else escape(str(v))
                for v in row
            ]
        )
    console.print(tab)


def _root() -> Any:
    """The services, built once per command (its events and the names its lists print)."""
    return build_services(get_settings())


def _svc() -> Any:
    return _root().events


def _kind_code(typed: str) -> str:
    """The event kind as typed, by its code or by its name in either language (洪涝, Flood: the help names them);
    anything else goes on to the check, which names the kinds allowed."""
    return code_named(typed, EVENT_KINDS, "event_kind") or typed


@event_app.command("new")
def event_new(
    code: Annotated[str, typer.Argument(help="事件编码 event code")],
    name: Annotated[str, typer.Option("--name", help="名称 name")],
    area: Annotated[str, typer.Option("--area", help="受灾县或乡镇区划代码 county or township code")],
    kind: Annotated[str, typer.Option("--kind", help="flood|earthquake|typhoon|landslide|…")] = "flood",
    level: Annotated[int, typer.Option("--level", help="响应级别 1–4")] = 4,
    at: Annotated[
        str | None, typer.Option("--at", help=f"报告时间 report time, {WHEN}", callback=time_value)
    ] = None,
) -> None:
    """登记灾害事件（调度员、管理员）。"""

    actor = current_user()
    kind = _kind_code(kind)
    ev = _run(_svc().new_event, EventRecord(code, name, kind, area, level, _when(at)), actor)
    at_text = clock.format_dt(ev.reported_at)
    console.print(
        t("events.created", event=ev.code, kind=t(f"event_kind.{ev.kind}"), level=ev.level, at=at_text)
    )


@event_app.command("list")
def event_list() -> None:
    """灾害事件列表。"""
    root = _root()
    rows = _run(root.events.events, current_user())
    names = _Names(root)
    headers = ["event", "name", "kind", "area", "level", "reported_at"]
    _print(
        t("events.list_title"),
        headers,
        [
            (e.code, e.name, t(f"event_kind.{e.kind}"), names.place(e.area_code), e.level, e.reported_at)
            for e in rows
        ],
    )


def _needs(values: Sequence[str]) -> tuple[tuple[str, int], ...]:

    out: list[tuple[str, int]] = []
    for v in values:
        item, _, qty = v.partition("=")
        # plain or full-width digits, as in files (int() read other scripts' digits and crashed on "²"); the
        # bounds are the service's, named in its refusal
        digits = re.fullmatch(r"\s*([0-9０-９]+)\s*", qty)
        number = int(unicodedata.normalize("NFKC", digits[1])) if digits and item.strip() else None
        if number is None:
            err_console.print(f"[red]{t('events.bad_need', value=v)}[/red]")
            raise typer.Exit(2)
        out.append((item.strip(), number))
    return tuple(out)


@report_app.command("add")
def report_add(
    event: Annotated[str, typer.Argument(help="事件编码 event code")],
    village: Annotated[str, typer.Argument(help="村（社区）代码 village code")],
    affected: Annotated[int, typer.Option("--affected", help="受灾人数 affected persons")],
    relocated: Annotated[int, typer.Option("--relocated", help="转移安置人数 relocated persons")] = 0,
    houses: Annotated[int, typer.Option("--houses", help="房屋损坏（间）damaged houses")] = 0,
    need: Annotated[list[str] | None, typer.Option("--need", help="急需 ITEM=QTY (repeatable)")] = None,
    township: Annotated[str, typer.Option("--township", help="报送乡镇 reporting township")] = "",
    at: Annotated[
        str | None, typer.Option("--at", help=f"报告时间 report time, {WHEN}", callback=time_value)
    ] = None,
) -> None:
    """报送一个村（社区）的灾情；同一村的后续报告为续报，替代之前的数字。"""

    rec = ReportRecord(
        0, event, township, village, _when(at), affected, relocated, houses, "", None, _needs(need or [])
    )
    root = _root()
    r = _run(root.events.add_report, rec, current_user())
    console.print(
        t(
            "events.reported",
            event=event,
            village=_Names(root).place(village),
            affected=r.affected,
            relocated=r.relocated,
            houses=r.damaged_houses,
            id=r.id,
        )
    )
    if r.supersedes is not None:
        console.print(t("events.follow_up", previous=r.supersedes))


@report_app.command("list")
def report_list(
    event: Annotated[str, typer.Argument(help="事件编码 event code")],
    latest: Annotated[bool, typer.Option("--latest", help="只看各村最新数字 latest figures only")] = False,
) -> None:
    """一个事件的灾情报告（信息员只看本乡镇）。"""

    root = _root()
    rows = _run(root.events.reports, event, current_user(), latest)
    if not rows:
        console.print(t("events.no_reports"))
        return
    headers = [
        "id",
        "township",
        "village",
        "reported_at",
        "affected",
        "relocated",
        "houses",
        "needs",
        "reporter",
        "supersedes",
    ]
    names = _Names(root)
    _print(
        event,
        headers,
        [
            (
                r.id,
                names.place(r.township),
                names.place(r.village),
                r.reported_at,
                r.affected,
                r.relocated,
                r.damaged_houses,
                listed(names.goods(i, q) for i, q in r.needs),
                r.reporter,
                r.supersedes,
            )
            for r in rows
        ],
    )


@request_app.command("add")
def request_add(
    event: Annotated[str, typer.Argument(help="事件编码 event code")],
    item: Annotated[str, typer.Argument(help="物资编码 item code")],
    qty: Annotated[int, typer.Argument(help="数量（基本单位）quantity in base units")],
    to: Annotated[str, typer.Option("--to", help="送往村（社区）或避难场所代码 village or shelter")],
    priority: Annotated[int, typer.Option("--priority", help="优先级 1（最先）–3")] = 2,
    needed_by: Annotated[
        str | None, typer.Option("--needed-by", help=f"需送达时间 needed by, {WHEN}", callback=time_value)
    ] = None,
    township: Annotated[str, typer.Option("--township", help="请领乡镇 requesting township")] = "",
) -> None:
    """乡镇向县里请领物资（一行）。"""

    when = None if needed_by is None else _when(needed_by)
    line = RequestLine(0, event, township, item, qty, priority, when, to, "", None, "", "", "")
    root = _root()
    r = _run(root.events.add_request, line, current_user())
    names = _Names(root)
    console.print(
        t(
            "events.requested",
            id=r.id,
            item=names.item(r.item_code),
            qty=r.qty,
            to=names.place(r.destination),
            priority=r.priority,
        )
    )


@request_app.command("approve")
def request_approve(
    request_id: Annotated[int, typer.Argument(help="请领编号 request number")],
    qty: Annotated[int | None, typer.Option("--qty", help="批准数量（默认全部）approved quantity")] = None,
    refuse: Annotated[bool, typer.Option("--refuse", help="不予批准 refuse")] = False,
    reason: Annotated[str, typer.Option("--reason", help="理由（部分批准或不批准时必填）reason")] = "",
) -> None:
    """审批一行请领：全部批准、部分批准（--qty）或不予批准（--refuse），每行只审批一次。"""

    decision = "refused" if refuse else "approved"
    r = _run(_svc().decide_request, request_id, decision, current_user(), qty, reason)
    why = aside("", r.reason) if r.reason else ""  # 「（…）」 / " (…)"
    console.print(
        t("events.decided", id=r.id, status=t(f"request_status.{r.status}"), qty=r.approved_qty, reason=why)
    )


@request_app.command("list")
def request_list(
    event: Annotated[str | None, typer.Argument(help="事件编码 event code (default: all)")] = None,
) -> None:
    """请领及审批状态（信息员只看本乡镇）。"""

    root = _root()
    rows = _run(root.events.requests, event, current_user())
    if not rows:
        console.print(t("events.no_requests"))
        return
    headers = [
        "id",
        "event",
        "township",
        "item",
        "qty",
        "priority",
        "needed_by",
        "destination",
        "status",
        "approved",
        "delivered",
        "reason",
        "requested_by",
    ]
    names = _Names(root)
    _print(
        t("nav.requests"),
        headers,
        [
            (
                r.id,
                r.event_code,
                names.place(r.township),
                names.item(r.item_code),
                r.qty,
                r.priority,
                r.needed_by,
                names.place(r.destination),
                t(f"request_status.{r.status}"),
                r.approved_qty,
                r.delivered_qty,
                r.reason,
                r.requested_by,
            )
            for r in rows
        ],
    )


@scenario_app.command("new")
def scenario_new(
    event: Annotated[str, typer.Option("--event", help="由灾害事件生成 from this event")],
    code: Annotated[str | None, typer.Option("--code", help="情景编码（默认 事件-SC）scenario code")] = None,
    days: Annotated[int, typer.Option("--days", help="保障天数 sustain days")] = 3,
) -> None:
    """由灾害事件生成调度情景：每村每种物资取已批准的请领，其次报告的急需，再次受灾人数 × 人均标准 × 保障天数。"""

    name = _run(_svc().scenario_from_event, event, current_user(), code, days)
    console.print(t("events.scenario_created", event=event, scenario=name))


@informant_app.command("set")
def informant_set(
    username: Annotated[str, typer.Argument(help="灾情信息员用户名 informant")],
    townships: Annotated[list[str], typer.Argument(help="负责的乡镇代码 township codes")],
) -> None:
    """设置灾情信息员负责的乡镇（管理员）。"""

    _run(_svc().set_informant_townships, username, townships, current_user())
    console.print(t("events.areas_set", user=username, areas=listed(townships)))


def register(app: typer.Typer) -> None:
    app.add_typer(event_app, name="event")
    app.add_typer(report_app, name="report")
    app.add_typer(request_app, name="request")
    app.add_typer(informant_app, name="informant")
