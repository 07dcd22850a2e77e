"""Independent evaluators of siting and pre-positioning answers, in plain Python loops (no solver code).

Used by tests to check every solver output and by the planner page to show the effect of a hand-made choice.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.coverage.siting_problem import Move, PrepositionProblem, SitingProblem


@dataclass(frozen=True, slots=True)
class SitingEvaluation:
    """Covered weight and population of a set of open sites, and the broken rules of the choice."""

    covered_weight: int
    covered_population: int
    uncovered: tuple[str, ...]
    violations: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PrepositionEvaluation:
    """Holdings after the moves, uncovered (village, item) pairs, covered population per item, cost, broken rules."""

    holdings: tuple[tuple[int, ...], ...]
    uncovered: frozenset[tuple[str, str]]
    covered_population: tuple[int, ...]
    move_cost: int
    violations: tuple[str, ...]


def evaluate_siting(problem: SitingProblem, chosen: tuple[str, ...]) -> SitingEvaluation:
    """Recompute what existing sites plus ``chosen`` cover within the threshold; flag a bad choice.

    Rules: chosen ids are distinct candidates (not existing sites), and no more than k of them.

    Parameters
    ----------
    problem : the siting problem.
    chosen : ids of the new sites to open.

    Returns
    -------
    SitingEvaluation
        Covered weight and population (existing sites included), uncovered village ids, broken rules.
    """
    violations = []
    pos = {s: j for j, s in enumerate(problem.site_ids)}
    if len(set(chosen)) != len(chosen) or len(chosen) > problem.k:
        violations.append("too_many_or_duplicate_sites")
    if any(c not in pos or problem.existing[pos[c]] for c in chosen):
        violations.append("not_a_candidate")
    open_rows = [j for j, e in enumerate(problem.existing) if e] + [pos[c] for c in chosen if c in pos]
    weight = population = 0
    uncovered = []
    for v, vid in enumerate(problem.village_ids):
        if any(0 <= problem.travel_s[j][v] <= problem.threshold_s for j in open_rows):
            weight += problem.population[v] * problem.hazard_weight[v]
            population += problem.population[v]
        else:
            uncovered.append(vid)
    return SitingEvaluation(weight, population, tuple(uncovered), tuple(violations))


def evaluate_prepositioning(problem: PrepositionProblem, moves: tuple[Move, ...]) -> PrepositionEvaluation:
    """Apply ``moves`` to the current stock and recompute coverage and cost; flag impossible moves.

    Rules: known ids, positive quantity, a road between the points, and no point sends more than it holds now.

    Parameters
    ----------
    problem : the pre-positioning problem.
    moves : the moves to apply to the current stock.

    Returns
    -------
    PrepositionEvaluation
        Holdings after the moves, uncovered (village, item) pairs, covered population per item, move cost in
        unit-seconds, broken rules.
    """
    p_pos = {x: j for j, x in enumerate(problem.point_ids)}
    i_pos = {x: i for i, x in enumerate(problem.item_ids)}
    hold = [list(row) for row in problem.stock]
    sent = [[0] * len(problem.item_ids) for _ in problem.point_ids]
    violations: list[str] = []
    cost = 0
    for m in moves:
        if m.from_id not in p_pos or m.to_id not in p_pos or m.item_id not in i_pos or m.qty <= 0:
            violations.append(f"bad_move {m}")
            continue
        a, b, i = p_pos[m.from_id], p_pos[m.to_id], i_pos[m.item_id]
        if problem.move_s[a][b] < 0:
            violations.append(f"no_road {m}")
        sent[a][i] += m.qty
        hold[a][i] -= m.qty
        hold[b][i] += m.qty
        cost += m.qty * max(0, problem.move_s[a][b])
    for a, row in enumerate(sent):
        for i, q in enumerate(row):
            if q > problem.stock[a][i]:
                violations.append(f"overdrawn {problem.point_ids[a]} {problem.item_ids[i]}")
    uncovered = set()
    covered = [0] * len(problem.item_ids)
    for v, vid in enumerate(problem.village_ids):
        near = [j for j in range(len(problem.point_ids)) if 0 <= problem.reach_s[j][v] <= problem.threshold_s]
        for i, iid in enumerate(problem.item_ids):
            need = problem.required[v][i]
            if need == 0:
                continue
            if sum(hold[j][i] for j in near) >= need:
                covered[i] += problem.population[v]
            else:
                uncovered.add((vid, iid))
    return PrepositionEvaluation(
        holdings=tuple(tuple(r) for r in hold),
        uncovered=frozenset(uncovered),
        covered_population=tuple(covered),
        move_cost=cost,
        violations=tuple(violations),
    )
