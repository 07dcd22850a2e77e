"""Seeded generator of county relief-dispatch instances in the "relief-vrp/1" JSON format.

A county like the demo county (29.4–29.8 N, 115.7–116.1 E): one county depot, township depots around it, a few
agreement holders (supermarkets, 协议储备) whose goods can be picked up only after a call-off lead time, and
villages to supply. Travel: haversine × 1.3 at 40 km/h. Mixed fleet: county trucks, cold vans, one small truck per
township depot, contracted trucks available after an activation delay. Every village job has a hard deadline.

    .venv/bin/python -m bench.vrp_county            # writes bench/instances/county_n{50,200,300}.json
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "instances"
LAT, LON = (29.4, 29.8), (115.7, 116.1)


def _pt(rng: random.Random, ident: str, lon: float | None = None, lat: float | None = None) -> dict[str, Any]:
    return {
        "id": ident,
        "lon": round(lon if lon is not None else rng.uniform(*LON), 5),
        "lat": round(lat if lat is not None else rng.uniform(*LAT), 5),
    }


def _jobs(rng: random.Random, n: int, towns: list[str], holders: list[str]) -> list[dict[str, Any]]:
    jobs = []
    for k in range(n):
        u = rng.random()
        src, ready = ("county", 0) if u < 0.35 else (rng.choice(towns), 0)
        if u > 0.85:
            src, ready = rng.choice(holders), rng.choice((2, 3, 4)) * 3600  # agreement call-off lead time
        cold = rng.randint(1, 4) if rng.random() < 0.15 else 0
        kg = rng.randint(2, 15 if cold else 30) * 100
        deadline = rng.choice((6, 8, 10)) * 3600 + ready
        jobs.append(
            {
                "id": f"j{k + 1}",
                "from": src,
                "to": f"v{k + 1}",
                "demand": [kg, kg * rng.randint(2, 4), cold],
                "ready_s": ready,
                "service_s": rng.randint(5, 15) * 60,
                "window": [0, deadline],
                "priority": rng.choice((1, 1, 2, 3)),
            }
        )
    return jobs


def make_county(n: int, seed: int = 1) -> dict[str, Any]:
    """A county instance with n village jobs (deterministic for a seed)."""
    rng = random.Random(seed * 1000 + n)
    n_towns, n_holders = max(2, n // 25), max(2, n // 100)
    points = [_pt(rng, "county", 115.9, 29.6)]
    towns = [f"t{k + 1}" for k in range(n_towns)]
    holders = [f"a{k + 1}" for k in range(n_holders)]
    points += [_pt(rng, t) for t in towns] + [_pt(rng, a) for a in holders]
    points += [_pt(rng, f"v{k + 1}") for k in range(n)]
    jobs = _jobs(rng, n, towns, holders)
    big = max(3, n // 12)
    fleet = [
        {"id": "county-truck", "count": big, "start": "county", "capacity": [8000, 30000, 0]},
        {"id": "county-cold", "count": max(2, n // 40), "start": "county", "capacity": [3000, 12000, 12]},
        {"id": "contract", "count": max(1, n // 30), "start": "county", "capacity": [10000, 40000, 0],
         "available_from_s": 3600},
    ]  # fmt: skip
    fleet += [{"id": f"{t}-truck", "start": t, "capacity": [3000, 12000, 0]} for t in towns]
    depots = [{"point": "county", "loading_s": 900}] + [{"point": t, "loading_s": 600} for t in towns]
    depots += [{"point": a, "loading_s": 600} for a in holders]
    return {
        "format": "relief-vrp/1",
        "name": f"county_n{n}",
        "dimensions": ["kg", "dm3", "cold_box"],
        "objective": "total",
        "horizon_s": 16 * 3600,
        "points": points,
        "coordinates": {"type": "haversine", "circuity": 1.3, "speed_kmh": 40},
        "depots": depots,
        "jobs": jobs,
        "fleet": [dict(f, max_duration_s=12 * 3600) for f in fleet],
    }


def main(argv: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    for n in (50, 200, 300):
        path = OUT / f"county_n{n}.json"
        path.write_text(json.dumps(make_county(n), indent=1), encoding="utf-8")
        print(path)


if __name__ == "__main__":
    main(sys.argv[1:])
