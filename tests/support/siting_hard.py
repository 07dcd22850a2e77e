"""A maximal-covering instance neither HiGHS nor CP-SAT proves optimal within a minute (random 5-candidate covers
over many villages), for the tests that stop a running siting search."""

from __future__ import annotations

import random

from optimizer.coverage.siting_problem import SitingProblem


def hard_siting(n_sites: int = 300, n_villages: int = 3000, k: int = 20, seed: int = 1) -> SitingProblem:
    rng = random.Random(seed)
    travel = [[7200] * n_villages for _ in range(n_sites)]
    for v in range(n_villages):
        for s in rng.sample(range(n_sites), 5):
            travel[s][v] = 600
    return SitingProblem(
        site_ids=tuple(f"S{s}" for s in range(n_sites)),
        existing=(False,) * n_sites,
        village_ids=tuple(f"V{v}" for v in range(n_villages)),
        population=tuple(rng.randint(10, 1000) for _ in range(n_villages)),
        hazard_weight=tuple(rng.randint(1, 3) for _ in range(n_villages)),
        travel_s=tuple(tuple(r) for r in travel),
        k=k,
        threshold_s=3600,
    )
