"""A routable view of the road graph for one profile and one set of closed roads, and snapping to it.

Weights. scipy's Dijkstra carries one float per path; it carries time *and* length exactly by packing both into
one integer-valued float64: w = t·2^k + l, with t the time in milliseconds (rounded per edge, at least 1) and l the
length in metres (rounded per edge). Minimising w minimises time first (ties go to the shorter road), and because
l ≤ v_max·t on every edge, the length part of any path under `time_cap_s` never reaches 2^k: decoding is
exact (t = ⌊w / 2^k⌋, l = w − t·2^k). `time_cap_s` is 74 h for a county's speeds; longer paths keep exact
times and approximate lengths.

Sites become virtual nodes per call: an origin on segment s at fraction f gets an edge to the segment's head
(the rest of s, if s runs that way) and to its tail (if s runs both ways); a destination gets edges from them;
an origin and a destination on the same segment get a direct edge when the direction allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from scipy.sparse import csr_matrix

from stockpile.adapters.travel.roads.graph import EARTH_RADIUS_M, RoadGraph
from stockpile.adapters.travel.roads.hierarchy import Hierarchy, edges_digest
from stockpile.adapters.travel.roads.osm import BACKWARD, FORWARD

T_UNIT_S = 1e-3
L_UNIT_M = 1.0
_MANTISSA_BITS = 52
AT_NODE_M = 0.5
Attach = tuple[np.ndarray, np.ndarray, np.ndarray]


class Projection:
    """Local equirectangular metres around the graph's centre (errors < 0.5 % across a county)."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.kx = math.radians(1.0) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
        self.ky = math.radians(1.0) * EARTH_RADIUS_M

    def xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon) - self.lon0) * self.kx, (np.asarray(lat) - self.lat0) * self.ky

    def lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(x) / self.kx + self.lon0, np.asarray(y) / self.ky + self.lat0

    def to_lonlat_coords(self, coords: np.ndarray) -> np.ndarray:
        lon, lat = self.lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])


@dataclass(frozen=True, slots=True)
class Snaps:
    """Where points meet the road: segment, fraction along it (0 at seg_u), distance (m), the point on the road."""

    seg: np.ndarray
    frac: np.ndarray
    dist_m: np.ndarray
    x: np.ndarray
    y: np.ndarray


class Packing:
    """The time/length packing of one graph (see the module docstring)."""

    def __init__(self, graph: RoadGraph) -> None:
        t = np.concatenate([graph.seg_time_car, graph.seg_time_hgv])
        length = np.concatenate([graph.seg_len_m, graph.seg_len_m])
        ok = np.isfinite(t)
        tq = np.maximum(1.0, np.rint(t[ok] / T_UNIT_S))
        lq = np.rint(length[ok] / L_UNIT_M)
        v_max = float((lq / tq).max()) if len(tq) else 1.0
        max_l = float(lq.max()) if len(lq) else 1.0
        for t_bits in range(32, 10, -1):
            l_bits = math.ceil(math.log2(v_max * 2.0**t_bits + 2 * max_l + 2))
            if t_bits + l_bits <= _MANTISSA_BITS:
                break
        self.shift = 2.0**l_bits
        self.time_cap_s = 2.0**t_bits * T_UNIT_S

    def pack(self, seconds: np.ndarray, metres: np.ndarray) -> np.ndarray:
        tq = np.maximum(1.0, np.rint(np.asarray(seconds) / T_UNIT_S))
        return np.asarray(tq * self.shift + np.rint(np.asarray(metres) / L_UNIT_M), dtype=float)

    def unpack(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seconds and metres (floats); inf stays inf."""
        w = np.asarray(w, dtype=float)
        finite = np.isfinite(w)
        t = np.where(finite, np.floor(np.where(finite, w, 0.0) / self.shift), np.inf)
        m = np.where(finite, np.where(finite, w, 0.0) - np.where(finite, t, 0.0) * self.shift, np.inf)
        return t * T_UNIT_S, np.maximum(m, 0.0) * L_UNIT_M

    def limit(self, seconds: float) -> float:
        return (math.floor(seconds / T_UNIT_S) + 1) * self.shift


class Network:
    """One profile's directed edges with some segments closed (`open_seg`), its CSR and its snapping index."""

    def __init__(
        self, graph: RoadGraph, profile: str, open_seg: np.ndarray, packing: Packing, proj: Projection
    ) -> None:
        self.graph, self.profile, self.packing, self.proj = graph, profile, packing, proj
        times = graph.seg_times(profile)
        allowed = open_seg & np.isfinite(times)
        self.fwd_ok = allowed & ((graph.seg_flags & FORWARD) > 0)
        self.bwd_ok = allowed & ((graph.seg_flags & BACKWARD) > 0)
        self.seg_time = np.where(allowed, times, np.inf)
        fwd, bwd = np.flatnonzero(self.fwd_ok), np.flatnonzero(self.bwd_ok)
        tail = np.concatenate([graph.seg_u[fwd], graph.seg_v[bwd]]).astype(np.int64)
        head = np.concatenate([graph.seg_v[fwd], graph.seg_u[bwd]]).astype(np.int64)
        seg = np.concatenate([fwd, bwd])
        rev = np.concatenate([np.zeros(len(fwd), bool), np.ones(len(bwd), bool)])
        w = packing.pack(times[seg], graph.seg_len_m[seg])
        order = np.lexsort((w, head, tail))
        tail, head, seg, rev, w = tail[order], head[order], seg[order], rev[order], w[order]
        first = np.ones(len(tail), dtype=bool)
        first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
        self.tail, self.head, self.seg, self.rev, self.w = (
            tail[first],
            head[first],
            seg[first],
            rev[first],
            w[first],
        )
        self.n = graph.n_nodes
        self.key = self.tail * self.n + self.head  # sorted: lexsort above ordered by tail, then head
        self.snappable = np.flatnonzero(self.fwd_ok | self.bwd_ok)
        self.all_open = bool(open_seg.all())

    # ---- snapping --------------------------------------------------------------------------------------------
    @cached_property
    def _lines(self) -> np.ndarray:
        g = self.graph
        segs = self.snappable
        counts = (g.shape_offsets[segs + 1] - g.shape_offsets[segs]).astype(np.int64)
        starts = np.repeat(g.shape_offsets[segs] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        idx = np.arange(int(counts.sum())) + starts
        x, y = self.proj.xy(g.shape_lon[idx], g.shape_lat[idx])
        return np.asarray(
            shapely.linestrings(np.column_stack([x, y]), indices=np.repeat(np.arange(len(segs)), counts))
        )

    @cached_property
    def _tree(self) -> shapely.STRtree:
        return shapely.STRtree(self._lines)

    def snap(self, lon: np.ndarray, lat: np.ndarray) -> Snaps:
        """Nearest open segment (for this profile) to each point."""
        if not len(self.snappable):
            raise ValueError("no road is open for this profile")
        x, y = self.proj.xy(np.asarray(lon, float), np.asarray(lat, float))
        pts = shapely.points(x, y)
        pi, gi = self._tree.query_nearest(pts, all_matches=False)
        nearest = np.empty(len(pts), dtype=np.int64)
        nearest[pi] = gi
        lines = self._lines[nearest]
        frac = np.clip(np.asarray(shapely.line_locate_point(lines, pts, normalized=True), float), 0.0, 1.0)
        on_road = shapely.line_interpolate_point(lines, frac, normalized=True)
        return Snaps(
            seg=self.snappable[nearest],
            frac=np.nan_to_num(frac),
            dist_m=np.asarray(shapely.distance(pts, on_road), float),
            x=np.asarray(shapely.get_x(on_road), float),
            y=np.asarray(shapely.get_y(on_road), float),
        )

    # ---- virtual nodes ---------------------------------------------------------------------------------------
    def part(self, seg: np.ndarray, frac: np.ndarray) -> np.ndarray:
        """Packed weight of `frac` of each segment (time and length scale together)."""
        return self.packing.pack(self.seg_time[seg] * frac, self.graph.seg_len_m[seg] * frac)

    def at_u(self, seg: np.ndarray, frac: np.ndarray) -> np.ndarray:
        return np.asarray(frac * self.graph.seg_len_m[seg] <= AT_NODE_M)

    def at_v(self, seg: np.ndarray, frac: np.ndarray) -> np.ndarray:
        return np.asarray((1 - frac) * self.graph.seg_len_m[seg] <= AT_NODE_M)

    def attachments(self, orig: Snaps, dest: Snaps) -> tuple[Attach, Attach, Attach]:
        """How sites join the road: (origin, node, weight) edges out of each origin, (destination, node, weight)
        edges into each destination, and (origin, destination, weight) direct edges along a shared segment."""
        g = self.graph
        # a point on a junction (within AT_NODE_M) joins it in every direction, whatever its segment's one-way
        s, f = orig.seg, orig.frac
        fo = self.fwd_ok[s] | self.at_v(s, f)
        bo = self.bwd_ok[s] | self.at_u(s, f)
        o_idx = np.arange(len(s))
        out = (
            np.concatenate([o_idx[fo], o_idx[bo]]),
            np.concatenate([g.seg_v[s[fo]], g.seg_u[s[bo]]]).astype(np.int64),
            np.concatenate([self.part(s[fo], 1 - f[fo]), self.part(s[bo], f[bo])]),
        )
        s, f = dest.seg, dest.frac
        fd = self.fwd_ok[s] | self.at_u(s, f)
        bd = self.bwd_ok[s] | self.at_v(s, f)
        d_idx = np.arange(len(s))
        into = (
            np.concatenate([d_idx[fd], d_idx[bd]]),
            np.concatenate([g.seg_u[s[fd]], g.seg_v[s[bd]]]).astype(np.int64),
            np.concatenate([self.part(s[fd], f[fd]), self.part(s[bd], 1 - f[bd])]),
        )
        # same segment: a direct edge when the segment runs from the origin towards the destination
        oi, di = np.nonzero(orig.seg[:, None] == dest.seg[None, :])
        s = orig.seg[oi]
        delta = dest.frac[di] - orig.frac[oi]
        ok = ((delta >= 0) & self.fwd_ok[s]) | ((delta <= 0) & self.bwd_ok[s])
        direct = (oi[ok].astype(np.int64), di[ok].astype(np.int64), self.part(s[ok], np.abs(delta[ok])))
        return out, into, direct

    def augmented(self, orig: Snaps, dest: Snaps) -> csr_matrix:
        """The CSR with origins at n … n+no-1 and destinations at n+no … n+no+nd-1."""
        n, no, nd = self.n, len(orig.seg), len(dest.seg)
        out, into, direct = self.attachments(orig, dest)
        tail = np.concatenate([self.tail, n + out[0], into[1], n + direct[0]])
        head = np.concatenate([self.head, out[1], n + no + into[0], n + no + direct[1]])
        w = np.concatenate([self.w, out[2], into[2], direct[2]])
        size = n + no + nd
        return csr_matrix((w, (tail, head)), shape=(size, size))

    @cached_property
    def hierarchy_digest(self) -> str:
        return edges_digest(self.n, self.tail, self.head, self.w)

    def edge_between(self, tail: np.ndarray, head: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Segment and reversed flag of the base edges tail → head (both arrays of real node ids)."""
        pos = np.searchsorted(self.key, tail * self.n + head)
        return self.seg[pos], self.rev[pos]


def build_hierarchies(graph: RoadGraph) -> dict[str, Hierarchy]:
    """A contraction hierarchy per profile for the graph with every road open: car first, then hgv in car's node
    order (the same roads: a good order, several times cheaper than choosing one again)."""
    packing, proj = Packing(graph), Projection(0.0, 0.0)
    out: dict[str, Hierarchy] = {}
    for profile in ("driving-car", "driving-hgv"):
        net = Network(graph, profile, np.ones(graph.n_segments, bool), packing, proj)
        out[profile] = Hierarchy.build(net.n, net.tail, net.head, net.w, like=out.get("driving-car"))
    return out
