"""A broader family of routing test instances, separate from the county generator ``bench.vrp_county``.

Every instance is drawn from ``FamilyParams`` by a seeded ``random.Random``; the same (class, seed) gives the same
instance, byte for byte. Classes fix the size range and the problem kind; everything else (number of depots,
fleet capacity against demand, deadline tightness, priority share) is drawn per seed from the ranges below, so a
class covers many shapes. Tuning seeds (``TUNING_SEEDS``) and test seeds (``TEST_SEEDS``) never overlap; results
are reported on the test seeds only.

Kinds:

- ``delivery``: goods start on the truck (single trip per truck, no reload; multi-trip off); each truck starts at
  one of the depots; with fleet capacity below demand some jobs must stay unserved (their penalties count).
- ``pickup``: every job is carried from a depot (trucks reload at depots: multi-trip on); loading once per depot
  visit.
- ``agreement``: as ``pickup`` plus agreement holders (协议储备) whose goods are ready only after a call-off lead time.

Geometry: a square region of ``side_km`` (Euclidean metres, speed 40 km/h, integer seconds), depots spread over
it, villages uniform or clustered. Three demand dimensions (kg, dm³, cold boxes) and a mixed fleet.

    .venv/bin/python -m bench.vrp_family            # prints one line per test instance (class, seed, shape)
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from optimizer.routing.problem import Depot, Job, RoutingProblem, Vehicle

KINDS = ("delivery", "pickup", "agreement")
SIZES = {"S": (50, 150), "M": (200, 400), "L": (500, 800)}
TUNING_SEEDS = tuple(range(1001, 1011))
TEST_SEEDS = tuple(range(1, 11))
SPEED_MS = 40 / 3.6  # 40 km/h


@dataclass(frozen=True, slots=True)
class FamilyParams:
    """The parameters of one instance (drawn from the class ranges by ``draw``)."""

    n: int  # jobs (villages and shelters)
    depots: int  # 1-8
    capacity_ratio: float  # fleet capacity per trip / total demand, 0.6-1.2
    tightness: float  # deadline scale: 1 = loose (up to 10 h), 0.4 = tight
    priority_share: float  # share of priority jobs (priority 3, short deadline), 0.1-0.4
    kind: str  # delivery | pickup | agreement
    clustered: bool
    side_km: float


def draw(size: str, kind: str, seed: int) -> FamilyParams:
    """The parameters of test or tuning instance ``seed`` of class (size, kind)."""
    rng = random.Random(f"family/{size}/{kind}/{seed}")
    lo, hi = SIZES[size]
    return FamilyParams(
        n=rng.randint(lo, hi),
        depots=rng.randint(1, 8),
        capacity_ratio=round(rng.uniform(0.6, 1.2), 2),
        tightness=round(rng.uniform(0.4, 1.0), 2),
        priority_share=round(rng.uniform(0.1, 0.4), 2),
        kind=kind,
        clustered=rng.random() < 0.5,
        side_km=rng.choice((30.0, 50.0, 80.0)),
    )


def _points(rng: random.Random, fp: FamilyParams, n_holders: int) -> list[tuple[float, float]]:
    side = fp.side_km * 1000
    depots = [(side / 2, side / 2)] + [
        (rng.uniform(0.1, 0.9) * side, rng.uniform(0.1, 0.9) * side) for _ in range(fp.depots - 1)
    ]
    holders = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(n_holders)]
    if fp.clustered:
        centres = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(max(3, fp.n // 40))]
        spread = side / 12
        villages = []
        for _ in range(fp.n):
            cx, cy = rng.choice(centres)
            x = min(side, max(0.0, rng.gauss(cx, spread)))
            y = min(side, max(0.0, rng.gauss(cy, spread)))
            villages.append((x, y))
    else:
        villages = [(rng.uniform(0, side), rng.uniform(0, side)) for _ in range(fp.n)]
    return depots + holders + villages


def build(fp: FamilyParams, seed: int) -> RoutingProblem:
    """The instance for these parameters (deterministic for a seed)."""
    rng = random.Random(f"build/{asdict(fp)}/{seed}")
    n_holders = max(1, fp.n // 100) if fp.kind == "agreement" else 0
    pts = np.array(_points(rng, fp, n_holders))
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2))
    dist = np.ceil(d * 1.3).astype(np.int64)  # road circuity
    dur = np.ceil(dist / SPEED_MS).astype(np.int64)
    nd, nh = fp.depots, n_holders
    first_village = nd + nh
    horizon = 16 * 3600
    jobs = []
    for k in range(fp.n):
        dest = first_village + k
        priority = 3 if rng.random() < fp.priority_share else 1
        source: int | None = None
        ready = 0
        near = min(range(nd), key=lambda a: dist[a][dest])
        if fp.kind != "delivery":
            source = near if rng.random() < 0.7 else rng.randrange(nd)
            if nh and rng.random() < 0.15:
                source, ready = nd + rng.randrange(nh), rng.choice((1, 2, 3)) * 3600
        cold = rng.randint(1, 4) if rng.random() < 0.12 else 0
        kg = rng.randint(2, 15 if cold else 30) * 100
        reach = int(dur[source if source is not None else near][dest]) + (ready or 0)
        base = (rng.uniform(1.5, 3.0) if priority == 3 else rng.uniform(4.0, 10.0)) * 3600 * fp.tightness
        deadline = min(horizon - 1800, max(reach + 3600, int(base) + ready))
        jobs.append(
            Job(f"j{k + 1}", dest, (kg, kg * rng.randint(2, 4), cold), source=source,
                service_s=rng.randint(5, 15) * 60, ready_s=ready, deadline_s=deadline, priority=priority)
        )  # fmt: skip
    demand_kg = sum(j.demand[0] for j in jobs)
    cold_boxes = sum(j.demand[2] for j in jobs)
    types = [(8000, 30000, 0), (3000, 12000, 12), (5000, 20000, 0)]
    vehicles: list[Vehicle] = []
    # per-trip fleet capacity / demand = capacity_ratio; cold vans carry enough boxes for their share
    target = fp.capacity_ratio * demand_kg
    n_cold = max(1, math.ceil(fp.capacity_ratio * cold_boxes / 12))
    total = 0
    k = 0
    while total < target or k < n_cold + 1:
        cap = types[1] if k < n_cold else types[0 if k % 3 else 2]
        start = k % nd
        avail = 3600 if rng.random() < 0.15 else 0  # contracted trucks: activation delay
        vehicles.append(
            Vehicle(f"t{k + 1}", start, start, cap, available_from_s=avail, max_duration_s=12 * 3600)
        )
        total += cap[0]
        k += 1
    depots = tuple(Depot(a, 900 if a == 0 else 600) for a in range(nd))
    depots += tuple(Depot(nd + h, 600) for h in range(nh))
    return problem_of(
        dur, dist, jobs, vehicles, depots=depots, horizon_s=horizon, dimensions=("kg", "dm3", "cold_box")
    )


def problem_of(
    dur: np.ndarray, dist: np.ndarray, jobs: list[Job], vehicles: list[Vehicle], **rest: Any
) -> RoutingProblem:
    """A problem from integer numpy matrices (seconds, metres), its jobs and fleet; ``rest``: RoutingProblem's other
    fields (depots, horizon, dimensions)."""
    return RoutingProblem(
        tuple(map(tuple, dur.tolist())),
        tuple(map(tuple, dist.tolist())),
        tuple(jobs),
        tuple(vehicles),
        **rest,
    )


def instance(size: str, kind: str, seed: int) -> tuple[FamilyParams, RoutingProblem]:
    fp = draw(size, kind, seed)
    return fp, build(fp, seed)


LINE_KM = (0, 4, -3, 7, 2, -6, 9, -8)  # the depot, then seven villages along one road (km)


def line(pickups: bool = False, capacity: int = 1200, trucks: int = 2) -> RoutingProblem:
    """The smallest instance the race's unit tests and ``bench.pyvrp_rate`` share: seven jobs of 300 kg along one
    road from a depot at km 0 (40 km/h, 10 min service, every third job priority 3), delivered from the truck or
    (``pickups``) picked up at the depot, for ``trucks`` trucks of ``capacity`` kg."""
    dur = tuple(tuple(abs(a - b) * 90 for b in LINE_KM) for a in LINE_KM)
    dist = tuple(tuple(abs(a - b) * 1000 for b in LINE_KM) for a in LINE_KM)
    jobs = tuple(
        Job(f"v{k}", k, (300,), source=0 if pickups else None, service_s=600, deadline_s=8 * 3600,
            priority=3 if k % 3 == 0 else 1)
        for k in range(1, len(LINE_KM))
    )  # fmt: skip
    fleet = tuple(Vehicle(f"t{k}", 0, 0, (capacity,)) for k in range(trucks))
    return RoutingProblem(dur, dist, jobs, fleet, depots=(Depot(0, 600),))


def describe(fp: FamilyParams) -> dict[str, Any]:
    return asdict(fp)


if __name__ == "__main__":
    for size in SIZES:
        for kind in KINDS:
            for seed in TEST_SEEDS[:2]:
                fp, p = instance(size, kind, seed)
                print(size, kind, seed, fp, len(p.vehicles), "vehicles")
