"""The 1-hour guarantee circle (1小时保障圈) measured on stock, vectorised with numpy.

Rule: a point is covered for an item within T when the sources, taken in order of arrival time
(lead + loading + travel), can bring its full required quantity by T. Each point is judged on its own, as if
it were the only one asking (per-point capability, no competition between points for the same stock); the
allocation module answers the competitive question.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from optimizer.allocation.problem import AllocationProblem, DemandLine
from optimizer.allocation.solve import solve_allocation
from optimizer.coverage.problem import (
    CoverageProblem,
    CoverageResult,
    GapReason,
    ThresholdCoverage,
    TownshipCoverage,
    UncoveredItem,
)
from optimizer.sources import SourceKind

I64 = npt.NDArray[np.int64]
_BIG = 2**62  # "never": unreachable or beyond the horizon
_CHUNK_CELLS = 4_000_000  # virtual sources × points × items handled per numpy chunk


def _virtual_sources(problem: CoverageProblem, zero_leads: bool) -> tuple[I64, I64, I64]:
    """Split sources into steps: (source index, ready + loading offset, per-item quantity) per step.

    Physical and agreement stock is one step; a capacity source gives one step per batch ready by the horizon.
    ``zero_leads`` makes agreement and capacity stock ready at once, whole (the "agreement too slow" test).
    """
    idx: list[int] = []
    base: list[int] = []
    qty: list[I64] = []
    horizon = problem.horizon
    for s, src in enumerate(problem.sources):
        if src.id in problem.damaged_source_ids:
            continue
        lead = 0 if zero_leads else src.lead_s
        avail = np.asarray(src.available, dtype=np.int64)
        if src.kind is not SourceKind.CAPACITY or zero_leads:
            idx.append(s)
            base.append(lead + src.loading_s)
            qty.append(avail)
            continue
        per = np.asarray(src.batch_qty, dtype=np.int64)
        for k in range(1, max(0, (horizon - lead) // src.batch_s) + 1):
            idx.append(s)
            base.append(lead + k * src.batch_s + src.loading_s)
            qty.append(np.minimum(per, np.maximum(0, avail - (k - 1) * per)))
    n_items = len(problem.item_ids)
    q = np.vstack(qty) if qty else np.zeros((0, n_items), dtype=np.int64)
    return np.asarray(idx, dtype=np.int64), np.asarray(base, dtype=np.int64), q


def _earliest_arrival(travel: I64, steps: tuple[I64, I64, I64], required: I64) -> I64:
    """Earliest time each point × item gets its required quantity (``_BIG`` if never, 0 if none required).

    Parameters
    ----------
    travel : sources × points seconds, -1 unreachable.
    steps : output of ``_virtual_sources``.
    required : points × items quantities.

    Returns
    -------
    points × items int64 seconds.
    """
    src_idx, base, qty = steps
    n_points, n_items = required.shape
    out = np.full((n_points, n_items), _BIG, dtype=np.int64)
    if len(src_idx):
        t = travel[src_idx]
        offs = np.where(t >= 0, t + base[:, None], _BIG)
        chunk = max(1, _CHUNK_CELLS // max(1, len(src_idx) * n_items))
        # int32 halves the memory traffic of the cumulative sum when every total fits
        fits = int(qty.sum(axis=0).max(initial=0)) < 2**31 and int(required.max(initial=0)) < 2**31
        small = qty.astype(np.int32) if fits else qty
        for start in range(0, n_points, chunk):
            sl = slice(start, min(n_points, start + chunk))
            o = offs[:, sl]
            order = np.argsort(o, axis=0, kind="stable")
            so = np.take_along_axis(o, order, axis=0)
            q = small[order]
            q[so >= _BIG] = 0
            np.cumsum(q, axis=0, out=q)
            hit = q >= required[sl][None, :, :]
            first = hit.argmax(axis=0)
            cols = np.arange(so.shape[1])[:, None]
            out[sl] = np.where(hit[-1], so[first, cols], _BIG)
    out[required == 0] = 0
    return out


def compute_coverage(problem: CoverageProblem) -> CoverageResult:
    """Earliest arrival per point × item and the gaps at each threshold, with township summaries.

    Parameters
    ----------
    problem : points, sources, travel matrix (``UNREACHABLE`` = -1), thresholds, damaged sources.

    Returns
    -------
    CoverageResult
        ``earliest_arrival_s`` (None: not by the horizon; 0: nothing required) and, per threshold, every
        uncovered point × item with its reason (``no_stock`` before ``agreement_too_slow`` before ``too_far``)
        and per-township counts of points and population, per item and for all items together.

    Notes
    -----
    The per-point test ignores competition between points: two villages may both count on the same tents.
    """
    travel = np.asarray(problem.travel_s, dtype=np.int64).reshape(len(problem.sources), len(problem.points))
    required = np.asarray([p.required for p in problem.points], dtype=np.int64)
    required = required.reshape(len(problem.points), len(problem.item_ids))
    steps = _virtual_sources(problem, zero_leads=False)
    early = _earliest_arrival(travel, steps, required)
    has_leads = any(s.lead_s > 0 for s in problem.sources)
    early0 = _earliest_arrival(travel, _virtual_sources(problem, True), required) if has_leads else early
    no_stock = required > steps[2].sum(axis=0)[None, :]
    thresholds = tuple(
        _at_threshold(problem, t, required, early, early0, no_stock) for t in problem.thresholds_s
    )
    rows = early.tolist()
    earliest = tuple(tuple(None if v >= _BIG else v for v in row) for row in rows)
    return CoverageResult(
        point_ids=tuple(p.id for p in problem.points),
        item_ids=problem.item_ids,
        earliest_arrival_s=earliest,
        thresholds=thresholds,
    )


def _at_threshold(
    problem: CoverageProblem,
    threshold: int,
    required: I64,
    early: I64,
    early0: I64,
    no_stock: npt.NDArray[np.bool_],
) -> ThresholdCoverage:
    """Uncovered pairs with reasons and township summaries at one threshold."""
    unc = (required > 0) & (early > threshold)
    slow = ~no_stock & (early0 <= threshold)
    uncovered = []
    for p, i in zip(*np.nonzero(unc), strict=True):
        reason = (
            GapReason.NO_STOCK if no_stock[p, i] else GapReason.AGREEMENT_TOO_SLOW if slow[p, i] else None
        )
        e = int(early[p, i])
        uncovered.append(
            UncoveredItem(
                point_id=problem.points[p].id,
                item_id=problem.item_ids[i],
                reason=reason or GapReason.TOO_FAR,
                earliest_arrival_s=None if e >= _BIG else e,
            )
        )
    return ThresholdCoverage(threshold, tuple(uncovered), _townships(problem, required > 0, unc))


def _townships(
    problem: CoverageProblem, need: npt.NDArray[np.bool_], unc: npt.NDArray[np.bool_]
) -> tuple[TownshipCoverage, ...]:
    """Per township: points and population needing each item (and any item), and how many are uncovered."""
    names = sorted({p.township_id for p in problem.points})
    pos = {n: k for k, n in enumerate(names)}
    town = np.asarray([pos[p.township_id] for p in problem.points], dtype=np.int64)
    pop = np.asarray([p.population for p in problem.points], dtype=np.int64)
    n = len(names)
    cols: list[tuple[str | None, npt.NDArray[np.bool_], npt.NDArray[np.bool_]]] = [
        (item, need[:, i], unc[:, i]) for i, item in enumerate(problem.item_ids)
    ]
    cols.append((None, np.asarray(need.any(axis=1)), np.asarray(unc.any(axis=1))))
    out: list[TownshipCoverage] = []
    for item, nd, un in cols:
        counts = np.bincount(town, weights=nd, minlength=n).round().astype(np.int64)
        counts_u = np.bincount(town, weights=un, minlength=n).round().astype(np.int64)
        people = np.bincount(town, weights=pop * nd, minlength=n).round().astype(np.int64)
        people_u = np.bincount(town, weights=pop * un, minlength=n).round().astype(np.int64)
        out.extend(
            TownshipCoverage(name, item, int(counts[k]), int(counts_u[k]), int(people[k]), int(people_u[k]))
            for k, name in enumerate(names)
        )
    return tuple(out)


def competitive_coverage(problem: CoverageProblem, threshold_s: int) -> ThresholdCoverage:
    """Coverage at one threshold when all points draw on the same stock at once (competitive mode).

    Rule: one joint allocation sends as many units as possible to arrive within the threshold (every unit
    weighs the same, then fewer unit-seconds); a point × item is covered only if its whole requirement
    arrives. Pairs uncovered per point keep their per-point reason; the others are ``shared_stock``.
    Maximising the number of fully covered villages exactly is a harder (knapsack-like) problem: this is the
    flow answer to "who loses out if everyone asks at once".

    Parameters
    ----------
    problem : the coverage problem (damaged sources excluded, capacity batches up to min(horizon, T)).
    threshold_s : the circle, e.g. 3600.

    Returns
    -------
    ThresholdCoverage
        Uncovered pairs (per-point reasons, else ``shared_stock`` with no arrival time) and township sums.
    """
    alone = _at_threshold_alone(problem, threshold_s)
    reason_alone = {(u.point_id, u.item_id): u for u in alone.uncovered}
    sources = tuple(s for s in problem.sources if s.id not in problem.damaged_source_ids)
    keep = [k for k, s in enumerate(problem.sources) if s.id not in problem.damaged_source_ids]
    travel = tuple(problem.travel_s[k] for k in keep)
    demands = tuple(
        DemandLine(p, i, q, 1, threshold_s)
        for p, point in enumerate(problem.points)
        for i, q in enumerate(point.required)
        if q > 0
    )
    plan = solve_allocation(
        AllocationProblem(
            item_ids=problem.item_ids,
            point_ids=tuple(p.id for p in problem.points),
            sources=sources,
            demands=demands,
            travel_s=travel,
            distance_m=tuple(tuple(max(t, 0) for t in row) for row in travel),
            priority_weight=(1,),
            max_late_s=0,
            horizon_s=min(problem.horizon, threshold_s),
        )
    )
    pos = {p.id: k for k, p in enumerate(problem.points)}
    item_pos = {x: i for i, x in enumerate(problem.item_ids)}
    unc = np.zeros((len(problem.points), len(problem.item_ids)), dtype=bool)
    uncovered = []
    for gap in plan.shortfalls:
        unc[pos[gap.point_id], item_pos[gap.item_id]] = True
        before = reason_alone.get((gap.point_id, gap.item_id))
        reason = before.reason if before else GapReason.SHARED_STOCK
        uncovered.append(
            UncoveredItem(gap.point_id, gap.item_id, reason, before.earliest_arrival_s if before else None)
        )
    need = np.asarray([p.required for p in problem.points], dtype=np.int64).reshape(unc.shape) > 0
    return ThresholdCoverage(threshold_s, tuple(uncovered), _townships(problem, need, unc))


def _at_threshold_alone(problem: CoverageProblem, threshold_s: int) -> ThresholdCoverage:
    """Per-point coverage at one threshold (any threshold, not only those listed in the problem)."""
    return compute_coverage(replace(problem, thresholds_s=(threshold_s,))).thresholds[0]


def reachable_points(problem: CoverageProblem, threshold_s: int) -> dict[str, tuple[int, ...]]:
    """Point indices each undamaged source reaches within ``threshold_s`` (lead + loading + travel)."""
    out: dict[str, tuple[int, ...]] = {}
    for s, src in enumerate(problem.sources):
        if src.id in problem.damaged_source_ids:
            continue
        row = problem.travel_s[s]
        out[src.id] = tuple(
            p for p, t in enumerate(row) if t >= 0 and src.lead_s + src.loading_s + t <= threshold_s
        )
    return out
