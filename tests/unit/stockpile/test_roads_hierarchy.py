"""The contraction hierarchy's many-to-many answer equals scipy's Dijkstra exactly (issue 19).

Random directed graphs (some parts unreachable, two-way and one-way edges, integer-valued weights as the road
graph packs them), random origin and destination sets that start or end at up to three nodes with initial
weights, as road sites do. Also: the arrays survive the graph file's round trip.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from stockpile.adapters.travel.roads.hierarchy import Hierarchy


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 40))
    k = draw(st.integers(0, 4 * n))
    tail = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    head = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    weight = draw(st.lists(st.integers(1, 2**40), min_size=k, max_size=k))
    pairs = {}
    for a, b, w in zip(tail, head, weight, strict=True):
        if a != b:
            pairs[(a, b)] = min(w, pairs.get((a, b), w))
    ends = st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, 10**6)), min_size=1, max_size=3)
    origins = draw(st.lists(ends, min_size=1, max_size=6))
    destinations = draw(st.lists(ends, min_size=1, max_size=6))
    return n, pairs, origins, destinations


def _triples(groups):
    owner = [i for i, g in enumerate(groups) for _ in g]
    node = [x for g in groups for x, _ in g]
    w = [float(c) for g in groups for _, c in g]
    return np.array(owner, np.int64), np.array(node, np.int64), np.array(w)


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_hierarchy_matrix_equals_dijkstra(case):
    n, pairs, origins, destinations = case
    tail = np.array([a for a, _ in pairs], np.int64)
    head = np.array([b for _, b in pairs], np.int64)
    w = np.array(list(pairs.values()), float)
    h = Hierarchy.build(n, tail, head, w)
    assert sorted(h.rank.tolist()) == list(range(n))
    got = h.matrix(_triples(origins), _triples(destinations), len(origins), len(destinations))
    # reference: origins and destinations as extra nodes joined by their initial weights (scipy keeps no zeros,
    # hence initial weights ≥ 1 here; sites standing on a junction are covered by the road tests)
    no, nd = len(origins), len(destinations)
    edges = dict(pairs)
    for i, g in enumerate(origins):
        for x, c in g:
            edges[(n + i, x)] = min(c, edges.get((n + i, x), c))
    for j, g in enumerate(destinations):
        for x, c in g:
            edges[(x, n + no + j)] = min(c, edges.get((x, n + no + j), c))
    a, b = np.array(list(edges)).T
    graph = csr_matrix((np.array(list(edges.values()), float), (a, b)), shape=(n + no + nd,) * 2)
    ref = dijkstra(graph, directed=True, indices=np.arange(n, n + no))[:, n + no :]
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    assert np.array_equal(got[np.isfinite(ref)], ref[np.isfinite(ref)])


def test_a_hierarchy_survives_the_file_arrays():
    rng = np.random.default_rng(3)
    n = 300
    tail, head = rng.integers(0, n, 1500), rng.integers(0, n, 1500)
    keep = tail != head
    key = np.unique(tail[keep] * n + head[keep])
    tail, head = key // n, key % n
    w = rng.integers(1, 10_000, len(tail)).astype(float)
    h = Hierarchy.build(n, tail, head, w)
    again = Hierarchy.from_arrays("ch_car_", {**h.arrays("ch_car_")})
    assert again is not None and again.digest == h.digest
    starts = (np.arange(20), rng.integers(0, n, 20), np.zeros(20))
    ends = (np.arange(30), rng.integers(0, n, 30), np.zeros(30))
    assert np.array_equal(again.matrix(starts, ends, 20, 30), h.matrix(starts, ends, 20, 30))
    ref = dijkstra(csr_matrix((w, (tail, head)), shape=(n, n)), directed=True, indices=starts[1])[:, ends[1]]
    assert np.array_equal(h.matrix(starts, ends, 20, 30), ref)
    assert Hierarchy.from_arrays("ch_hgv_", h.arrays("ch_car_")) is None


@settings(max_examples=100, deadline=None)
@given(graphs(), st.integers(0, 2**32 - 1))
def test_a_hierarchy_in_another_weights_order_is_exact_too(case, seed):
    """Other speeds (the flood slowdown) reuse the stored node order: the answer must stay exact."""
    n, pairs, _, _ = case
    if not pairs:
        return
    tail = np.array([a for a, _ in pairs], np.int64)
    head = np.array([b for _, b in pairs], np.int64)
    w = np.array(list(pairs.values()), float)
    first = Hierarchy.build(n, tail, head, w)
    slower = w * np.random.default_rng(seed).integers(1, 4, len(w))  # per-road factors, as per class
    again = Hierarchy.build(n, tail, head, slower, like=first)
    assert np.array_equal(again.rank, first.rank)
    assert (again.digest == first.digest) == np.array_equal(slower, w)
    starts = (np.arange(n), np.arange(n), np.zeros(n))
    ref = dijkstra(csr_matrix((slower, (tail, head)), shape=(n, n)), directed=True)
    assert np.array_equal(again.matrix(starts, starts, n, n), ref)
