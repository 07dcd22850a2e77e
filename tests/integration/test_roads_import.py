"""Importing road extracts: OSM tag rules, refusals with clear messages, nothing half-written, the graph file's
versioning, the snap warning, and the bootstrap's choice of source (issue 19)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from stockpile.adapters.read.coverage_world import TravelGateway
from stockpile.adapters.travel.matrix import FallbackProvider, HaversineMatrix
from stockpile.adapters.travel.roads import (
    NOTICE_SNAP_FAR,
    ExtractError,
    GraphFileError,
    RoadGraphProvider,
    Site,
    SpeedTable,
    SpeedTableError,
    import_extract,
    load_graph,
)
from stockpile.adapters.travel.roads.osm import parse_maxspeed
from stockpile.adapters.travel.sources import build_travel, live_travel, road_graph, road_provider
from stockpile.config import Settings
from stockpile.ports.travel import UNREACHABLE, AvoidAreas, LonLat
from stockpile.resources import resource
from tests.support.osm_files import grid_network, helsinki_pbf, write_pbf

SPEEDS = SpeedTable.from_toml(resource("road_speeds.toml"))
STEP = 0.01  # about 0.55 km east-west and 1.1 km north-south at 60° N


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _refused(path: Path, out: Path, code: str, **kw) -> ExtractError:
    with pytest.raises(ExtractError) as e:
        import_extract(path, out, SPEEDS, **kw)
    assert e.value.code == code, e.value
    return e.value


# ---- malformed input: a clear message, nothing written ----------------------------------------------------------
def test_a_file_that_is_not_a_pbf_is_refused_and_nothing_is_written(tmp_path: Path):
    out = tmp_path / "roads" / "county-roads.npz"
    bad = tmp_path / "county.osm.pbf"
    bad.write_text("这不是路网 not a road network\n", encoding="utf-8")
    err = _refused(bad, out, "not_pbf")
    assert "not an OpenStreetMap PBF" in err.detail
    xml = tmp_path / "county.osm"
    xml.write_text('<?xml version="1.0"?><osm version="0.6"></osm>', encoding="utf-8")
    assert "osmium cat" in _refused(xml, out, "osm_xml").detail
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    _refused(empty, out, "not_pbf")
    _refused(tmp_path / "missing.osm.pbf", out, "not_found")
    assert _files(out.parent) == []


def test_a_truncated_pbf_is_refused_and_the_previous_graph_stays(tmp_path: Path):
    out = tmp_path / "roads" / "county-roads.npz"
    import_extract(helsinki_pbf(), out, SPEEDS)
    before = out.read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(helsinki_pbf().read_bytes()[:300_000])
    err = _refused(cut, out, "truncated")
    assert "cut.osm.pbf" in err.detail
    assert out.read_bytes() == before
    assert _files(out.parent) == ["county-roads.npz"]  # no temporary file left behind


def test_an_extract_without_roads_is_refused(tmp_path: Path):
    pbf = write_pbf(
        tmp_path / "paths.osm.pbf",
        {1: (24.0, 60.0), 2: (24.01, 60.0), 3: (24.02, 60.0)},
        [(10, [1, 2], {"highway": "footway"}), (11, [2, 3], {"highway": "cycleway"})],
    )
    err = _refused(pbf, tmp_path / "g.npz", "empty")
    assert "no drivable road" in err.detail and "2 highway ways" in err.detail


def test_an_extract_that_misses_the_county_is_refused_naming_the_sites(tmp_path: Path):
    out = tmp_path / "county-roads.npz"
    sites = [
        Site("XJK", "示范县救灾物资储备库", LonLat(115.905, 29.595)),
        Site("H1", "Helsinki depot", LonLat(24.944, 60.170)),
    ]
    err = _refused(helsinki_pbf(), out, "not_covering", sites=sites)
    assert "XJK 示范县救灾物资储备库" in err.detail and "1 of 2 site(s)" in err.detail
    assert "H1" not in err.detail
    assert not out.exists()


def test_a_site_5_km_from_any_road_is_named_but_the_import_goes_on(tmp_path: Path):
    # a ring road about 12 km across; the village in the middle is 5–6 km from it
    nodes = {1: (24.0, 60.0), 2: (24.2, 60.0), 3: (24.2, 60.1), 4: (24.0, 60.1)}
    pbf = write_pbf(tmp_path / "ring.osm.pbf", nodes, [(7, [1, 2, 3, 4, 1], {"highway": "tertiary"})])
    sites = [Site("V1", "山里村", LonLat(24.1, 60.05)), Site("D1", "路边库", LonLat(24.1, 60.0001))]
    rep = import_extract(pbf, tmp_path / "g.npz", SPEEDS, sites=sites)
    assert [(f.site.code, round(f.distance_m / 1000)) for f in rep.far_sites] == [("V1", 6)]
    m = RoadGraphProvider(load_graph(tmp_path / "g.npz")).matrix(
        [sites[1].point], [sites[0].point], "driving-car"
    )
    assert m.notice == NOTICE_SNAP_FAR and "destination #1 (24.10000, 60.05000) 5.6 km" in m.detail
    assert m.duration_s[0][0] != UNREACHABLE


def test_an_avoid_polygon_that_is_not_a_polygon_is_refused(tmp_path: Path):
    pbf = grid_network(tmp_path / "grid.osm.pbf", 24.0, 60.0, 4, 4, STEP)
    import_extract(pbf, tmp_path / "g.npz", SPEEDS)
    roads = RoadGraphProvider(load_graph(tmp_path / "g.npz"))
    with pytest.raises(ValueError, match="at least 3 distinct points"):
        AvoidAreas.from_rings("line", [[[[24.0, 60.0], [24.01, 60.0]]]])
    on_a_line = AvoidAreas.from_rings("flat", [[[[24.0, 60.0], [24.01, 60.0], [24.02, 60.0]]]])
    with pytest.raises(ValueError, match="encloses no area"):
        roads.matrix([LonLat(24.0, 60.0)], [LonLat(24.03, 60.03)], "driving-car", on_a_line)
    with pytest.raises(ValueError, match="a polygon or a way id"):
        AvoidAreas.closing_ways("nothing", [])


def test_a_bad_speed_table_is_refused(tmp_path: Path):
    with pytest.raises(SpeedTableError, match="positive km/h"):
        SpeedTable.from_mapping({"driving-car": {"primary": 0}, "driving-hgv": {"primary": 40}})
    with pytest.raises(SpeedTableError, match="no \\[driving-hgv\\]"):
        SpeedTable.from_mapping({"driving-car": {"primary": 50}})
    with pytest.raises(SpeedTableError, match="≥ 1"):
        SpeedTable.from_mapping({"driving-car": {"a": 5}, "driving-hgv": {"a": 5}, "flood": {"a": 0.5}})
    broken = tmp_path / "speeds.toml"
    broken.write_text("[driving-car\nprimary = ", encoding="utf-8")
    with pytest.raises(SpeedTableError, match="cannot read"):
        SpeedTable.from_toml(broken)


# ---- OSM tag rules -----------------------------------------------------------------------------------------------
def test_tag_rules_one_way_access_ferries_and_maxspeed(tmp_path: Path):
    """A 3 × 2 grid of residential streets plus special ways between extra nodes."""
    extra_nodes = {50: (24.05, 60.0), 51: (24.05, 60.01), 52: (24.06, 60.0)}
    extra = [
        (3001, [3, 50], {"highway": "primary", "oneway": "yes"}),  # 3 → 50 only
        (3002, [50, 6], {"highway": "primary", "oneway": "-1"}),  # 6 → 50 only
        (3003, [50, 51], {"highway": "primary", "access": "no"}),  # closed
        (3004, [51, 6], {"highway": "primary", "route": "ferry"}),  # ferry
        (3005, [50, 52], {"highway": "primary", "hgv": "no", "maxspeed": "30"}),  # cars only, slow
        (
            3006,
            [52, 3],
            {"highway": "primary", "motor_vehicle": "no", "motorcar": "yes"},
        ),  # most specific wins
    ]
    pbf = grid_network(tmp_path / "t.osm.pbf", 24.0, 60.0, 3, 2, STEP, "residential", extra, extra_nodes)
    import_extract(pbf, tmp_path / "g.npz", SPEEDS)
    g = load_graph(tmp_path / "g.npz")
    ways = set(g.seg_way.tolist())
    assert 3003 not in ways and 3004 not in ways
    assert {3001, 3002, 3005, 3006} <= ways
    s = int(np.flatnonzero(g.seg_way == 3005)[0])
    assert g.seg_maxspeed[s] == 30 and g.seg_time_car[s] == pytest.approx(g.seg_len_m[s] / (30 / 3.6))
    hgv_no = np.flatnonzero(g.seg_way == 3005)
    assert np.isinf(g.seg_time_hgv[hgv_no]).all() and np.isfinite(g.seg_time_car[hgv_no]).all()
    roads = RoadGraphProvider(g)
    p3, p50, p6 = LonLat(24.02, 60.0), LonLat(24.05, 60.0), LonLat(24.02, 60.01)
    m = roads.matrix([p3, p50, p6], [p3, p50, p6], "driving-car")
    d = np.array(m.duration_s)
    assert d[0, 1] < d[1, 0]  # 3 → 50 on the one-way; back only around via 52
    assert d[2, 1] < d[1, 2]  # 6 → 50 on the reverse one-way


@pytest.mark.parametrize(
    ("tag", "kmh"), [("50", 50), ("30 mph", 48), ("none", 0), ("CN:urban", 0), (None, 0), ("80 km/h", 80)]
)
def test_maxspeed_values(tag: str | None, kmh: int):
    assert parse_maxspeed(tag) == kmh


# ---- the graph file ----------------------------------------------------------------------------------------------
def test_graph_files_of_another_version_or_damaged_are_named(tmp_path: Path):
    out = tmp_path / "g.npz"
    import_extract(helsinki_pbf(), out, SPEEDS)
    with pytest.raises(GraphFileError) as e:
        load_graph(tmp_path / "none.npz")
    assert e.value.code == "missing" and "relief roads import" in e.value.detail
    cut = tmp_path / "cut.npz"
    cut.write_bytes(out.read_bytes()[:5000])
    with pytest.raises(GraphFileError) as e:
        load_graph(cut)
    assert e.value.code == "damaged"
    data = dict(np.load(out))
    data["format_version"] = np.asarray(99)
    old = tmp_path / "old.npz"
    with old.open("wb") as f:
        np.savez(f, **data)
    with pytest.raises(GraphFileError) as e:
        load_graph(old)
    assert e.value.code == "old_format" and "import the extract again" in e.value.detail
    plain = tmp_path / "plain.npz"
    with plain.open("wb") as f:
        np.savez(f, x=np.arange(3))
    with pytest.raises(GraphFileError) as e:
        load_graph(plain)
    assert e.value.code == "not_a_graph"


def test_the_graph_file_round_trips(tmp_path: Path):
    out = tmp_path / "g.npz"
    import_extract(helsinki_pbf(), out, SPEEDS)
    first = load_graph(out)
    import_extract(helsinki_pbf(), out, SPEEDS)  # replaces the file in place
    second = load_graph(out)
    assert np.array_equal(first.seg_time_car, second.seg_time_car)
    assert np.array_equal(first.shape_lon, second.shape_lon)
    assert first.meta["source"]["sha256"] == second.meta["source"]["sha256"]


# ---- the bootstrap's choice --------------------------------------------------------------------------------------
def test_bootstrap_uses_the_road_graph_when_imported_else_the_estimate(tmp_path: Path, monkeypatch):
    out = tmp_path / "roads" / "county-roads.npz"
    settings = Settings(road_graph_file=out, ors_enabled=False)
    assert isinstance(build_travel(settings), HaversineMatrix)
    import_extract(helsinki_pbf(), out, SPEEDS)
    travel = build_travel(settings)
    assert isinstance(travel, RoadGraphProvider)
    a, b = LonLat(24.940, 60.170), LonLat(24.950, 60.175)
    assert travel.matrix([a], [b], "driving-hgv").source == "roads"
    assert build_travel(settings) is travel  # loaded once per file version
    assert isinstance(build_travel(Settings(road_graph_file=out, road_enabled=False)), HaversineMatrix)
    # a damaged file: the estimate answers, with a notice that says why
    out.write_bytes(b"PK\x03\x04 broken")
    os.utime(out, ns=(1, 1))
    travel = build_travel(settings)
    assert isinstance(travel, FallbackProvider)
    m = travel.matrix([a], [b], "driving-car")
    assert m.source == "offline" and m.notice == "travel.fallback_offline" and "roads_unusable" in m.detail


def test_the_services_use_a_road_graph_imported_while_the_app_runs(tmp_path: Path):
    """Built once (as the app's services are), the travel source follows the file: no graph → the estimate;
    imported → the road graph; imported again from another extract → the new graph, with a new identity;
    removed → the estimate again. The isochrone switch follows it too."""
    out = tmp_path / "roads" / "county-roads.npz"
    settings = Settings(road_graph_file=out, ors_enabled=False)
    travel = live_travel(settings)
    gateway = TravelGateway(travel, lambda: road_provider(settings) is not None)
    a, b = LonLat(24.9405, 60.1705), LonLat(24.9495, 60.1745)
    assert travel.matrix([a], [b], "driving-car").source == "offline" and not gateway.isochrones_from_router
    assert gateway.isochrones([(a.lon, a.lat)], [600], "driving-car") is None
    import_extract(helsinki_pbf(), out, SPEEDS)
    helsinki = travel.identity
    assert travel.matrix([a], [b], "driving-car").source == "roads" and gateway.isochrones_from_router
    first = travel.matrix([a], [b], "driving-car").duration_s[0][0]
    # another extract over the same place: a coarse grid of primary roads, so the times differ
    grid = grid_network(tmp_path / "grid.osm.pbf", 24.93, 60.16, 6, 6, STEP, highway="primary")
    import_extract(grid, out, SPEEDS)
    assert travel.identity != helsinki
    again = travel.matrix([a], [b], "driving-car")
    assert again.source == "roads" and again.duration_s[0][0] != first
    assert road_graph(settings) is not None and road_graph(settings).n_nodes == 36
    out.unlink()
    assert travel.matrix([a], [b], "driving-car").source == "offline" and not gateway.isochrones_from_router
