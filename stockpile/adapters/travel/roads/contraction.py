"""Contraction hierarchy preprocessing (numba kernels): node order and shortcuts for one directed weighted graph.

Nodes are contracted one at a time, least important first (priority = shortcuts added − edges removed + already
contracted neighbours, re-checked lazily before each contraction). Contracting v adds a shortcut u → x of weight
w(u, v) + w(v, x) unless a witness path u ⇝ x avoiding v is at most as long (a bounded Dijkstra: a missed witness
only adds a needless shortcut, never a wrong distance). Every edge kept is the weight of a real path, so a query
over the hierarchy can never answer shorter than the true distance, and the up-down property makes it exact.

The edge store is a set of linked lists (one out-list and one in-list per node) in preallocated arrays; edges to
contracted nodes are unlinked from their neighbours' lists as they go (they stay in the store, which becomes the
hierarchy). When the store is full the kernel returns an empty rank and the caller retries with room to spare.
`contract_in_order` contracts in a given order (another profile's, or other speeds on the same roads), skipping the
priorities: about a quarter of the work.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf
WITNESS_SETTLE = 64  # nodes a witness search may settle before it gives up (adds the shortcut)
# the same when only counting shortcuts for a priority (100 k-junction grid: 40 % less work, 2.5 % more shortcuts)
SIMULATE_SETTLE = 16


@njit(cache=True, nogil=True)
def heap_push(hk, hv, size, k, v):  # type: ignore[no-untyped-def]
    i = size
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= k:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        i = p
    hk[i] = k
    hv[i] = v
    return size + 1


@njit(cache=True, nogil=True)
def heap_pop(hk, hv, size):  # type: ignore[no-untyped-def]
    k = hk[0]
    v = hv[0]
    size -= 1
    if size > 0:
        lk = hk[size]
        lv = hv[size]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= size:
                break
            if c + 1 < size and hk[c + 1] < hk[c]:
                c += 1
            if hk[c] >= lk:
                break
            hk[i] = hk[c]
            hv[i] = hv[c]
            i = c
        hk[i] = lk
        hv[i] = lv
    return k, v, size


@njit(cache=True, nogil=True)
def _witness(src, skip, limit, settle, e_head, e_w, nxt_out, first_out, done, dist, touched, hk, hv):  # type: ignore[no-untyped-def]
    """Distances from `src` avoiding `skip` and contracted nodes, up to `limit`; returns how many nodes it touched
    (their ids in `touched`; the caller resets `dist` for them)."""
    dist[src] = 0.0
    touched[0] = src
    nt = 1
    size = heap_push(hk, hv, 0, 0.0, src)
    settled = 0
    while size > 0:
        k, u, size = heap_pop(hk, hv, size)
        if k > dist[u]:
            continue
        if k > limit or settled >= settle:
            break
        settled += 1
        e = first_out[u]
        while e >= 0:
            x = e_head[e]
            if x != skip and not done[x]:
                nd = k + e_w[e]
                if nd < dist[x]:
                    if dist[x] == INF:
                        touched[nt] = x
                        nt += 1
                    dist[x] = nd
                    if size < len(hk):
                        size = heap_push(hk, hv, size, nd, x)
            e = nxt_out[e]
    return nt


@njit(cache=True, nogil=True)
def _add_or_lower(u, x, w, e_tail, e_head, e_w, nxt_out, nxt_in, first_out, first_in, cnt):  # type: ignore[no-untyped-def]
    """Edge u → x of weight w (lowering an existing one); False when the store is full."""
    e = first_out[u]
    while e >= 0:
        if e_head[e] == x:
            if w < e_w[e]:
                e_w[e] = w
            return True
        e = nxt_out[e]
    m = cnt[0]
    if m >= len(e_head):
        return False
    e_tail[m] = u
    e_head[m] = x
    e_w[m] = w
    nxt_out[m] = first_out[u]
    first_out[u] = m
    nxt_in[m] = first_in[x]
    first_in[x] = m
    cnt[0] = m + 1
    return True


@njit(cache=True, nogil=True)
def _contract(v, apply, st, done, dist, touched, hk, hv):  # type: ignore[no-untyped-def]
    """Shortcuts that contracting v needs (added to the store when `apply`); −1 when the store is full."""
    e_tail, e_head, e_w, nxt_out, nxt_in, first_out, first_in, cnt = st
    added = 0
    e_in = first_in[v]
    while e_in >= 0:
        u = e_tail[e_in]
        if not done[u]:
            w1 = e_w[e_in]
            top = -1.0
            e = first_out[v]
            while e >= 0:
                if e_head[e] != u and not done[e_head[e]] and e_w[e] > top:
                    top = e_w[e]
                e = nxt_out[e]
            if top >= 0.0:
                nt = _witness(
                    u,
                    v,
                    w1 + top,
                    WITNESS_SETTLE if apply else SIMULATE_SETTLE,
                    e_head,
                    e_w,
                    nxt_out,
                    first_out,
                    done,
                    dist,
                    touched,
                    hk,
                    hv,
                )
                e = first_out[v]
                while e >= 0:
                    x = e_head[e]
                    if x != u and not done[x] and dist[x] > w1 + e_w[e]:
                        added += 1
                        if apply and not _add_or_lower(
                            u, x, w1 + e_w[e], e_tail, e_head, e_w, nxt_out, nxt_in, first_out, first_in, cnt
                        ):
                            return -1
                    e = nxt_out[e]
                for i in range(nt):
                    dist[touched[i]] = INF
        e_in = nxt_in[e_in]
    return added


@njit(cache=True, nogil=True)
def _priority(v, st, done, deleted, dist, touched, hk, hv):  # type: ignore[no-untyped-def]
    e_tail, e_head, _w, nxt_out, nxt_in, first_out, first_in, _cnt = st
    degree = 0
    e = first_out[v]
    while e >= 0:
        degree += 0 if done[e_head[e]] else 1
        e = nxt_out[e]
    e = first_in[v]
    while e >= 0:
        degree += 0 if done[e_tail[e]] else 1
        e = nxt_in[e]
    return float(_contract(v, False, st, done, dist, touched, hk, hv) - degree + deleted[v])


@njit(cache=True, nogil=True)
def _prune(x, done, other, nxt, first):  # type: ignore[no-untyped-def]
    """Unlink x's edges to contracted nodes from its list (the edges stay in the store)."""
    prev = -1
    e = first[x]
    while e >= 0:
        after = nxt[e]
        if done[other[e]]:
            if prev < 0:
                first[x] = after
            else:
                nxt[prev] = after
        else:
            prev = e
        e = after


@njit(cache=True, nogil=True)
def _touch_neighbours(v, r, st, done, deleted, stamp, prio, dist, touched, hk, hv, qk, qv, qsize):  # type: ignore[no-untyped-def]
    """After contracting v: its remaining neighbours count one more contracted neighbour and are re-queued."""
    e_tail, e_head, _w, nxt_out, nxt_in, first_out, first_in, _cnt = st
    for side in range(2):
        e = first_out[v] if side == 0 else first_in[v]
        while e >= 0:
            x = e_head[e] if side == 0 else e_tail[e]
            if not done[x] and stamp[x] != r:
                stamp[x] = r
                _prune(x, done, e_head, nxt_out, first_out)
                _prune(x, done, e_tail, nxt_in, first_in)
                deleted[x] += 1
                prio[x] = _priority(x, st, done, deleted, dist, touched, hk, hv)
                qsize = heap_push(qk, qv, qsize, prio[x], x)
            e = nxt_out[e] if side == 0 else nxt_in[e]
    return qsize


@njit(cache=True, nogil=True)
def contract_all(n, st):  # type: ignore[no-untyped-def]
    """Contract every node; returns each node's rank (order of contraction), or an empty array when full."""
    cap = len(st[1])
    done = np.zeros(n, np.bool_)
    deleted = np.zeros(n, np.int64)
    stamp = np.full(n, -1, np.int64)
    rank = np.full(n, -1, np.int64)
    prio = np.empty(n)
    dist = np.full(n, INF)
    touched = np.empty(n, np.int64)
    hk, hv = np.empty(cap + 1), np.empty(cap + 1, np.int64)
    qk, qv = np.empty(4 * n + 16), np.empty(4 * n + 16, np.int64)
    qsize = 0
    for v in range(n):
        prio[v] = _priority(v, st, done, deleted, dist, touched, hk, hv)
        qsize = heap_push(qk, qv, qsize, prio[v], v)
    r = 0
    while qsize > 0:
        p, v, qsize = heap_pop(qk, qv, qsize)
        if done[v] or p != prio[v]:
            continue
        now = _priority(v, st, done, deleted, dist, touched, hk, hv)
        if qsize > 0 and now > qk[0]:
            prio[v] = now
            qsize = heap_push(qk, qv, qsize, now, v)
            continue
        if _contract(v, True, st, done, dist, touched, hk, hv) < 0:
            return np.empty(0, np.int64)
        done[v] = True
        rank[v] = r
        qsize = _touch_neighbours(v, r, st, done, deleted, stamp, prio, dist, touched, hk, hv, qk, qv, qsize)
        r += 1
        if qsize > 2 * n:  # drop stale entries: one per remaining node
            qsize = 0
            for x in range(n):
                if not done[x]:
                    qsize = heap_push(qk, qv, qsize, prio[x], x)
    return rank


@njit(cache=True, nogil=True)
def contract_in_order(n, st, order):  # type: ignore[no-untyped-def]
    """Contract the nodes in a given order (another profile's, or the same roads with other speeds: a good order
    for them too, and no priorities to simulate); returns the ranks, or an empty array when the store is full."""
    cap = len(st[1])
    done = np.zeros(n, np.bool_)
    rank = np.full(n, -1, np.int64)
    dist = np.full(n, INF)
    touched = np.empty(n, np.int64)
    hk, hv = np.empty(cap + 1), np.empty(cap + 1, np.int64)
    e_tail, e_head, _w, nxt_out, nxt_in, first_out, first_in, _cnt = st
    for r in range(n):
        v = order[r]
        if _contract(v, True, st, done, dist, touched, hk, hv) < 0:
            return np.empty(0, np.int64)
        done[v] = True
        rank[v] = r
        for side in range(2):
            e = first_out[v] if side == 0 else first_in[v]
            while e >= 0:
                x = e_head[e] if side == 0 else e_tail[e]
                if not done[x]:
                    _prune(x, done, e_head, nxt_out, first_out)
                    _prune(x, done, e_tail, nxt_in, first_in)
                e = nxt_out[e] if side == 0 else nxt_in[e]
    return rank


def edge_store(
    n: int, tail: np.ndarray, head: np.ndarray, w: np.ndarray, room: float
) -> tuple[np.ndarray, ...]:
    """The linked-list store holding the base edges, with room for `room` × as many edges in all."""
    m = len(tail)
    cap = int(max(16, room * m))
    e_tail = np.empty(cap, np.int64)
    e_head = np.empty(cap, np.int64)
    e_w = np.empty(cap)
    e_tail[:m], e_head[:m], e_w[:m] = tail, head, w
    nxt_out = np.full(cap, -1, np.int64)
    nxt_in = np.full(cap, -1, np.int64)
    first_out = np.full(n, -1, np.int64)
    first_in = np.full(n, -1, np.int64)
    _link(e_tail[:m], nxt_out, first_out)
    _link(e_head[:m], nxt_in, first_in)
    return e_tail, e_head, e_w, nxt_out, nxt_in, first_out, first_in, np.array([m], np.int64)


def _link(owner: np.ndarray, nxt: np.ndarray, first: np.ndarray) -> None:
    """Chain edges 0…m−1 into per-owner lists (vectorised: each edge points at the next edge of its owner)."""
    order = np.argsort(owner, kind="stable")
    same = owner[order[1:]] == owner[order[:-1]]
    nxt[order[:-1][same]] = order[1:][same]
    starts = np.ones(len(order), bool)
    starts[1:] = ~same
    first[owner[order[starts]]] = order[starts]
