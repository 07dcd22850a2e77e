"""Closing roads for one call (issue 19): the segments an avoid polygon touches or whose OSM way is listed."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon as ShapelyPolygon

from stockpile.adapters.travel.roads.graph import RoadGraph
from stockpile.ports.travel import AvoidAreas


def avoid_geometry(avoid: AvoidAreas) -> MultiPolygon:
    """The avoid polygons as one valid shapely geometry; a ring that encloses no area is refused."""
    polys: list[ShapelyPolygon] = []
    for i, poly in enumerate(avoid.polygons):
        shape = ShapelyPolygon(poly[0], holes=poly[1:])
        if not shape.is_valid:
            shape = shapely.make_valid(shape)
        if shape.is_empty or shape.area <= 0:
            raise ValueError(
                f"avoid polygon {i + 1} of {avoid.version!r} encloses no area (are its points on a line?)"
            )
        polys.extend(p for p in getattr(shape, "geoms", [shape]) if isinstance(p, ShapelyPolygon))
    return MultiPolygon(polys)


class ClosedRoads:
    """Finds closed segments; the segments' lines and their STRtree (lon/lat) are built on first use."""

    def __init__(self, graph: RoadGraph) -> None:
        self.graph = graph
        self._lonlat_lines: np.ndarray | None = None
        self._lonlat_tree: shapely.STRtree | None = None

    def segments(self, avoid: AvoidAreas) -> np.ndarray:
        """Segments that intersect an avoid polygon or belong to one of its OSM way ids."""
        closed = np.isin(self.graph.seg_way, np.asarray(avoid.way_ids, dtype=np.int64))
        if avoid.polygons:
            closed[self._tree().query(avoid_geometry(avoid), predicate="intersects")] = True
        return closed

    def _lines(self) -> np.ndarray:
        cached = self._lonlat_lines
        if cached is None:
            g = self.graph
            coords = np.column_stack([g.shape_lon, g.shape_lat])
            cached = np.asarray(
                shapely.linestrings(
                    coords, indices=np.repeat(np.arange(g.n_segments), np.diff(g.shape_offsets))
                )
            )
            self._lonlat_lines = cached
        return cached

    def _tree(self) -> shapely.STRtree:
        tree = self._lonlat_tree
        if tree is None:
            tree = shapely.STRtree(self._lines())
            self._lonlat_tree = tree
        return tree
