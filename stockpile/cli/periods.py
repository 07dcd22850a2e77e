"""`relief period show|freeze-date|backdate-days`: the freeze date (冻结日期) and the backdate window.

Acts as the user of `relief login` (an admin for changes); the services check POLICY and audit each change."""

from __future__ import annotations

from typing import Annotated

import typer

from stockpile.cli.common import day_value, iso_day
from stockpile.cli.login import current_user
from stockpile.cli.users import _admin, _run, _svc, console
from stockpile.i18n import t

period_app = typer.Typer(help="账期 freeze date and backdate window", no_args_is_help=True)


@period_app.command("show")
def show() -> None:
    """当前冻结日期与补录期限."""
    current_user()  # login required
    frozen_to, days = _svc().ledger.posting_window()
    console.print(f"{t('auth.freeze_date')}: {frozen_to or '-'}")
    console.print(f"{t('auth.backdate_days')}: {days}")


@period_app.command("freeze-date")
def freeze_date(day: Annotated[str, typer.Argument(help="YYYY-MM-DD", callback=day_value)]) -> None:
    """设置冻结日期: postings on or before it need an admin with a grant on the depot."""
    _run(_svc().trust.set_freeze_date, _admin(), iso_day(day))
    console.print(t("auth.saved"))


@period_app.command("backdate-days")
def backdate_days(days: int) -> None:
    """设置补录期限（天）: postings more than N days back need an admin with a grant on the depot."""
    _run(_svc().trust.set_backdate_days, _admin(), days)
    console.print(t("auth.saved"))


def register(app: typer.Typer) -> None:
    app.add_typer(period_app, name="period")
