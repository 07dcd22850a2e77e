"""`relief scenario rebase CODE [--to WHEN]`: move a drill kept for training to a new report time."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.cli.common import console, err_console
from stockpile.cli.login import current_user
from stockpile.config import get_settings
from stockpile.domain.errors import DomainError
from stockpile.i18n import error_text, t

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
        try:
            when = clock.local(datetime.fromisoformat(to))
        except ValueError:
            err_console.print(f"[red]{t('drill.bad_to', value=to)}[/red]")
            raise typer.Exit(2) from None
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


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")
