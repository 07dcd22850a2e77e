"""Isochrone polygons from the reachable road pieces (issue 19).

For a range R every segment contributes the part reachable in time: from its tail u, (R − T_u) ÷ t of it
(if it runs that way), from its head v likewise, and from the site itself on the site's own segment. Sample
points along the roads (at most half a cell apart) that lie on reachable parts mark cells of a grid in local
metres; the grid is dilated by `corridor_m` (300 m: the area a road serves either side), holes smaller than
`hole_m2` (4 km²) are filled (a lake or a hill ringed by roads stays a hole), the part holding the site is kept, and its
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


class IsochroneDrawer:
    def __init__(
        self,
        graph: RoadGraph,
        proj: Projection,
        cell_m: float | None,
        hole_m2: float,
        corridor_m: float = 300.0,
    ) -> None:
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
        self.dilate = max(1, round(corridor_m / cell_m))  # cells of reachable area either side of a road

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

    @cached_property
    def layout(self) -> tuple[float, float, int, int, np.ndarray, np.ndarray, np.ndarray]:
        """Every sample and node put in a cell of one grid over the graph, sorted by cell (once per graph):
        x0, y0, width, height, the order that sorts samples-then-nodes by cell, where each cell's run starts,
        and the cells."""
        _, _, sx, sy = self.samples
        nx, ny = self.proj.xy(self.graph.node_lon, self.graph.node_lat)
        px, py = np.concatenate([sx, nx]), np.concatenate([sy, ny])
        x0, y0 = float(px.min()), float(py.min())
        ix = ((px - x0) // self.cell).astype(np.int64)
        iy = ((py - y0) // self.cell).astype(np.int64)
        w, h = int(ix.max()) + 1, int(iy.max()) + 1
        flat = iy * w + ix
        order = np.argsort(flat, kind="stable")
        sorted_flat = flat[order]
        starts = np.flatnonzero(np.concatenate([[True], sorted_flat[1:] != sorted_flat[:-1]]))
        return x0, y0, w, h, order, starts, sorted_flat[starts]

    def sample_seconds(self, net: Network, seconds: np.ndarray, snap: Snaps) -> np.ndarray:
        """When each road sample is first reached: from its segment's tail or head (where the segment runs that
        way), or from the site along the site's own segment; then each node's own time."""
        g = self.graph
        sseg, frac, _, _ = self.samples
        t = net.seg_time[sseg]
        with np.errstate(invalid="ignore"):
            from_u = np.where(net.fwd_ok[sseg], seconds[g.seg_u][sseg] + frac * t, np.inf)
            from_v = np.where(net.bwd_ok[sseg], seconds[g.seg_v][sseg] + (1.0 - frac) * t, np.inf)
        tau = np.minimum(from_u, from_v)
        s, f = int(snap.seg[0]), float(snap.frac[0])
        own = np.flatnonzero(sseg == s)
        if len(own) and np.isfinite(net.seg_time[s]):
            d = frac[own] - f
            ok = ((d >= 0) & net.fwd_ok[s]) | ((d <= 0) & net.bwd_ok[s])
            tau[own] = np.where(ok, np.minimum(tau[own], np.abs(d) * net.seg_time[s]), tau[own])
        return np.concatenate([tau, seconds])

    def draw(
        self, net: Network, seconds: np.ndarray, snap: Snaps, site_xy: tuple[float, float], ranges: list[int]
    ) -> list[Polygon]:
        """One polygon per range (ascending), each containing the previous one."""
        x0, y0, w, _h, order, starts, cells = self.layout
        cell_s = np.minimum.reduceat(self.sample_seconds(net, seconds, snap)[order], starts)
        # the site and its connector to the road count as reached at once
        k = max(2, int(np.ceil(float(snap.dist_m[0]) / (self.cell / 2))) + 1)
        tt = np.linspace(0.0, 1.0, k)
        cx = ((site_xy[0] + (float(snap.x[0]) - site_xy[0]) * tt - x0) // self.cell).astype(np.int64)
        cy = ((site_xy[1] + (float(snap.y[0]) - site_xy[1]) * tt - y0) // self.cell).astype(np.int64)
        top = max(ranges)
        live = cell_s <= top
        rows, cols = cells[live] // w, cells[live] % w
        m = self.dilate + 3
        r0 = int(min(rows.min(initial=cy.min()), cy.min())) - m
        c0 = int(min(cols.min(initial=cx.min()), cx.min())) - m
        r1 = int(max(rows.max(initial=cy.max()), cy.max())) + m + 1
        c1 = int(max(cols.max(initial=cx.max()), cx.max())) + m + 1
        box = np.full((r1 - r0, c1 - c0), np.inf)
        box[rows - r0, cols - c0] = cell_s[live]
        box[cy - r0, cx - c0] = 0.0
        site_cell = (int(cy[0] - r0), int(cx[0] - c0))
        gx0, gy0 = x0 + c0 * self.cell, y0 + r0 * self.cell
        out: list[Polygon] = []
        for r in ranges:
            # dilation by a (2k+1)² square = k rounds of the 3 × 3 one, as a separable maximum filter
            grid = ndimage.maximum_filter((box <= r).view(np.uint8), size=2 * self.dilate + 1) > 0
            grid = self._fill_small_holes(grid)
            labels, _ = ndimage.label(grid, structure=_CROSS)
            out.append(self._trace(labels == labels[site_cell], gx0, gy0))
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
        faces = shapely.get_parts(shapely.polygonize(shapely.linestrings(_boundary(grid))))
        inside = shapely.point_on_surface(faces)
        ix = np.floor(shapely.get_x(inside)).astype(int)
        iy = np.floor(shapely.get_y(inside)).astype(int)
        shape = shapely.union_all(faces[grid[iy, ix]])
        if shape.geom_type != "Polygon":  # cannot happen for a 4-connected cell set; keep the largest piece
            shape = max(shapely.get_parts(shape), key=lambda p: p.area)
        rings = [np.asarray(shape.exterior.coords), *(np.asarray(r.coords) for r in shape.interiors)]
        out = []
        for ring in rings:
            lon, lat = self.proj.lonlat(x0 + ring[:, 0] * self.cell, y0 + ring[:, 1] * self.cell)
            out.append(tuple(map(LonLat._make, zip(lon.tolist(), lat.tolist(), strict=True))))
        return tuple(out)


def _runs(edges: np.ndarray, cont: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices where runs of edges start and end, for rows of `edges` (cont[r, j]: edge j runs into j+1)."""
    c = np.zeros(edges.shape, dtype=bool)
    c[:, :-1] = cont
    prev = np.zeros(edges.shape, dtype=bool)
    prev[:, 1:] = c[:, :-1]
    return np.flatnonzero(edges & ~prev), np.flatnonzero(edges & ~c)


def _boundary(grid: np.ndarray) -> np.ndarray:
    """The cell set's boundary as straight runs (n × 2 × 2, grid units): unit edges merged wherever the boundary
    goes straight on through a vertex no other boundary edge touches (the four-edge pinch of diagonal cells
    stays a vertex, so polygonize sees a correctly noded graph)."""
    g = np.pad(grid, 1)
    hm = g[1:, :] != g[:-1, :]  # (i, j): y = i, x from j-1 to j
    vm = g[:, 1:] != g[:, :-1]  # (i, j): x = j, y from i-1 to i
    h_cont = hm[:, :-1] & hm[:, 1:] & ~(vm[:-1, :] | vm[1:, :])  # through vertex (x=j, y=i)
    starts, ends = _runs(hm, h_cont)
    w = hm.shape[1]
    hy = (starts // w).astype(float)
    h_segs = np.stack([np.column_stack([starts % w - 1, hy]), np.column_stack([ends % w, hy])], axis=1)
    vt = vm.T  # rows = x, columns = i
    v_cont = vt[:, :-1] & vt[:, 1:] & ~(hm.T[:-1, :] | hm.T[1:, :])  # through vertex (x=j, y=i)
    starts, ends = _runs(vt, v_cont)
    n = vt.shape[1]
    vx = (starts // n).astype(float)
    v_segs = np.stack([np.column_stack([vx, starts % n - 1]), np.column_stack([vx, ends % n])], axis=1)
    return np.concatenate([h_segs, v_segs]).astype(float)
