"""Third routing engine: VROOM (BSD-2, via pyvroom) behind the same problem and result types.

Used where it can express the problem (``supports``): objective ``total``, one travel profile, no per-job vehicle
restrictions, one distance cost for the whole fleet. The model is the product's: VROOM's *setup* time of a pickup is
charged only when a vehicle arrives from another place, i.e. the depot's loading time once per depot visit; vehicles
start and end at copies of their depot location, so the first loading is charged as in the product's rule. Goods
ready later open at ``ready + loading`` (exact for a later pickup in the same visit, one loading cautious when it is
the first of its visit, never invalid). Drop penalties become VROOM priorities (0-100, by the penalty's rank), which
VROOM maximises before cost. VROOM runs single-threaded; with no ``timeout`` hit its search is deterministic.

The visit orders are re-timed by our rule (``schedule_route``) and must pass ``check.verify`` before anyone uses
them (the race does that).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
import vroom
from vroom.solution.solution import Solution as VroomSolution

from optimizer.routing.budget import level_work
from optimizer.routing.problem import UNREACHABLE, Job, Objective, RoutingProblem, RoutingResult, drop_penalty
from optimizer.routing.schedule import plan_result, schedule_route

_BIG = (
    np.iinfo(np.uint32).max // 4
)  # unreachable legs: far beyond any horizon, still no overflow in VROOM's sums


def supports(p: RoutingProblem) -> bool:
    """True when VROOM can take this problem (total objective, base matrices, no restrictions, one cost/metre)."""
    return (
        p.objective is Objective.TOTAL
        and bool(p.jobs)
        and any(not p.vehicle_idle(v) for v in p.vehicles)
        and all(v.profile is None for v in p.vehicles)
        and not any(j.vehicles for j in p.jobs)
        and len({v.distance_cost for v in p.vehicles}) == 1
    )


def _priorities(p: RoutingProblem) -> list[int]:
    """VROOM priorities (0-100) that keep the order of the drop penalties: equal penalties, equal priority."""
    ranks = {pen: k for k, pen in enumerate(sorted({drop_penalty(j) for j in p.jobs}))}
    top = max(ranks.values(), default=0)
    return [round(100 * (1 + ranks[drop_penalty(j)]) / (1 + top)) for j in p.jobs]


@dataclass(frozen=True)
class VroomModel:
    """VROOM's input for a problem and when it was built: VROOM counts its timeout from the input's construction
    (its loading time is charged to the search), so a second solve of the same input must add the time since."""

    input: vroom.Input
    built_at: float


def build_model(p: RoutingProblem) -> VroomModel:
    """VROOM's input for ``p``; one input can be solved several times, with the plans of fresh inputs."""
    return VroomModel(_input(p), time.monotonic())


def _input(p: RoutingProblem) -> vroom.Input:
    n = p.n_locations
    homes = sorted({v.start for v in p.vehicles} | {v.end for v in p.vehicles})
    where = np.array(list(range(n)) + homes, dtype=np.int64)
    home_ix = {h: n + k for k, h in enumerate(homes)}
    dur = np.asarray(p.duration_s, dtype=np.int64)[where[:, None], where[None, :]]
    dist = np.asarray(p.distance_m, dtype=np.int64)[where[:, None], where[None, :]]
    cut = (dur >= UNREACHABLE) | (dist >= UNREACHABLE)
    # no road: a leg longer than the horizon (VROOM's time windows then never use it) and dearer than any route,
    # yet small enough that VROOM's own overflow guard accepts the matrix
    per_m = p.vehicles[0].distance_cost
    finite = dist[~cut] * per_m
    dear = int(min(_BIG // max(1, len(dist)), 4 * (int(finite.max()) if finite.size else 1) + 1))
    dur = np.where(cut, p.horizon_s + 1, np.minimum(dur, _BIG))
    cost = np.where(cut, dear, np.minimum(dist * per_m, _BIG))
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=dur.astype(np.uint32))
    inp.set_costs_matrix(profile="car", matrix_input=cost.astype(np.uint32))
    for k, v in enumerate(p.vehicles):
        if p.vehicle_idle(v):  # available only after the horizon: serves nothing
            continue
        late = min(p.horizon_s, v.available_from_s + v.max_duration_s)
        inp.add_vehicle(vroom.Vehicle(id=k, start=home_ix[v.start], end=home_ix[v.end],
                                      capacity=vroom.Amount(list(v.capacity)), costs=vroom.VehicleCosts(fixed=v.fixed_cost),
                                      time_window=vroom.TimeWindow(v.available_from_s, late)))  # fmt: skip
    for k, (j, prio) in enumerate(zip(p.jobs, _priorities(p), strict=True)):
        if p.window_closed(j):  # VROOM refuses an empty window: left unserved
            continue
        tw = [vroom.TimeWindow(j.window_start_s, min(j.deadline_s, p.horizon_s))]
        if j.source is None:
            inp.add_job(vroom.Job(id=k, location=j.dest, delivery=vroom.Amount(list(j.demand)),
                                  default_service=j.service_s, time_windows=tw, priority=prio))  # fmt: skip
        else:
            loading = p.loading_s(j.source)
            opens = j.ready_s + loading if j.ready_s > 0 else 0
            pick = vroom.ShipmentStep(id=k, location=j.source, default_setup=loading,
                                      time_windows=[vroom.TimeWindow(opens, p.horizon_s)])  # fmt: skip
            drop = vroom.ShipmentStep(id=k, location=j.dest, default_service=j.service_s, time_windows=tw)
            inp.add_shipment(pick, drop, amount=vroom.Amount(list(j.demand)), priority=prio)
    return inp


def solve_vroom(
    p: RoutingProblem,
    time_limit_s: float,
    exploration: int = 5,
    *,
    work: tuple[int, int] | None = None,
    model: VroomModel | None = None,
) -> RoutingResult:
    """VROOM's plan within ``time_limit_s`` (model included), re-timed by our rule; needs ``supports(p)``.

    Parameters
    ----------
    p : RoutingProblem
        A problem VROOM can take (see ``supports``).
    time_limit_s : float
        Wall-clock budget; VROOM often ends its search earlier by itself.
    exploration : int
        VROOM's exploration level (0-5).
    work : (int, int), optional
        Instead of a level: the number of searches (each from one of VROOM's construction heuristics) and their
        local-search depth (0-5), finer steps than the levels (one deep search costs an eighth of level 1).
    model : VroomModel, optional
        ``build_model(p)`` built earlier (large problems solve it twice: the first plan, then the search).

    Returns
    -------
    RoutingResult
        VROOM's visit orders on our timing rule (``NO_SOLUTION`` when it returns no routes).
    """
    started = time.monotonic()
    model = model if model is not None else build_model(p)
    # VROOM's timeout runs from the input's construction: ours, the rest of this call, from now
    left = max(0.05, time_limit_s - (time.monotonic() - started)) + (time.monotonic() - model.built_at)
    solving = time.monotonic()
    sol = search(model, work if work is not None else level_work(exploration), left)
    # every search ran to its slice (timeout / searches): the clock ended the step; a single search cut short
    # inside a step that ended earlier is not visible from here
    timed_out = time.monotonic() - solving >= left - (solving - model.built_at) - 0.01
    plans = visits_of(p, sol)
    rank = {j.id: k for k, j in enumerate(p.jobs)}
    routes = tuple(
        schedule_route(p, p.vehicles[k], loading_in_order(visits, rank))
        for k, visits in sorted(plans.items())
        if visits
    )
    result = plan_result(p, routes, time.monotonic() - started, "vroom")
    return replace(result, cut_by_clock=("vroom",)) if timed_out else result


def search(model: VroomModel, work: tuple[int, int], timeout_s: float) -> VroomSolution:
    """VROOM's own solve of ``model`` on one thread: ``work`` (searches, depth), ended at ``timeout_s`` counted from
    the model's construction (VROOM's rule); its raw solution, not yet re-timed by our rule."""
    searches, depth = work
    # pyvroom's public ``solve`` drops ``depth``; its binding takes searches and depth as VROOM's own API does
    raw = model.input._solve(
        nb_searches=searches, depth=depth, nb_threads=1, timeout=timedelta(seconds=timeout_s)
    )
    return VroomSolution(raw)


def loading_in_order(visits: list[tuple[Job, str]], rank: dict[str, int]) -> list[tuple[Job, str]]:
    """The visit order with every run of pickups at one place (one depot visit, loaded once) in the problem's job
    order. Their order within the run changes neither the time the truck leaves nor its load then (our timing rule),
    so VROOM's plans that differ only in it are one plan; VROOM's search threads take turns in no fixed order and
    keep whichever of two equal-cost plans came first (vroom src/problems/vrp.h), so without this a re-run could
    load the same goods in another order."""
    out: list[tuple[Job, str]] = []
    k = 0
    while k < len(visits):
        end = k + 1
        if visits[k][1] == "pickup":
            while (
                end < len(visits)
                and visits[end][1] == "pickup"
                and visits[end][0].source == visits[k][0].source
            ):
                end += 1
        out += sorted(visits[k:end], key=lambda v: rank[v[0].id])
        k = end
    return out


def visits_of(p: RoutingProblem, sol: vroom.Solution) -> dict[int, list[tuple[Job, str]]]:
    """VROOM's visit order per vehicle index: (job, "pickup" | "delivery")."""
    plans: dict[int, list[tuple[Job, str]]] = {}
    for row in sol.routes.itertuples():
        kind = str(row.type)
        if kind in ("job", "pickup", "delivery"):
            plans.setdefault(int(row.vehicle_id), []).append(
                (p.jobs[int(row.id)], "delivery" if kind == "job" else kind)
            )
    return plans
