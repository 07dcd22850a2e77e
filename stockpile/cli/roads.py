"""`relief roads import FILE` and `relief roads info`: the county's road network from an OpenStreetMap extract
(issue 19, docs/travel-times.md).

`import` (admins only) reads the `.osm.pbf`, builds the road graph, checks that the extract covers every depot,
township, village and shelter with coordinates (refused otherwise; nothing is written), names the places more than
`RELIEF_ROAD_SNAP_WARN_M` from a road, and replaces the graph file atomically. From then on every matrix,
isochrone and route comes from it (`build_travel`). `info` says which source answers and describes the graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from stockpile.cli.common import input_file
from stockpile.cli.exitcodes import ExitCode
from stockpile.config import get_settings
from stockpile.i18n import t

console = Console()
err_console = Console(stderr=True)
roads_app = typer.Typer(help="路网 road network from an OpenStreetMap extract", no_args_is_help=True)


def _bbox(b: tuple[float, float, float, float] | list[float]) -> str:
    return f"{b[0]:.4f}–{b[2]:.4f} E, {b[1]:.4f}–{b[3]:.4f} N"


@roads_app.command("import")
def import_cmd(
    path: Annotated[Path, typer.Argument(help="county.osm.pbf", callback=input_file)],
    tracks: Annotated[
        bool, typer.Option("--tracks", help="也导入 highway=track（机耕路）/ include tracks")
    ] = False,
) -> None:
    """导入路网: build the county's road graph from an .osm.pbf extract (admins)."""
    from stockpile.adapters.db.engine import make_engine
    from stockpile.adapters.read.road_sites import county_places
    from stockpile.adapters.travel.roads import ExtractError, SpeedTable, SpeedTableError, import_extract
    from stockpile.cli.login import current_actor

    actor = current_actor()
    if actor.role != "admin":
        err_console.print(f"[red]{t('roads.admin_only')}[/red]")
        raise typer.Exit(ExitCode.REFUSED)
    settings = get_settings()
    try:
        speeds = SpeedTable.from_toml(settings.road_speeds_file)
    except SpeedTableError as e:
        err_console.print(f"[red]{t('roads.bad_speeds', detail=str(e))}[/red]")
        raise typer.Exit(ExitCode.REFUSED) from e
    places = county_places(make_engine(settings.database_url))
    console.print(t("roads.reading", path=str(path), places=len(places)))
    try:
        rep = import_extract(
            path,
            settings.road_graph_file,
            speeds,
            sites=places,
            include_tracks=tracks,
            snap_warn_m=settings.road_snap_warn_m,
        )
    except ExtractError as e:
        err_console.print(f"[red]{escape(t(f'roads.error_{e.reason}', **e.params))}[/red]")
        raise typer.Exit(ExitCode.REFUSED) from e
    console.print(
        t(
            "roads.imported",
            nodes=f"{rep.nodes:,}",
            segments=f"{rep.segments:,}",
            edges=f"{rep.directed_edges:,}",
            km=f"{rep.road_km:,.1f}",
            ways=f"{rep.ways_kept:,}",
            dropped=f"{rep.dropped_segments:,}",
            bbox=_bbox(rep.bbox),
            seconds=f"{rep.seconds:.1f}",
            path=str(rep.path),
        )
    )
    console.print(t("roads.sites_checked", n=rep.sites_checked))
    for far in rep.far_sites:
        err_console.print(
            f"[yellow]{t('roads.far_site', code=far.site.code, name=far.site.name, km=f'{far.distance_m / 1000:.1f}', limit=f'{settings.road_snap_warn_m:g}')}[/yellow]"
        )


@roads_app.command("info")
def info_cmd() -> None:
    """路网信息: which source answers travel times, and the imported graph's counts, extent and origin."""
    from stockpile.adapters.travel.roads import GraphFileError, load_graph

    settings = get_settings()
    path = settings.road_graph_file
    if not path.is_file():
        key = "roads.source_ors" if settings.ors_enabled else "roads.source_estimate"
        console.print(t("roads.none", path=str(path)))
        console.print(t(key))
        return
    try:
        graph = load_graph(path)
    except GraphFileError as e:
        err_console.print(f"[red]{t('roads.unusable', detail=e.detail)}[/red]")
        raise typer.Exit(ExitCode.REFUSED) from e
    meta = graph.meta
    src = meta.get("source", {})
    console.print(t("roads.source_roads" if settings.road_enabled else "roads.disabled"))
    console.print(
        t(
            "roads.info",
            path=str(path),
            nodes=f"{graph.n_nodes:,}",
            segments=f"{graph.n_segments:,}",
            edges=f"{graph.n_directed_edges:,}",
            km=f"{float(graph.seg_len_m.sum()) / 1000:,.1f}",
            bbox=_bbox(graph.bbox()),
            file=src.get("name", "?"),
            sha=str(src.get("sha256", ""))[:12],
            at=meta.get("imported_at", "?"),
            classes=", ".join(graph.classes),
            flood=t("roads.flood_on") if settings.road_flood else t("roads.flood_off"),
        )
    )


def register(app: typer.Typer) -> None:
    app.add_typer(roads_app, name="roads")
