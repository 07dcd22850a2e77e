"""Isochrone polygons from the reachable road pieces (issue 19).

For a range R every segment contributes the part reachable in time: from its tail u, (R − T_u) ÷ t of it
(if it runs that way), from its head v likewise, and from the site itself on the site's own segment. Sample
points along the roads (at most half a cell apart) that lie on reachable parts mark cells of a grid in local
metres; the grid is dilated by one cell (a road corridor of about one cell each side), holes smaller than
`hole_m2` are filled (a lake or a hill ringed by roads stays a hole), the part holding the site is kept, and its
boundary is traced into one polygon. For one site, a longer range marks a superset of cells, so 15 ⊂ 30 ⊂ 60 min
holds exactly, and every node reachable within R lies inside R's polygon.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import shapely
from scipy import ndimage

from stockpile.adapters.travel.roads.graph import RoadGraph
from stockpile.adapters.travel.roads.network import Network, Projection, Snaps
from stockpile.ports.travel import LonLat, Polygon

_CROSS = ndimage.generate_binary_structure(2, 1)
_SQUARE = np.ones((3, 3), dtype=bool)


class IsochroneDrawer:
    def __init__(self, graph: RoadGraph, proj: Projection, cell_m: float | None, hole_m2: float) -> None:
        self.graph, self.proj = graph, proj
        if cell_m is None:
            x, y = proj.xy(
                np.array([graph.bbox()[0], graph.bbox()[2]]), np.array([graph.bbox()[1], graph.bbox()[3]])
            )
            extent = max(float(np.ptp(x)), float(np.ptp(y)), 1.0)
            cell_m = float(np.clip(extent / 500.0, 20.0, 200.0))
        if not cell_m > 0:
            raise ValueError("isochrone cell size must be positive metres")
        self.cell = cell_m
        self.hole_cells = max(0, int(hole_m2 / cell_m**2))

    @cached_property
    def samples(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Points along every segment (shape points plus fill-ins ≤ cell/2 apart): segment, fraction, x, y."""
        g = self.graph
        x, y = self.proj.xy(g.shape_lon, g.shape_lat)
        seg_of = np.repeat(np.arange(g.n_segments), np.diff(g.shape_offsets))
        step = np.hypot(np.diff(x), np.diff(y))
        same = seg_of[1:] == seg_of[:-1]
        step = np.where(same, step, 0.0)
        cum = np.concatenate([[0.0], np.cumsum(step)])
        seg_start = cum[g.shape_offsets[:-1]]
        seg_total = cum[g.shape_offsets[1:] - 1] - seg_start
        pieces = np.where(same, np.maximum(1, np.ceil(step / (self.cell / 2))).astype(np.int64), 1)
        # every step i (point i → i+1 within a segment) contributes points at t = 0, 1/k, …, (k-1)/k;
        # each segment's last point is added by itself
        reps = np.where(same, pieces, 0)
        idx = np.repeat(np.arange(len(step)), reps)
        within = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
        t = within / np.repeat(pieces, reps)
        sx = x[idx] + (x[idx + 1] - x[idx]) * t
        sy = y[idx] + (y[idx + 1] - y[idx]) * t
        sc = cum[idx] + step[idx] * t
        sseg = seg_of[idx]
        last = g.shape_offsets[1:] - 1
        sx, sy = np.concatenate([sx, x[last]]), np.concatenate([sy, y[last]])
        sc = np.concatenate([sc, cum[last]])
        sseg = np.concatenate([sseg, np.arange(g.n_segments)])
        total = seg_total[sseg]
        frac = np.where(total > 0, (sc - seg_start[sseg]) / np.where(total > 0, total, 1.0), 0.0)
        return sseg, np.clip(frac, 0.0, 1.0), sx, sy

    def reached(self, net: Network, seconds: np.ndarray, snap: Snaps, r: float) -> np.ndarray:
        """Boolean per sample: on a part of the road reachable within `r` seconds."""
        g = self.graph
        sseg, frac, _, _ = self.samples
        t = net.seg_time
        with np.errstate(invalid="ignore", divide="ignore"):
            from_u = np.where(net.fwd_ok & (seconds[g.seg_u] <= r), (r - seconds[g.seg_u]) / t, -1.0)
            from_v = np.where(net.bwd_ok & (seconds[g.seg_v] <= r), (r - seconds[g.seg_v]) / t, -1.0)
        hit = (frac <= from_u[sseg]) | (1.0 - frac <= from_v[sseg])
        s, f = int(snap.seg[0]), float(snap.frac[0])
        own = sseg == s
        if own.any():
            reach = r / t[s] if np.isfinite(t[s]) and t[s] > 0 else np.inf
            lo = f - reach if net.bwd_ok[s] else f
            hi = f + reach if net.fwd_ok[s] else f
            hit[own] |= (frac[own] >= lo) & (frac[own] <= hi)
        return np.asarray(hit)

    def draw(
        self, net: Network, seconds: np.ndarray, snap: Snaps, site_xy: tuple[float, float], ranges: list[int]
    ) -> list[Polygon]:
        """One polygon per range (ascending), each containing the previous one."""
        _, _, sx, sy = self.samples
        g = self.graph
        nx, ny = self.proj.xy(g.node_lon, g.node_lat)
        marks = [self.reached(net, seconds, snap, r) for r in ranges]
        nodes = [seconds <= r for r in ranges]
        anchor = np.array([[site_xy[0], site_xy[1]], [float(snap.x[0]), float(snap.y[0])]])
        # the connector from the site to the road, sampled like a road
        k = max(2, int(np.ceil(float(snap.dist_m[0]) / (self.cell / 2))) + 1)
        tt = np.linspace(0.0, 1.0, k)
        cx = anchor[0, 0] + (anchor[1, 0] - anchor[0, 0]) * tt
        cy = anchor[0, 1] + (anchor[1, 1] - anchor[0, 1]) * tt
        used_x = np.concatenate([sx[marks[-1]], nx[nodes[-1]], cx])
        used_y = np.concatenate([sy[marks[-1]], ny[nodes[-1]], cy])
        x0 = float(used_x.min()) - 3 * self.cell
        y0 = float(used_y.min()) - 3 * self.cell
        w = int((used_x.max() - x0) // self.cell) + 4
        h = int((used_y.max() - y0) // self.cell) + 4
        site_cell = (int((site_xy[1] - y0) // self.cell), int((site_xy[0] - x0) // self.cell))
        out: list[Polygon] = []
        for mark, node in zip(marks, nodes, strict=True):
            grid = np.zeros((h, w), dtype=bool)
            px = np.concatenate([sx[mark], nx[node], cx])
            py = np.concatenate([sy[mark], ny[node], cy])
            grid[((py - y0) // self.cell).astype(int), ((px - x0) // self.cell).astype(int)] = True
            grid = ndimage.binary_dilation(grid, structure=_SQUARE)
            grid = self._fill_small_holes(grid)
            labels, _ = ndimage.label(grid, structure=_CROSS)
            grid = labels == labels[site_cell]
            out.append(self._trace(grid, x0, y0))
        return out

    def _fill_small_holes(self, grid: np.ndarray) -> np.ndarray:
        if not self.hole_cells:
            return grid
        holes, count = ndimage.label(~grid, structure=_CROSS)
        if count <= 1:
            return grid
        sizes = np.bincount(holes.ravel())
        border = np.unique(np.concatenate([holes[0], holes[-1], holes[:, 0], holes[:, -1]]))
        small = sizes <= self.hole_cells
        small[0] = False
        small[border] = False
        return np.asarray(grid | small[holes], dtype=bool)

    def _trace(self, grid: np.ndarray, x0: float, y0: float) -> Polygon:
        """The outline of the cell set as one polygon (outer ring, then holes), in lon/lat."""
        g = np.pad(grid, 1)
        dh = np.argwhere(g[1:, :] != g[:-1, :])  # boundary y = i, x from j-1 to j
        dv = np.argwhere(g[:, 1:] != g[:, :-1])  # boundary x = j, y from i-1 to i
        segs = np.concatenate(
            [
                np.stack(
                    [np.column_stack([dh[:, 1] - 1, dh[:, 0]]), np.column_stack([dh[:, 1], dh[:, 0]])], axis=1
                ),
                np.stack(
                    [np.column_stack([dv[:, 1], dv[:, 0] - 1]), np.column_stack([dv[:, 1], dv[:, 0]])], axis=1
                ),
            ]
        ).astype(float)
        faces = shapely.get_parts(shapely.polygonize(shapely.linestrings(segs)))
        inside = shapely.point_on_surface(faces)
        ix = np.floor(shapely.get_x(inside)).astype(int)
        iy = np.floor(shapely.get_y(inside)).astype(int)
        filled = faces[grid[iy, ix]]
        shape = shapely.union_all(filled)
        if shape.geom_type != "Polygon":  # cannot happen for a 4-connected cell set; keep the largest piece
            shape = max(shapely.get_parts(shape), key=lambda p: p.area)
        shape = shapely.simplify(shape, 0.0)  # drop the collinear grid vertices
        rings = [np.asarray(shape.exterior.coords), *(np.asarray(r.coords) for r in shape.interiors)]
        out = []
        for ring in rings:
            lon, lat = self.proj.lonlat(x0 + ring[:, 0] * self.cell, y0 + ring[:, 1] * self.cell)
            out.append(tuple(LonLat(float(a), float(b)) for a, b in zip(lon, lat, strict=True)))
        return tuple(out)
