"""A pre-positioning instance CP-SAT does not prove optimal within its limit (random reach over many villages with
uneven requirements and scarce stock), for the tests that stop a running pre-positioning search."""

from __future__ import annotations

import random

from optimizer.coverage.siting_problem import PrepositionProblem


def hard_preposition(n_points: int = 80, n_villages: int = 3000, seed: int = 1) -> PrepositionProblem:
    rng = random.Random(seed)
    reach = [[7200] * n_villages for _ in range(n_points)]
    for v in range(n_villages):
        for p in rng.sample(range(n_points), 3):
            reach[p][v] = 600
    required = [rng.randint(5, 60) for _ in range(n_villages)]
    stock = [rng.randint(0, 400) if p % 4 == 0 else 0 for p in range(n_points)]
    move = [[0 if a == b else rng.randint(300, 5400) for b in range(n_points)] for a in range(n_points)]
    return PrepositionProblem(
        point_ids=tuple(f"P{p}" for p in range(n_points)),
        item_ids=("I1",),
        stock=tuple((s,) for s in stock),
        village_ids=tuple(f"V{v}" for v in range(n_villages)),
        population=tuple(rng.randint(10, 1000) for _ in range(n_villages)),
        required=tuple((r,) for r in required),
        reach_s=tuple(tuple(r) for r in reach),
        move_s=tuple(tuple(r) for r in move),
        threshold_s=3600,
    )
