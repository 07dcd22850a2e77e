"""The county's road graph: compact arrays, built from way pieces, saved as one versioned `.npz` file.

Vertices are the OSM nodes where ways meet or end; a *segment* is the road between two vertices along one way,
with its shape points, length, class, direction and profile bits and per-profile travel time. Only the largest
strongly connected part is kept (islands cut off by the extract's edge or by one-way rules would make sites
unreachable); `dropped_segments` says how much went.

File format (numpy `.npz`, `allow_pickle=False`), `format_version` = 1:
  meta_json (uint8 UTF-8 JSON: format, source file, counts, bbox, classes, speed table, import time),
  node_lon/node_lat (float64, V), node_osm (int64, V),
  seg_u/seg_v (int32, S), seg_len_m (float64, S), seg_class (uint8, S), seg_flags (uint8, S: 1 forward,
  2 backward, 4 car, 8 hgv), seg_maxspeed (uint8, S), seg_way (int64, S), seg_time_car/seg_time_hgv (float64, S;
  +inf where the profile may not drive), shape_offsets (int64, S+1), shape_lon/shape_lat (float64);
  optionally, per profile (`ch_car_` / `ch_hgv_`), the contraction hierarchy built at import (hierarchy.py: rank,
  up_ptr/up_head/up_w, down_ptr/down_tail/down_w, digest). A file without them (imported before) still reads;
  its hierarchy is then built on the first matrix.
The file is written to a temporary name in the same folder and renamed over the old one: a reader sees the old
graph or the new one, never half a file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from stockpile.adapters.travel.roads.hierarchy import Hierarchy
from stockpile.adapters.travel.roads.osm import BACKWARD, CAR, FORWARD, HGV, RawWays

FORMAT = "relief-road-graph"
FORMAT_VERSION = 1
EARTH_RADIUS_M = 6_371_008.8
_ARRAYS = (
    "node_lon",
    "node_lat",
    "node_osm",
    "seg_u",
    "seg_v",
    "seg_len_m",
    "seg_class",
    "seg_flags",
    "seg_maxspeed",
    "seg_way",
    "seg_time_car",
    "seg_time_hgv",
    "shape_offsets",
    "shape_lon",
    "shape_lat",
)
_CH_PREFIX = {"driving-car": "ch_car_", "driving-hgv": "ch_hgv_"}


class GraphFileError(Exception):
    """The road-graph file is missing, unreadable or of another format version."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


@dataclass(frozen=True, eq=False)
class RoadGraph:
    node_lon: np.ndarray
    node_lat: np.ndarray
    node_osm: np.ndarray
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_len_m: np.ndarray
    seg_class: np.ndarray
    seg_flags: np.ndarray
    seg_maxspeed: np.ndarray
    seg_way: np.ndarray
    seg_time_car: np.ndarray
    seg_time_hgv: np.ndarray
    shape_offsets: np.ndarray
    shape_lon: np.ndarray
    shape_lat: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    hierarchies: dict[str, Hierarchy] = field(default_factory=dict)  # per profile, every road open

    @property
    def n_nodes(self) -> int:
        return len(self.node_lon)

    @property
    def n_segments(self) -> int:
        return len(self.seg_u)

    @property
    def n_directed_edges(self) -> int:
        return int(np.count_nonzero(self.seg_flags & FORWARD) + np.count_nonzero(self.seg_flags & BACKWARD))

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(self.meta.get("classes", ()))

    def bbox(self) -> tuple[float, float, float, float]:
        if not len(self.shape_lon):
            return (0.0, 0.0, 0.0, 0.0)
        return (
            float(self.shape_lon.min()),
            float(self.shape_lat.min()),
            float(self.shape_lon.max()),
            float(self.shape_lat.max()),
        )

    def seg_times(self, profile: str) -> np.ndarray:
        return self.seg_time_car if profile == "driving-car" else self.seg_time_hgv

    def shape(self, seg: int) -> tuple[np.ndarray, np.ndarray]:
        a, b = int(self.shape_offsets[seg]), int(self.shape_offsets[seg + 1])
        return self.shape_lon[a:b], self.shape_lat[a:b]


# ---- building -------------------------------------------------------------------------------------------------
def build_graph(ways: RawWays) -> tuple[RoadGraph, dict[str, int]]:
    """Split way pieces at shared nodes into segments and keep the largest strongly connected part.

    Returns the graph with zero times (`with_times` fills them) and how many segments and nodes were dropped.
    """
    n_pos = len(ways.node_id)
    n_pieces = len(ways.way_id)
    piece_of = np.repeat(np.arange(n_pieces), np.diff(ways.offsets))
    _, inverse, counts = np.unique(ways.node_id, return_inverse=True, return_counts=True)
    is_vertex = counts[inverse] >= 2
    is_vertex[ways.offsets[:-1]] = True
    is_vertex[ways.offsets[1:] - 1] = True
    a, b = _segment_ends(is_vertex, piece_of)
    # a closed way with no other junction (a ring road) would be one segment from a node to itself: split it
    loop = (ways.node_id[a] == ways.node_id[b]) & (b - a >= 2)
    if loop.any():
        is_vertex[(a[loop] + b[loop]) // 2] = True
        a, b = _segment_ends(is_vertex, piece_of)
    vpos = np.flatnonzero(is_vertex)
    seg_len = _lengths_m(ways, n_pos, a, b)
    vert_ids = np.unique(ways.node_id[vpos])
    u = np.searchsorted(vert_ids, ways.node_id[a])
    v = np.searchsorted(vert_ids, ways.node_id[b])
    piece = piece_of[a]
    loops = u == v
    a, b, u, v, seg_len, piece = a[~loops], b[~loops], u[~loops], v[~loops], seg_len[~loops], piece[~loops]
    n = len(vert_ids)
    keep_vertex = _largest_strong_part(u, v, ways.flags[piece], n)
    keep = keep_vertex[u] & keep_vertex[v]
    if n and keep_vertex.sum() < 2:
        keep[:] = False
    used = np.zeros(n, dtype=bool)
    used[u[keep]] = used[v[keep]] = True
    new_index = np.cumsum(used) - 1
    a, b, u, v, seg_len, piece = a[keep], b[keep], u[keep], v[keep], seg_len[keep], piece[keep]

    shape_offsets, idx = _shape_points(a, b)
    first_pos = np.zeros(n, dtype=np.int64)
    first_pos[np.searchsorted(vert_ids, ways.node_id[vpos])] = vpos
    graph = RoadGraph(
        node_lon=ways.lon[first_pos[used]],
        node_lat=ways.lat[first_pos[used]],
        node_osm=vert_ids[used],
        seg_u=new_index[u].astype(np.int32),
        seg_v=new_index[v].astype(np.int32),
        seg_len_m=seg_len.astype(float),
        seg_class=ways.class_idx[piece],
        seg_flags=ways.flags[piece],
        seg_maxspeed=ways.maxspeed[piece],
        seg_way=ways.way_id[piece],
        seg_time_car=np.zeros(len(a)),
        seg_time_hgv=np.zeros(len(a)),
        shape_offsets=shape_offsets,
        shape_lon=ways.lon[idx],
        shape_lat=ways.lat[idx],
        meta={"classes": list(ways.classes)},
    )
    dropped = {"segments": int((~keep).sum()), "nodes": int(n - used.sum())}
    return graph, dropped


def _lengths_m(ways: RawWays, n_pos: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each segment's length along its way's node positions a … b, in metres."""
    step = np.zeros(n_pos)
    if n_pos > 1:
        step[1:] = haversine_m(ways.lon[:-1], ways.lat[:-1], ways.lon[1:], ways.lat[1:])
    cum = np.cumsum(step)
    lengths: np.ndarray = cum[b] - cum[a]
    return lengths


def _largest_strong_part(u: np.ndarray, v: np.ndarray, flags: np.ndarray, n: int) -> np.ndarray:
    """The vertices of the largest strongly connected part of the graph any profile may drive (a road one can
    reach but never leave, or the reverse, would give one-way-only answers)."""
    fwd, bwd = (flags & FORWARD) > 0, (flags & BACKWARD) > 0
    tail = np.concatenate([u[fwd], v[bwd]])
    head = np.concatenate([v[fwd], u[bwd]])
    if not n:
        return np.zeros(0, dtype=bool)
    adj = coo_matrix((np.ones(len(tail)), (tail, head)), shape=(n, n)).tocsr()
    _, label = connected_components(adj, directed=True, connection="strong")
    keep: np.ndarray = label == np.bincount(label).argmax()
    return keep


def _shape_points(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's shape as the positions a … b of its way, laid end to end: (offsets, positions)."""
    lengths = b - a + 1
    shape_offsets = np.zeros(len(a) + 1, dtype=np.int64)
    shape_offsets[1:] = np.cumsum(lengths)
    starts = np.repeat(a - shape_offsets[:-1], lengths)
    return shape_offsets, np.arange(int(shape_offsets[-1])) + starts


def _segment_ends(is_vertex: np.ndarray, piece_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of consecutive vertices within one way piece: each pair is a segment's first and last point."""
    vpos = np.flatnonzero(is_vertex)
    a, b = vpos[:-1], vpos[1:]
    same = piece_of[a] == piece_of[b]
    return a[same], b[same]


def with_times(graph: RoadGraph, car: np.ndarray, hgv: np.ndarray, meta: dict[str, Any]) -> RoadGraph:
    """The graph with per-profile times (inf where the way is closed to the profile) and its metadata."""
    car = np.where((graph.seg_flags & CAR) > 0, car, np.inf)
    hgv = np.where((graph.seg_flags & HGV) > 0, hgv, np.inf)
    fields = {name: getattr(graph, name) for name in _ARRAYS}
    fields.update(seg_time_car=car, seg_time_hgv=hgv)
    return RoadGraph(**fields, meta={**graph.meta, **meta})


# ---- the file ---------------------------------------------------------------------------------------------------
def save_graph(graph: RoadGraph, path: Path) -> None:
    """Write the versioned file atomically (temporary file in the same folder, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {**graph.meta, "format": FORMAT, "format_version": FORMAT_VERSION}
    arrays = {name: getattr(graph, name) for name in _ARRAYS}
    arrays["meta_json"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    arrays["format_version"] = np.asarray(FORMAT_VERSION, dtype=np.int64)
    for profile, h in graph.hierarchies.items():
        arrays.update(h.arrays(_CH_PREFIX[profile]))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_graph(path: Path) -> RoadGraph:
    """Read a graph file; `GraphFileError` names a missing file, a damaged one or another format version."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as e:
        raise GraphFileError("missing", f"no road graph at {path}: run `relief roads import`") from e
    except OSError as e:
        raise GraphFileError("unreadable", f"{path}: {e.strerror or e}") from e
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            if "format_version" not in data.files or "meta_json" not in data.files:
                raise GraphFileError("not_a_graph", f"{path} is not a road-graph file")
            version = int(data["format_version"])
            if version != FORMAT_VERSION:
                raise GraphFileError(
                    "old_format",
                    f"{path} has road-graph format {version}, this version reads {FORMAT_VERSION}: "
                    "import the extract again",
                )
            meta = json.loads(bytes(data["meta_json"]).decode("utf-8"))
            missing = [name for name in _ARRAYS if name not in data.files]
            if missing:
                raise GraphFileError("not_a_graph", f"{path} lacks {', '.join(missing)}")
            arrays = {name: data[name] for name in _ARRAYS}
            stored = {name: data[name] for name in data.files if name.startswith("ch_")}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as e:
        raise GraphFileError(
            "damaged", f"{path} is damaged ({type(e).__name__}): import the extract again"
        ) from e
    found = {p: Hierarchy.from_arrays(prefix, stored) for p, prefix in _CH_PREFIX.items()}
    hierarchies = {p: h for p, h in found.items() if h is not None and h.n == len(arrays["node_lon"])}
    graph = RoadGraph(**arrays, meta=meta, hierarchies=hierarchies)
    _check_shapes(graph, path)
    return graph


def _check_shapes(g: RoadGraph, path: Path) -> None:
    s, v = g.n_segments, g.n_nodes
    per_seg = (g.seg_v, g.seg_len_m, g.seg_class, g.seg_flags, g.seg_maxspeed, g.seg_way, g.seg_time_car)
    ok = (
        all(len(x) == s for x in (*per_seg, g.seg_time_hgv))
        and len(g.node_lat) == v
        and len(g.node_osm) == v
        and len(g.shape_offsets) == s + 1
        and len(g.shape_lon) == len(g.shape_lat) == (int(g.shape_offsets[-1]) if s else len(g.shape_lon))
        and (s == 0 or (int(g.seg_u.max()) < v and int(g.seg_v.max()) < v and int(g.seg_u.min()) >= 0))
    )
    if not ok:
        raise GraphFileError("damaged", f"{path} has inconsistent arrays: import the extract again")
