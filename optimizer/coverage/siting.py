"""Where to open k new reserve points (maximal covering, 最大覆盖选址) with HiGHS (default) or CP-SAT.

Rule: open exactly k candidates (or all of them if fewer) to maximise the hazard-weighted population within
the threshold of an open site, existing sites included. Villages with identical candidate sets are merged into
one class before modelling; villages already covered by an existing site, or by no candidate, drop out.

Stopping early (`stop`, a cancelled job): CP-SAT is stopped from a watcher thread (`StopSearch`). HiGHS under
MathOpt cannot be interrupted (OR-Tools 9.15 ignores both the interrupter and callbacks for HiGHS), so with a
`stop` flag HiGHS gets a short first slice (it proves most instances optimal in well under a second) and the rest
of the time goes to CP-SAT, hinted with HiGHS's sites and stoppable; the better of the two is kept.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from ortools.math_opt.python import mathopt
from ortools.sat.python import cp_model

from optimizer.coverage.siting_problem import SitingProblem, SitingResult

Bools = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]
StopFlag = Callable[[], bool]
HIGHS_SLICE_S = 2.0  # with a stop flag: HiGHS's (uninterruptible) share before CP-SAT takes over
STOP_LOOK_S = 0.1  # how often the watcher asks the stop flag
Solved = tuple[list[int], int, str]  # (chosen candidate indices, upper bound on the weight, status)


def watch_stop(solver: cp_model.CpSolver, stop: StopFlag, done: threading.Event) -> threading.Thread:
    """A thread that stops the CP-SAT search once `stop()` says so (until `done` is set)."""

    def run() -> None:
        while not done.wait(STOP_LOOK_S):
            if stop():
                solver.stop_search()
                return

    th = threading.Thread(target=run, name="siting-stop", daemon=True)
    th.start()
    return th


def coverage_classes(problem: SitingProblem) -> tuple[Bools, I64, Bools, Bools]:
    """(candidates × classes membership, class weights, villages covered by existing sites, cover matrix)."""
    travel = np.asarray(problem.travel_s, dtype=np.int64).reshape(
        len(problem.site_ids), len(problem.village_ids)
    )
    cover = (travel >= 0) & (travel <= problem.threshold_s)
    weight = np.asarray(problem.population, dtype=np.int64) * np.asarray(
        problem.hazard_weight, dtype=np.int64
    )
    existing = np.asarray(problem.existing, dtype=bool)
    base = cover[existing].any(axis=0)
    cand = cover[~existing]
    free = ~base & cand.any(axis=0)
    if not free.any():
        return np.zeros((len(cand), 0), dtype=bool), np.zeros(0, dtype=np.int64), base, cover
    packed = np.packbits(cand[:, free], axis=0).T
    uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
    class_w = np.zeros(len(uniq), dtype=np.int64)
    np.add.at(class_w, inverse.ravel(), weight[free])
    members = np.unpackbits(uniq, axis=1, count=len(cand)).T.astype(bool)
    return members, class_w, base, cover


def greedy_sites(members: Bools, class_w: I64, k: int) -> list[int]:
    """Pick k candidates one at a time by largest weight newly covered (the hint, and the timeout fallback)."""
    chosen: list[int] = []
    open_w = class_w.copy()
    for _ in range(min(k, members.shape[0])):
        gain = members.astype(np.int64) @ open_w
        gain[chosen] = -1
        j = int(gain.argmax())
        chosen.append(j)
        open_w[members[j]] = 0
    return chosen


def _cp_sat(
    members: Bools, class_w: I64, k: int, hint: list[int], limit_s: float, stop: StopFlag | None = None
) -> Solved:
    """CP-SAT model: x_j open, y_c covered ⇒ some member open; returns (chosen, bound, status)."""
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{j}") for j in range(members.shape[0])]
    y = [model.new_bool_var(f"y{c}") for c in range(members.shape[1])]
    for c in range(members.shape[1]):
        model.add_bool_or([x[j] for j in np.flatnonzero(members[:, c]).tolist()] + [y[c].Not()])
    model.add(sum(x) == k)
    model.maximize(sum(int(w) * v for w, v in zip(class_w.tolist(), y, strict=True)))
    for j, v in enumerate(x):
        model.add_hint(v, j in hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit_s
    solver.parameters.num_workers = 2
    done = threading.Event()
    watcher = None if stop is None else watch_stop(solver, stop, done)
    try:
        status = solver.solve(model)
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = [j for j, v in enumerate(x) if solver.value(v)]
        return (
            chosen,
            int(np.floor(solver.best_objective_bound + 1e-6)),
            "optimal" if status == cp_model.OPTIMAL else "feasible",
        )
    if status == cp_model.INFEASIBLE:  # cannot happen: opening k candidates is always feasible
        return hint, int(class_w.sum()), "infeasible"
    return hint, int(class_w.sum()), "timeout_greedy"


def _highs(members: Bools, class_w: I64, k: int, hint: list[int], limit_s: float) -> Solved:
    """MIP with continuous y_c ≤ Σ members x_j (integral at the optimum once x is), solved by HiGHS."""
    model = mathopt.Model()
    x = [model.add_binary_variable() for _ in range(members.shape[0])]
    y = [model.add_variable(lb=0, ub=1) for _ in range(members.shape[1])]
    for c in range(members.shape[1]):
        model.add_linear_constraint(
            y[c] <= mathopt.fast_sum(x[j] for j in np.flatnonzero(members[:, c]).tolist())
        )
    model.add_linear_constraint(mathopt.fast_sum(x) == k)
    model.maximize(mathopt.fast_sum(int(w) * v for w, v in zip(class_w.tolist(), y, strict=True)))
    params = mathopt.SolveParameters(
        time_limit=datetime.timedelta(seconds=limit_s), relative_gap_tolerance=0.0
    )
    hint_sol = mathopt.SolutionHint(variable_values={v: float(j in hint) for j, v in enumerate(x)})
    res = mathopt.solve(
        model,
        mathopt.SolverType.HIGHS,
        params=params,
        model_params=mathopt.ModelSolveParameters(solution_hints=[hint_sol]),
    )
    if not res.has_primal_feasible_solution():
        return hint, int(class_w.sum()), "timeout_greedy"
    chosen = [j for j, v in enumerate(x) if res.variable_values(v) > 0.5]
    bound = int(np.floor(res.termination.objective_bounds.dual_bound + 1e-6))
    optimal = res.termination.reason == mathopt.TerminationReason.OPTIMAL
    return chosen, min(bound, int(class_w.sum())), "optimal" if optimal else "feasible"


def _stoppable(
    members: Bools, class_w: I64, k: int, hint: list[int], limit_s: float, stop: StopFlag
) -> Solved:
    """HiGHS for a short slice, then (unless optimal or stopped) CP-SAT for the rest, stoppable; the better
    choice, with the tighter of the two bounds."""
    begin = time.monotonic()
    first = _highs(members, class_w, k, hint, min(limit_s, HIGHS_SLICE_S))
    left = limit_s - (time.monotonic() - begin)
    if first[2] == "optimal" or stop() or left <= 0.05:
        return first
    second = _cp_sat(members, class_w, k, first[0], left, stop)

    def weight(chosen: list[int]) -> int:
        return int(class_w[members[chosen].any(axis=0)].sum()) if chosen else 0

    best = second if weight(second[0]) > weight(first[0]) else first
    status = "optimal" if second[2] == "optimal" else best[2]
    return best[0], min(first[1], second[1]), status


def solve_max_covering(
    problem: SitingProblem, time_limit_s: float = 30.0, solver: str = "highs", stop: StopFlag | None = None
) -> SitingResult:
    """Choose k new sites maximising hazard-weighted population within the threshold of an open site.

    Parameters
    ----------
    problem : candidates and existing sites, villages with population and hazard weight, travel matrix, k.
    time_limit_s : solver wall-clock limit.
    solver : ``"highs"`` (default, MathOpt MIP: proves the bench instance optimal in < 1 s) or ``"cp_sat"``.
    stop : optional flag asked during the search; True ends it early (a cancelled job: the result is discarded).

    Returns
    -------
    SitingResult
        Chosen site ids, covered weight and population (existing sites included), the weight the existing
        sites cover alone, the proven upper bound and status (``optimal``, ``feasible`` within the limit, or
        ``timeout_greedy`` when the solver found nothing and the greedy choice is returned).
    """
    members, class_w, base, cover = coverage_classes(problem)
    k = min(problem.k, members.shape[0])
    weight = np.asarray(problem.population, dtype=np.int64) * np.asarray(
        problem.hazard_weight, dtype=np.int64
    )
    base_weight = int(weight[base].sum())
    hint = greedy_sites(members, class_w, k)
    if members.shape[1] == 0 or k == 0:
        chosen, bound, status = hint, 0, "optimal"
    elif solver == "cp_sat":
        chosen, bound, status = _cp_sat(members, class_w, k, hint, time_limit_s, stop)
    elif stop is not None:
        chosen, bound, status = _stoppable(members, class_w, k, hint, time_limit_s, stop)
    else:
        chosen, bound, status = _highs(members, class_w, k, hint, time_limit_s)
    cand = problem.candidates
    open_rows = [j for j, e in enumerate(problem.existing) if e] + [cand[j] for j in chosen]
    covered = cover[open_rows].any(axis=0) if open_rows else np.zeros(len(problem.village_ids), dtype=bool)
    pop = np.asarray(problem.population, dtype=np.int64)
    return SitingResult(
        chosen=tuple(problem.site_ids[cand[j]] for j in sorted(chosen)),
        covered_weight=int(weight[covered].sum()),
        covered_population=int(pop[covered].sum()),
        base_weight=base_weight,
        bound=base_weight + bound,
        status=status,
        uncovered=tuple(problem.village_ids[v] for v in np.flatnonzero(~covered).tolist()),
    )
