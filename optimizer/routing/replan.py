"""Re-planning mid-execution: keep delivered and started stops, re-route the rest from where trucks are now.

A stop is fixed once its truck has left for it (the previous stop's departure, or the route start, is before
``now_s``); for a broken truck only completed stops (departure <= ``now_s``) count; or the caller says so (``fixed``: number of fixed stops per vehicle, e.g. from telematics).
Each truck restarts from its last fixed stop at ``max(now_s, departure)`` with what it carries on board; jobs
picked up and not delivered stay on that truck. A broken truck leaves the fleet: its fixed deliveries count as
done, the goods it carries are reported ``stranded``, its other jobs go back to the pool. A closed road is a new
matrix (``UNREACHABLE`` entries). New jobs join the pool. A job no truck can bring by its deadline any more (the
deadline passed, or lies ahead but nearer than the fastest truck: ``schedule.earliest_start``) takes the first later
deadline of ``ladder`` it can still meet, so its goods come late rather than never (``Replan.late``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import takewhile

from optimizer.routing.engine import plan_routes
from optimizer.routing.problem import Job, Matrix, Route, RoutingProblem, RoutingResult, Stop, Vehicle
from optimizer.routing.schedule import earliest_start
from optimizer.routing.solve import RoutingParams


@dataclass(frozen=True, slots=True)
class Replan:
    """The remaining problem from ``now_s``, its plan, the fixed part of each old route, and what is lost.

    ``stranded``: jobs on board a broken truck; ``no_vehicle``: jobs only broken trucks were allowed to carry.
    """

    problem: RoutingProblem
    result: RoutingResult
    fixed: tuple[Route, ...]
    stranded: tuple[str, ...]
    no_vehicle: tuple[str, ...] = ()
    late: tuple[str, ...] = ()  # jobs given a later deadline of the ladder (brought or not: see result)


def _fixed_count(route: Route, now_s: int, broken: bool) -> int:
    """Stops already done: completed ones, plus (for a running truck) the one it is driving to or serving."""
    if broken:
        return sum(1 for _ in takewhile(lambda s: s.departure_s <= now_s, route.stops))
    left = route.start_s
    for k, s in enumerate(route.stops):
        if left >= now_s:
            return k
        left = s.departure_s
    return len(route.stops)


def _restart(v: Vehicle, last: Stop | None, now_s: int) -> Vehicle:
    limit = v.available_from_s + v.max_duration_s
    start = last.location if last else v.start
    t = max(now_s, last.departure_s if last else v.available_from_s)
    return dataclasses.replace(v, start=start, available_from_s=t, max_duration_s=max(0, limit - t))


def replan(
    problem: RoutingProblem,
    previous: RoutingResult,
    now_s: int,
    *,
    fixed: Mapping[str, int] | None = None,
    new_jobs: Iterable[Job] = (),
    broken: Iterable[str] = (),
    duration_s: Matrix | None = None,
    distance_m: Matrix | None = None,
    params: RoutingParams | None = None,
    ladder: Iterable[int] = (),
) -> Replan:
    """Re-plan the rest of a plan at ``now_s``.

    Parameters
    ----------
    problem, previous : RoutingProblem, RoutingResult
        The plan being executed.
    now_s : int
        Current time.
    fixed : mapping vehicle id → number of stops already fixed, optional
        Overrides the time rule per vehicle.
    new_jobs : iterable of Job
        New demands.
    broken : iterable of str
        Vehicle ids out of service.
    duration_s, distance_m : Matrix, optional
        New matrices (closed road).
    params : RoutingParams, optional
        Solver settings.
    ladder : iterable of int, optional
        Later deadlines (the relief target, the horizon) for jobs that can no longer meet their own; see
        ``later_deadlines``.

    Returns
    -------
    Replan
        Verify ``result`` against ``problem`` with ``check.verify``.
    """
    broken_ids = set(broken)
    done = _executed(problem, previous, now_s, fixed or {}, broken_ids)
    index = {v.id: k for k, v in enumerate(done.vehicles)}
    stranded = tuple(sorted(j for j, v in done.onboard.items() if v in broken_ids))
    remaining, no_vehicle = _remaining_jobs(problem, (*problem.jobs, *new_jobs), done, set(stranded), index)
    new_problem = dataclasses.replace(
        problem,
        duration_s=duration_s if duration_s is not None else problem.duration_s,
        distance_m=distance_m if distance_m is not None else problem.distance_m,
        jobs=tuple(remaining),
        vehicles=tuple(done.vehicles),
    )
    new_problem, late = later_deadlines(new_problem, ladder)
    result = plan_routes(new_problem, params)
    return Replan(new_problem, result, tuple(done.kept_routes), stranded, tuple(no_vehicle), late)


def later_deadlines(problem: RoutingProblem, ladder: Iterable[int]) -> tuple[RoutingProblem, tuple[str, ...]]:
    """The problem with every job whose deadline no truck can meet (its lower bound ``earliest_start``, a truck
    serving it alone, empty and idle, is later) given the first deadline of ``ladder`` that bound meets, and those
    jobs' ids. A job past every step (or no truck able to carry it) keeps its deadline and is reported unserved.
    Once re-planned every truck starts at or after the re-plan's time, so a deadline already passed is one case."""
    steps = sorted(set(ladder))
    moved: list[str] = []
    jobs = []
    for j in problem.jobs:
        eta = earliest_start(problem, j) if steps else None
        if eta is not None and eta > j.deadline_s:
            step = next((s for s in steps if s >= eta), None)
            if step is not None:
                moved.append(j.id)
                j = dataclasses.replace(j, deadline_s=step)
        jobs.append(j)
    return (dataclasses.replace(problem, jobs=tuple(jobs)) if moved else problem), tuple(moved)


@dataclass
class _Executed:
    """What is fixed at ``now_s``: the kept part of each route, the jobs delivered, the jobs on board (job →
    vehicle carrying it) and the trucks still running, restarted from their last fixed stop."""

    kept_routes: list[Route]
    delivered: set[str]
    onboard: dict[str, str]
    vehicles: list[Vehicle]


def _executed(
    problem: RoutingProblem,
    previous: RoutingResult,
    now_s: int,
    fixed: Mapping[str, int],
    broken_ids: set[str],
) -> _Executed:
    """Split each old route into its fixed stops (by ``fixed`` or the time rule) and the rest."""
    routes = {r.vehicle: r for r in previous.routes}
    out = _Executed([], set(), {}, [])
    for v in problem.vehicles:
        r = routes.get(v.id)
        n = 0 if r is None else fixed.get(v.id, _fixed_count(r, now_s, v.id in broken_ids))
        stops = () if r is None else r.stops[:n]
        if r is not None:
            out.kept_routes.append(dataclasses.replace(r, stops=stops))
        delivered = {s.job for s in stops if s.kind == "delivery"}
        out.delivered |= delivered
        for s in stops:
            if s.kind == "pickup" and s.job not in delivered:
                out.onboard[s.job] = v.id
        if v.id not in broken_ids:
            out.vehicles.append(_restart(v, stops[-1] if stops else None, now_s))
    return out


def _remaining_jobs(
    problem: RoutingProblem,
    jobs: Iterable[Job],
    done: _Executed,
    stranded: set[str],
    index: Mapping[str, int],
) -> tuple[list[Job], list[str]]:
    """The jobs still to plan (vehicle restrictions renumbered for the remaining fleet), and the ids of those only
    broken trucks were allowed to carry."""
    remaining: list[Job] = []
    no_vehicle: list[str] = []
    for j in jobs:
        if j.id in done.delivered or j.id in stranded:
            continue
        carrier = done.onboard.get(j.id)
        if carrier is not None:  # on board: delivered from the truck's current position, by that truck
            j = dataclasses.replace(j, source=None, ready_s=0, vehicles=(index[carrier],))
        elif j.vehicles:
            allowed = tuple(
                index[problem.vehicles[k].id] for k in j.vehicles if problem.vehicles[k].id in index
            )
            if not allowed:
                no_vehicle.append(j.id)
                continue
            j = dataclasses.replace(j, vehicles=allowed)
        remaining.append(j)
    return remaining, no_vehicle
