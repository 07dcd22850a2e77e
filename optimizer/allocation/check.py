"""Independent checker of an allocation: recomputes stock use, arrivals, balances and reasons from the problem.

It shares no code with the solver (only the problem dataclasses) and returns every broken rule as data.
"""

from __future__ import annotations

from collections import defaultdict

from optimizer.allocation.problem import AllocationProblem, AllocationResult, ShortfallReason, Violation
from optimizer.sources import Source, SourceKind


def _produced_by(src: Source, item: int, ready: int, horizon: int) -> int:
    """Units of the item a source has ready by ``ready`` (capacity: whole batches after activation)."""
    if src.kind is not SourceKind.CAPACITY:
        return src.available[item] if ready >= src.lead_s else 0
    batches = (min(ready, horizon) - src.lead_s) // src.batch_s
    return min(src.available[item], max(0, batches) * src.batch_qty[item])


def _line_violations(p: AllocationProblem, r: AllocationResult) -> list[Violation]:
    """Per-line rules: known ids, positive integer qty, valid ready time, arrival, lateness."""
    out: list[Violation] = []
    s_pos = {s.id: k for k, s in enumerate(p.sources)}
    p_pos = {x: k for k, x in enumerate(p.point_ids)}
    i_pos = {x: k for k, x in enumerate(p.item_ids)}
    line_of = {(d.point, d.item): d for d in p.demands}
    for a in r.lines:
        if a.source_id not in s_pos or a.point_id not in p_pos or a.item_id not in i_pos:
            out.append(Violation("unknown_id", repr(a)))
            continue
        s, pt, it = s_pos[a.source_id], p_pos[a.point_id], i_pos[a.item_id]
        src, d = p.sources[s], line_of.get((pt, it))
        if d is None:
            out.append(Violation("no_demand", repr(a)))
            continue
        if not isinstance(a.qty, int) or a.qty <= 0:
            out.append(Violation("bad_qty", repr(a)))
        if src.kind is SourceKind.CAPACITY:
            bad_ready = a.ready_s < src.lead_s + src.batch_s or a.ready_s > p.horizon_s
        else:
            bad_ready = a.ready_s != src.lead_s
        if bad_ready:
            out.append(Violation("bad_ready_time", repr(a)))
        t = p.travel_s[s][pt]
        if t < 0:
            out.append(Violation("unreachable_line", repr(a)))
        elif a.arrival_s != a.ready_s + src.loading_s + t:
            out.append(Violation("bad_arrival", repr(a)))
        if a.late != (a.arrival_s > d.needed_by_s):
            out.append(Violation("bad_late_flag", repr(a)))
        if p.max_late_s is not None and a.arrival_s > d.needed_by_s + p.max_late_s:
            out.append(Violation("beyond_max_late", repr(a)))
    return out


def _stock_violations(p: AllocationProblem, r: AllocationResult) -> list[Violation]:
    """Stock never exceeded: in total, and for capacity at every ready time."""
    out: list[Violation] = []
    used: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for a in r.lines:
        used[(a.source_id, a.item_id)].append((a.ready_s, a.qty))
    src_of = {s.id: s for s in p.sources}
    item_pos = {x: k for k, x in enumerate(p.item_ids)}
    for (sid, iid), uses in used.items():
        if sid not in src_of or iid not in item_pos:
            continue
        src, it = src_of[sid], item_pos[iid]
        for ready in sorted({rt for rt, _ in uses}):
            taken = sum(q for rt, q in uses if rt <= ready)
            if taken > _produced_by(src, it, ready, p.horizon_s):
                out.append(Violation("stock_exceeded", f"{sid} {iid} by {ready}s: {taken}"))
                break
    return out


def _balance_violations(p: AllocationProblem, r: AllocationResult) -> list[Violation]:
    """Served + shortfall = demand for every line; reasons consistent with the problem and the plan."""
    out: list[Violation] = []
    served: dict[tuple[str, str], int] = defaultdict(int)
    uses: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for a in r.lines:
        served[(a.point_id, a.item_id)] += a.qty
        uses[(a.source_id, a.item_id)].append((a.ready_s, a.qty))
    short = {(g.point_id, g.item_id): g for g in r.shortfalls}
    if len(short) != len(r.shortfalls) or any(g.qty <= 0 for g in r.shortfalls):
        out.append(Violation("bad_shortfall", "duplicate or non-positive shortfall"))
    for d in p.demands:
        key = (p.point_ids[d.point], p.item_ids[d.item])
        gap = short[key].qty if key in short else 0
        if served[key] + gap != d.qty:
            out.append(Violation("unbalanced", f"{key}: served {served[key]} + short {gap} != {d.qty}"))
        if key in short:
            out.extend(_reason_violations(p, uses, d.point, d.item, d.needed_by_s, short[key].reason))
    return out


def _reason_violations(
    p: AllocationProblem,
    uses: dict[tuple[str, str], list[tuple[int, int]]],
    pt: int,
    it: int,
    due: int,
    reason: ShortfallReason,
) -> list[Violation]:
    """A shortfall's reason must hold, and no stock that could reach the point in time may be left unused."""
    key = f"{p.point_ids[pt]} {p.item_ids[it]} {reason}"
    holders = [s for s, src in enumerate(p.sources) if src.available[it] > 0]
    reach = [s for s in holders if p.travel_s[s][pt] >= 0]
    if reason is ShortfallReason.UNREACHABLE:
        return [] if holders and not reach else [Violation("bad_reason", key)]
    if holders and not reach:
        return [Violation("bad_reason", f"{key}: no road from any holder, should be unreachable")]
    cutoff = None if p.max_late_s is None else due + p.max_late_s
    left, in_time = 0, False
    for s in reach:
        src = p.sources[s]
        latest = 2**62 if cutoff is None else cutoff - src.loading_s - p.travel_s[s][pt]
        if latest < 0:
            continue
        produced = _produced_by(src, it, latest, p.horizon_s)
        in_time = in_time or produced > 0
        taken = sum(q for ready, q in uses.get((src.id, p.item_ids[it]), []) if ready <= latest)
        left += max(0, produced - taken)
    if left > 0:
        return [Violation("stock_left_unused", f"{key}: {left} units could still reach the point")]
    if reason is ShortfallReason.TOO_LATE and (in_time or not holders):
        return [Violation("bad_reason", f"{key}: stock could arrive in time, or nobody holds the item")]
    if reason is not ShortfallReason.TOO_LATE and holders and not in_time:
        return [Violation("bad_reason", f"{key}: only late stock can reach the point, should be too_late")]
    if reason is ShortfallReason.RATIONED and not p.fair_share:
        return [Violation("bad_reason", f"{key}: rationed without fair share")]
    return []


def allocation_objective(p: AllocationProblem, r: AllocationResult) -> tuple[int, int, int]:
    """(Σ weight × unmet, late units, Σ units × (metres + draw cost)) recomputed from the plan."""
    p_pos = {x: k for k, x in enumerate(p.point_ids)}
    i_pos = {x: k for k, x in enumerate(p.item_ids)}
    s_pos = {s.id: k for k, s in enumerate(p.sources)}
    line = {(d.point, d.item): d for d in p.demands}
    unmet = sum(
        p.priority_weight[line[(p_pos[g.point_id], i_pos[g.item_id])].priority - 1] * g.qty
        for g in r.shortfalls
    )
    late = sum(
        a.qty for a in r.lines if a.arrival_s > line[(p_pos[a.point_id], i_pos[a.item_id])].needed_by_s
    )
    cost = 0
    for a in r.lines:
        s, pt, it = s_pos[a.source_id], p_pos[a.point_id], i_pos[a.item_id]
        cost += a.qty * (p.distance_m[s][pt] + (p.draw_cost[s][it] if p.draw_cost else 0))
    return unmet, late, cost


def check_allocation(problem: AllocationProblem, result: AllocationResult) -> list[Violation]:
    """Every broken rule of ``result`` for ``problem``; an empty list means the plan is sound.

    Parameters
    ----------
    problem : the allocation problem that was solved.
    result : the plan to verify.

    Returns
    -------
    list[Violation]
        Codes: unknown_id, no_demand, bad_qty, bad_ready_time, unreachable_line, bad_arrival, bad_late_flag,
        beyond_max_late, stock_exceeded, bad_shortfall, unbalanced, bad_reason, stock_left_unused,
        objective_mismatch.
    """
    out = _line_violations(problem, result) + _stock_violations(problem, result)
    out += _balance_violations(problem, result)
    if not out and allocation_objective(problem, result) != result.objective:
        out.append(
            Violation("objective_mismatch", f"{allocation_objective(problem, result)} != {result.objective}")
        )
    return out
