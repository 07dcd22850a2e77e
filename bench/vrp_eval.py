"""One independent evaluator for every solver's plan: one cost model, one feasibility check.

A plan is reduced to what any solver can give: per vehicle, the ordered visits (job id, "pickup" | "delivery").
Times, loads and costs are re-simulated here from the problem alone, under the product's timing rule (loading once
per depot visit, see ``optimizer.routing.problem``); nothing a solver reports (arrival times, distances, objective)
is trusted, and no code is shared with the solvers or with ``optimizer.routing.check`` (a second, separate implementation).

Cost = Σ distance × the vehicle's distance cost + fixed cost of each used vehicle + the drop penalty of every job
not served (its ``penalty``, else 10 000 000 × priority). A plan is *valid* when it breaks no rule; unserved jobs
are allowed but paid for. Rules: every visited job exists and is served at most once, a job with a source is picked
up before it is delivered on the same vehicle, load within capacity in every dimension after every stop, delivery
started by its deadline, pickups not before ready + loading, the vehicle not before its availability, route end
within the vehicle's shift and the horizon, roads exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from optimizer.routing.problem import RoutingProblem, RoutingResult

PENALTY_PER_PRIORITY = 10_000_000  # the published default drop penalty, restated
NO_ROAD = 10**9

Visits = Sequence[tuple[str, str]]  # (job id, "pickup" | "delivery")
Plan = Mapping[str, Visits]  # vehicle id -> visits in order


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The evaluator's verdict on one plan."""

    cost: int
    distance: int
    served: int
    unserved: int
    violations: tuple[str, ...]
    makespan: int

    @property
    def valid(self) -> bool:
        return not self.violations


def plan_of(result: RoutingResult) -> dict[str, list[tuple[str, str]]]:
    """Only the visit order of a solver's result (its reported times, loads and costs are dropped)."""
    return {r.vehicle: [(s.job, s.kind) for s in r.stops] for r in result.routes}


def evaluate(p: RoutingProblem, plan: Plan) -> Evaluation:
    """Re-simulate a plan under the product's timing rule and cost it; see the module docstring."""
    jobs = {j.id: j for j in p.jobs}
    fleet = {v.id: v for v in p.vehicles}
    loading = {}
    for d in p.depots:
        loading[d.location] = max(loading.get(d.location, 0), d.loading_s)
    bad: list[str] = []
    delivered: set[str] = set()
    distance_cost = fixed = distance_total = makespan = 0
    for vid, visits in plan.items():
        v = fleet.get(vid)
        if v is None:
            bad.append(f"unknown vehicle {vid}")
            continue
        if not visits:
            continue
        if v.profile is not None:
            tm = p.profiles[v.profile]
            dur, dist = tm.duration_s, tm.distance_m
        else:
            dur, dist = p.duration_s, p.distance_m
        load = [0] * len(p.dimensions)
        for jid, kind in visits:  # goods of jobs without a source are on board at the start
            j = jobs.get(jid)
            if j is not None and kind == "delivery" and j.source is None:
                load = [a + b for a, b in zip(load, j.demand, strict=True)]
        if any(x > c for x, c in zip(load, v.capacity, strict=True)):
            bad.append(f"{vid}: over capacity at the start: {load} > {list(v.capacity)}")
        picked: set[str] = set()
        here, clock, metres = v.start, v.available_from_s, 0
        visit_place: int | None = None  # where the current loading visit is (consecutive pickups)
        visit_ready = 0  # when the goods of the visit so far are on board
        for jid, kind in visits:
            j = jobs.get(jid)
            if j is None:
                bad.append(f"{vid}: unknown job {jid}")
                continue
            place = j.source if kind == "pickup" else j.dest
            if kind not in ("pickup", "delivery") or place is None:
                bad.append(f"{vid}: {jid} cannot have a {kind}")
                continue
            if dur[here][place] >= NO_ROAD or dist[here][place] >= NO_ROAD:
                bad.append(f"{vid}: no road {here}->{place}")
            arrive = clock + dur[here][place]
            metres += dist[here][place]
            if kind == "pickup":
                if jid in picked:
                    bad.append(f"{vid}: {jid} picked up twice")
                picked.add(jid)
                lt = loading.get(place, 0)
                if visit_place == place:  # same visit: no second loading
                    done = max(visit_ready, j.ready_s + lt)
                else:
                    done = max(arrive, j.ready_s) + lt
                visit_place, visit_ready = place, done
                clock = done
                load = [a + b for a, b in zip(load, j.demand, strict=True)]
            else:
                if jid in delivered:
                    bad.append(f"{vid}: {jid} delivered twice")
                delivered.add(jid)
                if j.source is not None and jid not in picked:
                    bad.append(f"{vid}: {jid} delivered before its pickup on this vehicle")
                begin = max(arrive, j.window_start_s)
                if begin > j.deadline_s or begin > p.horizon_s:
                    bad.append(f"{vid}: {jid} late ({begin} > {j.deadline_s})")
                clock = begin + j.service_s
                visit_place = None
                load = [a - b for a, b in zip(load, j.demand, strict=True)]
            if any(x > c for x, c in zip(load, v.capacity, strict=True)):
                bad.append(f"{vid}: over capacity after {jid} {kind}: {load} > {list(v.capacity)}")
            here = place
        if dur[here][v.end] >= NO_ROAD:
            bad.append(f"{vid}: no road back to {v.end}")
        end = clock + dur[here][v.end]
        metres += dist[here][v.end]
        if end - v.available_from_s > v.max_duration_s or end > p.horizon_s:
            bad.append(f"{vid}: shift too long (ends {end})")
        missing = picked - {jid for jid, kind in visits if kind == "delivery"}
        bad.extend(f"{vid}: {jid} picked up, never delivered" for jid in sorted(missing))
        distance_total += metres
        distance_cost += metres * v.distance_cost
        fixed += v.fixed_cost
        makespan = max(makespan, end)
    penalties = 0
    for j in p.jobs:
        if j.id not in delivered:
            penalties += j.penalty if j.penalty is not None else PENALTY_PER_PRIORITY * max(1, j.priority)
    return Evaluation(
        cost=distance_cost + fixed + penalties,
        distance=distance_total,
        served=len(delivered),
        unserved=len(p.jobs) - len(delivered & set(jobs)),
        violations=tuple(bad),
        makespan=makespan,
    )
