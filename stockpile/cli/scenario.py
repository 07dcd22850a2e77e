"""`relief scenario rebase CODE [--to WHEN]`: move a drill kept for training to a new report time; `relief scenario
show|clone|set`: read a scenario, copy it for a what-if, set its damaged depots and blocked roads (docs/events.md)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.cli.common import console, err_console, input_file, iso_time
from stockpile.cli.login import current_user
from stockpile.config import get_settings
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, current_lang, error_text, listed, t
from stockpile.i18n import format as fmt

scenario_app = typer.Typer(help="调度情景 dispatch scenarios", no_args_is_help=True)


@scenario_app.command("rebase")
def rebase_cmd(
    code: Annotated[str, typer.Argument(help="情景编码 scenario code (a drill)")],
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="新的报告时间 ISO 8601，无时区按本县时间（默认：现在）/ new report time (default: now)",
        ),
    ] = None,
) -> None:
    """演练情景按新的报告时间重新定基：需求、时限与指标与建立当天一致。"""

    when: datetime | None = None
    if to is not None:
        when = iso_time(to)
    actor = current_user()  # the logged-in dispatcher
    svc = build_services(get_settings())
    try:
        r = svc.dispatch.rebase_scenario(code, actor, to=when)
    except DomainError as e:
        err_console.print(f"[red]{error_text(e.code, e.params)}[/red]")
        raise typer.Exit(1) from None
    console.print(
        t(
            "drill.rebased",
            scenario=r.code,
            before=clock.format_dt(r.reported_before),
            after=clock.format_dt(r.reported_at),
        )
    )


def _edit(fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except DomainError as e:
        err_console.print(f"[red]{error_text(e.code, e.params)}[/red]")
        raise typer.Exit(1) from None


def _print_scenario(svc: Any, sc: Any, demand: dict[tuple[str, str], int]) -> None:
    """A scenario as a person reads it: depots, items and quantities by name and unit, the time in the locale."""
    con, names = console, svc.registers.namer()
    lang = current_lang.get()
    con.print(t("scenario_edit.header", code=sc.code, name=sc.name, at=fmt.when(sc.reported_at)))
    damaged = listed(names.place(c) for c in sc.damaged_sites)
    con.print(t("scenario_edit.damaged", sites=damaged or t("scenario_edit.none")))
    con.print(t("scenario_edit.blocked_yes") if sc.blocked_geojson else t("scenario_edit.blocked_no"))
    tab = Table(title=t("scenario_edit.demand"))
    for col in ("point", "name", "priority", "item", "qty"):
        tab.add_column(t(f"scenario_edit.col_{col}"), justify="right" if col == "qty" else "left")
    points = {p.code: (p.name, p.priority) for p in sc.points}
    for (point, item), qty in sorted(demand.items()):
        name, prio = points.get(point, (point, ""))
        tab.add_row(
            point, name, str(prio), aside(names.item(item, lang), item), fmt.qty(qty, names.unit(item))
        )
    con.print(tab)


@scenario_app.command("show")
def show_cmd(code: Annotated[str, typer.Argument(help="情景编码 scenario code")]) -> None:
    """情景：需求点、录入的需求、受损储备库与封路区域。"""
    svc = build_services(get_settings())
    sc, demand = _edit(svc.events.show_scenario, code, current_user())
    _print_scenario(svc, sc, demand)


@scenario_app.command("clone")
def clone_cmd(
    code: Annotated[str, typer.Argument(help="情景编码 scenario code")],
    new: Annotated[str, typer.Argument(help="新情景编码 new code")],
) -> None:
    """复制情景（需求点、需求、受损库、封路、所属事件），用于比较不同假设。"""
    svc = build_services(get_settings())
    _edit(svc.events.clone_scenario, code, new, current_user())
    console.print(t("scenario_edit.cloned", code=code, new=new))


@scenario_app.command("set")
def set_cmd(
    code: Annotated[str, typer.Argument(help="情景编码 scenario code")],
    damaged: Annotated[
        list[str] | None, typer.Option("--damaged", help="受损储备库（可重复）damaged depot")
    ] = None,
    intact: Annotated[bool, typer.Option("--no-damaged", help="清除受损储备库 none damaged")] = False,
    blocked: Annotated[
        Path | None, typer.Option("--blocked", help="封路区域 GeoJSON 文件", callback=input_file)
    ] = None,
    clear: Annotated[bool, typer.Option("--clear-blocked", help="清除封路区域")] = False,
) -> None:
    """设置受损储备库与封路区域（调度时行车时间矩阵绕开封路区域）。"""
    svc = build_services(get_settings())
    file = (blocked.read_bytes(), blocked.name) if blocked is not None else ((b"", "") if clear else None)
    sites = [] if intact else damaged
    sc = _edit(svc.events.set_scenario_conditions, code, current_user(), sites, file)
    _print_scenario(svc, sc, {})


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")
