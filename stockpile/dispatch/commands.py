"""What the dispatch page and the CLI hand to the services and read back: settings, result rows, KPIs, and the
read-only shape of a plan (`PlanView`). Plain data; never imports the optimizer, so a page can import it.

`DispatchPlan` (dispatch/plan.py) carries the optimizer's routing problem and result, so a page does not import
it: it reads a plan through `PlanView`, the fields and the few route, stop and vehicle attributes it shows.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

REBASABLE = frozenset({"drill", "prepositioning"})
"""Scenario kinds whose report time may move to now (a drill kept for training, a pre-positioning what-if)."""


@dataclass(frozen=True, slots=True)
class PlanSettings:
    time_limit_s: float = 10.0
    objective: str = "total"  # total | makespan
    guarantee_s: int = 3600
    target_s: int = 8 * 3600
    vehicles: tuple[str, ...] | None = None  # None = the whole active fleet
    engine: str = "race"  # OR-Tools' first plan, then PyVRP where it can express the problem (routing_engine)
    # scarce stock: "priority" serves the most urgent lines first; "fair" gives every reachable line the same
    # served share first (E2, fair-share rationing), the rest by priority
    rationing: str = "priority"


RATIONING = ("priority", "fair")
OBJECTIVES = ("total", "makespan")  # PlanSettings.objective


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str
    lon: float
    lat: float
    kind: str  # site | point


@dataclass(frozen=True, slots=True)
class UnservedLine:
    point: str
    item: str
    qty: int
    reason: str


@dataclass(frozen=True, slots=True)
class Kpis:
    priority_demand: int
    priority_in_circle: int
    demand: int
    delivered: int
    completion_s: int
    distance_m: int
    since_report_s: int = (
        0  # the scenario's report time to the plan start: the relief clock was already running
    )
    target_s: int = 8 * 3600

    @property
    def relief_time_s(self) -> int:
        """Relief time (救助时间) counted from the disaster report: time already passed + plan completion."""
        return self.since_report_s + self.completion_s

    @property
    def relief_on_time(self) -> bool:
        """The plan brings all the demand inside the jurisdiction's relief-time target (<8 h or <10 h, from the
        report); a plan that leaves demand undelivered has not relieved everyone, however early it ends."""
        return self.relief_verdict == "ok"

    @property
    def relief_verdict(self) -> str:
        """ok | late | incomplete (demand left undelivered: a plan delivering nothing "ended" at once)."""
        if self.delivered < self.demand:
            return "incomplete"
        return "ok" if self.relief_time_s < self.target_s else "late"

    @property
    def priority_share(self) -> float:
        """Share of priority demand (units) delivered inside the guarantee circle."""
        return self.priority_in_circle / self.priority_demand if self.priority_demand else 1.0


@dataclass(frozen=True, slots=True)
class VehicleLine:
    """One vehicle's day in a plan: what a dispatcher checks before confirming."""

    vehicle: str
    stops: int  # deliveries and pickups
    trips: int  # departures from a depot
    load_share: float  # the fullest moment, as a share of the tightest capacity (weight or volume)
    distance_m: int
    return_s: int  # arrival back at its end depot, seconds after the plan's start


@dataclass(frozen=True, slots=True)
class LateLine:
    """A priority delivery planned after the guarantee circle. ``earliest_s`` is the lower bound of a truck doing
    nothing else; reason ``too_far`` = even that truck misses the circle (stock or trucks too far away: move
    stock closer, 前置), ``fleet_busy`` = a free truck would make it (requisition or call off more trucks)."""

    point: str
    item: str
    qty: int
    eta_s: int
    earliest_s: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class ConfirmedPlan:
    """The scenario's open confirmed plan as the database keeps it (any reading role sees the same routes):
    the plan, when and by whom it was confirmed."""

    plan: PlanView
    confirmed_at: datetime
    actor: str


@dataclass(frozen=True, slots=True)
class EditedStop:
    """One stop of a plan as the dispatcher arranged it: on `vehicle`, at position `seq` (fractions slot a stop
    between two others). `job` and `kind` name the stop; the page keeps them hidden."""

    vehicle: str
    job: str
    kind: str  # pickup | delivery
    seq: float


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule an edited plan breaks, in terms a dispatcher reads: `code` picks the sentence
    (dispatch.edit.finding.<code>), `params` fill it (vehicle, place, item, quantities, times)."""

    code: str
    params: Mapping[str, Any]


# ---- a plan as the page reads it (DispatchPlan satisfies it; checked by mypy in dispatch/plan.py) ------------


class StopView(Protocol):
    @property
    def job(self) -> str: ...
    @property
    def kind(self) -> str: ...  # pickup | delivery
    @property
    def location(self) -> int: ...  # index into PlanView.places
    @property
    def start_s(self) -> int: ...  # seconds after PlanView.start


class RouteView(Protocol):
    @property
    def vehicle(self) -> str: ...
    @property
    def stops(self) -> Sequence[StopView]: ...


class VehicleView(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def start(self) -> int: ...  # index into PlanView.places


class ProblemView(Protocol):
    @property
    def vehicles(self) -> Sequence[VehicleView]: ...


class ResultView(Protocol):
    @property
    def routes(self) -> Sequence[RouteView]: ...
    @property
    def cut_by_clock(self) -> tuple[str, ...]:
        """The solver steps the time limit ended early (a re-run may give another plan); empty: none."""
        ...


class PlanView(Protocol):
    """A dispatch plan in memory, read-only: what the page shows, compares and hands back to confirm or replan."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def scenario_code(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def places(self) -> Sequence[Place]: ...
    @property
    def problem(self) -> ProblemView: ...
    @property
    def result(self) -> ResultView: ...
    @property
    def contents(self) -> Mapping[str, tuple[tuple[str, int], ...]]: ...
    @property
    def unserved(self) -> Sequence[UnservedLine]: ...
    @property
    def kpis(self) -> Kpis: ...
    @property
    def violations(self) -> Sequence[str]: ...
    @property
    def settings(self) -> PlanSettings: ...
    @property
    def matrix_source(self) -> str: ...
    @property
    def extra(self) -> Mapping[str, Any]: ...
    def late_priority(self) -> tuple[LateLine, ...]: ...
    def vehicle_lines(self) -> tuple[VehicleLine, ...]: ...


def improvement_over_first(objectives: Sequence[float]) -> float | None:
    """How much better the best plan found so far is than the first one, as a fraction (0.124 = 12.4 % lower
    objective); None while there is only the first plan or nothing improved it."""
    if len(objectives) < 2 or objectives[0] <= 0:
        return None
    best = min(objectives)
    return (objectives[0] - best) / objectives[0] if best < objectives[0] else None


def solve_bar(elapsed_s: float, limit_s: float) -> tuple[float, bool]:
    """The running solve's progress bar: the share of its time limit gone (0-1), and whether the limit has passed,
    when the solve is finishing its last step (a deterministic solve ends late rather than give another plan, by at
    most half its limit: docs/routing.md)."""
    limit = max(1.0, limit_s)
    gone = max(0.0, elapsed_s)
    return min(1.0, gone / limit), gone > limit
