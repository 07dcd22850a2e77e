"""`relief init` (a real installation: empty, first admin) and `relief demo` (the fictional county, only into a
database created as a demo). See docs/trust.md.

Neither needs a login: they only create databases. `relief demo` refuses any database that `relief demo` did not
create (exit code 4), `relief init` refuses a demo database; the kind is written in the database itself
(`adapters/db/database_kind.py`).
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console

from stockpile.cli.exitcodes import ExitCode
from stockpile.config import get_settings
from stockpile.i18n import error_text, t

console = Console()
err_console = Console(stderr=True)


def demo(
    force: Annotated[bool, typer.Option(help="rebuild a demo database even if it holds data")] = False,
    large: Annotated[int, typer.Option(help="extra issue rounds per key (benchmark county)")] = 0,
    roads: Annotated[
        bool,
        typer.Option("--roads/--no-roads", help="同时生成并导入示范路网 / also build the demo road network"),
    ] = True,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="建库基准日 YYYY-MM-DD（或日期时间）；默认今天 / build the demo as of (default: today)",
        ),
    ] = None,
) -> None:
    """Build the fictional demo county 示范县 (seeded, synthetic data) into a NEW database, marked as a demo, as of a
    date: every demo date is relative to it."""
    from stockpile.demo.builder import (
        NotADemoDatabase,
        Scale,
        build_demo,
        create_demo_database,
        has_data,
        wipe,
    )

    when = _as_of(as_of)
    url = get_settings().database_url
    try:
        create_demo_database(url)
        if has_data(url):
            if not force:
                console.print(t("cli.demo_exists"))
                return
            wipe(url)
            create_demo_database(url)
        built = build_demo(url, Scale(extra_issue_rounds=large), as_of=when)
    except NotADemoDatabase as e:
        err_console.print(f"[red]{error_text(e.code, e.params)}[/red]")
        raise typer.Exit(ExitCode.NOT_A_DEMO_DATABASE) from e
    console.print(t("cli.demo_built", postings=built.postings, movements=built.movements))
    if roads:
        _demo_roads(url)


def _demo_roads(url: str) -> None:
    """The demo county's synthetic road network: written as an .osm.pbf next to the road graph, imported through
    the same importer as a real extract, plus the FLOOD-DEMO drill's closed bridge as GeoJSON (issue 19)."""
    from stockpile.adapters.db.engine import make_engine
    from stockpile.adapters.read.road_sites import county_places
    from stockpile.adapters.travel.roads import SpeedTable, import_extract
    from stockpile.demo.roads import write_closed_bridge, write_demo_network

    settings = get_settings()
    folder = settings.road_graph_file.parent
    pbf = write_demo_network(url, folder / "demo-county.osm.pbf")
    rep = import_extract(
        pbf,
        settings.road_graph_file,
        SpeedTable.from_toml(settings.road_speeds_file),
        sites=county_places(make_engine(url)),
        snap_warn_m=settings.road_snap_warn_m,
    )
    bridge = write_closed_bridge(folder / "flood-demo-closed-bridge.geojson")
    console.print(
        t(
            "roads.demo_built",
            nodes=f"{rep.nodes:,}",
            km=f"{rep.road_km:,.0f}",
            path=str(rep.path),
            bridge=str(bridge),
        )
    )


AS_OF_YEARS = (2000, 2200)  # checked before anything is built: a date out of range left a half-built database


def _as_of(value: str | None) -> date | datetime | None:
    """`--as-of`: a date (YYYY-MM-DD) or a date and time (ISO 8601; naive = county time); None = the clock's today."""
    if value is None:
        return None
    try:
        when = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        err_console.print(f"[red]{t('cli.bad_as_of', value=value)}[/red]")
        raise typer.Exit(2) from None
    if (
        not AS_OF_YEARS[0] <= when.year <= AS_OF_YEARS[1]
    ):  # the demo's lots expire years later: 9999 overflowed
        err_console.print(
            f"[red]{t('cli.as_of_out_of_range', value=value, first=AS_OF_YEARS[0], last=AS_OF_YEARS[1])}[/red]"
        )
        raise typer.Exit(2)
    return when


def init(
    admin: Annotated[str, typer.Argument(help="首个管理员的用户名 / the first admin's user name")],
) -> None:
    """新建正式库: create or migrate an EMPTY database for real use and its first admin (password from a hidden
    prompt or RELIEF_NEW_PASSWORD; never a default). No demo data, no demo accounts."""
    from stockpile.adapters.db.database_kind import DatabaseState, database_state, mark
    from stockpile.adapters.db.migrate import upgrade
    from stockpile.cli.users import _password, create_first_admin
    from stockpile.demo.builder import database_label

    url = get_settings().database_url
    if database_state(url) == DatabaseState.DEMO:
        err_console.print(f"[red]{t('cli.init_demo_refused', database=database_label(url))}[/red]")
        raise typer.Exit(ExitCode.REFUSED)
    password = _password()
    upgrade(url)
    mark(url, DatabaseState.COUNTY)
    create_first_admin(admin, password)
    console.print(t("cli.init_done", database=database_label(url), username=admin))


# Streamlit settings of the product's app; the repository's .streamlit/config.toml says the same for `make run`
# (tests/integration/test_packaging.py keeps the two equal).
APP_SETTINGS = {
    "server.headless": "true",
    "server.enableXsrfProtection": "true",
    "server.maxUploadSize": "10",
    "client.toolbarMode": "minimal",
    "client.showErrorDetails": "none",
    "theme.base": "light",
    "browser.gatherUsageStats": "false",
}


def app_command(host: str, port: int) -> list[str]:
    """The command line that serves the app shipped in the package (`stockpile/app/run.py`)."""
    from importlib.resources import files

    script = str(files("stockpile.app").joinpath("run.py"))
    flags = [f"--{k}={v}" for k, v in APP_SETTINGS.items()]
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        f"--server.address={host}",
        f"--server.port={port}",
        *flags,
    ]


def serve(
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8501,
) -> None:
    """启动应用 / start the web app on this machine (the database is DATABASE_URL's, as for every command)."""
    args = app_command(host, port)
    if county := get_settings().county:  # `relief --county CODE app`: the app serves that county
        os.environ["RELIEF_COUNTY"] = county
    os.execv(
        args[0], args
    )  # Streamlit takes over this process: Ctrl-C and service managers reach it directly


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("init")(init)
    app.command("app")(serve)
