"""`relief order replan SCENARIO [--broken V …] [--confirm] [--wait/--no-wait]`: re-plan the scenario's confirmed
plan from its orders' states (new request, broken truck) as a job a worker solves, and, with --confirm, supersede the
unshipped orders in one transaction with the plan the job stored. --no-wait only submits (the dispatch page shows
and confirms it). Acts as
the user of `relief login`; the command joins the `order` group (cli/orders.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from stockpile import clock
from stockpile.cli.common import (
    acting_user,
    check_time_limit,
    console,
    err_console,
    iso_time,
    item_words,
    services,
    time_value,
)
from stockpile.cli.orders import order_app
from stockpile.domain.errors import DomainError
from stockpile.i18n import domain_error_text, listed, t
from stockpile.i18n import format as fmt


def _goods(svc: Any, contents: Any) -> str:
    names = item_words(svc)
    return listed(f"{names.get(i, (i, ''))[0]} {q}{names.get(i, ('', ''))[1]}" for i, q in contents)


def _describe(svc: Any, plan: Any) -> None:
    """What the re-plan keeps, replaces, strands and adds, then its routes, KPIs and the checker's verdict."""
    from stockpile.cli.dispatch import _kpi_lines, _routes_table, unserved_table

    x, none = plan.extra, t("order.cli.replan_none")
    console.print(t("order.cli.replan_kept", orders=listed(x["kept"]) or none))
    console.print(t("order.cli.replan_superseded", orders=listed(x["superseded"]) or none))
    if x["parts"]:
        console.print(t("order.cli.replan_parts", parts=listed(f"{d}/{s}" for d, s in x["parts"])))
    if x["stranded"]:
        goods = "；".join(_goods(svc, plan.contents.get(j, ())) for j in x["stranded"])
        console.print(f"[yellow]{t('order.cli.replan_stranded', goods=goods)}[/yellow]")
    if x.get("late"):
        goods = "；".join(_goods(svc, plan.contents.get(j, ())) for j in x["late"])
        console.print(f"[yellow]{t('order.cli.replan_late', goods=goods)}[/yellow]")
    if x["new_jobs"]:
        console.print(t("order.cli.replan_new", n=len(x["new_jobs"])))
    console.print(_routes_table(plan))
    for line in _kpi_lines(plan):
        console.print(line)
    if plan.unserved:  # demand the re-plan does not bring (past the horizon, no truck left): never silent
        if x.get("past_horizon_h"):
            console.print(f"[yellow]{t('order.cli.replan_past_horizon', hours=x['past_horizon_h'])}[/yellow]")
        console.print(unserved_table(svc, plan))
    console.print(t("dispatch.checker_bad") if plan.violations else t("dispatch.checker_ok"))


def _solve(
    svc: Any, actor: str, scenario: str, broken: tuple[str, ...], limit: float, at: Any, wait: bool
) -> Any:
    """Submit the re-plan as a job (a worker solves it); with `wait`, follow it and return its stored plan."""
    from stockpile.cli.jobs import error_line, status_text, wait_for

    job_id = svc.jobs.submit_replan(scenario, actor, broken, limit, at)
    if not wait:
        console.print(t("jobs.not_waiting", id=job_id))
        return None
    console.print(t("jobs.submitted", id=job_id, kind=t("jobs.kind.replan")))
    rec = wait_for(svc, job_id, actor, timeout_s=max(600.0, limit * 10))
    plan = svc.jobs.plan(job_id, actor)
    if plan is None:
        err_console.print(
            error_line(rec) if rec.error else t("jobs.timeout", id=job_id, status=status_text(rec))
        )
        raise typer.Exit(1)
    return plan


def replan_cmd(
    scenario: Annotated[str, typer.Argument(help="情景编码")],
    broken: Annotated[list[str] | None, typer.Option("--broken", help="故障车辆编码（可重复）")] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", callback=check_time_limit, help="求解时间上限（秒）")
    ] = 10.0,
    at: Annotated[
        str, typer.Option("--at", help="重新规划时刻（县时区，默认现在）", callback=time_value)
    ] = "",
    confirm: Annotated[
        bool, typer.Option("--confirm", help="确认新方案：替代未发运调拨单并转移预留")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="等待重新规划作业完成（默认）；--no-wait 只提交作业")
    ] = True,
) -> None:
    """按调拨单状态重新规划已确认方案（作为后台作业求解）：已发运/已签收保持不变，故障车辆不再参与，未发运部分与新增需求一起重新优化。"""
    svc, actor = services(), acting_user()
    given = iso_time(at) if at else None  # without a zone: county time; none: when the worker starts it
    when = given or clock.now()
    try:
        plan = _solve(svc, actor, scenario, tuple(broken or ()), time_limit, given, wait)
        if plan is None:
            return
        console.print(t("order.cli.replan_title", scenario=scenario, at=fmt.when(when)))
        _describe(svc, plan)
        if not confirm:
            console.print(t("order.cli.replan_not_confirmed"))
            return
        conf = svc.dispatch.confirm(
            plan, actor
        )  # confirmed now: a re-plan for a later --at is only a preview
    except DomainError as e:
        err_console.print(f"[red]{domain_error_text(e)}[/red]")
        for v in e.params.get("violations", []):
            err_console.print(f"  - {v}")
        raise typer.Exit(1) from e
    console.print(
        t("order.cli.replan_confirmed", plan=f"DD{conf.plan_id.hex[:8].upper()}", orders=len(conf.orders),
          superseded=len(conf.superseded), released=conf.released, holds=conf.reservations)
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    """Joins the `order` group that cli/orders.py registers (listed after it in main._register_areas)."""
    del app
    order_app.command("replan")(replan_cmd)
