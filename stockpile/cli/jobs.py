"""`relief worker` (runs jobs) and `relief job list|show|cancel` (the user's jobs; an admin sees everybody's)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Annotated, Any

import typer
from rich.table import Table

from stockpile import clock
from stockpile.bootstrap import build_services, is_postgres, run_worker
from stockpile.cli.common import console, err_console
from stockpile.cli.login import current_user
from stockpile.config import get_settings
from stockpile.domain.errors import DomainError
from stockpile.i18n import error_text, t
from stockpile.jobs.commands import FINISHED, JobView

job_app = typer.Typer(help="后台作业 background jobs", no_args_is_help=True)


def _consoles() -> tuple[Any, Any]:

    return console, err_console


def _fail(e: DomainError) -> None:
    _consoles()[1].print(f"[red]{error_text(e.code, e.params)}[/red]")
    raise typer.Exit(1)


def _job_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        _consoles()[1].print(f"[red]{error_text('unknown_job')}[/red]")
        raise typer.Exit(1) from None


def status_text(rec: JobView) -> str:
    return t(f"jobs.status.{rec.status}")


def error_line(rec: JobView) -> str:
    err = rec.error or {}
    return t(
        "jobs.error", message=error_text(str(err.get("code", "domain_error")), dict(err.get("params") or {}))
    )


def wait_for(svc: Any, job_id: uuid.UUID, actor: str, timeout_s: float = 3600.0) -> JobView:
    """Poll the job, printing the engine's newest objective as it improves; the job once finished (or at
    the timeout)."""
    console, _ = _consoles()
    end, shown = time.monotonic() + timeout_s, 0
    while True:
        rec: JobView = svc.jobs.get(job_id, actor)
        if len(rec.progress) > shown and "objective" in rec.progress[-1]:
            console.print(t("jobs.last_objective", objective=f"{rec.progress[-1]['objective']:,}"))
        shown = len(rec.progress)
        if rec.status in FINISHED or time.monotonic() > end:
            return rec
        time.sleep(0.5)


@job_app.command("list")
def list_cmd(limit: Annotated[int, typer.Option("--limit")] = 30) -> None:
    """最近的作业（本人提交的；管理员可见全部）。"""
    console, _ = _consoles()
    try:
        recs = build_services(get_settings()).jobs.list_jobs(current_user(), limit=limit)
    except DomainError as e:
        _fail(e)
        return
    if not recs:
        console.print(t("jobs.none"))
        return
    tab = Table(title=t("jobs.title"))
    for col in ("id", "kind", "status", "actor", "created", "finished"):
        tab.add_column(t(f"jobs.col.{col}"))
    for r in recs:
        done = clock.format_dt(r.finished_at) if r.finished_at else ""
        tab.add_row(
            str(r.id), t(f"jobs.kind.{r.kind}"), status_text(r), r.actor, clock.format_dt(r.created_at), done
        )
    console.print(tab)


@job_app.command("show")
def show_cmd(job_id: Annotated[str, typer.Argument(help="作业编号 job id")]) -> None:
    """作业详情：参数、状态、进度、结果摘要或错误。"""
    console, _ = _consoles()
    try:
        r = build_services(get_settings()).jobs.get(_job_id(job_id), current_user())
    except DomainError as e:
        _fail(e)
        return
    console.print(f"{t('jobs.col.id')}: {r.id}  {t(f'jobs.kind.{r.kind}')}  {status_text(r)}  {r.actor}")
    console.print(json.dumps(r.params, ensure_ascii=False))
    if r.progress:
        console.print(
            t("jobs.progress", n=len(r.progress), last=json.dumps(r.progress[-1], ensure_ascii=False))
        )
    if r.error:
        console.print(error_line(r))
    if r.result is not None:
        console.print(json.dumps(_summary(r.result), ensure_ascii=False)[:2000])


def _summary(result: Any) -> Any:
    """A result's small top-level fields (a plan's KPIs and verdict, not its matrices)."""
    if not isinstance(result, dict):
        return result
    keep = (
        "id",
        "scenario_code",
        "kpis",
        "violations",
        "unserved",
        "status",
        "echo",
        "slept",
        "chosen",
        "start",
    )
    return {k: v for k, v in result.items() if k in keep} or result


@job_app.command("cancel")
def cancel_cmd(job_id: Annotated[str, typer.Argument(help="作业编号 job id")]) -> None:
    """取消排队或运行中的作业（运行中的求解不再保存结果）。"""
    console, _ = _consoles()
    jid = _job_id(job_id)
    try:
        svc = build_services(get_settings())
        ok = svc.jobs.cancel(jid, current_user())
        rec = svc.jobs.get(jid, current_user())
    except DomainError as e:
        _fail(e)
        return
    console.print(
        t("jobs.cancelled", id=jid) if ok else t("jobs.not_cancelled", id=jid, status=status_text(rec))
    )


def register(app: typer.Typer) -> None:
    app.add_typer(job_app, name="job")

    @app.command("worker")
    def worker_cmd(
        concurrency: Annotated[int, typer.Option("--concurrency", help="同时运行的作业数")] = 1,
        stalled_after: Annotated[
            float, typer.Option("--stalled-after", help="工作进程失联多少秒后，其作业交回队列")
        ] = 10.0,
    ) -> None:
        """运行后台作业的工作进程（PostgreSQL：Procrastinate；SQLite：本机轮询）。Ctrl+C 停止。"""
        settings = get_settings()
        backend = "PostgreSQL/Procrastinate" if is_postgres(settings.database_url) else "SQLite"
        _consoles()[0].print(t("jobs.worker_started", backend=backend, concurrency=concurrency))
        try:
            run_worker(settings, concurrency, stalled_after)
        except KeyboardInterrupt:
            return
