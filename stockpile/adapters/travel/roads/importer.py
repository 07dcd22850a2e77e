"""`import_extract`: an `.osm.pbf` extract → the county's road graph file (`relief roads import`, issue 19).

Steps: check the file is a PBF → read the drivable ways (osm.py) → split into segments and keep the largest
strongly connected part (graph.py) → travel times per profile from the speed table → check the county's sites:
every site must lie inside the extract's bounding box (else the import is refused and nothing is written), and a
site more than `snap_warn_m` from the nearest road is listed as a warning → a contraction hierarchy per profile
(hierarchy.py: what makes a matrix fast) → write the file atomically.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from stockpile import clock
from stockpile.adapters.travel.roads.graph import RoadGraph, build_graph, save_graph, with_times
from stockpile.adapters.travel.roads.hierarchy import compile_queries
from stockpile.adapters.travel.roads.network import build_hierarchies
from stockpile.adapters.travel.roads.osm import ExtractError, read_ways
from stockpile.adapters.travel.roads.speeds import SpeedTable
from stockpile.ports.travel import LonLat


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    name: str
    point: LonLat


@dataclass(frozen=True, slots=True)
class FarSite:
    site: Site
    distance_m: float


@dataclass(frozen=True)
class ImportReport:
    path: Path
    nodes: int
    segments: int
    directed_edges: int
    ways_seen: int
    ways_kept: int
    osm_nodes: int
    dropped_segments: int
    bbox: tuple[float, float, float, float]
    road_km: float
    seconds: float
    far_sites: tuple[FarSite, ...] = field(default=())
    sites_checked: int = 0


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _inside(box: tuple[float, float, float, float], p: LonLat) -> bool:
    return box[0] <= p.lon <= box[2] and box[1] <= p.lat <= box[3]


def build_from_extract(
    path: Path, speeds: SpeedTable, include_tracks: bool = False
) -> tuple[RoadGraph, dict[str, object]]:
    """Read and build (nothing written). Raises `ExtractError` for a bad file or an extract with no roads."""
    classes = speeds.classes(include_tracks)
    ways = read_ways(path, classes)
    if not len(ways.way_id):
        raise ExtractError(
            "empty",
            f"{path.name} holds no drivable road ({ways.ways_seen} highway ways, none of {', '.join(classes)})",
            "no_roads",
            file=path.name,
            seen=ways.ways_seen,
            classes=", ".join(classes),
        )
    graph, dropped = build_graph(ways)
    if graph.n_segments == 0:
        raise ExtractError(
            "empty",
            f"{path.name}: the roads do not form a connected network",
            "not_connected",
            file=path.name,
        )
    times = {
        p: speeds.seconds(classes, graph.seg_len_m, graph.seg_class, graph.seg_maxspeed, p)
        for p in ("driving-car", "driving-hgv")
    }
    info: dict[str, object] = {
        "ways_seen": ways.ways_seen,
        "ways_kept": ways.ways_kept,
        "osm_nodes": len(np.unique(ways.node_id)),
        "dropped_segments": dropped["segments"],
        "header_bbox": list(ways.header_bbox) if ways.header_bbox else None,
    }
    meta = {
        "classes": list(classes),
        "include_tracks": include_tracks,
        "speeds": speeds.to_mapping(),
        "speeds_digest": speeds.digest(),
        **info,
    }
    return with_times(graph, times["driving-car"], times["driving-hgv"], meta), info


def import_extract(
    path: Path,
    out: Path,
    speeds: SpeedTable,
    *,
    sites: Sequence[Site] = (),
    include_tracks: bool = False,
    snap_warn_m: float = 500.0,
) -> ImportReport:
    """Import `path` into `out`; refuses (ExtractError `not_covering`) when a site lies outside the extract."""
    from stockpile.adapters.travel.roads.provider import RoadGraphProvider  # the snapper

    started = time.monotonic()
    graph, info = build_from_extract(path, speeds, include_tracks)
    header = info["header_bbox"]
    box = tuple(header) if isinstance(header, list) else graph.bbox()
    outside = [s for s in sites if not _inside(box, s.point)]  # type: ignore[arg-type,unused-ignore]
    if outside:
        names = "; ".join(f"{s.code} {s.name} ({s.point.lon:.4f}, {s.point.lat:.4f})" for s in outside[:20])
        where = f"{box[0]:.4f}–{box[2]:.4f} E, {box[1]:.4f}–{box[3]:.4f} N"
        raise ExtractError(
            "not_covering",
            f"{path.name} covers {where}; {len(outside)} of {len(sites)} site(s) lie outside it: {names}",
            file=path.name,
            bbox=where,
            n=len(outside),
            total=len(sites),
            names=names,
        )
    far: list[FarSite] = []
    if sites:
        snaps = RoadGraphProvider(graph).snap([s.point for s in sites], "driving-car")
        far = [FarSite(s, float(d)) for s, d in zip(sites, snaps.dist_m, strict=True) if d > snap_warn_m]
    src = {"name": path.name, "bytes": path.stat().st_size, "sha256": _sha256(path)}
    meta = {
        **graph.meta,
        "source": src,
        "imported_at": clock.now().isoformat(timespec="seconds"),
        "bbox": list(graph.bbox()),
        "counts": {
            "nodes": graph.n_nodes,
            "segments": graph.n_segments,
            "directed_edges": graph.n_directed_edges,
        },
    }
    fields = {k: getattr(graph, k) for k in graph.__dataclass_fields__ if k not in ("meta", "hierarchies")}
    graph = RoadGraph(**fields, meta=meta, hierarchies=build_hierarchies(graph))
    save_graph(graph, out)
    compile_queries(graph.hierarchies["driving-car"])
    return ImportReport(
        path=out,
        nodes=graph.n_nodes,
        segments=graph.n_segments,
        directed_edges=graph.n_directed_edges,
        osm_nodes=int(info["osm_nodes"]),  # type: ignore[call-overload]
        ways_seen=int(info["ways_seen"]),  # type: ignore[call-overload]
        ways_kept=int(info["ways_kept"]),  # type: ignore[call-overload]
        dropped_segments=int(info["dropped_segments"]),  # type: ignore[call-overload]
        bbox=graph.bbox(),
        road_km=float(np.sum(graph.seg_len_m) / 1000.0),
        seconds=time.monotonic() - started,
        far_sites=tuple(far),
        sites_checked=len(sites),
    )
