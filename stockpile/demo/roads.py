"""The demo county's road network (SYNTHETIC, issue 19): written as an OpenStreetMap PBF and imported through the
same importer as a real county's extract.

A river (the 示范河) runs north–south just east of the county seat; three bridges cross it (北/中/南大桥). County
roads (secondary) run from the seat to every township centre, over the nearest bridge when the township lies across
the river; township roads (tertiary) link neighbouring township centres on the same bank; village roads
(unclassified) join each township's villages in a spanning tree (villages across the river from their centre reach
it over the nearest bridge); depots, reserve points and shelters get a short access road (service). The FLOOD-DEMO
drill closes the middle bridge (`BRIDGE_CLOSED`): villages across it are then reached only around by the other
bridges.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import osmium
from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm.ledger import AdminAreaRow, ShelterRow, SiteRow

BRIDGES = (  # way id, name, latitude
    (900_001, "北大桥", 29.78),
    (900_002, "中大桥", 29.60),
    (900_003, "南大桥", 29.42),
)
BRIDGE_CLOSED = 900_002
_RIVER_WAY = 800_000
_HALF_SPAN = 0.004  # a bridge runs this far (degrees of longitude) either side of the river


def river_lon(lat: float) -> float:
    """The river's longitude at a latitude (a gentle meander)."""
    return 115.955 + 0.012 * math.sin((lat - 29.2) * 9.0)


def east_bank(lon: float, lat: float) -> bool:
    return lon > river_lon(lat)


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    lon: float
    lat: float
    group: str  # the township code it belongs to ("" for the county seat's own sites)


@dataclass
class _Writer:
    rng: random.Random
    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)
    ways: list[tuple[int, list[int], dict[str, str]]] = field(default_factory=list)
    next_node: int = 1
    next_way: int = 1

    def node(self, lon: float, lat: float) -> int:
        nid = self.next_node
        self.next_node += 1
        self.nodes[nid] = (round(lon, 7), round(lat, 7))
        return nid

    def road(self, a: int, b: int, tags: dict[str, str], way_id: int | None = None, bends: int = 2) -> None:
        """A way from node a to node b with a few jittered bends (the roads are not ruler-straight)."""
        (x0, y0), (x1, y1) = self.nodes[a], self.nodes[b]
        length = math.hypot(x1 - x0, y1 - y0)
        refs = [a]
        for k in range(1, bends + 1):
            t = k / (bends + 1)
            j = self.rng.uniform(-0.06, 0.06) * length
            px, py = (
                x0 + (x1 - x0) * t - (y1 - y0) / max(length, 1e-9) * j,
                y0 + (y1 - y0) * t + (x1 - x0) / max(length, 1e-9) * j,
            )
            if east_bank(px, py) != east_bank(x0, y0) or east_bank(px, py) != east_bank(x1, y1):
                px, py = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t  # a bend never crosses the river
            refs.append(self.node(px, py))
        refs.append(b)
        wid = way_id if way_id is not None else self.next_way
        if way_id is None:
            self.next_way += 1
        self.ways.append((wid, refs, tags))


def _nearest(points: Sequence[tuple[float, float]], x: float, y: float) -> int:
    return min(range(len(points)), key=lambda i: (points[i][0] - x) ** 2 + (points[i][1] - y) ** 2)


def _spanning_tree(points: Sequence[tuple[float, float]]) -> list[tuple[int, int]]:
    """Prim's minimum spanning tree over a few dozen points (plain Python is enough)."""
    if len(points) < 2:
        return []
    inside, edges = {0}, []
    while len(inside) < len(points):
        best = min(
            ((i, j) for i in inside for j in range(len(points)) if j not in inside),
            key=lambda e: (points[e[0]][0] - points[e[1]][0]) ** 2 + (points[e[0]][1] - points[e[1]][1]) ** 2,
        )
        edges.append(best)
        inside.add(best[1])
    return edges


class _Network:
    """Builds the demo network step by step on a `_Writer` (see the module docstring)."""

    def __init__(self, seat: tuple[float, float], towns: Sequence[Place], seed: int) -> None:
        self.w = _Writer(random.Random(seed))
        self.seat = self.w.node(*seat)
        self.towns = towns
        self.bridge_ends: list[tuple[int, int]] = []  # (west node, east node)
        self.town_node = {
            t.code: self.seat
            if math.hypot(t.lon - seat[0], t.lat - seat[1]) < 1e-6
            else self.w.node(t.lon, t.lat)
            for t in towns
        }

    def river_and_bridges(self) -> None:
        """The river (not a road: for maps; the importer ignores it) and the bridges with their approaches."""
        w = self.w
        river = [w.node(river_lon(lat), lat) for lat in (29.10 + 0.02 * k for k in range(51))]
        w.ways.append((_RIVER_WAY, river, {"waterway": "river", "name": "示范河"}))
        for wid, name, lat in BRIDGES:
            west = w.node(river_lon(lat) - _HALF_SPAN, lat)
            east = w.node(river_lon(lat) + _HALF_SPAN, lat)
            tags = {"highway": "secondary", "bridge": "yes", "name": name, "layer": "1"}
            w.ways.append((wid, [west, east], tags))
            self.bridge_ends.append((west, east))
            for end in (west, east):  # each end joins the nearest township centre on its bank
                x, y = w.nodes[end]
                bank = [t for t in self.towns if east_bank(t.lon, t.lat) == east_bank(x, y)]
                if bank:
                    t = bank[_nearest([(p.lon, p.lat) for p in bank], x, y)]
                    w.road(end, self.town_node[t.code], {"highway": "secondary"})

    def over_river(self, a: int, b: int, tags: dict[str, str]) -> None:
        """A road from a to b, crossing the river over the bridge that makes the shortest detour."""
        w = self.w
        (ax, ay), (bx, by) = w.nodes[a], w.nodes[b]
        if east_bank(ax, ay) == east_bank(bx, by):
            w.road(a, b, tags)
            return

        def via(k: int) -> float:
            (wx, wy), (ex, ey) = w.nodes[self.bridge_ends[k][0]], w.nodes[self.bridge_ends[k][1]]
            return math.hypot(ax - wx, ay - wy) + math.hypot(bx - ex, by - ey)

        k = min(range(len(self.bridge_ends)), key=via)
        near_a, near_b = self.bridge_ends[k] if not east_bank(ax, ay) else self.bridge_ends[k][::-1]
        w.road(a, near_a, tags)
        w.road(near_b, b, tags)

    def county_and_township_roads(self) -> None:
        """Secondary roads from the seat to every centre; tertiary ones to the two nearest centres on a bank."""
        for t in self.towns:
            if self.town_node[t.code] != self.seat:
                self.over_river(self.seat, self.town_node[t.code], {"highway": "secondary"})
        linked: set[frozenset[str]] = set()
        for t in self.towns:
            bank = east_bank(t.lon, t.lat)
            others = [o for o in self.towns if o.code != t.code and east_bank(o.lon, o.lat) == bank]
            others.sort(key=lambda o: (o.lon - t.lon) ** 2 + (o.lat - t.lat) ** 2)
            for o in others[:2]:
                pair = frozenset((t.code, o.code))
                if pair not in linked:
                    linked.add(pair)
                    self.w.road(self.town_node[t.code], self.town_node[o.code], {"highway": "tertiary"})

    def village_roads(self, villages: Sequence[Place]) -> None:
        """A spanning tree per township and bank (the far bank reaches its centre over a bridge), then links
        between neighbouring villages of different townships (within ~3 km, same bank)."""
        w = self.w
        for t in self.towns:
            home = east_bank(t.lon, t.lat)
            for bank in (home, not home):
                group = [v for v in villages if v.group == t.code and east_bank(v.lon, v.lat) == bank]
                if not group:
                    continue
                pts = [(v.lon, v.lat) for v in group]
                ids = [w.node(v.lon, v.lat) for v in group]
                if bank == home:
                    pts, ids = [(t.lon, t.lat), *pts], [self.town_node[t.code], *ids]
                for i, j in _spanning_tree(pts):
                    w.road(ids[i], ids[j], {"highway": "unclassified"}, bends=1)
                if bank != home:
                    nearest = ids[_nearest(pts, t.lon, t.lat)]
                    self.over_river(nearest, self.town_node[t.code], {"highway": "unclassified"})
        node_of = dict(zip((v.code for v in villages), _village_nodes(w, villages), strict=True))
        pairs: set[frozenset[str]] = set()
        for v in villages:
            bank = east_bank(v.lon, v.lat)
            others = [o for o in villages if o.group != v.group and east_bank(o.lon, o.lat) == bank]
            if not others:
                continue
            o = others[_nearest([(p.lon, p.lat) for p in others], v.lon, v.lat)]
            pair = frozenset((v.code, o.code))
            near = math.hypot(o.lon - v.lon, o.lat - v.lat) < 0.03
            if near and node_of[v.code] and node_of[o.code] and pair not in pairs:
                pairs.add(pair)
                w.road(node_of[v.code], node_of[o.code], {"highway": "unclassified"}, bends=1)

    def access_roads(self, sites: Sequence[Place]) -> None:
        """A short service road from each depot, reserve point and shelter to the nearest main road (same bank)."""
        w = self.w
        main = [
            n for _, refs, tags in w.ways if tags.get("highway") in ("secondary", "tertiary") for n in refs
        ]
        for s in sites:
            here = w.node(s.lon, s.lat)
            bank = east_bank(s.lon, s.lat)
            near = [n for n in main if east_bank(*w.nodes[n]) == bank]
            target = near[_nearest([w.nodes[n] for n in near], s.lon, s.lat)]
            w.road(here, target, {"highway": "service"}, bends=0)


def build_network(
    seat: tuple[float, float],
    towns: Sequence[Place],
    villages: Sequence[Place],
    sites: Sequence[Place],
    seed: int = 19,
) -> _Writer:
    """Nodes and ways of the demo network (see the module docstring)."""
    net = _Network(seat, towns, seed)
    net.river_and_bridges()
    net.county_and_township_roads()
    net.village_roads(villages)
    net.access_roads(sites)
    return net.w


def _village_nodes(w: _Writer, villages: Sequence[Place]) -> list[int]:
    """The node placed for each village (matched by its coordinates)."""
    where = {xy: nid for nid, xy in w.nodes.items()}
    return [where.get((round(v.lon, 7), round(v.lat, 7)), 0) for v in villages]


def write_pbf(w: _Writer, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = osmium.SimpleWriter(str(path), overwrite=True)
    try:
        for nid in sorted(w.nodes):
            writer.add_node(osmium.osm.mutable.Node(id=nid, location=w.nodes[nid], tags={}))
        for wid, refs, tags in sorted(w.ways, key=lambda x: x[0]):
            writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags))
    finally:
        writer.close()
    return path


def closed_bridge_geojson() -> dict[str, Any]:
    """A small polygon over the middle bridge: the FLOOD-DEMO drill's closed road (GeoJSON, WGS-84)."""
    lat = next(b[2] for b in BRIDGES if b[0] == BRIDGE_CLOSED)
    lon = river_lon(lat)
    d = 0.002
    ring = [
        [lon - d, lat - d],
        [lon + d, lat - d],
        [lon + d, lat + d],
        [lon - d, lat + d],
        [lon - d, lat - d],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def write_closed_bridge(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    feature = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "中大桥 洪水封闭（演练）"},
                "geometry": closed_bridge_geojson(),
            }
        ],
    }
    path.write_text(json.dumps(feature, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_demo_network(database_url: str, path: Path) -> Path:
    """The demo county's places from its database → the network → `path` (an .osm.pbf)."""
    with Session(make_engine(database_url)) as s:
        areas = s.execute(
            select(
                AdminAreaRow.code,
                AdminAreaRow.level,
                AdminAreaRow.parent_code,
                AdminAreaRow.lon,
                AdminAreaRow.lat,
            )
        ).all()
        site_rows = s.execute(
            select(SiteRow.code, SiteRow.lon, SiteRow.lat).where(SiteRow.active.is_(True))
        ).all()
        shelters = s.execute(select(ShelterRow.code, ShelterRow.lon, ShelterRow.lat)).all()
    county = next(a for a in areas if a.level == "county" and a.lon is not None)
    towns = [
        Place(a.code, a.lon, a.lat, a.code) for a in areas if a.level == "township" and a.lon is not None
    ]
    villages = [
        Place(a.code, a.lon, a.lat, a.parent_code or "")
        for a in areas
        if a.level == "village" and a.lon is not None
    ]
    sites = [
        Place(c, lon, lat, "")
        for c, lon, lat in (*site_rows, *shelters)
        if lon is not None and lat is not None
    ]
    return write_pbf(build_network((county.lon, county.lat), towns, villages, sites), path)
