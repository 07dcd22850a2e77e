"""`RoadGraphProvider`: the `TravelTimeProvider` port answered from the county's imported road graph, in-process.

- `matrix`: with every road open, a many-to-many query over the profile's contraction hierarchy (hierarchy.py,
  stored in the graph file at import, or built on first use when the file has none or the speeds differ); with
  roads closed for the call, scipy's C Dijkstra (`csgraph.dijkstra` with `indices`) from each distinct origin
  over the graph with the sites as virtual nodes (network.py). Both give the same packed weights, exactly;
  durations and distances rounded up once, unreachable = −1.
- `isochrones`: the road pieces reachable within each range, drawn on a grid and traced to one polygon
  (isochrones.py); ranges of one point nest by construction.
- `directions`: the shortest-time path between consecutive points, drawn along the roads' own geometry.
- `avoid`: road segments that intersect an avoid polygon, or belong to a listed OSM way id, are closed for
  that call only; sites then snap to the nearest open road.
- A site more than `snap_warn_m` (500 m) from the nearest open road is answered, with the notice
  `travel.roads_snap_far` naming the points; every result has `source="roads"`.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from scipy.sparse.csgraph import dijkstra

from stockpile.adapters.travel.roads.avoid import ClosedRoads
from stockpile.adapters.travel.roads.graph import RoadGraph
from stockpile.adapters.travel.roads.hierarchy import Hierarchy
from stockpile.adapters.travel.roads.isochrones import IsochroneDrawer
from stockpile.adapters.travel.roads.network import Network, Packing, Projection, Snaps
from stockpile.adapters.travel.roads.speeds import SpeedTable
from stockpile.ports.travel import (
    PROFILES,
    UNREACHABLE,
    AvoidAreas,
    Isochrone,
    IsochroneSet,
    LonLat,
    Profile,
    Route,
    TravelMatrix,
    TravelTimeUnavailable,
)

log = logging.getLogger(__name__)

NOTICE_SNAP_FAR = "travel.roads_snap_far"
_DIJKSTRA_CELLS = 6_000_000  # rows × nodes per Dijkstra batch (48 MB of float64)
_CACHED_NETWORKS = 8


class RoadGraphProvider:
    """Road travel times from a `RoadGraph` (see the module docstring)."""

    def __init__(
        self,
        graph: RoadGraph,
        speeds: SpeedTable | None = None,
        *,
        flood: bool = False,
        snap_warn_m: float = 500.0,
        isochrone_cell_m: float | None = None,
        isochrone_hole_m2: float = 4_000_000.0,
        isochrone_corridor_m: float = 300.0,
        label: str = "",
        hierarchy: bool = True,
    ) -> None:
        if graph.n_segments == 0:
            raise ValueError("the road graph has no roads")
        if speeds is not None or flood:
            table = speeds or SpeedTable.from_mapping(graph.meta.get("speeds", {}))
            classes = graph.classes
            times = {
                p: table.seconds(classes, graph.seg_len_m, graph.seg_class, graph.seg_maxspeed, p, flood)
                for p in PROFILES
            }
            fields = {name: getattr(graph, name) for name in graph.__dataclass_fields__ if name != "meta"}
            fields.update(
                seg_time_car=np.where(np.isfinite(graph.seg_time_car), times["driving-car"], np.inf),
                seg_time_hgv=np.where(np.isfinite(graph.seg_time_hgv), times["driving-hgv"], np.inf),
            )
            graph = RoadGraph(**fields, meta=graph.meta)
            self._speeds_id = table.digest()
        else:
            self._speeds_id = str(graph.meta.get("speeds_digest", "file"))
        self.graph = graph
        self.flood = flood
        self.snap_warn_m = snap_warn_m
        self.label = label or str(graph.meta.get("source", {}).get("sha256", ""))[:12]
        lon0 = float((graph.node_lon.min() + graph.node_lon.max()) / 2)
        lat0 = float((graph.node_lat.min() + graph.node_lat.max()) / 2)
        self.proj = Projection(lon0, lat0)
        self.packing = Packing(graph)
        self._networks: OrderedDict[tuple[str, str], Network] = OrderedDict()
        self._lock = threading.Lock()  # one provider serves every Streamlit session
        self._all_open = np.ones(graph.n_segments, dtype=bool)
        self.use_hierarchy = hierarchy  # False: plain Dijkstra for every matrix (the benchmark's baseline)
        self._hierarchies: dict[str, Hierarchy] = {}
        self._ch_lock = threading.Lock()
        self._closures = ClosedRoads(graph)
        self.drawer = IsochroneDrawer(
            graph, self.proj, isochrone_cell_m, isochrone_hole_m2, isochrone_corridor_m
        )

    @property
    def identity(self) -> str:
        return f"roads:{self.label}(speeds={self._speeds_id};flood={'on' if self.flood else 'off'})"

    # ---- networks per (profile, avoid) ---------------------------------------------------------------------
    def network(self, profile: Profile, avoid: AvoidAreas | None = None) -> Network:
        if profile not in PROFILES:
            raise ValueError(f"profile {profile!r} is not one of {PROFILES}")
        key = (profile, avoid.digest() if avoid is not None else "")
        with self._lock:
            net = self._networks.get(key)
            if net is None:
                open_seg = self._all_open if avoid is None else ~self.closed_segments(avoid)
                net = Network(self.graph, profile, open_seg, self.packing, self.proj)
                self._networks[key] = net
                while len(self._networks) > _CACHED_NETWORKS:
                    self._networks.popitem(last=False)
            else:
                self._networks.move_to_end(key)
            return net

    def closed_segments(self, avoid: AvoidAreas) -> np.ndarray:
        """Segments that intersect an avoid polygon or belong to one of its OSM way ids."""
        return self._closures.segments(avoid)

    def snap(self, points: Sequence[LonLat], profile: Profile, avoid: AvoidAreas | None = None) -> Snaps:
        net = self.network(profile, avoid)
        return net.snap(np.array([p.lon for p in points]), np.array([p.lat for p in points]))

    def _far(self, label: str, points: Sequence[LonLat], snaps: Snaps) -> list[str]:
        return [
            f"{label} #{i + 1} ({points[i].lon:.5f}, {points[i].lat:.5f}) {snaps.dist_m[i] / 1000:.1f} km"
            for i in np.flatnonzero(snaps.dist_m > self.snap_warn_m).tolist()
        ]

    def _notice(self, far: list[str]) -> tuple[str | None, str]:
        if not far:
            return None, ""
        detail = (
            f"{len(far)} point(s) more than {self.snap_warn_m:g} m from the nearest open road: "
            + "; ".join(far[:20])
        )
        log.warning("road graph: %s", detail)
        return NOTICE_SNAP_FAR, detail

    # ---- matrix --------------------------------------------------------------------------------------------
    def hierarchy(self, net: Network) -> Hierarchy | None:
        """The contraction hierarchy for `net` when every road is open (None with closures: plain Dijkstra)."""
        if not self.use_hierarchy or not net.all_open:
            return None
        with self._ch_lock:  # built once per profile, even when several sessions ask at once
            h = self._hierarchies.get(net.profile)
            if h is None:
                stored = self.graph.hierarchies.get(net.profile)
                if stored is not None and stored.digest == net.hierarchy_digest:
                    h = stored
                else:  # not in the file, or other speeds (flood): a stored node order still serves
                    log.info("road graph: building the %s hierarchy", net.profile)
                    h = Hierarchy.build(net.n, net.tail, net.head, net.w, like=stored)
                self._hierarchies[net.profile] = h
            return h

    def packed_matrix(self, net: Network, orig: Snaps, dest: Snaps) -> np.ndarray:
        """Packed weights origins × destinations (inf = unreachable): a hierarchy query when every road is open,
        else one Dijkstra per distinct origin."""
        no, nd = len(orig.seg), len(dest.seg)
        out = np.full((no, nd), np.inf)
        if not no or not nd:
            return out
        keys = np.column_stack([orig.seg.astype(float), orig.frac])
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        h, distinct = self.hierarchy(net), _take(orig, first)
        if h is not None:
            start, end, direct = net.attachments(distinct, dest)
            found = h.matrix(start, end, len(first), nd)
            np.minimum.at(found, (direct[0], direct[1]), direct[2])
        else:
            found = self._dijkstra_rows(net, distinct, dest)
        out[:] = found[inverse]
        same = (orig.seg[:, None] == dest.seg[None, :]) & (orig.frac[:, None] == dest.frac[None, :])
        out[same] = 0.0
        return out

    @staticmethod
    def _dijkstra_rows(net: Network, orig: Snaps, dest: Snaps) -> np.ndarray:
        csr = net.augmented(orig, dest)
        n, no = net.n, len(orig.seg)
        sources = n + np.arange(no)
        rows = max(1, _DIJKSTRA_CELLS // csr.shape[0])
        found = np.empty((no, len(dest.seg)))
        for start in range(0, no, rows):
            block = sources[start : start + rows]
            found[start : start + len(block)] = dijkstra(csr, directed=True, indices=block)[:, n + no :]
        return found

    def matrix(
        self,
        origins: Sequence[LonLat],
        destinations: Sequence[LonLat],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> TravelMatrix:
        net = self.network(profile, avoid)
        if not origins or not destinations:
            empty = tuple(tuple(0 for _ in destinations) for _ in origins)
            return TravelMatrix(empty, empty, "roads")
        orig = self.snap(origins, profile, avoid)
        dest = self.snap(destinations, profile, avoid)
        packed = self.packed_matrix(net, orig, dest)
        seconds, metres = self.packing.unpack(packed)
        reach = np.isfinite(seconds)
        duration = np.where(reach, np.ceil(np.where(reach, seconds, 0) - 1e-9), UNREACHABLE).astype(np.int64)
        distance = np.where(reach, np.ceil(np.where(reach, metres, 0) - 1e-9), UNREACHABLE).astype(np.int64)
        notice, detail = self._notice(
            self._far("origin", origins, orig) + self._far("destination", destinations, dest)
        )
        return TravelMatrix(
            duration_s=tuple(map(tuple, duration.tolist())),
            distance_m=tuple(map(tuple, distance.tolist())),
            source="roads",
            notice=notice,
            detail=detail,
        )

    def node_seconds(
        self, point: LonLat, profile: Profile, avoid: AvoidAreas | None, limit_s: float
    ) -> tuple[np.ndarray, Snaps]:
        """Seconds from `point` to every graph node (inf beyond `limit_s`), and the point's snap."""
        net = self.network(profile, avoid)
        snaps = self.snap([point], profile, avoid)
        none = Snaps(
            *(np.empty(0, dtype=a.dtype) for a in (snaps.seg, snaps.frac, snaps.dist_m, snaps.x, snaps.y))
        )
        csr = net.augmented(snaps, none)
        dist = dijkstra(csr, directed=True, indices=[net.n], limit=self.packing.limit(limit_s))
        seconds, _ = self.packing.unpack(dist[0, : net.n])
        return seconds, snaps

    # ---- isochrones ----------------------------------------------------------------------------------------
    def isochrones(
        self,
        points: Sequence[LonLat],
        ranges_s: Sequence[int],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> IsochroneSet:
        wanted = sorted({int(r) for r in ranges_s})
        if any(r <= 0 for r in wanted):
            raise ValueError("isochrone ranges must be positive seconds")
        net = self.network(profile, avoid)
        found: list[Isochrone] = []
        far: list[str] = []
        for i, p in enumerate(points):
            seconds, snap = self.node_seconds(p, profile, avoid, max(wanted) if wanted else 0)
            far += self._far("point", [p], snap)
            x, y = self.proj.xy(np.array([p.lon]), np.array([p.lat]))
            polys = self.drawer.draw(net, seconds, snap, (float(x[0]), float(y[0])), wanted)
            found.extend(Isochrone(i, r, poly, "roads") for r, poly in zip(wanted, polys, strict=True))
        notice, detail = self._notice(far)
        return IsochroneSet(tuple(found), "roads", notice, detail)

    # ---- directions ----------------------------------------------------------------------------------------
    def directions(
        self, points: Sequence[LonLat], profile: Profile, avoid: AvoidAreas | None = None
    ) -> Route:
        if len(points) < 2:
            raise ValueError("directions need at least two points")
        net = self.network(profile, avoid)
        snaps = self.snap(points, profile, avoid)
        csr = net.augmented(snaps, snaps)
        n, k = net.n, len(points)
        line: list[tuple[float, float]] = []
        legs_s: list[int] = []
        total_s = total_m = 0.0
        for a, b in itertools.pairwise(range(k)):
            if snaps.seg[a] == snaps.seg[b] and snaps.frac[a] == snaps.frac[b]:
                legs_s.append(0)
                continue
            dist, pred = dijkstra(csr, directed=True, indices=[n + a], return_predecessors=True)
            target = n + k + b
            if not np.isfinite(dist[0, target]):
                notice, detail = self._notice(self._far("point", points, snaps))
                return Route((), UNREACHABLE, UNREACHABLE, "roads", notice, detail, tuple(legs_s))
            seconds, metres = self.packing.unpack(dist[0, target])
            path = _path(pred[0], n + a, target)
            coords = self._leg_geometry(net, snaps, a, b, path)
            line.extend(coords[1:] if line and coords and coords[0] == line[-1] else coords)
            legs_s.append(math.ceil(float(seconds) - 1e-9))
            total_s += float(seconds)
            total_m += float(metres)
        notice, detail = self._notice(self._far("point", points, snaps))
        if not line:  # every point at the same place
            x, y = self.proj.lonlat(snaps.x[:1], snaps.y[:1])
            line = [(float(x[0]), float(y[0]))] * 2
        return Route(
            tuple(LonLat(lon, lat) for lon, lat in line),
            math.ceil(total_s - 1e-9),
            math.ceil(total_m - 1e-9),
            "roads",
            notice,
            detail,
            tuple(legs_s),
        )

    def _leg_geometry(
        self, net: Network, snaps: Snaps, a: int, b: int, path: list[int]
    ) -> list[tuple[float, float]]:
        n = net.n
        inner = [v for v in path if v < n]
        if not inner:  # origin and destination on one segment
            return self._piece(int(snaps.seg[a]), float(snaps.frac[a]), float(snaps.frac[b]))
        g = self.graph
        out: list[tuple[float, float]] = []

        def add(coords: list[tuple[float, float]]) -> None:
            out.extend(coords[1:] if out and coords and coords[0] == out[-1] else coords)

        sa, fa = int(snaps.seg[a]), float(snaps.frac[a])
        add(self._piece(sa, fa, 1.0 if inner[0] == g.seg_v[sa] else 0.0))
        if len(inner) > 1:
            segs, revs = net.edge_between(np.asarray(inner[:-1], np.int64), np.asarray(inner[1:], np.int64))
            for s, r in zip(segs.tolist(), revs.tolist(), strict=True):
                add(self._piece(s, 1.0 if r else 0.0, 0.0 if r else 1.0))
        sb, fb = int(snaps.seg[b]), float(snaps.frac[b])
        add(self._piece(sb, 1.0 if inner[-1] == g.seg_v[sb] else 0.0, fb))
        return out

    def _piece(self, seg: int, f0: float, f1: float) -> list[tuple[float, float]]:
        """Road geometry of `seg` from fraction f0 to f1 (reversed when f1 < f0), as (lon, lat)."""
        lon, lat = self.graph.shape(seg)
        x, y = self.proj.xy(lon, lat)
        cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
        total = cum[-1]
        lo, hi = sorted((f0, f1))
        at = np.array([lo, hi]) * total
        inside = (cum > at[0]) & (cum < at[1])
        ends = np.interp(at, cum, x), np.interp(at, cum, y)
        px = np.concatenate([[ends[0][0]], x[inside], [ends[0][1]]])
        py = np.concatenate([[ends[1][0]], y[inside], [ends[1][1]]])
        if f1 < f0:
            px, py = px[::-1], py[::-1]
        plon, plat = self.proj.lonlat(px, py)
        return list(zip(plon.tolist(), plat.tolist(), strict=True))


class UnusableGraph:
    """Stands in for a road-graph file that cannot be read: every call raises `TravelTimeUnavailable`, so
    `FallbackProvider` answers from openrouteservice or the estimate with a visible notice."""

    def __init__(self, detail: str) -> None:
        self.detail = detail

    @property
    def identity(self) -> str:
        return "roads:unusable"

    def _fail(self) -> TravelMatrix:
        raise TravelTimeUnavailable("roads_unusable", self.detail)

    def matrix(
        self, origins: object, destinations: object, profile: object, avoid: object = None
    ) -> TravelMatrix:
        return self._fail()

    def isochrones(
        self, points: object, ranges_s: object, profile: object, avoid: object = None
    ) -> IsochroneSet:
        self._fail()
        raise AssertionError

    def directions(self, points: object, profile: object, avoid: object = None) -> Route:
        self._fail()
        raise AssertionError


def _take(s: Snaps, idx: np.ndarray) -> Snaps:
    return Snaps(s.seg[idx], s.frac[idx], s.dist_m[idx], s.x[idx], s.y[idx])


def _path(pred: np.ndarray, source: int, target: int) -> list[int]:
    path = [target]
    while path[-1] != source:
        prev = int(pred[path[-1]])
        if prev < 0:
            raise RuntimeError("broken predecessor chain")
        path.append(prev)
    return path[::-1]
