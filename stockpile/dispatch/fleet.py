"""The county's fleet as the router's vehicles: capacities, activation delay, the hours a truck may be on the road
(车辆 sheet's 可用时长) and its speed profile (小型车 driving-car / 货车 driving-hgv, the sections of
road_speeds.toml). Every plan is built on the heavy-truck matrix; a vehicle of another profile gets that profile's
matrix from the same provider (the road graph and openrouteservice know both; the offline estimate answers the same
for both)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from optimizer import NO_ROAD as UNREACHABLE
from optimizer import RoutingProblem, TravelMatrix, Vehicle
from stockpile.dispatch.commands import Place
from stockpile.domain.dispatch import VehicleSpec
from stockpile.ports.travel import PROFILES

BASE_PROFILE = "driving-hgv"  # the plan's own matrix (allocation and every heavy truck)
OTHER_PROFILES = tuple(p for p in PROFILES if p != BASE_PROFILE)  # RoutingProblem.profiles, in this order
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


def _matrices(places: Sequence[Place], matrix: Any, blocked: str) -> tuple[TravelMatrix, ...]:
    out = []
    for prof in OTHER_PROFILES:
        dur, dist, _ = matrix([(p.lon, p.lat) for p in places], blocked, profile=prof)
        out.append(TravelMatrix(_fixed(dur), _fixed(dist)))
    return tuple(out)


def profile_matrices(
    fleet: Sequence[VehicleSpec], places: Sequence[Place], matrix: Any, blocked: str
) -> tuple[Mapping[str, int], tuple[TravelMatrix, ...]]:
    """The other profiles' matrices over the plan's places, in OTHER_PROFILES order (index by profile name), when
    a vehicle of the fleet uses one; none when every vehicle is a heavy truck."""
    if all(v.speed_profile == BASE_PROFILE for v in fleet):
        return {}, ()
    return {p: k for k, p in enumerate(OTHER_PROFILES)}, _matrices(places, matrix, blocked)


def refreshed_profiles(
    problem: RoutingProblem, places: Sequence[Place], matrix: Any, blocked: str
) -> RoutingProblem:
    """After a road closure the other profiles' matrices are fetched again too (a car must not drive the closed
    road either); a plan of heavy trucks only is returned as it is."""
    if not problem.profiles:
        return problem
    return dataclasses.replace(problem, profiles=_matrices(places, matrix, blocked))
