"""Dispatch allocation (调拨分配) as one min-cost flow per item, lexicographic by exact integer cost tiers.

Rule: first serve as much priority-weighted demand as possible, then make as few units late as possible, then
drive as few unit-metres (plus draw cost, for FEFO) as possible. Items share no capacity, so the problem splits
per item; each item is a transportation problem whose min-cost flow is integral and optimal. The tiers are
folded into one integer cost (unmet ≫ late ≫ metres) with multipliers sized from the instance, so the order
is exact. If int64 would overflow (huge quantities), the tiers are solved in sequence instead (lex_flow).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import max_flow

from optimizer.allocation.lex_flow import FlowNetwork, solve_lexicographic, solve_min_cost_flow
from optimizer.allocation.problem import (
    AllocationLine,
    AllocationProblem,
    AllocationResult,
    DemandLine,
    Shortfall,
    ShortfallReason,
)

I64 = npt.NDArray[np.int64]
_LIMIT = 2**62
_FAIR_STEPS = 1000  # fair share is searched in steps of 0.1 %


@dataclass(frozen=True, slots=True)
class _ItemNet:
    """Supply steps × demand lines of one item, with arc data for the allowed (step, line) pairs."""

    src: I64  # step → source index
    ready: I64  # step → ready time (lead or batch time)
    supply: I64  # step → quantity
    lines: tuple[DemandLine, ...]
    dem: I64
    ok: npt.NDArray[np.bool_]  # steps × lines: allowed arc
    arrival: I64  # steps × lines
    late: npt.NDArray[np.bool_]
    c3: I64  # steps × lines: unit metres + draw cost


def _item_net(
    problem: AllocationProblem, item: int, lines: list[DemandLine], travel: I64, dist: I64
) -> _ItemNet:
    """Build the steps and the allowed arcs of one item (reachable, and in time if lateness is capped)."""
    steps = [
        (s, ready, q)
        for s, src in enumerate(problem.sources)
        for ready, q in src.supply_steps(item, problem.horizon_s)
    ]
    src = np.asarray([s for s, _, _ in steps], dtype=np.int64)
    ready = np.asarray([r for _, r, _ in steps], dtype=np.int64)
    supply = np.asarray([q for _, _, q in steps], dtype=np.int64)
    pts = np.asarray([d.point for d in lines], dtype=np.int64)
    due = np.asarray([d.needed_by_s for d in lines], dtype=np.int64)
    loading = np.asarray([problem.sources[s].loading_s for s in src.tolist()], dtype=np.int64)
    t = travel[src][:, pts] if len(src) else np.zeros((0, len(lines)), dtype=np.int64)
    arrival = ready[:, None] + loading[:, None] + t
    ok = t >= 0
    if problem.max_late_s is not None:
        ok &= arrival <= due[None, :] + problem.max_late_s
    draw = (
        np.asarray(problem.draw_cost, dtype=np.int64)[src, item] if problem.draw_cost else np.zeros(len(src))
    )
    c3 = (dist[src][:, pts] if len(src) else t * 0) + draw.astype(np.int64)[:, None]
    dem = np.asarray([d.qty for d in lines], dtype=np.int64)
    return _ItemNet(src, ready, supply, tuple(lines), dem, ok, arrival, arrival > due[None, :], c3)


def _fold(net: _ItemNet, tiers: list[I64], w_max: int) -> list[I64]:
    """Fold the three tiers into as few exact int64 cost vectors as fit (1, 2 or 3), most important first.

    Tier 3 of any flow is at most D·c3max < B, and tiers 2+3 at most D·B + D·c3max < A, so one unit of a
    higher tier outweighs every change in the lower ones. OR-Tools scales costs by the node count, so a
    folded cost must stay far below int64; with large quantities only tiers 2+3 fold, or none.
    """
    total = int(net.dem.sum())
    c3max = int(net.c3[net.ok].max()) if net.ok.any() else 0
    room = _LIMIT // max(total, len(net.src) + len(net.lines) + 3, 1)
    late_b = total * c3max + 1
    unmet_a = late_b * (total + 1) + total * c3max + 1
    if unmet_a * w_max < room:
        return [tiers[0] * unmet_a + tiers[1] * late_b + tiers[2]]
    if late_b * (total + 1) < room:
        return [tiers[0], tiers[1] * late_b + tiers[2]]
    return tiers


def _fair_lower(net: _ItemNet) -> tuple[I64, bool]:
    """Largest common served fraction (in 0.1 % steps) every reachable line can get; (lower bounds, rationed)."""
    eligible = net.ok.any(axis=0) & (net.dem > 0)
    k_steps, n_lines = net.ok.shape
    ks, js = np.nonzero(net.ok)
    mf = max_flow.SimpleMaxFlow()
    source, sink = k_steps + n_lines, k_steps + n_lines + 1
    mf.add_arcs_with_capacity(np.full(k_steps, source), np.arange(k_steps), net.supply)
    mf.add_arcs_with_capacity(ks, k_steps + js, net.dem[js])
    first = mf.add_arcs_with_capacity(k_steps + np.arange(n_lines), np.full(n_lines, sink), net.dem * 0)

    def lower(k: int) -> I64:
        return np.where(eligible, -(-net.dem * k // _FAIR_STEPS), 0).astype(np.int64)  # ceil: ≥ fraction k

    def feasible(k: int) -> bool:
        need = lower(k)
        mf.set_arcs_capacity(np.asarray(first, dtype=np.int32), need)
        return bool(mf.solve(source, sink) == mf.OPTIMAL and mf.optimal_flow() == int(need.sum()))

    if feasible(_FAIR_STEPS):
        return lower(_FAIR_STEPS), False
    lo, hi = 0, _FAIR_STEPS - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if feasible(mid) else (lo, mid - 1)
    return lower(lo), True


def _solve_item(problem: AllocationProblem, net: _ItemNet) -> tuple[I64, bool, bool]:
    """Lexicographic min-cost flow of one item; returns (flow per allowed arc, rationed, folded in one solve)."""
    lower, rationed = _fair_lower(net) if problem.fair_share else (np.zeros(len(net.lines), np.int64), False)
    k_steps, n_lines = net.ok.shape
    unmet, sink = k_steps + n_lines, k_steps + n_lines + 1
    total = int(net.dem.sum())
    ks, js = np.nonzero(net.ok)
    n_pair = len(ks)
    network = FlowNetwork(
        tails=np.concatenate([ks, np.full(n_lines, unmet), [unmet], np.arange(k_steps)]).astype(np.int64),
        heads=np.concatenate(
            [k_steps + js, k_steps + np.arange(n_lines), [sink], np.full(k_steps, sink)]
        ).astype(np.int64),
        caps=np.concatenate([net.dem[js], net.dem - lower, [total], net.supply]).astype(np.int64),
        supplies=np.concatenate([net.supply, -net.dem, [total, -int(net.supply.sum())]]).astype(np.int64),
    )
    weights = np.asarray([problem.weight(d) for d in net.lines], dtype=np.int64)
    pad = np.zeros(1 + k_steps, dtype=np.int64)  # unmet → sink and step → sink arcs cost nothing
    tiers = [
        np.concatenate([np.zeros(n_pair, np.int64), weights, pad]),
        np.concatenate([net.late[ks, js].astype(np.int64), np.zeros(n_lines, np.int64), pad]),
        np.concatenate([net.c3[ks, js], np.zeros(n_lines, np.int64), pad]),
    ]
    costs = _fold(net, tiers, int(weights.max()))
    flow = solve_min_cost_flow(network, costs[0]) if len(costs) == 1 else solve_lexicographic(network, costs)
    return flow[:n_pair], rationed, len(costs) == 1


def _reason(problem: AllocationProblem, net: _ItemNet, j: int, item: int, rationed: bool) -> ShortfallReason:
    """Why line j of this item is short (see ShortfallReason)."""
    if net.ok[:, j].any():
        return ShortfallReason.RATIONED if rationed else ShortfallReason.NO_STOCK
    holders = [s for s, src in enumerate(problem.sources) if src.available[item] > 0]
    if not holders:
        return ShortfallReason.NO_STOCK
    p = net.lines[j].point
    if all(problem.travel_s[s][p] < 0 for s in holders):
        return ShortfallReason.UNREACHABLE
    return ShortfallReason.TOO_LATE


def solve_allocation(problem: AllocationProblem) -> AllocationResult:
    """Allocate integer quantities from sources to demand lines, lexicographically optimal.

    Parameters
    ----------
    problem : sources (physical, agreement, capacity), demand lines with priority and deadline, matrices.

    Returns
    -------
    AllocationResult
        Lines (one per source, point, item and ready time), shortfalls with reasons, and the objective
        ``(Σ weight × unmet, units late, Σ units × (metres + draw cost))``. With ``fair_share``, every line
        that any stock can reach first gets the same largest served fraction (0.1 % steps) of its quantity,
        regardless of priority; the rest follows the objective.
    """
    travel = np.asarray(problem.travel_s, dtype=np.int64).reshape(
        len(problem.sources), len(problem.point_ids)
    )
    dist = np.asarray(problem.distance_m, dtype=np.int64).reshape(travel.shape)
    by_item: dict[int, list[DemandLine]] = {}
    for d in problem.demands:
        if d.qty > 0:
            by_item.setdefault(d.item, []).append(d)
    out: list[AllocationLine] = []
    short: list[Shortfall] = []
    sequential = 0
    for item, lines in sorted(by_item.items()):
        net = _item_net(problem, item, lines, travel, dist)
        flows, rationed, folded = _solve_item(problem, net)
        sequential += not folded
        ks, js = np.nonzero(net.ok)
        used = np.flatnonzero(flows)
        served = np.bincount(js[used], weights=flows[used], minlength=len(lines)).round().astype(np.int64)
        out.extend(_lines(problem, net, item, ks[used].tolist(), js[used].tolist(), flows[used].tolist()))
        for j, d in enumerate(lines):
            gap = d.qty - int(served[j])
            if gap > 0:
                reason = _reason(problem, net, j, item, rationed)
                short.append(Shortfall(problem.point_ids[d.point], problem.item_ids[item], gap, reason))
    return AllocationResult(tuple(out), tuple(short), _objective(problem, out, short), "optimal", sequential)


def _lines(
    problem: AllocationProblem, net: _ItemNet, item: int, ks: list[int], js: list[int], qs: list[int]
) -> list[AllocationLine]:
    """Allocation lines of one item from the positive arc flows."""
    return [
        AllocationLine(
            source_id=problem.sources[int(net.src[k])].id,
            point_id=problem.point_ids[net.lines[j].point],
            item_id=problem.item_ids[item],
            qty=q,
            ready_s=int(net.ready[k]),
            arrival_s=int(net.arrival[k, j]),
            late=bool(net.late[k, j]),
        )
        for k, j, q in zip(ks, js, qs, strict=True)
    ]


def _objective(
    problem: AllocationProblem, lines: list[AllocationLine], short: list[Shortfall]
) -> tuple[int, int, int]:
    """(Σ weight × unmet, late units, Σ units × (metres + draw cost)) of a solution."""
    s_pos = {s.id: k for k, s in enumerate(problem.sources)}
    p_pos = {p: k for k, p in enumerate(problem.point_ids)}
    i_pos = {i: k for k, i in enumerate(problem.item_ids)}
    line_of = {(d.point, d.item): d for d in problem.demands}
    unmet = sum(problem.weight(line_of[(p_pos[g.point_id], i_pos[g.item_id])]) * g.qty for g in short)
    late = sum(a.qty for a in lines if a.late)
    cost = sum(
        a.qty * problem.unit_cost(s_pos[a.source_id], p_pos[a.point_id], i_pos[a.item_id]) for a in lines
    )
    return unmet, late, cost
