"""Reserve-planning commands: `relief agreements check-due`, `relief gap`, `relief rotation --year 2027`,
`relief standards import FILE`, `relief review prepare|review|approve|export`. Each acts as the user of `relief
login` (`cli.login.current_user()`): the review's preparer, reviewer and approver are whoever logged in."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from stockpile.cli import common
from stockpile.cli.login import current_user
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, current_lang, domain_error_text, row_error_text, t
from stockpile.i18n import format as fmt

Year = Annotated[int, typer.Option(help="审查年度")]


def _fail(e: DomainError) -> None:
    common.err_console.print(f"[red]{domain_error_text(e)}[/red]")  # a refused file: the import page's words
    raise typer.Exit(1) from e


def check_due() -> None:
    """协议核查到期与预警: overdue checks, contracts expiring within 90 days, lines verified below agreed."""
    current_user()  # login required
    svc = common.services()
    alerts = svc.planning.agreement_alerts()
    common.print_table(
        pd.DataFrame(svc.planning.check_schedule()),
        [
            "contract_code",
            "holder_name",
            "valid_to",
            "interval_days",
            "last_checked_on",
            "next_due",
            "days_to_due",
        ],
        t("agreements.schedule"),
    )
    if not alerts:
        common.console.print(t("cli_reserve.no_alerts"))
        return
    names = svc.registers.namer()  # the item by name with its code, the shortfall in its unit
    lang = current_lang.get()
    for a in alerts:
        short = a.kind == "verified_short"
        detail = fmt.qty(a.detail, names.unit(a.item_code)) if short else fmt.num(a.detail)
        item = aside(names.item(a.item_code, lang), a.item_code) if a.item_code else ""
        text = t(f"alert.{a.kind}", detail=detail, due_on=a.due_on or "", item=item)
        common.console.print(f"[yellow]{a.contract_code} {a.holder_name}: {text}[/yellow]")
    raise typer.Exit(2 if any(a.kind == "check_overdue" for a in alerts) else 0)


def gap(
    level: Annotated[str | None, typer.Option(help="county | township | village")] = None,
    only_gap: Annotated[bool, typer.Option("--only-gap", help="只列有缺口的")] = False,
    sites: Annotated[bool, typer.Option("--sites", help="按储备库（点）")] = False,
) -> None:
    """储备缺口: standard, physical, agreement, gap and days of supply per county, township (or site)."""
    current_user()  # login required
    report = common.services().planning.gap_report()
    df = pd.DataFrame(report["sites" if sites else "scopes"])
    if df.empty:
        common.console.print(t("stock.empty"))
        return
    if level and not sites:
        df = df[df["scope"] == level]
    if only_gap:
        df = df[df["gap"].fillna(0) > 0]
    cols = ["area_name", "item_code", "item_name", "standard", "physical", "gap", "days_of_supply"]
    if not sites:
        cols = ["scope", *cols[:5], "custodial", "agreement_counted", "counted", *cols[5:]]
    common.print_table(df, cols)
    common.console.print(t("cli_reserve.gap_total", n=int((df["gap"].fillna(0) > 0).sum())))


def rotation(
    year: Annotated[int, typer.Option(help="计划年度")],
    out: Annotated[Path | None, typer.Option(help="xlsx file for the schedule")] = None,
) -> None:
    """更新轮换计划 for a year: releases and procurements so counted stock ≥ standard every day."""
    current_user()  # login required
    svc = common.services()
    rep = svc.planning.rotation_plan(year)
    common.console.print(t("rotation.period", start=rep.start, end=date(year, 12, 31)))
    if rep.before_start:
        common.console.print(
            f"[yellow]{t('rotation.before_start', n=len(rep.before_start), start=rep.start)}[/yellow]"
        )
        common.print_table(
            pd.DataFrame(rep.before_start), ["area_name", "item_code", "item_name", "lot_no", "qty", "expiry"]
        )
    for ch in rep.absent_channels:
        common.console.print(t("rotation.channel_absent", channel=fmt.enum_text("channel", ch)))
    df = pd.DataFrame(rep.schedule)
    if not df.empty:
        common.print_table(
            df, ["date", "area_name", "item_code", "item_name", "action", "lot_no", "qty", "cost_fen"]
        )
    for e in rep.explanations:
        common.console.print(
            f"[yellow]{e['area_name']} {e['item_name']} {e['first_day']}–{e['last_day']}: {t('reason.' + e['reason'])}[/yellow]"
        )
    spend = sum(r["cost_fen"] for r in rep.schedule if r["action"] == "procure")
    common.console.print(
        t(
            "cli_reserve.rotation_done",
            actions=len(rep.schedule),
            yuan=f"{spend / 100:,.2f}",
            status=fmt.enum_text("solver_status", rep.plan.status),
            keys=fmt.num(len({e["key_id"] for e in rep.explanations})),  # tents and bottles do not add up
        )
    )
    if out is not None:
        sheet = fmt.export_frame(
            common.items_in_lang(df)
        )  # as the page exports it: words, 元, no internal keys
        out.write_bytes(
            svc.to_xlsx({t("rotation.schedule"): sheet}, {c: t(f"col.{c}") for c in sheet.columns})
        )
        common.console.print(t("cli.exported", path=out))


def standards_import(path: Path) -> None:
    """导入上级应急物资储备指导目录 (xlsx/csv): every row valid, or nothing written (planner, admin)."""
    who = current_user()
    try:
        svc = common.services()
        report = svc.planning.import_standards(path.read_bytes(), path.name, who)
    except DomainError as e:
        _fail(e)
        return
    if report.errors:
        for err in report.errors:
            common.err_console.print(row_error_text(err))
        common.err_console.print(f"[red]{t('standards.import_failed', n=len(report.errors))}[/red]")
        raise typer.Exit(1)
    common.console.print(t("standards.imported", n=report.accepted))


def review_step(step: str, year: int) -> None:
    who = current_user()  # approving needs the approver's own login (four-eyes)
    svc = common.services()
    try:
        if step == "prepare":
            svc.planning.prepare_review(year, who)
        elif step == "review":
            svc.planning.mark_reviewed(year, who)
        else:
            snap = svc.planning.approve_review(year, who)
            common.console.print(t("review.approved", sha=snap.sha256))
            return
    except DomainError as e:
        _fail(e)
    common.console.print(t(f"review.{'prepared' if step == 'prepare' else 'reviewed'}"))


def register(app: typer.Typer) -> None:
    agreements = typer.Typer(help="协议储备 agreement reserves", no_args_is_help=True)
    agreements.command("check-due")(check_due)
    app.add_typer(agreements, name="agreements")
    app.command("gap")(gap)
    app.command("rotation")(rotation)
    standards = typer.Typer(help="储备定额 reserve standards", no_args_is_help=True)
    standards.command("import")(standards_import)
    app.add_typer(standards, name="standards")
    review = typer.Typer(help="年度储备计划审查 annual storage-plan review", no_args_is_help=True)

    @review.command("prepare")
    def _prepare(year: Year) -> None:
        review_step("prepare", year)

    @review.command("review")
    def _review(year: Year) -> None:
        review_step("review", year)

    @review.command("approve")
    def _approve(year: Year) -> None:
        review_step("approve", year)

    @review.command("export")
    def _export(
        year: Year,
        fmt: Annotated[str, typer.Option("--format", help="pdf | xlsx")] = "pdf",
        out: Annotated[Path | None, typer.Option(help="output file")] = None,
    ) -> None:
        current_user()  # login required
        try:
            data = common.services().planning.export_review(year, fmt)
        except DomainError as e:
            _fail(e)
            return
        path = out or Path(f"review-{year}.{fmt}")
        path.write_bytes(data)
        common.console.print(t("cli_reserve.review_exported", path=path))

    app.add_typer(review, name="review")
