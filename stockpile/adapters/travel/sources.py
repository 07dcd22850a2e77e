"""Which travel-time source answers: the county's road graph when imported, else openrouteservice (behind the
offline fallback and the matrix cache) when enabled, else the straight-line estimate. Chosen from the settings;
the bootstrap wires the result into the services, the CLI's `relief roads` and the maps."""

from __future__ import annotations

import logging
from functools import lru_cache, partial
from pathlib import Path

from stockpile.adapters.travel.cache import CachedProvider, MatrixCache
from stockpile.adapters.travel.current import CurrentTravel
from stockpile.adapters.travel.matrix import FallbackProvider, HaversineMatrix
from stockpile.adapters.travel.ors import OrsLimits, OrsProvider
from stockpile.adapters.travel.roads import (
    GraphFileError,
    RoadGraph,
    RoadGraphProvider,
    SpeedTable,
    load_graph,
)
from stockpile.adapters.travel.roads.provider import UnusableGraph
from stockpile.adapters.travel.roads.speeds import SpeedTableError
from stockpile.config import Settings
from stockpile.ports.travel import TravelTimeProvider

log = logging.getLogger(__name__)


def build_travel(s: Settings) -> TravelTimeProvider:
    """The county's road graph when imported; else openrouteservice (behind the offline fallback and the matrix
    cache) when enabled; else the straight-line estimate alone. An imported graph that cannot be read is
    reported on every answer (FallbackProvider's notice) and the next source answers."""
    return _choose_travel(s, _ors_or_estimate(s))


def live_travel(s: Settings) -> TravelTimeProvider:
    """`build_travel` chosen again on every call (CurrentTravel): the services, built once per app, use a road
    graph imported while the app runs from the next call on; a graph is loaded once per file version."""
    return CurrentTravel(partial(_choose_travel, s, _ors_or_estimate(s)))


def _choose_travel(s: Settings, rest: TravelTimeProvider) -> TravelTimeProvider:
    roads = road_provider(s)
    if isinstance(roads, str):
        return FallbackProvider(primary=UnusableGraph(roads), fallback=rest)
    return roads if roads is not None else rest


def road_provider(s: Settings) -> RoadGraphProvider | str | None:
    """The road-graph provider for the settings, None without an imported graph, or why the graph is unusable.
    Loaded once per file version (path, inode, size, mtime: an import replaces the file, so a new one always has a
    new key) and speed table, and shared."""
    path = s.road_graph_file
    if not s.road_enabled or not path.is_file():
        return None
    try:
        stat, speeds = path.stat(), s.road_speeds_file.stat()
        return _load_roads(
            str(path),
            stat.st_ino,
            stat.st_size,
            stat.st_mtime_ns,
            str(s.road_speeds_file),
            speeds.st_mtime_ns,
            s.road_flood,
            s.road_snap_warn_m,
        )
    except (GraphFileError, SpeedTableError, OSError, ValueError) as e:
        log.error("road graph %s unusable: %s", path, e)
        return f"road graph {path.name}: {e}"


def road_graph(s: Settings) -> RoadGraph | None:
    """The imported road graph for the maps (None without one, or when it is unusable)."""
    roads = road_provider(s)
    return roads.graph if isinstance(roads, RoadGraphProvider) else None


@lru_cache(maxsize=4)
def _load_roads(
    path: str,
    inode: int,
    size: int,
    mtime_ns: int,
    speeds: str,
    speeds_mtime_ns: int,
    flood: bool,
    snap_warn_m: float,
) -> RoadGraphProvider:
    return RoadGraphProvider(
        load_graph(Path(path)), SpeedTable.from_toml(Path(speeds)), flood=flood, snap_warn_m=snap_warn_m
    )


def _ors_or_estimate(s: Settings) -> TravelTimeProvider:
    offline = HaversineMatrix(
        circuity=s.detour_factor,
        speeds_kmh={"driving-car": s.speed_car_kmh, "driving-hgv": s.speed_hgv_kmh},
        avoid_policy=s.offline_avoid_policy,
        avoid_penalty=s.offline_avoid_penalty,
    )
    if not s.ors_enabled:
        return offline
    ors = OrsProvider(
        base_url=s.ors_base_url,
        api_key=s.ors_api_key,
        timeout_s=s.ors_timeout_s,
        total_timeout_s=s.ors_total_timeout_s,
        max_attempts=s.ors_max_attempts,
        backoff_s=s.ors_backoff_s,
        limits=OrsLimits(
            matrix_max_elements=s.ors_matrix_max_elements,
            matrix_max_elements_with_avoid=s.ors_matrix_max_elements_with_avoid,
            isochrone_max_locations=s.ors_isochrone_max_locations,
            isochrone_max_intervals=s.ors_isochrone_max_intervals,
            isochrone_max_range_s=s.ors_isochrone_max_range_s,
            directions_max_waypoints=s.ors_directions_max_waypoints,
        ),
        long_range=offline,
    )
    return CachedProvider(
        FallbackProvider(primary=ors, fallback=offline), MatrixCache(s.matrix_cache_dir, s.cache_max_age_s)
    )
