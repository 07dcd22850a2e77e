"""A second, independent county generator on a road graph (issue 21): instances the race was never tuned on.

``bench.vrp_family`` draws Euclidean distances × 1.3 at one speed; this one builds a road network and routes on it,
so travel times are not a metric of the plane. Written in session 16 after the race's tuning had ended; no constant
of the race was chosen on it (every seed is a test seed).

- Places: one county depot (location 0, loading 20 min) and 3-8 township depots (loading 10 min); villages and
  shelters, 70 % of them around a depot (half-normal radius side/8), the rest uniform; kind ``agreement`` adds 1-3
  agreement holders (supermarkets, factories: loading 10 min) whose goods are ready 1-3 h after the call-off.
- Roads: a Delaunay triangulation of every place and n/3 junctions; each road is 1.05-1.5 × its straight length,
  60 km/h on most roads touching a depot, else 30 or 40 km/h, 3 % mountain tracks at 15 km/h; travel times and
  distances are shortest paths (scipy), so the matrices are asymmetric-free but far from Euclidean.
- Jobs: priority share 10-40 % (priority 3, deadline drawn in 0-60 min: some cannot be reached by anyone, some
  are closed outright by their depot's loading time), priority 2 (30 % of the rest) and 1 with deadlines in
  0-600 min; penalties 50 M, 20 M and 5 M; demand in kg, dm³ and pallets (shelters 1-4 t, villages 0.1-1.5 t).
  ``delivery``: goods on the truck; ``pickup``: from the nearest depot (60 %) or another; ``agreement``: as
  ``pickup``, 20 % of the jobs from a holder.
- Fleet: vans (1.5 t), trucks (5 t) and heavy trucks (10 t) until the fleet carries 85 % of the demand's weight;
  35 % at the county depot, the rest at townships; 0, 15 or 30 min activation; fixed cost 0, 200 000 or 500 000
  per truck used; shifts of 10 h in a 12 h horizon.

    .venv/bin/python -m bench.vrp_family_bench --generator roadnet --sizes S,M --seeds 3
"""

from __future__ import annotations

import math
import random

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path
from scipy.spatial import Delaunay

from bench.vrp_family import problem_of
from optimizer.routing.problem import Depot, Job, RoutingProblem, Vehicle

KINDS = ("delivery", "pickup", "agreement")
SIZES = {"S": (50, 150), "M": (200, 300), "L": (500, 800)}
PENALTY = {3: 50_000_000, 2: 20_000_000, 1: 5_000_000}
TYPES = ((1500, 8000, 4), (5000, 25000, 10), (10000, 45000, 18))  # kg, dm³, pallets
FLEET_SHARE = 0.85  # the fleet carries this part of the demand's weight in one trip each


def _places(rng: random.Random, n: int, side: float, towns: int, holders: int) -> np.ndarray:
    county = (side * rng.uniform(0.4, 0.6), side * rng.uniform(0.4, 0.6))
    depots = [county] + [(rng.uniform(0.1, 0.9) * side, rng.uniform(0.1, 0.9) * side) for _ in range(towns)]
    shops = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(holders)]
    villages = []
    for _ in range(n):
        if rng.random() < 0.7:
            cx, cy = rng.choice(depots)
            r, a = abs(rng.gauss(0, side / 8)), rng.uniform(0, 2 * math.pi)
            villages.append(
                (min(side, max(0, cx + r * math.cos(a))), min(side, max(0, cy + r * math.sin(a))))
            )
        else:
            villages.append((rng.uniform(0, side), rng.uniform(0, side)))
    junctions = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(max(20, n // 3))]
    return np.array(depots + shops + villages + junctions)


def _roads(rng: random.Random, pts: np.ndarray, n_depots: int, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """Shortest-path travel times (s) and distances (m) among the first ``keep`` places."""
    edges = set()
    for s in Delaunay(pts).simplices:
        for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2])):
            edges.add((min(a, b), max(a, b)))
    rows, cols, times, lengths = [], [], [], []
    for a, b in sorted(edges):
        length = float(np.hypot(*(pts[a] - pts[b]))) * rng.uniform(1.05, 1.5)
        main = (a < n_depots or b < n_depots) and rng.random() < 0.6
        kmh = 60 if main else rng.choice((30, 40))
        kmh = 15 if rng.random() < 0.03 else kmh
        for u, v in ((a, b), (b, a)):
            rows.append(u)
            cols.append(v)
            times.append(length / (kmh / 3.6))
            lengths.append(length)
    n = len(pts)
    graph_t = coo_matrix((times, (rows, cols)), shape=(n, n)).tocsr()
    graph_d = coo_matrix((lengths, (rows, cols)), shape=(n, n)).tocsr()
    dur = shortest_path(graph_t, directed=True)[:keep, :keep]
    dist = shortest_path(graph_d, directed=True)[:keep, :keep]
    return np.ceil(dur).astype(np.int64), np.ceil(dist).astype(np.int64)


def make(size: str, kind: str, seed: int) -> RoutingProblem:
    """Instance ``seed`` of class (size, kind); the same arguments give the same instance."""
    rng = random.Random(f"roadnet/{size}/{kind}/{seed}")
    lo, hi = SIZES[size]
    n = rng.randint(lo, hi)
    side = rng.choice((35e3, 50e3, 70e3))
    towns = rng.randint(3, 8)
    holders = rng.randint(1, 3) if kind == "agreement" else 0
    nd = 1 + towns
    pts = _places(rng, n, side, towns, holders)
    first = nd + holders
    dur, dist = _roads(rng, pts, nd, first + n)
    share = rng.uniform(0.1, 0.4)
    jobs = []
    for k in range(n):
        dest = first + k
        shelter = rng.random() < 0.15
        prio = 3 if rng.random() < share else (2 if rng.random() < 0.3 else 1)
        kg = rng.randint(10, 40) * 100 if shelter else rng.randint(1, 15) * 100
        pallets = max(1, kg // 500) if rng.random() < 0.5 else 0
        source, ready = None, 0
        if kind != "delivery":
            near = min(range(nd), key=lambda a: dur[a][dest])
            source = near if rng.random() < 0.6 else rng.randrange(nd)
            if holders and rng.random() < 0.2:
                source, ready = nd + rng.randrange(holders), rng.choice((1, 2, 3)) * 3600
        minutes = rng.uniform(0, 60) if prio == 3 else rng.uniform(0, 600)
        jobs.append(
            Job(f"p{k}", dest, (kg, int(kg * rng.uniform(1.5, 5.0)), pallets), source=source,
                service_s=rng.choice((300, 600, 900)), ready_s=ready, deadline_s=max(1, int(minutes * 60)),
                priority=prio, penalty=PENALTY[prio])
        )  # fmt: skip
    demand = sum(j.demand[0] for j in jobs)
    vehicles: list[Vehicle] = []
    while sum(v.capacity[0] for v in vehicles) < FLEET_SHARE * demand:
        home = 0 if rng.random() < 0.35 else rng.randint(1, towns)
        vehicles.append(
            Vehicle(f"v{len(vehicles) + 1}", home, home, TYPES[rng.choice((0, 0, 1, 1, 1, 2))],
                    available_from_s=rng.choice((0, 0, 0, 900, 1800)), max_duration_s=10 * 3600,
                    fixed_cost=rng.choice((0, 200_000, 500_000)))
        )  # fmt: skip
    depots = tuple(Depot(a, 1200 if a == 0 else 600) for a in range(nd + holders))
    return problem_of(
        dur, dist, jobs, vehicles, depots=depots, horizon_s=12 * 3600, dimensions=("kg", "dm3", "pallet")
    )


def named(text: str) -> RoutingProblem | None:
    """The instance named as in benchmark output, "R" + size (``RM-pickup-1``; the family's is M-pickup-1); None
    when ``text`` names no road-graph instance."""
    size, kind, seed = [*text.split("-"), "", "", ""][:3]
    if not (size[:1] == "R" and size[1:] in SIZES and kind in KINDS and seed.isdigit()):
        return None
    return make(size[1:], kind, int(seed))
