"""Min-cost flow with several cost tiers, minimised strictly in order, exactly and without big weights.

Rule: minimise tier 1; among all tier-1 optima minimise tier 2; and so on. After each stage the optimal node
potentials (shortest-path distances in the residual graph) give every arc's reduced cost; by complementary
slackness every optimal flow keeps arcs with positive reduced cost at their lower bound and arcs with negative
reduced cost at their upper bound. Fixing those bounds restricts the next stage to the optimal face exactly.
Used by the allocation when folding the tiers into one int64 cost would overflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FlowNetwork:
    """Arcs (tail, head, capacity) and node supplies (positive = source), balanced."""

    tails: I64
    heads: I64
    caps: I64
    supplies: I64


def solve_min_cost_flow(net: FlowNetwork, cost: I64, lo: I64 | None = None, hi: I64 | None = None) -> I64:
    """Optimal integral flow per arc within [lo, hi] (default [0, caps]) for one cost vector.

    Raises RuntimeError if OR-Tools does not return OPTIMAL (the networks built here are always feasible).
    """
    lo = np.zeros_like(net.caps) if lo is None else lo
    hi = net.caps if hi is None else hi
    supplies = net.supplies.copy()
    np.subtract.at(supplies, net.tails, lo)
    np.add.at(supplies, net.heads, lo)
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(
        net.tails.astype(np.int32),
        net.heads.astype(np.int32),
        (hi - lo).astype(np.int64),
        cost.astype(np.int64),
    )
    mcf.set_nodes_supplies(np.arange(len(supplies), dtype=np.int32), supplies.astype(np.int64))
    status = mcf.solve()
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow status {status}")
    return lo + np.asarray(mcf.flows(np.arange(len(net.tails), dtype=np.int32)), dtype=np.int64)


def potentials(net: FlowNetwork, flow: I64, lo: I64, hi: I64, cost: I64) -> I64:
    """Shortest-path distances from a virtual root in the residual graph (Bellman-Ford, vectorised).

    Raises RuntimeError on a negative cycle, i.e. if ``flow`` is not optimal for ``cost``.
    """
    fwd, bwd = flow < hi, flow > lo
    t = np.concatenate([net.tails[fwd], net.heads[bwd]])
    h = np.concatenate([net.heads[fwd], net.tails[bwd]])
    c = np.concatenate([cost[fwd], -cost[bwd]])
    dist = np.zeros(len(net.supplies), dtype=np.int64)
    for _ in range(len(dist) + 1):
        new = dist.copy()
        np.minimum.at(new, h, dist[t] + c)
        if np.array_equal(new, dist):
            return dist
        dist = new
    raise RuntimeError("negative residual cycle: flow not optimal")


def solve_lexicographic(net: FlowNetwork, tiers: Sequence[I64]) -> I64:
    """Flow minimising ``tiers[0]``, then ``tiers[1]`` among those optima, and so on.

    Parameters
    ----------
    net : balanced network.
    tiers : one cost per arc for each tier, most important first.

    Returns
    -------
    Flow per arc, lexicographically optimal.
    """
    lo, hi = np.zeros_like(net.caps), net.caps.copy()
    flow = lo
    for k, cost in enumerate(tiers):
        flow = solve_min_cost_flow(net, cost, lo, hi)
        if k == len(tiers) - 1:
            break
        pot = potentials(net, flow, lo, hi, cost)
        reduced = cost + pot[net.tails] - pot[net.heads]
        lo, hi = np.where(reduced < 0, hi, lo), np.where(reduced > 0, lo, hi)
    return flow
