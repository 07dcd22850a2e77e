"""The neutral JSON instance format: Solomon and TSPLIB conversion, coordinates rounding, solve_vrp."""

from __future__ import annotations

import math

import pytest

from optimizer.errors import InvalidProblem
from optimizer.routing.check import verify
from optimizer.routing.vrp_json import (
    parse_solomon,
    parse_tsplib,
    parse_vrplib_vrptw,
    problem_from_json,
    result_to_json,
    solve_vrp,
)

SOLOMON = """TINY

VEHICLE
NUMBER     CAPACITY
  2         20

CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME

    0      0          0          0          0       1000          0
    1      3          4         10          0        100         10
    2      1          1          5         50        200         10
    3      6          8         15          0        900          5
"""

VRPLIB_VRPTW = """NAME : TINY
TYPE : VRPTW
DIMENSION : 4
VEHICLES : 2
CAPACITY : 20
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 1 1
4 6 8
DEMAND_SECTION
1 0
2 10
3 5
4 15
DEPOT_SECTION
1
-1
SERVICE_TIME_SECTION
1 0
2 10
3 10
4 5
TIME_WINDOW_SECTION
1 0 1000
2 0 100
3 50 200
4 0 900
EOF
"""

TSPLIB = """NAME : X-tiny-k1
TYPE : CVRP
DIMENSION : 3
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 1 1
3 3 4
DEMAND_SECTION
1 0
2 4
3 5
DEPOT_SECTION
1
-1
EOF
"""


def test_solomon_text_becomes_scaled_truncated_instance() -> None:
    """Solomon coordinates and times are scaled ×10 and distances truncated (DIMACS floor(10·euclid))."""
    p = problem_from_json(parse_solomon(SOLOMON))
    assert p.distance_m[0][1] == 50 and p.distance_m[0][2] == math.floor(10 * math.sqrt(2)) == 14
    assert p.duration_s == p.distance_m and p.horizon_s == 10_000
    assert len(p.vehicles) == 2 and p.vehicles[0].capacity == (20,)
    j = p.jobs[1]
    assert (j.window_start_s, j.deadline_s, j.service_s, j.demand) == (500, 2000, 100, (5,))


def test_vrplib_vrptw_text_gives_the_same_instance_as_its_solomon_text() -> None:
    """The same VRPTW in VRPLIB's format (PyVRP/Instances' Homberger files) and in Solomon's text format become one
    instance: scale, rounding, windows, service times and fleet alike."""
    a, b = parse_vrplib_vrptw(VRPLIB_VRPTW), parse_solomon(SOLOMON)
    assert {k: v for k, v in a.items() if k != "name"} == {k: v for k, v in b.items() if k != "name"}
    with pytest.raises(InvalidProblem):
        parse_vrplib_vrptw(TSPLIB)  # no time windows: not a VRPTW


def test_tsplib_text_uses_nearest_integer_rounding() -> None:
    """TSPLIB EUC_2D distances are rounded to the nearest integer (nint) and the fleet is ceil(1.2 k) + 2."""
    p = problem_from_json(parse_tsplib(TSPLIB))
    assert p.distance_m[0][1] == 1 and p.distance_m[0][2] == 5 and p.distance_m[1][2] == 4
    assert len(p.vehicles) == 4 and [j.demand for j in p.jobs] == [(4,), (5,)]


def test_solve_vrp_takes_plain_data_and_returns_a_checked_plan() -> None:
    """solve_vrp solves a JSON dict; the plan passes the checker and serialises back to a dict."""
    inst = parse_solomon(SOLOMON)
    r = solve_vrp(inst, time_limit_s=0.3)
    assert r.is_feasible and verify(problem_from_json(inst), r) == []
    out = result_to_json(r, [p["id"] for p in inst["points"]])
    assert out["is_feasible"] and sum(len(rt["stops"]) for rt in out["routes"]) == 3


def test_haversine_coordinates_give_road_estimates() -> None:
    """Haversine points give ceil(great-circle × circuity) metres and ceil(that / speed) seconds."""
    inst = {
        "points": [{"id": "depot", "lon": 115.9, "lat": 29.6}, {"id": "v1", "lon": 115.9, "lat": 29.7}],
        "coordinates": {"type": "haversine", "circuity": 1.3, "speed_kmh": 36},
        "dimensions": ["kg"],
        "depots": [{"point": "depot", "loading_s": 600}],
        "jobs": [{"id": "j1", "from": "depot", "to": "v1", "demand": [100], "window": [0, 7200]}],
        "fleet": [{"id": "t", "start": "depot", "capacity": [1000]}],
    }
    p = problem_from_json(inst)
    assert 14_400 < p.distance_m[0][1] < 14_500  # 0.1° of latitude ≈ 11.1 km, × 1.3
    assert abs(p.duration_s[0][1] - p.distance_m[0][1] / 10) <= 1  # 36 km/h = 10 m/s
    r = solve_vrp(inst, time_limit_s=0.2)
    assert r.is_feasible and verify(p, r) == []


@pytest.mark.parametrize(
    "inst",
    [
        {"format": "other/2", "points": [], "matrix": {"duration_s": [[0]]}},
        {"points": [{"id": "a"}], "matrix": {"duration_s": [[0]]}, "jobs": [{"id": "j", "to": "nowhere"}]},
        {"points": [{"id": "a"}], "matrix": {"duration_s": [[0.5]]}},
        {"points": [{"id": "a"}]},
        {
            "points": [{"id": "a"}],
            "matrix": {"duration_s": [[0]]},
            "jobs": [{"id": "j", "to": "a", "window": [9]}],
        },
        {
            "points": [{"id": "a"}],
            "matrix": {"duration_s": [[0]]},
            "jobs": [{"id": "j", "to": "a", "window": [7200, 3600]}],
        },
    ],
    ids=[
        "unknown_format",
        "unknown_point",
        "float_matrix",
        "no_travel",
        "one_number_window",
        "reversed_window",
    ],
)
def test_malformed_instance_raises_invalid_problem(inst: dict[str, object]) -> None:
    """A malformed instance (unknown format or point, float matrix, no travel data, a window that is not [opens,
    deadline]) raises InvalidProblem."""
    with pytest.raises(InvalidProblem):
        problem_from_json(inst)


def _hostile(**change: object) -> dict[str, object]:
    inst: dict[str, object] = {
        "points": [{"id": "depot", "lon": 115.9, "lat": 29.6}, {"id": "v1", "lon": 115.9, "lat": 29.7}],
        "coordinates": {"type": "haversine", "circuity": 1.3, "speed_kmh": 36},
        "jobs": [{"id": "j1", "from": "depot", "to": "v1", "demand": [1], "window": [0, 7200]}],
        "fleet": [{"id": "t", "start": "depot", "capacity": [1000]}],
    }
    return {**inst, **change}


@pytest.mark.parametrize(
    ("inst", "words"),
    [
        (_hostile(fleet=[{"id": "t", "start": "depot", "capacity": [9], "count": 10**9}]), "count"),
        (_hostile(fleet=[{"id": "t", "start": "depot", "capacity": [9], "count": -1}]), "count"),
        (_hostile(fleet=[{"id": "t", "start": "depot", "capacity": [10**30]}]), "capacity"),
        (_hostile(horizon_s=10**30), "horizon_s"),
        (_hostile(jobs=[{"id": "j", "to": "v1", "priority": 10**30}]), "priority"),
        (_hostile(jobs=[{"id": "j", "to": "v1", "penalty": 10**30}]), "penalty"),
        (_hostile(coordinates={"type": "haversine", "speed_kmh": 0}), "speed_kmh"),
        (_hostile(coordinates={"type": "haversine", "speed_kmh": "inf"}), "speed_kmh"),
        (_hostile(coordinates={"type": "euclid", "scale": -1}), "scale"),
        (_hostile(points=[{"id": "depot", "lon": 500, "lat": -200}, {"id": "v1", "lon": 0, "lat": 0}]), "Earth"),
        ({"points": [{"id": str(k)} for k in range(3001)], "matrix": {"duration_s": []}}, "points"),
        (_hostile(fleet=[]), "no vehicle"),  # every job would come back unserved
        (_hostile(fleet=[{"id": "t", "start": "depot", "capacity": [9], "count": 0}]), "no vehicle"),
        (_hostile(points=[{"id": "depot", "lon": 115.9, "lat": 29.6}, {"lon": 115.9, "lat": 29.7}]), "point 1"),
        (_hostile(profiles=[{"distance_m": [[0, 1], [1, 0]]}]), "missing field 'duration_s'"),
    ],
    ids=["count_1e9", "count_negative", "capacity_1e30", "horizon_1e30", "priority_1e30", "penalty_1e30",
         "speed_zero", "speed_inf", "scale_negative", "off_earth", "too_many_points", "no_fleet", "fleet_of_none",
         "point_without_id", "profile_without_durations"],
)  # fmt: skip
def test_an_instance_out_of_bounds_is_refused_before_it_is_built(inst: dict[str, object], words: str) -> None:
    """Values a typo makes (a count of 10^9 vehicles took 24 GB and was killed; 10^30 overflowed the solvers; a
    zero speed divided by zero; lon 500 was taken as a place) are refused with a sentence naming the field."""
    with pytest.raises(InvalidProblem, match=words):
        problem_from_json(inst)


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (parse_solomon, ""),
        (parse_solomon, "C101\nVEHICLE\nNUMBER CAPACITY\n25 two-hundred\n"),
        (parse_tsplib, "NAME : broken\nTYPE : CVRP\nDIMENSION : 3\n"),
        (parse_tsplib, SOLOMON),
    ],
    ids=["empty", "solomon-text-capacity", "tsplib-no-sections", "solomon-given-to-tsplib"],
)
def test_unreadable_instance_text_raises_invalid_problem(parse: object, text: str) -> None:
    """Text the instance reader cannot read is a malformed instance, never a raw parser error."""
    with pytest.raises(InvalidProblem):
        parse(text)  # type: ignore[operator]
