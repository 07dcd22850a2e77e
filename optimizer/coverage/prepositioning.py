"""Pre-positioning (预置): redistribute existing stock between points so villages are covered within T.

Rule, per item (items share nothing): first maximise the population whose full requirement sits at points
within the threshold, then move as few unit-seconds as possible. Stock only moves directly from the point that
holds it now (no relay). Two CP-SAT solves per item, the second fixing the first's covered population. A `stop`
flag (a cancelled job) stops a running solve from a watcher thread and starts no further one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from optimizer.coverage.siting import watch_stop
from optimizer.coverage.siting_problem import Move, PrepositionGap, PrepositionProblem, PrepositionResult

Bools = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]


def _classes(
    reach: Bools, req: I64, pop: I64, total: int
) -> tuple[list[tuple[list[int], int, int]], list[int]]:
    """Villages that could be covered, merged by (reachable points, requirement) → (points, req, population)."""
    groups: dict[tuple[bytes, int], tuple[list[int], int, int]] = {}
    for v in np.flatnonzero((req > 0) & reach.any(axis=0) & (req <= total)).tolist():
        key = (np.packbits(reach[:, v]).tobytes(), int(req[v]))
        pts, r, people = groups.get(key, (np.flatnonzero(reach[:, v]).tolist(), int(req[v]), 0))
        groups[key] = (pts, r, people + int(pop[v]))
    return list(groups.values()), [int(v) for v in np.flatnonzero(req > 0)]


def _solve(solver: cp_model.CpSolver, model: cp_model.CpModel, stop: Callable[[], bool] | None) -> int:
    """One CP-SAT solve, stopped early once `stop()` says so; its status."""
    if stop is None:
        return int(solver.solve(model))
    if stop():
        return int(cp_model.UNKNOWN)
    done = threading.Event()
    watcher = watch_stop(solver, stop, done)
    try:
        return int(solver.solve(model))
    finally:
        done.set()
        watcher.join()


def _solve_item(
    stock: I64,
    move_s: I64,
    classes: list[tuple[list[int], int, int]],
    limit_s: float,
    stop: Callable[[], bool] | None = None,
) -> tuple[dict[tuple[int, int], int], int, bool]:
    """Two lexicographic CP-SAT solves; returns (moves, covered population, proven optimal)."""
    n = len(stock)
    model = cp_model.CpModel()
    arcs = [(a, b) for a in range(n) for b in range(n) if a != b and stock[a] > 0 and move_s[a, b] >= 0]
    f = {(a, b): model.new_int_var(0, int(stock[a]), f"f{a}_{b}") for a, b in arcs}
    hold = []
    for j in range(n):
        out = sum(f[(a, b)] for a, b in arcs if a == j)
        into = sum(f[(a, b)] for a, b in arcs if b == j)
        model.add(out <= int(stock[j]))
        hold.append(int(stock[j]) - out + into)
    z = [model.new_bool_var(f"z{c}") for c in range(len(classes))]
    for zc, (pts, req, _) in zip(z, classes, strict=True):
        model.add(sum(hold[j] for j in pts) >= req).only_enforce_if(zc)
    covered = sum(people * zc for zc, (_, _, people) in zip(z, classes, strict=True))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit_s
    solver.parameters.num_workers = 2
    model.maximize(covered)
    first = _solve(solver, model, stop)
    if first not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # no solution in time: leave stock where it is
        return {}, -1, False
    best = int(solver.objective_value)
    model.add(covered >= best)
    for var in f.values():
        model.add_hint(var, solver.value(var))
    for zc in z:
        model.add_hint(zc, solver.value(zc))
    model.minimize(sum(int(move_s[a, b]) * f[(a, b)] for a, b in arcs))
    second = _solve(solver, model, stop)
    if second not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}, -1, False
    moves = {key: int(solver.value(var)) for key, var in f.items() if solver.value(var) > 0}
    return moves, best, first == cp_model.OPTIMAL and second == cp_model.OPTIMAL


def _gaps(
    held: I64, reach: Bools, req: I64, pop: I64, needing: list[int]
) -> tuple[int, list[tuple[int, PrepositionGap]]]:
    """Covered population of one item after the moves, and each uncovered village with its reason."""
    total = int(held.sum())
    people = 0
    gaps: list[tuple[int, PrepositionGap]] = []
    for v in needing:
        if int(held[reach[:, v]].sum()) >= req[v]:
            people += int(pop[v])
        elif not reach[:, v].any():
            gaps.append((v, PrepositionGap.NO_POINT_IN_REACH))
        elif req[v] > total:
            gaps.append((v, PrepositionGap.NOT_ENOUGH_STOCK))
        else:
            gaps.append((v, PrepositionGap.STOCK_NEEDED_ELSEWHERE))
    return people, gaps


def _arrays(problem: PrepositionProblem) -> tuple[Any, Any, Any, Any, Any]:
    """The problem's flat lists as matrices: stock (point × item), reach within the threshold (point × village),
    move times (point × point), requirements (village × item), population."""
    n_p, n_v, n_i = len(problem.point_ids), len(problem.village_ids), len(problem.item_ids)
    stock = np.asarray(problem.stock, dtype=np.int64).reshape(n_p, n_i)
    reach_s = np.asarray(problem.reach_s, dtype=np.int64).reshape(n_p, n_v)
    reach = (reach_s >= 0) & (reach_s <= problem.threshold_s)
    move_s = np.asarray(problem.move_s, dtype=np.int64).reshape(n_p, n_p)
    req_all = np.asarray(problem.required, dtype=np.int64).reshape(n_v, n_i)
    return stock, reach, move_s, req_all, np.asarray(problem.population, dtype=np.int64)


def solve_prepositioning(
    problem: PrepositionProblem, time_limit_s: float = 5.0, stop: Callable[[], bool] | None = None
) -> PrepositionResult:
    """Recommend moves of existing stock between points to cover villages within the threshold.

    Parameters
    ----------
    problem : points with current stock, villages with population and requirements, reach and move times.
    time_limit_s : CP-SAT limit for each of the two solves of each item.
    stop : optional flag; True ends the search early (a cancelled job: the result is discarded).

    Returns
    -------
    PrepositionResult
        Moves, holdings after the moves, each uncovered (village, item, reason), covered population per
        item, total move cost (unit-seconds) and status (``optimal``, ``feasible``, or ``timeout_no_move``
        when some item found no solution in time and keeps its stock in place).
    """
    stock, reach, move_s, req_all, pop = _arrays(problem)
    holdings = stock.copy()
    moves: list[Move] = []
    uncovered: list[tuple[str, str, PrepositionGap]] = []
    covered_pop: list[int] = []
    statuses: set[str] = set()
    for i, item in enumerate(problem.item_ids):
        total = int(stock[:, i].sum())
        classes, needing = _classes(reach, req_all[:, i], pop, total)
        flows, best, optimal = (
            _solve_item(stock[:, i], move_s, classes, time_limit_s, stop) if classes else ({}, 0, True)
        )
        statuses.add("timeout_no_move" if best < 0 else "optimal" if optimal else "feasible")
        for (a, b), q in sorted(flows.items()):
            moves.append(Move(item, problem.point_ids[a], problem.point_ids[b], q))
            holdings[a, i] -= q
            holdings[b, i] += q
        people, gaps = _gaps(holdings[:, i], reach, req_all[:, i], pop, needing)
        uncovered.extend((problem.village_ids[v], item, reason) for v, reason in gaps)
        covered_pop.append(people)
    status = next((s for s in ("timeout_no_move", "feasible") if s in statuses), "optimal")
    cost = sum(
        m.qty * int(move_s[problem.point_ids.index(m.from_id), problem.point_ids.index(m.to_id)])
        for m in moves
    )
    return PrepositionResult(
        moves=tuple(moves),
        holdings=tuple(tuple(int(v) for v in row) for row in holdings.tolist()),
        uncovered=tuple(uncovered),
        covered_population=tuple(covered_pop),
        move_cost=cost,
        status=status,
    )
