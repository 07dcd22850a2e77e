"""The county's fleet as the router's vehicles: capacities, activation delay, the hours a truck may be on the road
(车辆 sheet's 可用时长) and its speed profile (小型车 driving-car / 货车 driving-hgv, the sections of
road_speeds.toml). Every plan is built on the heavy-truck matrix; a vehicle of another profile gets that profile's
matrix from the same provider (the road graph and openrouteservice know both; the offline estimate answers the same
for both)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from optimizer import NO_ROAD as UNREACHABLE
from optimizer import TravelMatrix, Vehicle
from stockpile.dispatch.commands import Place
from stockpile.domain.dispatch import VehicleSpec

BASE_PROFILE = "driving-hgv"  # the plan's own matrix (allocation and every heavy truck)
COLD_BOX_CM3 = 50_000  # one cold-chain box slot: 50 dm³ of chilled goods


def vehicle(v: VehicleSpec, home: int, profile: int | None = None) -> Vehicle:
    """One truck at its home depot: weight (g), volume (cm³) and cold-chain volume; its shift limit and profile."""
    cap = (v.capacity_kg * 1000, v.capacity_dm3 * 1000, v.cold_boxes * COLD_BOX_CM3)
    extra: dict[str, Any] = {"profile": profile}
    if v.available_hours:
        extra["max_duration_s"] = v.available_hours * 3600
    return Vehicle(
        v.code, start=home, end=home, capacity=cap, available_from_s=v.activation_minutes * 60, **extra
    )


def _fixed(m: Any) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(UNREACHABLE if x < 0 else int(x) for x in row) for row in m)


def profile_matrices(
    fleet: Sequence[VehicleSpec], places: Sequence[Place], matrix: Any, blocked: str
) -> tuple[Mapping[str, int], tuple[TravelMatrix, ...]]:
    """The other profiles the fleet uses (index by profile name) and their matrices over the plan's places."""
    others = sorted({v.speed_profile for v in fleet if v.speed_profile != BASE_PROFILE})
    mats = []
    for prof in others:
        dur, dist, _ = matrix([(p.lon, p.lat) for p in places], blocked, profile=prof)
        mats.append(TravelMatrix(_fixed(dur), _fixed(dist)))
    return {p: k for k, p in enumerate(others)}, tuple(mats)
