"""Many-to-many shortest paths over a contraction hierarchy (contraction.py builds it; numba kernels).

A `Hierarchy` keeps, for one profile's open road network, each node's rank and two upward graphs: `up` (edges
u → x with rank x > rank u, searched forward from origins) and `down` (edges y → x with rank y > rank x, stored at x
and searched backward from destinations). Matrix: one upward search per destination fills buckets (node,
destination, distance); one upward search per origin scans the buckets of every node it reaches. Every shortest
path has a highest node where both searches meet, so the answer equals a plain Dijkstra's; weights are the packed
integer-valued floats of network.py, whose sums are exact, so the numbers are identical, not just close.

Origins and destinations are given as small multi-source sets (node, initial weight), as the virtual site nodes of
network.py attach to their segment's ends. `digest` names the base edges the hierarchy was built from: a stored
hierarchy is used only for a network with the very same edges and weights (closed roads or other speeds → another
digest; the provider then falls back to plain Dijkstra or builds a new hierarchy).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from numba import njit

from stockpile.adapters.travel.roads.contraction import (
    INF,
    contract_all,
    contract_in_order,
    edge_store,
    heap_pop,
    heap_push,
)

_FIELDS = ("rank", "up_ptr", "up_head", "up_w", "down_ptr", "down_tail", "down_w")


def edges_digest(n: int, tail: np.ndarray, head: np.ndarray, w: np.ndarray) -> str:
    h = hashlib.sha256(np.int64(n).tobytes())
    for a in (tail.astype(np.int64), head.astype(np.int64), w.astype(np.float64)):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


@dataclass(frozen=True, eq=False)
class Hierarchy:
    rank: np.ndarray
    up_ptr: np.ndarray
    up_head: np.ndarray
    up_w: np.ndarray
    down_ptr: np.ndarray
    down_tail: np.ndarray
    down_w: np.ndarray
    digest: str

    @classmethod
    def build(
        cls, n: int, tail: np.ndarray, head: np.ndarray, w: np.ndarray, like: Hierarchy | None = None
    ) -> Hierarchy:
        """Contract the graph (n nodes, directed edges tail → head of weight w, at most one per pair); in the
        node order of `like` when given (the same roads with other weights: several times faster)."""
        room = 4.0
        order = np.argsort(like.rank) if like is not None and like.n == n else None
        while True:
            st = edge_store(n, np.asarray(tail), np.asarray(head), np.asarray(w, float), room)
            rank = contract_all(n, st) if order is None else contract_in_order(n, st, order)
            if len(rank) == n:
                break
            room *= 2
        m = int(st[7][0])
        e_tail, e_head, e_w = st[0][:m], st[1][:m], st[2][:m]
        up = rank[e_tail] < rank[e_head]
        up_ptr, up_head, up_w = _csr(n, e_tail[up], e_head[up], e_w[up])
        down_ptr, down_tail, down_w = _csr(n, e_head[~up], e_tail[~up], e_w[~up])
        return cls(rank, up_ptr, up_head, up_w, down_ptr, down_tail, down_w, edges_digest(n, tail, head, w))

    @property
    def n(self) -> int:
        return len(self.rank)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        out = {f"{prefix}{name}": getattr(self, name) for name in _FIELDS}
        out[f"{prefix}digest"] = np.frombuffer(self.digest.encode("ascii"), dtype=np.uint8)
        return out

    @classmethod
    def from_arrays(cls, prefix: str, data: dict[str, np.ndarray]) -> Hierarchy | None:
        if any(f"{prefix}{name}" not in data for name in (*_FIELDS, "digest")):
            return None
        digest = bytes(data[f"{prefix}digest"]).decode("ascii")
        arrays = {name: np.asarray(data[f"{prefix}{name}"]) for name in _FIELDS}
        return cls(**arrays, digest=digest)

    def matrix(
        self,
        orig: tuple[np.ndarray, np.ndarray, np.ndarray],
        dest: tuple[np.ndarray, np.ndarray, np.ndarray],
        n_orig: int,
        n_dest: int,
    ) -> np.ndarray:
        """Distances n_orig × n_dest (inf = unreachable). `orig` and `dest` are (owner, node, initial weight)
        triples: origin `owner` starts at `node` with that weight; destination `owner` ends there with it."""
        o = _groups(n_orig, *orig)
        d = _groups(n_dest, *dest)
        up = (self.up_ptr, self.up_head, self.up_w)
        down = (self.down_ptr, self.down_tail, self.down_w)
        if n_dest <= n_orig:  # buckets on the smaller side (memory: its count × a search space)
            return np.asarray(_many_to_many(*up, *down, *o, *d))
        return np.asarray(_many_to_many(*down, *up, *d, *o)).T.copy()


def compile_queries(h: Hierarchy) -> None:
    """Run a one-by-one query so numba compiles (and caches on disk) the query kernels now: the import pays for
    it, not the first matrix a dispatcher asks for in the app."""
    one = (np.zeros(1, np.int64), np.zeros(1, np.int64), np.zeros(1))
    if h.n:
        h.matrix(one, one, 1, 1)


def _csr(n: int, owner: np.ndarray, other: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    order = np.argsort(owner, kind="stable")
    ptr = np.zeros(n + 1, np.int64)
    ptr[1:] = np.cumsum(np.bincount(owner, minlength=n))
    return ptr, other[order].astype(np.int64), w[order].astype(np.float64)


def _groups(k: int, owner: np.ndarray, node: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    owner = np.asarray(owner, np.int64)
    order = np.argsort(owner, kind="stable")
    ptr = np.zeros(k + 1, np.int64)
    ptr[1:] = np.cumsum(np.bincount(owner, minlength=k))
    return ptr, np.asarray(node, np.int64)[order], np.asarray(w, np.float64)[order]


@njit(cache=True, nogil=True)
def _upward(ptr, adj, wt, start, stop, s_node, s_w, dist, touched, hk, hv):  # type: ignore[no-untyped-def]
    """Every node reachable upward from the starts s_node[start:stop] (initial weights s_w); returns how many
    were touched (ids in `touched`, final distances in `dist`)."""
    nt = 0
    size = 0
    for i in range(start, stop):
        x = s_node[i]
        if s_w[i] < dist[x]:
            if dist[x] == INF:
                touched[nt] = x
                nt += 1
            dist[x] = s_w[i]
            size = heap_push(hk, hv, size, s_w[i], x)
    while size > 0:
        k, u, size = heap_pop(hk, hv, size)
        if k > dist[u]:
            continue
        for e in range(ptr[u], ptr[u + 1]):
            x = adj[e]
            nd = k + wt[e]
            if nd < dist[x]:
                if dist[x] == INF:
                    touched[nt] = x
                    nt += 1
                dist[x] = nd
                size = heap_push(hk, hv, size, nd, x)
    return nt


@njit(cache=True, nogil=True)
def _buckets(n, down_ptr, down_tail, down_w, d_ptr, d_node, d_w, dist, touched, hk, hv):  # type: ignore[no-untyped-def]
    """Backward upward searches from each destination, as buckets per node: (ptr, destination, distance)."""
    cap = 1024
    b_node = np.empty(cap, np.int64)
    b_dest = np.empty(cap, np.int64)
    b_w = np.empty(cap)
    m = 0
    for j in range(len(d_ptr) - 1):
        nt = _upward(down_ptr, down_tail, down_w, d_ptr[j], d_ptr[j + 1], d_node, d_w, dist, touched, hk, hv)
        if m + nt > cap:
            cap = 2 * (m + nt)
            b_node, b_dest, b_w = _grown(b_node, cap), _grown(b_dest, cap), _grown(b_w, cap)
        for i in range(nt):
            y = touched[i]
            b_node[m], b_dest[m], b_w[m] = y, j, dist[y]
            m += 1
            dist[y] = INF
    ptr = np.zeros(n + 1, np.int64)
    for i in range(m):
        ptr[b_node[i] + 1] += 1
    for y in range(n):
        ptr[y + 1] += ptr[y]
    fill = ptr[:-1].copy()
    dest = np.empty(m, np.int64)
    w = np.empty(m)
    for i in range(m):
        k = fill[b_node[i]]
        dest[k], w[k] = b_dest[i], b_w[i]
        fill[b_node[i]] = k + 1
    return ptr, dest, w


@njit(cache=True, nogil=True)
def _grown(a, cap):  # type: ignore[no-untyped-def]
    out = np.empty(cap, a.dtype)
    out[: len(a)] = a
    return out


@njit(cache=True, nogil=True)
def _many_to_many(up_ptr, up_head, up_w, down_ptr, down_tail, down_w, o_ptr, o_node, o_w, d_ptr, d_node, d_w):  # type: ignore[no-untyped-def]
    """Origins × destinations. Symmetric: with the graphs and the sides swapped it gives the transpose."""
    n = len(up_ptr) - 1
    dist = np.full(n, INF)
    touched = np.empty(n, np.int64)
    cap = max(len(up_head), len(down_tail)) + len(o_node) + len(d_node) + 1
    hk, hv = np.empty(cap), np.empty(cap, np.int64)
    b_ptr, b_dest, b_w = _buckets(n, down_ptr, down_tail, down_w, d_ptr, d_node, d_w, dist, touched, hk, hv)
    out = np.full((len(o_ptr) - 1, len(d_ptr) - 1), INF)
    for i in range(len(o_ptr) - 1):
        nt = _upward(up_ptr, up_head, up_w, o_ptr[i], o_ptr[i + 1], o_node, o_w, dist, touched, hk, hv)
        row = out[i]
        for t in range(nt):
            y = touched[t]
            d = dist[y]
            dist[y] = INF
            for k in range(b_ptr[y], b_ptr[y + 1]):
                s = d + b_w[k]
                if s < row[b_dest[k]]:
                    row[b_dest[k]] = s
    return out
