"""`relief circle` (1-hour guarantee circle on stock) and `relief site` (k new reserve points), tables + xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from stockpile.cli.common import cell, console, err_console, input_file, services
from stockpile.cli.login import current_user
from stockpile.domain.errors import DomainError
from stockpile.i18n import domain_error_text, row_error_text, t

Items = Annotated[list[str], typer.Option("--item", help="物资编码 (repeat for several)")]
Minutes = Annotated[int | None, typer.Option("--minutes", help="时限（分钟），默认保障圈 60")]
Damaged = Annotated[list[str] | None, typer.Option("--damaged", help="受损储备库编码 (repeat)")]
Blocked = Annotated[Path | None, typer.Option("--blocked", help="封路区域 GeoJSON 文件", callback=input_file)]
Xlsx = Annotated[Path | None, typer.Option("--xlsx", help="写出 xlsx 文件")]


def _travel_notice(info: Any) -> None:

    console.print(t("coverage.cli_travel", source=t(f"travel.source_{info.source}")))
    if info.notice:
        err_console.print(f"[yellow]{t(info.notice, detail=info.detail)}[/yellow]")
    elif info.is_estimate:
        console.print(f"[yellow]{t('coverage.estimate_used')}[/yellow]")


def _scenario(svc: Any, damaged: list[str] | None, blocked: Path | None) -> Any:
    from stockpile.coverage.commands import Scenario

    avoid = svc.coverage.read_avoid_areas(blocked.read_bytes(), blocked.name) if blocked else None
    return Scenario(frozenset(damaged or ()), avoid)


def _print(df: Any, title: str, translate: dict[str, str] | None = None) -> Any:
    """Translate headers (coverage.col_*) and enum values, print a rich table, return the translated frame."""
    from rich.table import Table

    view = df.copy()
    for col, prefix in (translate or {}).items():
        view[col] = [t(f"{prefix}{v}") for v in view[col]]
    view.columns = [t(f"coverage.col_{c}") for c in view.columns]
    tab = Table(title=title)
    for c in view.columns:
        tab.add_column(str(c))
    for row in view.itertuples(index=False):
        tab.add_row(*[cell(v) for v in row])
    console.print(tab)
    return view


def _fail(e: DomainError) -> typer.Exit:

    err_console.print(f"[red]{domain_error_text(e)}[/red]")
    return typer.Exit(1)


def circle(
    item: Items,
    minutes: Minutes = None,
    damaged: Damaged = None,
    blocked: Blocked = None,
    competitive: Annotated[bool, typer.Option(help="所有村同时需要（竞争库存）")] = False,
    xlsx: Xlsx = None,
) -> None:
    """1小时保障圈: coverage per township and uncovered villages with reasons, from stock and agreements."""
    from stockpile.coverage.commands import CircleQuery
    from stockpile.reports.coverage_tables import (
        registered_population,
        targets_table,
        township_table,
        uncovered_table,
    )

    current_user()  # login required
    svc = services()
    try:
        q = CircleQuery(
            tuple(item),
            None if minutes is None else minutes * 60,
            _scenario(svc, damaged, blocked),
            competitive=competitive,
        )
        rep = svc.coverage.circle(q)
    except DomainError as e:
        raise _fail(e) from e
    _travel_notice(rep.travel)
    if svc.coverage.norms_are_reference():  # a real county must not read the demo county's figures as its own
        err_console.print(f"[yellow]{t('coverage.reference_norms')}[/yellow]")
    targets = _print(targets_table(rep).rename(columns={"threshold_min": "threshold"}), t("coverage.targets"))
    registered = registered_population(svc.views.areas("township"))
    towns = township_table(rep, registered=registered).drop(columns=["township_code", "item_code"])
    towns_view = _print(towns, t("coverage.per_township"))
    unc = uncovered_table(rep)
    unc["kind"] = [t(f"coverage.kind_{k}") for k in unc["kind"]]
    unc_view = _print(
        unc.drop(columns=["point_code", "item_code"]).rename(columns={"earliest_min": "earliest"}),
        t("coverage.uncovered_list"),
        {"reason": "reason."},
    )
    if unc.empty:
        console.print(t("coverage.all_covered"))
    if xlsx:
        sheets = {
            t("coverage.targets")[:31]: targets,
            t("coverage.per_township")[:31]: towns_view,
            t("coverage.uncovered_list")[:31]: unc_view,
        }
        xlsx.write_bytes(svc.to_xlsx(sheets, {}))
        console.print(t("coverage.cli_written", path=xlsx))


def _read_candidates(svc: Any, path: Path) -> tuple[Any, ...]:
    """The candidate file's points; every bad row printed (row, column, value) and exit 1 when any is wrong."""
    found = svc.coverage.read_candidates(path.read_bytes(), path.name)
    if not found.ok:
        for err in found.errors[:200]:
            err_console.print(row_error_text(err))
        err_console.print(f"[red]{t('coverage.bad_candidates', n=len(found.errors))}[/red]")
        raise typer.Exit(1)
    return tuple(found.candidates)


def _siting_summary(rep: Any) -> Any:
    """Population and uncovered points before and after the new reserve points, one row each."""
    import pandas as pd

    total = max(1, rep.population_total)
    return pd.DataFrame(
        [
            {
                "scenario": t(f"coverage.{key}"),
                "population": pop,
                "points_uncovered": len(unc),
                "ratio": round(100 * pop / total, 1),
            }
            for key, pop, unc in (
                ("before", rep.population_before, rep.uncovered_before),
                ("after", rep.population_after, rep.uncovered_after),
            )
        ],
        columns=["scenario", "population", "points_uncovered", "ratio"],
    )


def site(
    k: Annotated[int, typer.Option("--k", help="新增储备点数量")] = 2,
    minutes: Minutes = None,
    candidates: Annotated[
        Path | None, typer.Option(help="候选点文件 (xlsx/csv): 编码,名称,经度,纬度", callback=input_file)
    ] = None,
    damaged: Damaged = None,
    blocked: Blocked = None,
    xlsx: Xlsx = None,
) -> None:
    """选址推演: k new reserve points maximising hazard-weighted population within the limit, before/after."""
    import pandas as pd

    from stockpile.coverage.commands import SitingQuery

    current_user()  # login required
    svc = services()
    try:
        q = SitingQuery(
            k,
            None if minutes is None else minutes * 60,
            _read_candidates(svc, candidates) if candidates else (),
            _scenario(svc, damaged, blocked),
        )
        rep = svc.coverage.site(q)
    except DomainError as e:
        raise _fail(e) from e
    _travel_notice(rep.travel)
    chosen = pd.DataFrame(
        [{"site": f"{c.code} {c.name}", "lon": c.lon, "lat": c.lat} for c in rep.chosen],
        columns=["site", "lon", "lat"],
    )
    view = _print(chosen, t("coverage.chosen"))
    summary_view = _print(_siting_summary(rep), t("coverage.siting"))
    console.print(
        t(
            "coverage.cli_site_summary",
            k=rep.k,
            minutes=rep.threshold_s // 60,
            before=rep.population_before,
            after=rep.population_after,
            total=rep.population_total,
            status=rep.status,
        )
    )
    if xlsx:
        sheets = {t("coverage.chosen")[:31]: view, t("coverage.siting")[:31]: summary_view}
        xlsx.write_bytes(svc.to_xlsx(sheets, {}))
        console.print(t("coverage.cli_written", path=xlsx))


def register(app: typer.Typer) -> None:
    app.command("circle")(circle)
    app.command("site")(site)
