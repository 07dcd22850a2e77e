"""Routing problem and result: frozen integer data shared by the solver, the checker and the JSON format.

Units: time in integer seconds, distance in integer metres, demand in integer base units per dimension (e.g.
(kg, dm³, cold boxes)), cost in integer units (fen or any unit; penalties use the same unit).

Timing rule (the checker re-simulates exactly this):

- a vehicle leaves its start location at ``available_from_s``;
- arrival = departure of the previous stop + travel time of the vehicle's profile;
- a pickup stop at location L pays the loading time of L (``Depot.loading_s``, 0 if L is no depot) when it is the
  first pickup of a visit (the previous stop is not a pickup at L); its ``start_s`` is when the goods are on board:
  ``max(arrival + loading, ready_s + loading)`` for the first pickup of a visit, ``max(previous start, ready_s +
  loading)`` for the next ones; it departs at ``start_s``;
- a delivery stop starts unloading at ``max(arrival, window_start)``, must start by ``deadline_s`` and departs after
  ``service_s``;
- the route ends at the vehicle's end location; ``end - available_from_s <= max_duration_s``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from optimizer.errors import InvalidProblem

Matrix = tuple[tuple[int, ...], ...]
UNREACHABLE = 10**9  # a matrix entry >= this means "no road" (closed road, isolated village)
HORIZON_S = 7 * 86_400  # default planning horizon: one week


class Objective(enum.StrEnum):
    """What the solver minimises."""

    TOTAL = "total"  # travel cost + fixed vehicle cost + drop penalties
    MAKESPAN = "makespan"  # latest route end (min-max), then travel cost


class Reason(enum.StrEnum):
    """Why a job is unserved (codes translated by the UI)."""

    NO_CAPACITY = "no_capacity"  # no vehicle is big enough, or the fleet is used up
    WINDOW_UNREACHABLE = "window_unreachable"  # no vehicle can get there before the deadline
    UNREACHABLE = "unreachable"  # no road from the start, source, destination or back
    SOLVER_TIMEOUT = "solver_timeout"  # the solver found no plan within its time limit
    NO_VEHICLE = "no_vehicle"  # the fleet is empty or no allowed vehicle exists


class Status(enum.StrEnum):
    """Outcome of one solve."""

    OPTIMAL = "optimal"  # nothing to route
    FEASIBLE = "feasible"  # a plan, every job served
    PARTIAL = "partial"  # a plan, some jobs unserved
    NO_SOLUTION = "no_solution"  # the solver found nothing in time: every job unserved


def _check_matrix(name: str, m: Matrix, n: int | None = None) -> int:
    size = len(m)
    if size == 0:
        raise InvalidProblem(f"{name}: empty matrix")
    if any(len(row) != size for row in m):
        raise InvalidProblem(f"{name}: matrix is not square")
    if n is not None and size != n:
        raise InvalidProblem(f"{name}: {size} locations, expected {n}")
    if any(v < 0 for row in m for v in row):
        raise InvalidProblem(f"{name}: negative entry")
    return size


@dataclass(frozen=True, slots=True)
class TravelMatrix:
    """Travel times and distances between locations for one vehicle profile (truck, cold van, ...)."""

    duration_s: Matrix
    distance_m: Matrix

    def __post_init__(self) -> None:
        n = _check_matrix("duration_s", self.duration_s)
        _check_matrix("distance_m", self.distance_m, n)


class _Base(NamedTuple):
    """The base matrices, already validated by RoutingProblem (no second check)."""

    duration_s: Matrix
    distance_m: Matrix


_BASE = _Base


@dataclass(frozen=True, slots=True)
class Job:
    """Carry ``demand`` from ``source`` to ``dest`` (送达任务).

    ``source=None``: the goods are on the vehicle at its start (plain CVRPTW delivery, or load already on board
    when re-planning). ``ready_s``: earliest pickup (agreement call-off lead time). ``window_start_s`` and
    ``deadline_s`` bound the start of unloading. ``penalty``: cost of leaving the job unserved (default: a large
    value scaled by ``priority``). ``vehicles``: allowed vehicle indices (empty = any).
    """

    id: str
    dest: int
    demand: tuple[int, ...]
    source: int | None = None
    service_s: int = 0
    ready_s: int = 0
    window_start_s: int = 0
    deadline_s: int = HORIZON_S
    priority: int = 1
    penalty: int | None = None
    optional: bool = False
    vehicles: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.id:
            raise InvalidProblem("job without id")
        if min((self.service_s, self.ready_s, self.window_start_s, self.deadline_s, self.priority)) < 0:
            raise InvalidProblem(f"job {self.id}: negative time or priority")
        if any(d < 0 for d in self.demand):
            raise InvalidProblem(f"job {self.id}: negative demand")
        if self.penalty is not None and self.penalty < 0:
            raise InvalidProblem(f"job {self.id}: negative penalty")


@dataclass(frozen=True, slots=True)
class Depot:
    """A loading place: a truck visit costs ``loading_s`` before goods are on board (装车)."""

    location: int
    loading_s: int = 0

    def __post_init__(self) -> None:
        if self.loading_s < 0 or self.location < 0:
            raise InvalidProblem("depot: negative location or loading time")


@dataclass(frozen=True, slots=True)
class Vehicle:
    """One truck: start/end, capacity per demand dimension, availability (contracted trucks: activation delay)."""

    id: str
    start: int
    end: int
    capacity: tuple[int, ...]
    available_from_s: int = 0
    max_duration_s: int = HORIZON_S
    distance_cost: int = 1  # cost units per metre
    fixed_cost: int = 0  # cost units if used
    profile: int | None = None  # index into RoutingProblem.profiles; None = the base matrices

    def __post_init__(self) -> None:
        if min((self.start, self.end, self.available_from_s, self.max_duration_s)) < 0:
            raise InvalidProblem(f"vehicle {self.id}: negative location or time")
        if min((self.distance_cost, self.fixed_cost, *self.capacity)) < 0:
            raise InvalidProblem(f"vehicle {self.id}: negative cost or capacity")


@dataclass(frozen=True, slots=True)
class RoutingProblem:
    """Locations 0..n-1 given by matrices; jobs, depots, vehicles refer to them by index."""

    duration_s: Matrix
    distance_m: Matrix
    jobs: tuple[Job, ...]
    vehicles: tuple[Vehicle, ...]
    depots: tuple[Depot, ...] = ()
    profiles: tuple[TravelMatrix, ...] = ()
    objective: Objective = Objective.TOTAL
    horizon_s: int = HORIZON_S
    dimensions: tuple[str, ...] = ("kg",)

    def __post_init__(self) -> None:
        n = _check_matrix("duration_s", self.duration_s)
        _check_matrix("distance_m", self.distance_m, n)
        for p in self.profiles:
            _check_matrix("profile", p.duration_s, n)
        nd = len(self.dimensions)
        if nd == 0 or self.horizon_s <= 0:
            raise InvalidProblem("no demand dimension or non-positive horizon")
        ids = [j.id for j in self.jobs]
        if len(set(ids)) != len(ids):
            raise InvalidProblem("duplicate job id")
        if len({v.id for v in self.vehicles}) != len(self.vehicles):
            raise InvalidProblem("duplicate vehicle id")
        for j in self.jobs:
            if len(j.demand) != nd:
                raise InvalidProblem(f"job {j.id}: {len(j.demand)} demand dimensions, expected {nd}")
            if not 0 <= j.dest < n or (j.source is not None and not 0 <= j.source < n):
                raise InvalidProblem(f"job {j.id}: location out of range")
            if any(not 0 <= v < len(self.vehicles) for v in j.vehicles):
                raise InvalidProblem(f"job {j.id}: unknown vehicle")
        for v in self.vehicles:
            if len(v.capacity) != nd:
                raise InvalidProblem(f"vehicle {v.id}: {len(v.capacity)} capacity dimensions, expected {nd}")
            if not (0 <= v.start < n and 0 <= v.end < n):
                raise InvalidProblem(f"vehicle {v.id}: location out of range")
            if v.profile is not None and not 0 <= v.profile < len(self.profiles):
                raise InvalidProblem(f"vehicle {v.id}: unknown profile")
        if any(not 0 <= d.location < n for d in self.depots):
            raise InvalidProblem("depot location out of range")

    @property
    def n_locations(self) -> int:
        return len(self.duration_s)

    def travel(self, vehicle: Vehicle) -> TravelMatrix | _Base:
        """The matrices a vehicle drives on."""
        if vehicle.profile is None:
            return _BASE(self.duration_s, self.distance_m)
        return self.profiles[vehicle.profile]

    def loading_s(self, location: int) -> int:
        """Loading time per truck visit at a location (0 if no depot is there)."""
        return max((d.loading_s for d in self.depots if d.location == location), default=0)

    def vehicle_idle(self, vehicle: Vehicle) -> bool:
        """The vehicle is available only after the horizon: it can serve nothing. Every engine leaves it out (PyVRP
        refused it outright, and OR-Tools and VROOM planned it stops that the checker rejected)."""
        return vehicle.available_from_s > self.horizon_s

    def window_closed(self, job: Job) -> bool:
        """The job's own times leave no moment to serve it, whatever the route: its window opens after its
        deadline (or after the horizon), or its goods are on board only after it (ready time plus the source's
        loading: agreement stock whose call-off lead time outlasts the deadline). Every engine leaves such a job
        out of its model (PyVRP and OR-Tools refuse an empty window outright); it is reported unserved with its
        reason, never an error."""
        deadline = min(job.deadline_s, self.horizon_s)
        opens = job.ready_s + self.loading_s(job.source) if job.source is not None else 0
        return job.window_start_s > deadline or opens > deadline


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit on a route: ``kind`` is "pickup" or "delivery"; ``load`` is on board after the stop."""

    job: str
    kind: str
    location: int
    arrival_s: int
    start_s: int
    departure_s: int
    load: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Route:
    """A vehicle's ordered stops; ``end_s`` is the arrival at its end location."""

    vehicle: str
    stops: tuple[Stop, ...]
    start_s: int
    end_s: int
    distance_m: int
    trips: int


@dataclass(frozen=True, slots=True)
class Unserved:
    """A job left out, with its reason code."""

    job: str
    reason: Reason


@dataclass(frozen=True, slots=True)
class LogEntry:
    """Search progress: best objective found after ``elapsed_s``."""

    elapsed_s: float
    objective: int


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """The plan: routes of used vehicles, unserved jobs with reasons, objective and totals."""

    status: Status
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    objective: int
    total_distance_m: int
    total_duration_s: int
    log: tuple[LogEntry, ...] = field(default=())
    engine: str = "ortools"
    iterations: int | None = None  # PyVRP: the iterations its search ran
    work_s: float | None = None  # PyVRP: its counted work in reference seconds (its work budget's unit)
    moves: int | None = None  # PyVRP: the move evaluations its local search counted
    search_s: float | None = None  # PyVRP: its search's own wall time (model building and re-timing left out)
    # the steps the wall clock ended before their own end (work budget, move count, local optimum, search's end):
    # "ortools", "pyvrp", "vroom" (its whole step; one of its searches cut short inside is not visible) or the race's
    # "vroom", "pyvrp", "polish", "first plan (…)". Empty: every step ended on its own, so a deterministic race
    # gives the same plan for the same input and seed (on a machine as fast)
    cut_by_clock: tuple[str, ...] = ()

    @property
    def is_feasible(self) -> bool:
        """A plan exists and serves every non-optional job (checked separately by ``check.verify``)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)


ProgressCallback = Callable[[LogEntry], None]
StopFlag = Callable[[], bool]
"""Asked during a search (at each new solution, PyVRP once per iteration): True stops it with the best plan so
far (a cancelled job). It must be cheap; the caller throttles any database read behind it."""

DEFAULT_PENALTY = 10_000_000  # per priority unit: dropping a job costs more than any detour to serve it


def drop_penalty(job: Job) -> int:
    """Cost of leaving a job unserved: its own penalty, else DEFAULT_PENALTY × priority."""
    return job.penalty if job.penalty is not None else DEFAULT_PENALTY * max(1, job.priority)
