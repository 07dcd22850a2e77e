"""`relief plan SCENARIO` (调度方案, optionally confirmed with xlsx/PDF orders) and `relief solve-vrp INSTANCE.json`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from optimizer import ENGINES, InvalidProblem, problem_from_json, result_to_json, solve_vrp
from optimizer import verify_routes as verify
from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.cli.common import check_time_limit, console, err_console, input_file, item_words
from stockpile.cli.login import current_user
from stockpile.config import get_settings
from stockpile.dispatch.commands import LateLine, PlanSettings
from stockpile.dispatch.plan import DispatchPlan
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, error_text, fmt_hm, t
from stockpile.i18n import format as fmt


def _console() -> Any:

    return console


def _fail(e: DomainError) -> None:

    err_console.print(f"[red]{error_text(e.code, e.params)}[/red]")
    if "violations" in e.params:
        for v in e.params["violations"]:
            err_console.print(f"  - {v}")
    raise typer.Exit(1)


def _routes_table(plan: DispatchPlan) -> Table:
    tab = Table(title=t("dispatch.routes"))
    for col in ("vehicle", "stops", "deliveries", "km", "start", "end"):
        tab.add_column(t(f"dispatch.col.{col}"))
    for r in plan.result.routes:
        deliveries = sum(1 for s in r.stops if s.kind == "delivery")
        start = plan.start + timedelta(seconds=r.start_s)
        end = plan.start + timedelta(seconds=r.end_s)
        tab.add_row(
            r.vehicle,
            str(len(r.stops)),
            str(deliveries),
            fmt.km(r.distance_m),
            clock.local(start).strftime("%H:%M"),
            clock.local(end).strftime("%H:%M"),
        )
    return tab


def unserved_table(svc: Any, plan: Any) -> Table:
    """The demand the plan does not bring: the point's and the item's names (codes beside), quantity, reason."""
    items = item_words(svc)
    places = {p.code: p.name for p in plan.places}
    tab = Table(title=t("dispatch.unserved"))
    for col in ("point", "item", "qty", "reason"):
        tab.add_column(t(f"dispatch.col.{col}"))
    for u in plan.unserved:
        name, unit = items.get(u.item, (u.item, ""))
        point = places.get(u.point, u.point)
        tab.add_row(
            escape(point if point == u.point else aside(point, u.point)),
            escape(name),
            escape(f"{u.qty}{unit}"),
            t(f"dispatch.reason.{u.reason}"),
        )
    return tab


def _kpi_lines(plan: DispatchPlan, late_detail: bool = False) -> list[str]:
    k = plan.kpis
    return [
        t("dispatch.kpi.priority_share_line", share=f"{k.priority_share:.0%}"),
        t("dispatch.kpi.completion_line", hours=f"{k.completion_s / 3600:.1f}" if k.delivered else "—"),
        t(
            "dispatch.kpi.relief_line",
            hm=fmt_hm(k.relief_time_s) if k.delivered else "—",
            target=f"{k.target_s / 3600:g}",
            verdict=t(f"dispatch.kpi.relief_{k.relief_verdict}"),
        ),
        t("dispatch.kpi.km_line", km=f"{k.distance_m / 1000:.1f}"),
        t("dispatch.kpi.delivered_line", delivered=k.delivered, demand=k.demand),
        *_late_lines(plan, late_detail),
    ]


def _late_lines(plan: DispatchPlan, detail: bool = False) -> list[str]:
    """Priority demand outside the circle: one line per point (items, units, latest planned arrival, reasons), or
    one line per point × item with ``detail``."""

    def hhmm(s: int | None) -> str:
        return "–" if s is None else clock.local(plan.start + timedelta(seconds=s)).strftime("%H:%M")

    late = plan.late_priority()
    if not late:
        return []
    names = {p.code: p.name for p in plan.places}
    head = t("dispatch.late.title", minutes=plan.settings.guarantee_s // 60)
    if detail:
        return [head] + [
            t("dispatch.late.line", place=names.get(ln.point, ln.point), item=ln.item, qty=ln.qty,
              eta=hhmm(ln.eta_s), earliest=hhmm(ln.earliest_s), reason=t(f"dispatch.late.{ln.reason}"))
            for ln in late
        ]  # fmt: skip
    by_point: dict[str, list[LateLine]] = {}
    for ln in late:
        by_point.setdefault(ln.point, []).append(ln)
    out = [head]
    for point, lines in by_point.items():
        earliest = [ln.earliest_s for ln in lines]
        out.append(
            t(
                "dispatch.late.point_line",
                place=names.get(point, point),
                items=len(lines),
                qty=sum(ln.qty for ln in lines),
                eta=hhmm(max(ln.eta_s for ln in lines)),
                earliest=hhmm(None if None in earliest else max(e for e in earliest if e is not None)),
                reason=t("dispatch.late.sep").join(
                    t(f"dispatch.late.{r}") for r in sorted({ln.reason for ln in lines})
                ),
            )
        )
    return out


def _solve(svc: Any, actor: str, scenario: str, settings: PlanSettings, wait: bool) -> DispatchPlan | None:
    """Submit the solve as a job; with `wait`, follow it and return the plan (None when not waiting)."""
    from stockpile.cli.jobs import error_line, status_text, wait_for

    try:
        job_id = svc.jobs.submit_plan(scenario, settings, actor)
    except DomainError as e:
        _fail(e)
        return None
    if not wait:
        _console().print(t("jobs.not_waiting", id=job_id))
        return None
    _console().print(t("jobs.submitted", id=job_id, kind=t("jobs.kind.dispatch_plan")))
    rec = wait_for(svc, job_id, actor, timeout_s=max(600.0, settings.time_limit_s * 10))
    plan = svc.jobs.plan(job_id, actor)
    if plan is None:
        err_console.print(
            error_line(rec) if rec.error else t("jobs.timeout", id=job_id, status=status_text(rec))
        )
        raise typer.Exit(1)
    result: DispatchPlan = plan
    return result


def plan_cmd(
    scenario: Annotated[str, typer.Argument(help="情景编码 scenario code")],
    time_limit: Annotated[
        float, typer.Option("--time-limit", callback=check_time_limit, help="求解时限（秒）")
    ] = 10.0,
    objective: Annotated[str, typer.Option("--objective", help="total | makespan")] = "total",
    rationing: Annotated[
        str, typer.Option("--rationing", help="物资不足时 priority（先保优先）| fair（按比例公平分配）")
    ] = "priority",
    confirm: Annotated[bool, typer.Option("--confirm", help="确认：预留批次并输出调拨单")] = False,
    out: Annotated[Path, typer.Option("--out", help="调拨单输出目录")] = Path("orders"),
    late_detail: Annotated[
        bool, typer.Option("--late-detail", help="未进保障圈的优先需求逐项列出（默认按需求点汇总）")
    ] = False,
    wait: Annotated[
        bool, typer.Option("--wait/--no-wait", help="等待求解作业完成（默认）；--no-wait 只提交作业")
    ] = True,
) -> None:
    """调度方案：作为后台作业求解（分配 + 车辆路径，经校验）；--confirm 预留库存并输出调拨单（xlsx/PDF）。"""
    con = _console()
    actor = current_user()  # login required; --confirm reserves as this user (the plan owner)
    svc = build_services(get_settings())
    try:
        settings = svc.dispatch.plan_settings(
            time_limit_s=time_limit, objective=objective, rationing=rationing
        )
    except DomainError as e:
        _fail(e)
        return
    if confirm:  # the folder for the orders, before anything is reserved (a file there refused it only after)
        out.mkdir(parents=True, exist_ok=True)
    con.print(t("rationing.cli_line", how=t(f"rationing.{rationing}")))
    plan = _solve(svc, actor, scenario, settings, wait)
    if plan is None:
        return
    con.print(_routes_table(plan))
    for line in _kpi_lines(plan, late_detail):
        con.print(line)
    if plan.unserved:
        con.print(unserved_table(svc, plan))
    con.print(t("dispatch.checker_ok") if not plan.violations else t("dispatch.checker_bad"))
    if plan.result.cut_by_clock:  # solving again may give another plan
        con.print(t("dispatch.cut_by_clock"))
    if not confirm:
        return
    try:
        conf = svc.dispatch.confirm(plan, actor)
    except DomainError as e:
        _fail(e)
        return
    for doc in conf.orders:
        xlsx, pdf = svc.dispatch.order_documents(doc)
        (out / f"{doc}.xlsx").write_bytes(xlsx)
        (out / f"{doc}.pdf").write_bytes(pdf)
    con.print(t("dispatch.confirmed", orders=len(conf.orders), holds=conf.reservations, out=str(out)))


def ship_cmd(
    doc_no: Annotated[str, typer.Argument(help="调拨单号 dispatch order number")],
    depot: Annotated[str, typer.Option("--depot", help="仓库编码（省略：本人所管的全部仓库）")] = "",
) -> None:
    """装车发运（relief order ship 的别名）：按仓库将预留一次过账出库（重复执行不会重复出库）。"""
    actor = current_user()
    svc = build_services(get_settings())
    try:
        n = svc.dispatch.ship(doc_no, depot, actor) if depot else svc.dispatch.mark_shipped(doc_no, actor)
    except DomainError as e:
        _fail(e)
        return
    _console().print(t("dispatch.shipped", doc=doc_no, n=n))


def _engine(name: str) -> str:
    """--engine: one of the optimizer's engines, else a usage error in the catalogue's words."""
    if name not in ENGINES:
        raise typer.BadParameter(t("dispatch.bad_engine", engine=name, engines=", ".join(ENGINES)))
    return name


def solve_vrp_cmd(
    instance: Annotated[Path, typer.Argument(help="relief-vrp/1 JSON instance", callback=input_file)],
    time_limit: Annotated[
        float, typer.Option("--time-limit", callback=check_time_limit, help="求解时限（秒）")
    ] = 10.0,
    engine: Annotated[str, typer.Option("--engine", callback=_engine, help=" | ".join(ENGINES))] = "race",
    out: Annotated[
        Path | None, typer.Option("--out", help="result JSON (default: INSTANCE.result.json)")
    ] = None,
) -> None:
    """求解中立格式的车辆路径实例，输出路线、目标值与校验结论。"""
    con = _console()
    try:  # a file that cannot be read or is not a relief-vrp/1 instance: one sentence, never a traceback
        data = json.loads(instance.read_text(encoding="utf-8"))
        problem = problem_from_json(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, InvalidProblem) as e:
        text = t("dispatch.vrp_file_bad", file=instance, detail=e)
        err_console.print(f"[red]{escape(text)}[/red]")  # the detail may hold brackets: not rich markup
        raise typer.Exit(1) from None
    result = solve_vrp(data, time_limit_s=time_limit, engine=engine)
    violations = verify(problem, result)
    ids = [str(p["id"]) for p in data.get("points", [])]
    tab = Table(title=t("dispatch.routes"))
    tab.add_column(t("dispatch.col.vehicle"))
    tab.add_column(t("dispatch.col.stops"))
    tab.add_column(t("dispatch.col.km"))
    for r in result.routes:
        km = fmt.km(r.distance_m)  # the column says 公里: not metres
        tab.add_row(r.vehicle, " → ".join(f"{s.job}" for s in r.stops), km)
    con.print(tab)
    con.print(f"status={result.status} objective={result.objective} unserved={len(result.unserved)}")
    con.print(t("dispatch.checker_ok") if not violations else t("dispatch.checker_bad"))
    if result.cut_by_clock:
        con.print(t("dispatch.cut_by_clock"))
    for v in violations:
        con.print(f"  - {v.code} {v.vehicle} {v.job} {v.detail}")
    doc = result_to_json(result, ids)
    doc["violations"] = [v.code for v in violations]
    target = out or instance.with_suffix(".result.json")
    target.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    con.print(str(target))
    if violations:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_cmd)
    app.command("ship")(ship_cmd)
    app.command("solve-vrp")(solve_vrp_cmd)
