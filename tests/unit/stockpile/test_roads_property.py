"""Property test (issue 19): the road graph's matrix equals a brute-force Dijkstra on small random road networks.

Random junctions on a ~2 km patch, random roads between them (some one-way, some closed to heavy trucks, various
classes), random sites anywhere on the patch. The brute force is written independently: a plain heapq Dijkstra
over the graph's segments, and for each site the ways on and off its road (the rest of the segment in its
direction, the part behind it when two-way or when it stands on a junction, or straight along to a site on the
same segment). Durations must agree within rounding (the provider rounds each edge to 1 ms, then up to a second).
The provider answers from its contraction hierarchy; plain Dijkstra over the same graph must answer identically.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpile.adapters.travel.roads.graph import build_graph, with_times
from stockpile.adapters.travel.roads.network import AT_NODE_M
from stockpile.adapters.travel.roads.osm import BACKWARD, CAR, FORWARD, HGV, RawWays
from stockpile.adapters.travel.roads.provider import RoadGraphProvider
from stockpile.adapters.travel.roads.speeds import SpeedTable
from stockpile.ports.travel import UNREACHABLE, LonLat
from stockpile.resources import resource

SPEEDS = SpeedTable.from_toml(resource("road_speeds.toml"))
_CHECKED: list[int] = []
CLASSES = ("primary", "residential", "secondary", "service", "tertiary")


@st.composite
def networks(draw):
    n = draw(st.integers(3, 9))
    coords = draw(
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=n, max_size=n, unique=True)
    )
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1])
    roads = draw(
        st.lists(
            st.tuples(
                pairs,
                st.sampled_from([FORWARD | BACKWARD, FORWARD | BACKWARD, FORWARD, BACKWARD]),
                st.sampled_from([CAR | HGV, CAR | HGV, CAR]),
                st.integers(0, len(CLASSES) - 1),
                st.booleans(),  # a bend (an extra shape point) in the middle
            ),
            min_size=n - 1,
            max_size=3 * n,
        )
    )
    sites = draw(st.lists(st.tuples(st.floats(0, 40), st.floats(0, 40)), min_size=1, max_size=6))
    on_nodes = draw(st.lists(st.integers(0, n - 1), max_size=3))
    profile = draw(st.sampled_from(["driving-car", "driving-hgv"]))
    return coords, roads, sites, on_nodes, profile


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return 24.0 + x * 0.0009, 60.0 + y * 0.00045  # about 50 m per unit both ways at 60° N


def _raw(coords, roads) -> RawWays:
    ids, lons, lats, offsets, flags, cls = [], [], [], [0], [], []
    bend_id = 10_000
    for (a, b), direction, prof, c, bend in roads:
        refs = [(a + 1, *_lonlat(*coords[a]))]
        if bend:
            mx, my = (coords[a][0] + coords[b][0]) / 2 + 1.5, (coords[a][1] + coords[b][1]) / 2
            bend_id += 1
            refs.append((bend_id, *_lonlat(mx, my)))
        refs.append((b + 1, *_lonlat(*coords[b])))
        for ref, lon, lat in refs:
            ids.append(ref)
            lons.append(lon)
            lats.append(lat)
        offsets.append(len(ids))
        flags.append(direction | prof)
        cls.append(c)
    k = len(roads)
    return RawWays(
        node_id=np.array(ids, dtype=np.int64),
        lon=np.array(lons),
        lat=np.array(lats),
        offsets=np.array(offsets, dtype=np.int64),
        way_id=np.arange(1, k + 1, dtype=np.int64),
        class_idx=np.array(cls, dtype=np.uint8),
        flags=np.array(flags, dtype=np.uint8),
        maxspeed=np.zeros(k, dtype=np.uint8),
        classes=CLASSES,
        header_bbox=None,
        ways_seen=k,
        ways_kept=k,
    )


def _dijkstra(n: int, adj: dict[int, list[tuple[int, float]]], source: int) -> list[float]:
    dist = [math.inf] * n
    dist[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        d, x = heapq.heappop(heap)
        if d > dist[x]:
            continue
        for y, w in adj.get(x, []):
            if d + w < dist[y]:
                dist[y] = d + w
                heapq.heappush(heap, (d + w, y))
    return dist


@settings(max_examples=120, deadline=None)
@given(networks())
def test_matrix_equals_a_brute_force_dijkstra(case):
    coords, roads, sites, on_nodes, profile = case
    graph, _ = build_graph(_raw(coords, roads))
    if graph.n_segments == 0:
        return
    times = {
        p: SPEEDS.seconds(CLASSES, graph.seg_len_m, graph.seg_class, graph.seg_maxspeed, p)
        for p in SPEEDS.speeds_kmh
    }
    graph = with_times(graph, times["driving-car"], times["driving-hgv"], {"classes": list(CLASSES)})
    provider = RoadGraphProvider(graph)
    t = graph.seg_times(profile)
    fwd = ((graph.seg_flags & FORWARD) > 0) & np.isfinite(t)
    bwd = ((graph.seg_flags & BACKWARD) > 0) & np.isfinite(t)
    if not (fwd | bwd).any():
        return
    adj: dict[int, list[tuple[int, float]]] = {}
    for s in range(graph.n_segments):
        u, v = int(graph.seg_u[s]), int(graph.seg_v[s])
        if fwd[s]:
            adj.setdefault(u, []).append((v, float(t[s])))
        if bwd[s]:
            adj.setdefault(v, []).append((u, float(t[s])))
    all_d = [_dijkstra(graph.n_nodes, adj, x) for x in range(graph.n_nodes)]

    points = [LonLat(*_lonlat(x, y)) for x, y in sites]
    points += [
        LonLat(float(graph.node_lon[i % graph.n_nodes]), float(graph.node_lat[i % graph.n_nodes]))
        for i in on_nodes
    ]
    snaps = provider.snap(points, profile)  # snapping has its own tests; here the sites' snaps are the input

    def exits(i: int) -> list[tuple[int, float]]:
        s, f = int(snaps.seg[i]), float(snaps.frac[i])
        at_u = f * graph.seg_len_m[s] <= AT_NODE_M
        at_v = (1 - f) * graph.seg_len_m[s] <= AT_NODE_M
        out = []
        if fwd[s] or at_v:
            out.append((int(graph.seg_v[s]), (1 - f) * t[s]))
        if bwd[s] or at_u:
            out.append((int(graph.seg_u[s]), f * t[s]))
        return out

    def entries(j: int) -> list[tuple[int, float]]:
        s, f = int(snaps.seg[j]), float(snaps.frac[j])
        at_u = f * graph.seg_len_m[s] <= AT_NODE_M
        at_v = (1 - f) * graph.seg_len_m[s] <= AT_NODE_M
        out = []
        if fwd[s] or at_u:
            out.append((int(graph.seg_u[s]), f * t[s]))
        if bwd[s] or at_v:
            out.append((int(graph.seg_v[s]), (1 - f) * t[s]))
        return out

    m = provider.matrix(points, points, profile)
    # the contraction hierarchy answers exactly what plain Dijkstra over the same graph answers
    plain = RoadGraphProvider(graph, hierarchy=False).matrix(points, points, profile)
    assert (plain.duration_s, plain.distance_m) == (m.duration_s, m.distance_m)
    _CHECKED.append(sum(v != UNREACHABLE for row in m.duration_s for v in row))
    for i in range(len(points)):
        for j in range(len(points)):
            best = math.inf
            si, sj = int(snaps.seg[i]), int(snaps.seg[j])
            if si == sj:
                delta = float(snaps.frac[j] - snaps.frac[i])
                if (delta >= 0 and fwd[si]) or (delta <= 0 and bwd[si]):
                    best = abs(delta) * t[si]
                if delta == 0:
                    best = 0.0
            for x, cx in exits(i):
                for y, cy in entries(j):
                    best = min(best, cx + all_d[x][y] + cy)
            got = m.duration_s[i][j]
            if math.isinf(best):
                assert got == UNREACHABLE, (i, j, got)
            else:
                assert got != UNREACHABLE, (i, j, best)
                assert abs(got - math.ceil(best - 1e-9)) <= 1, (i, j, got, best)
                assert got >= best - 0.05, (i, j, got, best)


def test_the_property_test_compares_real_routes():
    """Guard against a vacuous property test: most examples had reachable pairs to compare."""
    test_matrix_equals_a_brute_force_dijkstra()
    assert len(_CHECKED) >= 50 and sum(c > 1 for c in _CHECKED) >= 30, _CHECKED[:20]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=9, max_size=9), min_size=7, max_size=7))
def test_isochrone_outline_traces_exactly_the_cells(cells):
    """The merged boundary runs polygonize to exactly the union of the (4-connected) cell set, pinches included."""
    import shapely
    from scipy import ndimage

    from stockpile.adapters.travel.roads.isochrones import _boundary

    grid = np.array(cells, dtype=bool)
    labels, count = ndimage.label(grid, structure=ndimage.generate_binary_structure(2, 1))
    if not count:
        return
    grid = labels == 1
    faces = shapely.get_parts(shapely.polygonize(shapely.linestrings(_boundary(grid))))
    inside = shapely.point_on_surface(faces)
    ix, iy = np.floor(shapely.get_x(inside)).astype(int), np.floor(shapely.get_y(inside)).astype(int)
    shape = shapely.union_all(faces[grid[iy, ix]])
    cells_union = shapely.union_all(
        [shapely.box(c, r, c + 1, r + 1) for r, c in zip(*np.nonzero(grid), strict=True)]
    )
    assert shape.geom_type == "Polygon"
    assert shape.symmetric_difference(cells_union).area < 1e-9
