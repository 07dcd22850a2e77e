"""Settings (pydantic-settings): environment variables `RELIEF_*` (and `DATABASE_URL`), or a `.env` file.

Reference data that the seeds do not fix (the guarantee circle, relief-time targets, speeds) lives here or in the
database, never as constants in code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from stockpile.resources import resource

Seconds = Annotated[int, Field(gt=0)]  # a duration a setting lists (the relief-time targets)


def data_dir() -> Path:
    """The embedded database, caches and the county's files: `data/` under the working directory (a checkout's
    `make run` runs in the repository, an installed wheel wherever the bureau starts it)."""
    return Path.cwd() / "data"


# Every number of the settings is bounded: one out of range (a zero speed, an infinite time limit, a negative size)
# is a settings error naming it (`i18n.settings_text`: the CLI's `cli.bad_settings`, the app's first page), never a
# crash deep in a capability.
class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RELIEF_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{data_dir() / 'demo.db'}",
        validation_alias=AliasChoices("DATABASE_URL", "RELIEF_DATABASE_URL"),
    )
    # a province on one server (docs/deployment.md): the registry of counties, and the county this process serves
    counties_file: Path | None = None  # RELIEF_COUNTIES_FILE: a TOML file, code → database (read_counties)
    county: str = ""  # RELIEF_COUNTY or `relief --county CODE`: its database replaces DATABASE_URL
    language: Literal["zh", "en"] = "zh"  # RELIEF_LANGUAGE: the CLI's without --lang, the app's first choice
    timezone: str = "Asia/Shanghai"  # the county's IANA time zone: every "now", "today" and shown time (stockpile/clock.py)
    current_role: str = "admin"  # the role picker's first choice (demo database only)
    # `relief login`: the CLI's server-side session lasts this many hours (at most the app's 12); no default user
    cli_session_hours: int = Field(8, ge=1, le=12)
    # Demo/training mode: a sidebar role picker acts as that role's demo user instead of logging in; honoured only
    # in a demo database. Off by default: real deployments log in (argon2id, server-side sessions).
    role_picker: bool = False
    demo_users: dict[str, str] = {
        "keeper": "keeper_demo",
        "dispatcher": "dispatcher",
        "planner": "planner",
        "admin": "admin",
    }
    # The login page lists the demo accounts only in a database created as a demo (`relief demo` marks it;
    # services.is_demo_database), and the role picker works only there: no setting can show them elsewhere.

    # 1-hour guarantee circle and relief-time targets (seconds) and the time zone above: these stand only until the
    # county's workbook is imported; then its 县情 row decides (bootstrap.with_county, docs/onboarding.md)
    guarantee_seconds: int = Field(3600, gt=0)
    relief_targets_seconds: tuple[Seconds, ...] = Field((8 * 3600, 10 * 3600), min_length=1)

    # travel times
    ors_base_url: str = "https://api.openrouteservice.org"
    ors_api_key: SecretStr | None = None
    ors_timeout_s: float = Field(10.0, gt=0, allow_inf_nan=False)
    ors_enabled: bool = False
    detour_factor: float = Field(1.3, ge=1, allow_inf_nan=False)
    speed_car_kmh: float = Field(50.0, gt=0, allow_inf_nan=False)
    speed_hgv_kmh: float = Field(40.0, gt=0, allow_inf_nan=False)
    matrix_cache_dir: Path = Field(default_factory=lambda: data_dir() / "cache")
    # travel times, further (docs/travel-times.md). The key comes from RELIEF_ORS_API_KEY only.
    ors_total_timeout_s: float = Field(60.0, gt=0, allow_inf_nan=False)
    ors_max_attempts: int = Field(3, ge=1)
    ors_backoff_s: float = Field(0.5, ge=0, allow_inf_nan=False)
    ors_matrix_max_elements: int = Field(3500, ge=1)
    ors_matrix_max_elements_with_avoid: int = Field(25, ge=1)
    ors_isochrone_max_locations: int = Field(5, ge=1)
    ors_isochrone_max_intervals: int = Field(10, ge=1)
    ors_isochrone_max_range_s: int = Field(3600, ge=1)
    ors_directions_max_waypoints: int = Field(50, ge=2)
    offline_avoid_policy: Literal["penalty", "unreachable"] = "penalty"
    offline_avoid_penalty: float = Field(1.5, ge=1, allow_inf_nan=False)
    cache_max_age_s: float | None = Field(None, ge=0)  # inf: never stale
    # the county's own road graph (`relief roads import`, docs/travel-times.md): used whenever the file exists
    road_graph_file: Path = Field(default_factory=lambda: data_dir() / "roads" / "county-roads.npz")
    road_speeds_file: Path = resource("road_speeds.toml")  # km/h per highway class × profile, flood slowdown
    registers_file: Path = resource("event_registers.toml")  # 征用补偿 rule: RELIEF_REGISTERS_FILE
    road_flood: bool = False  # multiply road times by the table's [flood] factors
    road_snap_warn_m: float = Field(
        500.0, ge=0
    )  # a site farther than this from the nearest road is named in a notice
    road_enabled: bool = (
        True  # false: leave an imported graph unused (openrouteservice or the estimate answer)
    )
    # coverage and siting (docs/coverage.md)
    coverage_norms_file: Path = resource("coverage_norms.toml")  # a county's own: RELIEF_COVERAGE_NORMS_FILE
    coverage_profile: Literal["driving-car", "driving-hgv"] = "driving-hgv"
    capacity_batch_s: int = Field(
        6 * 3600, gt=0
    )  # 产能储备: output counted in batches of this many seconds' production
    siting_time_limit_s: float = Field(20.0, gt=0, le=3600, allow_inf_nan=False)

    # map
    tile_url: str = ""  # e.g. a 天地图 XYZ URL with the county's key, or an intranet tile server

    # solver limits
    solve_time_limit_s: int = Field(10, ge=1, le=300)  # the dispatch page offers 1-300 s

    # imports
    import_max_rows: int = Field(50_000, ge=1)
    import_max_bytes: int = Field(10 * 1024 * 1024, ge=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {v!r} (an IANA name such as Asia/Shanghai)") from e
        return v

    @model_validator(mode="after")
    def _county_database(self) -> Settings:
        """A chosen county runs on its own database from the registry; an unknown code is a settings error."""
        if self.county:
            self.database_url = county_url(self.counties_file, self.county)
        return self


@dataclass(frozen=True)
class County:
    """One county of the province: its code (行政区划代码), its name and its own database."""

    code: str
    name: str
    database_url: str


def read_counties(path: Path | None) -> list[County]:
    """The county registry: a TOML file with an optional `server` URL and one `[counties.CODE]` table per county
    (`name`, and `database_url`, by default the server's database `relief_CODE`). Sorted by code."""
    if path is None:
        raise ValueError("no county registry: set RELIEF_COUNTIES_FILE to the counties' TOML file")
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"county registry {path} unreadable: {e}") from e
    server = str(data.get("server", "")).rstrip("/")
    counties = data.get("counties", {})
    if not isinstance(counties, dict) or not all(isinstance(row, dict) for row in counties.values()):
        # `counties = 5` or `[counties] 1 = "x"` was a TypeError deep in the reading
        raise ValueError(
            f"county registry {path}: [counties.CODE] tables with name and database_url are needed"
        )
    out = []
    for code, row in sorted(counties.items()):
        url = str(row.get("database_url") or (f"{server}/relief_{code}" if server else ""))
        if not url:
            raise ValueError(f"county {code} in {path} has no database_url and the file no server")
        out.append(County(str(code), str(row.get("name", code)), url))
    return out


def county_url(path: Path | None, code: str) -> str:
    """The database of county `code` (ValueError naming the known codes when it is not registered)."""
    counties = read_counties(path)
    for c in counties:
        if c.code == code:
            return c.database_url
    known = ", ".join(c.code for c in counties) or "none"
    raise ValueError(f"county {code!r} is not in {path} (registered: {known})")


_chosen: list[str] = []  # `relief --county CODE` for this invocation (empty: RELIEF_COUNTY, else none)


def choose_county(code: str | None) -> None:
    """The CLI's callback names the county every settings read of this command uses."""
    _chosen[:] = [code] if code else []


def load_settings() -> tuple[Settings | None, list[Any]]:
    """The settings read once, or None and what is wrong with them: pydantic's errors (``loc``, ``type``, ``ctx``,
    ``msg``; in words: ``i18n.settings_text``)."""
    try:
        return get_settings(), []
    except ValidationError as e:
        return None, list(e.errors())
    except SettingsError as e:  # a list or a mapping that is not JSON: pydantic-settings names only the field
        field = re.search(r'field "([^"]+)"', str(e))
        return None, [{"loc": (field.group(1),) if field else (), "type": "json_invalid", "msg": str(e)}]


def settings_errors() -> list[Any]:
    """What is wrong with the settings (``load_settings``), empty when they are valid."""
    return load_settings()[1]


def get_settings() -> Settings:
    return Settings(county=_chosen[0]) if _chosen else Settings()
