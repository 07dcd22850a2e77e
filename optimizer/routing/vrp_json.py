"""Neutral JSON instance format ("relief-vrp/1"): dict in, dict out; parsers for Solomon and TSPLIB text.

No file I/O here: callers read files and pass text or dicts. The format is documented in docs/routing.md.
Points are named; jobs, depots and the fleet refer to points by id. Travel is given either as integer matrices
(``matrix``) or computed from coordinates (``coordinates``) with an explicit rounding rule:

- ``euclid``: d = floor(scale · euclid) ("floor", DIMACS truncation) or floor(scale · euclid + 0.5) ("round",
  TSPLIB nint); duration = distance (same integer unit as every time in the instance);
- ``haversine``: points carry lon/lat (WGS-84); distance_m = ceil(haversine_m · circuity), duration_s =
  ceil(haversine_m · circuity / (speed_kmh / 3.6)).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from vrplib import parse as vrplib_parse

from optimizer.errors import InvalidProblem
from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import (
    HORIZON_S,
    Depot,
    Job,
    Matrix,
    Objective,
    RoutingProblem,
    RoutingResult,
    TravelMatrix,
    Vehicle,
)
from optimizer.routing.solve import RoutingParams

FORMAT = "relief-vrp/1"
EARTH_RADIUS_M = 6_371_008.8


# bounds of an instance, so that a typo ends as a sentence, never in the solvers' integer overflow or in building
# a fleet or a matrix larger than the machine's memory (a count of 10^9 vehicles took 24 GB and was killed)
MAX_VALUE = 10**12  # any integer (seconds, metres, amounts, costs, penalties): int64 sums of them stay exact
MAX_VEHICLES = 2000  # the whole fleet, every entry's count added up
MAX_POINTS = 3000  # places: the travel matrix has this number squared of entries


def _int(x: Any, what: str) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise InvalidProblem(f"{what}: expected an integer, got {x!r}")
    if abs(x) > MAX_VALUE:
        raise InvalidProblem(f"{what}: {x} is out of range (at most {MAX_VALUE:.0e} either way)")
    return x


def _positive(x: Any, what: str, default: float) -> float:
    """A positive, finite number (a speed, a scale, a circuity)."""
    v = float(default if x is None else x)
    if not (0 < v < math.inf):
        raise InvalidProblem(f"{what}: expected a positive, finite number, got {x!r}")
    return v


def _ints(xs: Any, what: str) -> tuple[int, ...]:
    if not isinstance(xs, Sequence) or isinstance(xs, str):
        raise InvalidProblem(f"{what}: expected a list of integers")
    return tuple(_int(x, what) for x in xs)


def _matrix(rows: Any, what: str) -> Matrix:
    if not isinstance(rows, Sequence):
        raise InvalidProblem(f"{what}: expected a list of rows")
    if len(rows) > MAX_POINTS:
        raise InvalidProblem(f"{what}: {len(rows)} rows, at most {MAX_POINTS}")
    return tuple(_ints(r, what) for r in rows)


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _from_coordinates(points: Sequence[Mapping[str, Any]], spec: Mapping[str, Any]) -> TravelMatrix:
    kind = spec.get("type", "euclid")
    n = len(points)
    if kind == "euclid":
        scale = _positive(spec.get("scale"), "coordinates.scale", 1)
        rnd = spec.get("rounding", "floor")
        if rnd not in ("floor", "round"):
            raise InvalidProblem(f"unknown rounding {rnd!r}")
        xy = [(float(p["x"]), float(p["y"])) for p in points]
        shift = 0.5 if rnd == "round" else 0.0
        d = tuple(
            tuple(math.floor(scale * math.dist(xy[i], xy[j]) + shift) for j in range(n)) for i in range(n)
        )
        return TravelMatrix(d, d)
    if kind == "haversine":
        circuity = _positive(spec.get("circuity"), "coordinates.circuity", 1.3)
        speed = _positive(spec.get("speed_kmh"), "coordinates.speed_kmh", 40) / 3.6
        ll = [(float(p["lon"]), float(p["lat"])) for p in points]
        for (lon, lat), p in zip(ll, points, strict=True):
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise InvalidProblem(f"point {p.get('id')!r}: lon {lon}, lat {lat} is not a place on Earth")
        road = [[haversine_m(ll[i], ll[j]) * circuity for j in range(n)] for i in range(n)]
        dist = tuple(tuple(math.ceil(x) for x in row) for row in road)
        dur = tuple(tuple(math.ceil(x / speed) for x in row) for row in road)
        return TravelMatrix(dur, dist)
    raise InvalidProblem(f"unknown coordinates type {kind!r}")


def _travel(d: Mapping[str, Any], points: Sequence[Mapping[str, Any]]) -> TravelMatrix:
    if "matrix" in d:
        m = d["matrix"]
        dur = _matrix(m["duration_s"], "matrix.duration_s")
        return TravelMatrix(dur, _matrix(m.get("distance_m", m["duration_s"]), "matrix.distance_m"))
    if "coordinates" in d:
        return _from_coordinates(points, d["coordinates"])
    raise InvalidProblem("instance needs 'matrix' or 'coordinates'")


def _job(j: Mapping[str, Any], where: Mapping[str, int], nd: int) -> Job:
    try:
        window = _ints(j.get("window", [0, HORIZON_S]), "window")
        if len(window) != 2 or window[0] > window[1]:  # a file's reversed window is a typo, not a job
            raise InvalidProblem(f"job {j.get('id')!r}: window {list(window)} is not [opens, deadline]")
        src = j.get("from")
        return Job(
            id=str(j["id"]),
            dest=where[j["to"]],
            demand=_ints(j.get("demand", [0] * nd), "demand"),
            source=None if src is None else where[src],
            service_s=_int(j.get("service_s", 0), "service_s"),
            ready_s=_int(j.get("ready_s", 0), "ready_s"),
            window_start_s=window[0],
            deadline_s=window[1],
            priority=_int(j.get("priority", 1), "priority"),
            penalty=None if j.get("penalty") is None else _int(j["penalty"], "penalty"),
            optional=bool(j.get("optional", False)),
        )
    except KeyError as e:
        raise InvalidProblem(f"job {j.get('id')!r}: unknown or missing {e}") from None


def _fleet(fleet: Sequence[Mapping[str, Any]], where: Mapping[str, int], horizon: int) -> tuple[Vehicle, ...]:
    out: list[Vehicle] = []
    for f in fleet:
        count = _int(f.get("count", 1), "count")
        if not 0 <= count <= MAX_VEHICLES - len(out):
            raise InvalidProblem(
                f"vehicle {f.get('id')!r}: count {count} (0 to {MAX_VEHICLES} in the whole fleet)"
            )
        for k in range(count):
            try:
                out.append(
                    Vehicle(
                        id=str(f["id"]) if count == 1 else f"{f['id']}-{k + 1}",
                        start=where[f["start"]],
                        end=where[f.get("end", f["start"])],
                        capacity=_ints(f["capacity"], "capacity"),
                        available_from_s=_int(f.get("available_from_s", 0), "available_from_s"),
                        max_duration_s=_int(f.get("max_duration_s", horizon), "max_duration_s"),
                        distance_cost=_int(f.get("distance_cost", 1), "distance_cost"),
                        fixed_cost=_int(f.get("fixed_cost", 0), "fixed_cost"),
                        profile=f.get("profile"),
                    )
                )
            except KeyError as e:
                raise InvalidProblem(f"vehicle {f.get('id')!r}: unknown or missing {e}") from None
    return tuple(out)


def problem_from_json(d: Mapping[str, Any]) -> RoutingProblem:
    """Build a RoutingProblem from a "relief-vrp/1" dict; malformed input raises InvalidProblem, whatever its shape
    (a list where an object belongs, a string where a list does, an unknown objective: never a raw TypeError)."""
    if not isinstance(d, Mapping):
        raise InvalidProblem(f"instance: expected a JSON object, got {type(d).__name__}")
    try:
        return _problem(d)
    except InvalidProblem:
        raise
    except KeyError as e:  # a field every entry of its kind needs (a profile's "duration_s", …)
        raise InvalidProblem(f"malformed instance: missing field {e}") from None
    except (TypeError, AttributeError, IndexError, ValueError) as e:
        raise InvalidProblem(f"malformed instance: {type(e).__name__}: {e}") from None


def _problem(d: Mapping[str, Any]) -> RoutingProblem:
    if d.get("format", FORMAT) != FORMAT:
        raise InvalidProblem(f"unknown format {d.get('format')!r}")
    points = d.get("points", [])
    if not isinstance(points, list):
        raise InvalidProblem(f"points: expected a list, got {type(points).__name__}")
    if len(points) > MAX_POINTS:
        raise InvalidProblem(f"{len(points)} points: at most {MAX_POINTS}")
    missing = [k for k, p in enumerate(points) if not isinstance(p, Mapping) or "id" not in p]
    if missing:
        raise InvalidProblem(f"point {missing[0]} (counting from 0): no 'id'")
    where = {str(p["id"]): k for k, p in enumerate(points)}
    if len(where) != len(points):
        raise InvalidProblem("duplicate point id")
    tm = _travel(d, points)
    dims = tuple(str(x) for x in d.get("dimensions", ["qty"]))
    horizon = _int(d.get("horizon_s", HORIZON_S), "horizon_s")
    profiles = tuple(
        TravelMatrix(_matrix(p["duration_s"], "profile"), _matrix(p["distance_m"], "profile"))
        for p in d.get("profiles", [])
    )
    try:
        depots = tuple(
            Depot(where[x["point"]], _int(x.get("loading_s", 0), "loading_s")) for x in d.get("depots", [])
        )
    except KeyError as e:
        raise InvalidProblem(f"depot: unknown point {e}") from None
    jobs = tuple(_job(j, where, len(dims)) for j in d.get("jobs", []))
    vehicles = _fleet(d.get("fleet", []), where, horizon)
    if jobs and not vehicles:  # every job would come back unserved: the file lost its fleet
        raise InvalidProblem(
            f"fleet: {len(jobs)} jobs and no vehicle (a fleet entry with count ≥ 1 is needed)"
        )
    return RoutingProblem(
        duration_s=tm.duration_s,
        distance_m=tm.distance_m,
        jobs=jobs,
        vehicles=vehicles,
        depots=depots,
        profiles=profiles,
        objective=Objective(d.get("objective", "total")),
        horizon_s=horizon,
        dimensions=dims,
    )


def result_to_json(result: RoutingResult, point_ids: Sequence[str] = ()) -> dict[str, Any]:
    """A plain dict of the result (locations as point ids when given)."""

    def name(loc: int) -> str | int:
        return point_ids[loc] if point_ids else loc

    return {
        "status": result.status.value,
        "is_feasible": result.is_feasible,
        "objective": result.objective,
        "total_distance_m": result.total_distance_m,
        "total_duration_s": result.total_duration_s,
        "engine": result.engine,
        "routes": [
            {
                "vehicle": r.vehicle,
                "start_s": r.start_s,
                "end_s": r.end_s,
                "distance_m": r.distance_m,
                "trips": r.trips,
                "stops": [
                    {
                        "job": s.job,
                        "kind": s.kind,
                        "point": name(s.location),
                        "arrival_s": s.arrival_s,
                        "start_s": s.start_s,
                        "departure_s": s.departure_s,
                        "load": list(s.load),
                    }
                    for s in r.stops
                ],
            }
            for r in result.routes
        ],
        "unserved": [{"job": u.job, "reason": u.reason.value} for u in result.unserved],
    }


def solve_vrp(instance: Mapping[str, Any], time_limit_s: float = 10.0, **params: Any) -> RoutingResult:
    """Solve a "relief-vrp/1" instance given as plain data.

    Parameters
    ----------
    instance : Mapping
        The instance dict (see docs/routing.md).
    time_limit_s : float
        Search time limit in seconds (always applied).
    **params
        Further ``RoutingParams`` fields (engine, first_solution, metaheuristic, gls_lambda, ...).

    Returns
    -------
    RoutingResult
        The plan; infeasible instances give unserved jobs with reasons, malformed ones raise InvalidProblem.
    """
    return plan_routes(problem_from_json(instance), RoutingParams(time_limit_s=time_limit_s, **params))


def parse_solomon(text: str, scale: int = 10) -> dict[str, Any]:
    """Solomon / Gehring-Homberger VRPTW text → instance dict (coordinates and times × scale, DIMACS floor).

    The text is read by `vrplib` (the reader the VRP community maintains); node i of the file is point ``str(i)``,
    node 0 the depot."""
    return _vrptw(_read(vrplib_parse.parse_solomon, text), scale, "Solomon")


def parse_vrplib_vrptw(text: str, scale: int = 10) -> dict[str, Any]:
    """The same VRPTW in VRPLIB's own format (``.vrp`` with TIME_WINDOW_SECTION, as PyVRP/Instances ships the
    Gehring-Homberger set) → instance dict, on ``parse_solomon``'s scale and rounding."""
    return _vrptw(_read(vrplib_parse.parse_vrplib, text), scale, "VRPLIB VRPTW")


def _vrptw(d: Mapping[str, Any], scale: int, kind: str) -> dict[str, Any]:
    try:
        coords, demand, windows, service = d["node_coord"], d["demand"], d["time_window"], d["service_time"]
        if not hasattr(service, "__len__"):  # VRPLIB may give one service time for every node
            service = [service] * len(coords)
        points = [{"id": str(i), "x": int(x), "y": int(y)} for i, (x, y) in enumerate(coords)]
        jobs = [
            {"id": str(i), "to": str(i), "demand": [int(demand[i])],
             "window": [int(windows[i][0]) * scale, int(windows[i][1]) * scale],
             "service_s": int(service[i]) * scale}
            for i in range(1, len(coords))
        ]  # fmt: skip
        fleet = [{"id": "v", "count": int(d["vehicles"]), "start": "0", "capacity": [int(d["capacity"])]}]
        horizon = int(windows[0][1]) * scale
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise InvalidProblem(f"not a {kind} instance: {e}") from e
    return {
        "format": FORMAT,
        "name": str(d.get("name", "")),
        "dimensions": ["qty"],
        "horizon_s": horizon,
        "points": points,
        "coordinates": {"type": "euclid", "scale": scale, "rounding": "floor"},
        "jobs": jobs,
        "fleet": fleet,
    }


def parse_tsplib(text: str) -> dict[str, Any]:
    """TSPLIB CVRP (.vrp, EUC_2D) → instance dict, read by `vrplib`; node ids are the file's 1-based numbers;
    fleet = ceil(1.2 k) + 2 vehicles (k from the name, as in the X instances' naming)."""
    d = _read(vrplib_parse.parse_vrplib, text)
    if str(d.get("edge_weight_type", "EUC_2D")) != "EUC_2D":
        raise InvalidProblem("only EUC_2D TSPLIB instances are supported")
    try:
        coords, demand = d["node_coord"], d["demand"]
        depot = str(int(d["depot"][0]) + 1)  # vrplib numbers nodes from 0
        capacity = int(d["capacity"])
    except (KeyError, IndexError, TypeError, ValueError) as e:
        raise InvalidProblem(f"not a TSPLIB CVRP instance: {e}") from e
    ids = [str(i + 1) for i in range(len(coords))]
    name = str(d.get("name", ""))
    m = re.search(r"-k(\d+)", name)
    count = math.ceil(1.2 * int(m.group(1))) + 2 if m else len(ids)
    return {
        "format": FORMAT,
        "name": name,
        "dimensions": ["qty"],
        "points": [{"id": i, "x": int(x), "y": int(y)} for i, (x, y) in zip(ids, coords, strict=True)],
        "coordinates": {"type": "euclid", "scale": 1, "rounding": "round"},
        "jobs": [
            {"id": i, "to": i, "demand": [int(q)]} for i, q in zip(ids, demand, strict=True) if i != depot
        ],
        "fleet": [{"id": "v", "count": count, "start": depot, "capacity": [capacity]}],
    }


def _read(parser: Any, text: str) -> dict[str, Any]:
    """Run a vrplib text parser; anything it cannot read is a malformed instance."""
    try:
        return dict(parser(text, compute_edge_weights=False))
    except Exception as e:  # vrplib raises plain ValueError/IndexError/KeyError on malformed text
        raise InvalidProblem(f"unreadable instance: {e}") from e
