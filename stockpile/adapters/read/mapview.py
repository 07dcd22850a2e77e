"""Read model for 应急一张图: township boundaries, depots by stock status, holders, shelters, villages, base tiles.

A township is drawn with its own boundary polygon when the county imported one (its boundaries file, GeoJSON);
otherwise the boundary is sketched: a Voronoi diagram of every village and township seat, cells merged per
township and clipped to the county outline (a buffered concave hull of all points), minus any real polygons. The
sketch reads like an administrative map and keeps each village inside its own township.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, shape
from shapely.ops import unary_union

STATUS_COLOURS: dict[str, list[int]] = {
    "expired": [200, 40, 40, 230],
    "near": [235, 150, 20, 230],
    "ok": [30, 140, 60, 230],
    "empty": [140, 140, 140, 200],
}
Ring = list[list[float]]


def county_outline(points: Sequence[tuple[float, float]], margin_deg: float = 0.02) -> Polygon:
    """The county as a buffered concave hull of its points (lon, lat)."""
    hull = shapely.concave_hull(MultiPoint([Point(p) for p in points]), ratio=0.4)
    return hull.buffer(margin_deg, join_style="round").simplify(margin_deg / 10)


def township_polygons(
    points: Sequence[tuple[str, float, float]],
    margin_deg: float = 0.02,
    outline_points: Sequence[tuple[float, float]] = (),
) -> dict[str, list[Ring]]:
    """Township code → outer rings [[lon, lat], ...]: Voronoi cells of the points (township code, lon, lat),
    merged per township and clipped to the county outline (hull of the points and `outline_points`).

    Rule: every point lies inside the polygon of its own township, polygons do not overlap, and together they
    cover the county outline. With seats only, each township is one convex cell (a clean schematic map);
    with seats and villages, cells follow village membership.
    """
    if not points:
        return {}
    uniq: dict[tuple[float, float], str] = {}
    for code, lon, lat in points:
        uniq.setdefault((round(lon, 6), round(lat, 6)), code)
    outline = county_outline([*uniq, *outline_points], margin_deg)
    if len(uniq) < 3:
        only = next(iter(uniq.values()))
        return {only: [_ring(outline)]}
    cells = shapely.voronoi_polygons(MultiPoint([Point(p) for p in uniq]), extend_to=outline.buffer(1.0))
    by_code: dict[str, list[Any]] = {}
    for cell in cells.geoms:
        owner = next((c for p, c in uniq.items() if cell.contains(Point(p))), None)
        if owner is not None:
            by_code.setdefault(owner, []).append(cell)
    out: dict[str, list[Ring]] = {}
    for code, parts in by_code.items():
        shape = unary_union(parts).intersection(outline)
        polys = list(shape.geoms) if hasattr(shape, "geoms") else [shape]
        out[code] = [_ring(p) for p in polys if isinstance(p, Polygon) and not p.is_empty]
    return out


def _township_rings(
    towns: pd.DataFrame, villages: pd.DataFrame, real: dict[str, Any]
) -> dict[str, list[Ring]]:
    """Township code → outer rings: the county's own boundary polygons where it has them; the Voronoi sketch for
    the others, with the real polygons cut out so the two never overlap."""
    out: dict[str, list[Ring]] = {}
    shapes = {code: shape(g) for code, g in real.items()}
    for code, geom in shapes.items():
        parts = list(geom.geoms) if hasattr(geom, "geoms") else [geom]
        out[code] = [_ring(p) for p in parts if isinstance(p, Polygon) and not p.is_empty]
    if len(shapes) == len(towns):
        return out
    seats = [(c, lo, la) for c, lo, la in zip(towns["code"], towns["lon"], towns["lat"], strict=True)]
    around = list(zip(villages["lon"], villages["lat"], strict=True))
    taken = unary_union(list(shapes.values())) if shapes else None
    for code, rings in township_polygons(seats, outline_points=around).items():
        if code in out:
            continue
        cells = [Polygon(r) for r in rings]
        if taken is not None:
            rest = unary_union(cells).difference(taken)
            cells = [p for p in (rest.geoms if hasattr(rest, "geoms") else [rest]) if isinstance(p, Polygon)]
        out[code] = [_ring(p) for p in cells if not p.is_empty]
    return out


def _ring(p: Polygon) -> Ring:
    return [[round(x, 5), round(y, 5)] for x, y in p.exterior.coords]


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Web-Mercator XYZ tile containing (lon, lat) at zoom z."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tile_bounds(x: int, y: int, z: int) -> list[float]:
    """[west, south, east, north] of an XYZ tile in degrees."""
    n = 2**z

    def lat(yy: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / n))))

    return [x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)]


def tile_mosaic(
    url: str, bbox: tuple[float, float, float, float], max_tiles: int = 36
) -> list[dict[str, Any]]:
    """The XYZ tiles covering bbox at the deepest zoom with ≤ max_tiles tiles: [{image, bounds}, ...].

    `url` holds {z} {x} {y} placeholders (天地图 WMTS with the county's key, or an intranet server); the tiles
    must be WGS-84/CGCS2000 Web-Mercator tiles (not GCJ-02) to line up with the data.
    """
    if not url:
        return []
    w, s, e, n = bbox
    best: list[dict[str, Any]] = []
    for z in range(3, 17):
        x0, y0 = tile_xy(w, n, z)
        x1, y1 = tile_xy(e, s, z)
        count = (x1 - x0 + 1) * (y1 - y0 + 1)
        if count > max_tiles:
            break
        best = [
            {
                "image": url.replace("{z}", str(z)).replace("{x}", str(x)).replace("{y}", str(y)),
                "bounds": tile_bounds(x, y, z),
            }
            for x in range(x0, x1 + 1)
            for y in range(y0, y1 + 1)
        ]
    return best


_ROAD_STYLE: dict[str, tuple[list[int], int]] = {  # class → (RGBA, width in metres)
    "motorway": ([170, 90, 20, 230], 60),
    "trunk": ([170, 90, 20, 230], 50),
    "primary": ([190, 110, 30, 220], 40),
    "secondary": ([200, 130, 50, 210], 35),
    "tertiary": ([120, 120, 120, 200], 25),
    "other": ([150, 150, 150, 160], 15),
}


@dataclass(frozen=True)
class MapLayers:
    townships: pd.DataFrame  # code, name, polygon (rings), lon, lat
    depots: (
        pd.DataFrame
    )  # code, name, label, site_type, lon, lat, status, colour, lots, on_hand, expired, near
    holders: pd.DataFrame  # code, name, lon, lat, items, agreed_qty
    shelters: pd.DataFrame  # code, name, lon, lat, capacity_persons
    villages: pd.DataFrame  # code, name, township_code, lon, lat, population
    bounds: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max of the data


class MapView:
    """Builds the home map's layer tables from the read views (cached boundaries; stock read every call)."""

    def __init__(self, views: Any, tile_url: str = "", roads: Callable[[], Any] | None = None) -> None:
        self.views = views
        self.tile_url = tile_url
        self._townships: tuple[Any, pd.DataFrame] | None = None
        self._roads = roads
        self._road_paths: tuple[int, pd.DataFrame] | None = None

    def road_paths(self) -> pd.DataFrame:
        """The imported road network as map lines (path, cls, color, width in metres); empty without one.
        Drawn offline under the other layers, main roads darker and wider (issue 19)."""
        graph = self._roads() if self._roads is not None else None
        if graph is None:
            return pd.DataFrame(columns=["path", "cls", "color", "width"])
        if self._road_paths is not None and self._road_paths[0] == id(graph):
            return self._road_paths[1]
        classes = graph.classes
        rows = []
        for s in range(graph.n_segments):
            lon, lat = graph.shape(s)
            cls = classes[int(graph.seg_class[s])]
            color, width = _ROAD_STYLE.get(cls, _ROAD_STYLE["other"])
            rows.append(
                {
                    "path": [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)],
                    "cls": cls,
                    "color": color,
                    "width": width,
                }
            )
        df = pd.DataFrame(rows)
        self._road_paths = (id(graph), df)
        return df

    def tiles(self, bounds: tuple[float, float, float, float]) -> list[dict[str, Any]]:
        """Base-map tiles from the configured XYZ URL (none when unset: the map stays offline)."""
        w, s, e, n = bounds
        pad_x, pad_y = (e - w) * 0.5, (n - s) * 0.5
        return tile_mosaic(self.tile_url, (w - pad_x, s - pad_y, e + pad_x, n + pad_y))

    def townships(self) -> pd.DataFrame:
        """One row per township polygon part (code, name, ring, label point): the county's own boundary where its
        boundaries file gave one, else the Voronoi sketch (minus the real boundaries). Rebuilt when the townships,
        villages or boundaries change (a county import), else cached."""
        towns = self.views.areas("township")
        villages = self.views.areas("village")
        real = self.views.boundaries()
        key = (towns.to_json(), villages.to_json(), json.dumps(real, sort_keys=True))
        if self._townships is None or self._townships[0] != key:
            polys = _township_rings(towns, villages, real)
            rows = []
            for code, name in zip(towns["code"], towns["name"], strict=True):
                for ring in polys.get(code, []):
                    poly = Polygon(
                        ring
                    )  # the name goes at the centre of the cell, away from the seat's depot
                    label = poly.centroid if poly.contains(poly.centroid) else poly.representative_point()
                    rows.append({"code": code, "name": name, "polygon": ring, "lon": label.x, "lat": label.y})
            self._townships = (key, pd.DataFrame(rows, columns=["code", "name", "polygon", "lon", "lat"]))
        return self._townships[1]

    def layers(self, on: date | None = None, site_codes: Collection[str] | None = None) -> MapLayers:
        """The county's layers; with `site_codes` (a keeper's read scope) only those depots and no
        agreement holders (the county's agreements are not a keeper's data). The bounds stay the county's."""
        sites = self.views.sites()
        stock = self.views.stock(on=on, site_codes=site_codes)
        holders = _holders(sites, self.views.agreements(on))
        depots = _depot_status(sites[~sites["code"].isin(set(holders["code"]))], stock)
        if site_codes is not None:
            depots = depots[depots["code"].isin(list(site_codes))].reset_index(drop=True)
            holders = holders.iloc[0:0]
        dp = self.views.demand_points()
        shelters = dp[dp["kind"] == "shelter"][["code", "name", "lon", "lat", "capacity_persons"]]
        villages = dp[dp["kind"] == "village"][["code", "name", "township_code", "lon", "lat", "population"]]
        lons = [*sites["lon"], *dp["lon"]]
        lats = [*sites["lat"], *dp["lat"]]
        bounds = (min(lons), min(lats), max(lons), max(lats)) if lons else (115.5, 29.2, 116.3, 30.0)
        return MapLayers(
            self.townships(),
            depots,
            holders,
            shelters.reset_index(drop=True),
            villages.reset_index(drop=True),
            bounds,
        )


def _depot_status(sites: pd.DataFrame, stock: pd.DataFrame) -> pd.DataFrame:
    """One row per government site: lots, on hand, expired and near-expiry lots; status = worst of them."""
    rows = []
    for s in sites.itertuples():
        mine = stock[stock["site_code"] == s.code] if not stock.empty else stock
        expired = int((mine["status"] == "expired").sum()) if len(mine) else 0
        near = int((mine["status"] == "near").sum()) if len(mine) else 0
        status = "empty" if not len(mine) else "expired" if expired else "near" if near else "ok"
        rows.append(
            {
                "code": s.code,
                "name": s.name,
                "label": str(s.name).replace("应急物资储备点", "储备点"),  # short map label
                "site_type": s.site_type,
                "lon": s.lon,
                "lat": s.lat,
                "status": status,
                "colour": STATUS_COLOURS[status],
                "lots": len(mine),
                "on_hand": int(mine["on_hand"].sum()) if len(mine) else 0,
                "expired": expired,
                "near": near,
            }
        )
    cols = [
        "code",
        "name",
        "label",
        "site_type",
        "lon",
        "lat",
        "status",
        "colour",
        "lots",
        "on_hand",
        "expired",
        "near",
    ]
    return pd.DataFrame(rows, columns=cols)


def _holders(sites: pd.DataFrame, agreements: pd.DataFrame) -> pd.DataFrame:
    """Agreement holders (协议储备): enterprise sites holding at least one agreement line."""
    cols = ["code", "name", "lon", "lat", "items", "agreed_qty"]
    if agreements.empty:
        return pd.DataFrame(columns=cols)
    g = agreements.groupby("holder_code").agg(
        items=("item_code", "nunique"), agreed_qty=("agreed_qty", "sum")
    )
    out = sites.merge(g, left_on="code", right_index=True)
    return out[cols].reset_index(drop=True)
