"""The OR-Tools model of a RoutingProblem: node layout, node-by-node matrices registered once per vehicle profile
(no Python callback per arc), cost, time and load dimensions, and every job as a droppable pickup-and-delivery
pair (or a delivery when the goods start on the vehicle). ``optimizer.routing.solve`` searches it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp

from optimizer.routing.problem import UNREACHABLE, Objective, RoutingProblem, Vehicle, drop_penalty

MAKESPAN_WEIGHT = 1000  # solver weight of one second of makespan (distance in metres is the tie-break)


@dataclass(frozen=True, slots=True)
class _Nodes:
    """Solver node layout: 0..V-1 starts, V..2V-1 ends, then per job [pickup,] delivery."""

    loc: np.ndarray
    service: np.ndarray
    is_pickup: np.ndarray
    pickup: tuple[int | None, ...]  # per job
    delivery: tuple[int, ...]  # per job
    job_of: tuple[int, ...]  # per node (-1 for starts/ends)


def layout(p: RoutingProblem) -> _Nodes:
    nv = len(p.vehicles)
    loc = [v.start for v in p.vehicles] + [v.end for v in p.vehicles]
    service, is_pickup, job_of = [0] * (2 * nv), [False] * (2 * nv), [-1] * (2 * nv)
    pickups: list[int | None] = []
    deliveries: list[int] = []
    for k, job in enumerate(p.jobs):
        if job.source is not None:
            pickups.append(len(loc))
            loc.append(job.source)
            service.append(0)
            is_pickup.append(True)
            job_of.append(k)
        else:
            pickups.append(None)
        deliveries.append(len(loc))
        loc.append(job.dest)
        service.append(job.service_s)
        is_pickup.append(False)
        job_of.append(k)
    return _Nodes(
        np.array(loc, dtype=np.int64),
        np.array(service, dtype=np.int64),
        np.array(is_pickup, dtype=bool),
        tuple(pickups),
        tuple(deliveries),
        tuple(job_of),
    )


def _time_matrix(p: RoutingProblem, nodes: _Nodes, duration: np.ndarray) -> list[list[int]]:
    """service(i) + travel(i, j) + loading when j starts a pickup visit; unreachable arcs exceed the horizon."""
    loc = nodes.loc
    travel = duration[loc[:, None], loc[None, :]]
    loading = np.array([p.loading_s(int(x)) for x in loc], dtype=np.int64)
    same_visit = nodes.is_pickup[:, None] & (loc[:, None] == loc[None, :])
    charge = np.where(nodes.is_pickup[None, :] & ~same_visit, loading[None, :], 0)
    t = nodes.service[:, None] + travel + charge
    t[travel >= UNREACHABLE] = p.horizon_s + 1
    return t.tolist()  # type: ignore[no-any-return]


def _cost_matrix(nodes: _Nodes, distance: np.ndarray, per_metre: int) -> list[list[int]]:
    loc = nodes.loc
    d = distance[loc[:, None], loc[None, :]]
    c = np.where(d >= UNREACHABLE, UNREACHABLE, d * per_metre)
    return c.tolist()  # type: ignore[no-any-return]


def _profile_key(v: Vehicle) -> int:
    return -1 if v.profile is None else v.profile


class Model:
    """Builds the OR-Tools model in the fixed order: manager, model, transits, costs, dimensions, disjunctions."""

    def __init__(self, p: RoutingProblem) -> None:
        self.p = p
        self.nodes = layout(p)
        nv = len(p.vehicles)
        self.idle = [k for k, v in enumerate(p.vehicles) if p.vehicle_idle(v)]
        self.manager = pywrapcp.RoutingIndexManager(
            len(self.nodes.loc), nv, list(range(nv)), list(range(nv, 2 * nv))
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._arc_costs()
        self.time = self._time_dimension()
        self._load_dimensions()
        self._jobs()

    def _arc_costs(self) -> None:
        p, r = self.p, self.routing
        cbs: dict[tuple[int, int], int] = {}
        for k, v in enumerate(p.vehicles):
            key = (_profile_key(v), v.distance_cost)
            if key not in cbs:
                dist = np.array(p.travel(v).distance_m, dtype=np.int64)
                cbs[key] = r.RegisterTransitMatrix(_cost_matrix(self.nodes, dist, v.distance_cost))
            r.SetArcCostEvaluatorOfVehicle(cbs[key], k)
            r.SetFixedCostOfVehicle(v.fixed_cost, k)

    def _time_dimension(self) -> pywrapcp.RoutingDimension:
        p, r = self.p, self.routing
        cbs: dict[int, int] = {}
        for v in p.vehicles:
            key = _profile_key(v)
            if key not in cbs:
                dur = np.array(p.travel(v).duration_s, dtype=np.int64)
                cbs[key] = r.RegisterTransitMatrix(_time_matrix(p, self.nodes, dur))
        r.AddDimensionWithVehicleTransits(
            [cbs[_profile_key(v)] for v in p.vehicles],
            p.horizon_s,  # waiting allowed up to the horizon
            p.horizon_s,  # time never exceeds the horizon
            False,  # starts are set per vehicle below
            "Time",
        )
        dim = r.GetDimensionOrDie("Time")
        for k, v in enumerate(p.vehicles):
            start = min(v.available_from_s, p.horizon_s)
            dim.CumulVar(r.Start(k)).SetRange(start, start)
            dim.CumulVar(r.End(k)).SetMax(min(p.horizon_s, start + v.max_duration_s))
        if p.objective is Objective.MAKESPAN:
            dim.SetGlobalSpanCostCoefficient(MAKESPAN_WEIGHT)
        return dim

    def _load_dimensions(self) -> None:
        p, r, nodes = self.p, self.routing, self.nodes
        pure = all(j.source is None for j in p.jobs)  # CVRPTW: count delivered so far, start at 0
        for d, name in enumerate(p.dimensions):
            vec = [0] * len(nodes.loc)
            for k, job in enumerate(p.jobs):
                pk = nodes.pickup[k]
                if pk is not None:
                    vec[pk] = job.demand[d]
                vec[nodes.delivery[k]] = job.demand[d] if pure else -job.demand[d]
            cb = r.RegisterUnaryTransitVector(vec)
            r.AddDimensionWithVehicleCapacity(
                cb,
                0,  # no slack
                [v.capacity[d] for v in p.vehicles],
                pure,  # pure CVRPTW starts empty; otherwise the start load is what is on board
                f"Load_{name}",
            )
            if not pure:
                dim = r.GetDimensionOrDie(f"Load_{name}")
                for k in range(len(p.vehicles)):
                    dim.CumulVar(r.End(k)).SetRange(0, 0)

    def _jobs(self) -> None:
        p, r, m, nodes = self.p, self.routing, self.manager, self.nodes
        weight = MAKESPAN_WEIGHT if p.objective is Objective.MAKESPAN else 1
        for k, job in enumerate(p.jobs):
            d = m.NodeToIndex(nodes.delivery[k])
            closed = p.window_closed(job)  # an empty window would fail OR-Tools' model ("CP Solver fail")
            if not closed:
                self.time.CumulVar(d).SetRange(
                    min(job.window_start_s, p.horizon_s), min(job.deadline_s, p.horizon_s)
                )
            indices = [d]
            pk = nodes.pickup[k]
            if pk is not None:
                pi = m.NodeToIndex(pk)
                earliest = job.ready_s + p.loading_s(job.source if job.source is not None else -1)
                self.time.CumulVar(pi).SetMin(min(earliest, p.horizon_s))
                r.AddPickupAndDelivery(pi, d)  # same route, pickup first (the time order follows)
                r.AddDisjunction([pi], drop_penalty(job) * weight)
                r.AddDisjunction([d], 0)  # pairing makes it follow its pickup
                indices.append(pi)
            else:
                r.AddDisjunction([d], drop_penalty(job) * weight)
            if job.vehicles:  # SetAllowedVehiclesForIndex's Span argument is unusable from Python 9.15
                for idx in indices:
                    r.VehicleVar(idx).SetValues([-1, *job.vehicles])  # -1: unperformed
            if closed:  # never served: its drop penalty is paid
                for idx in indices:
                    r.ActiveVar(idx).SetValue(0)
            for idx in indices:  # a vehicle available only after the horizon serves nothing
                for idle in self.idle:
                    r.VehicleVar(idx).RemoveValue(idle)
