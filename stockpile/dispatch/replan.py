"""Re-plan a confirmed plan from the database (执行中重新规划) and confirm it (确认新方案).

What is fixed comes from the orders' states, never from elapsed minutes: a vehicle whose order is delivered or
closed has done its route; a vehicle whose order has a shipped part (装车发运) has left with its load and drives its
printed route to the end. A vehicle whose order is still pending or picked has not left: its order is the *open*
part, re-optimised together with any new demand. A broken vehicle leaves the fleet: what it loaded at shipped
depots is stranded (reported), the rest of its work goes back to the pool and the parts it never loaded are
replaced.

Confirming the re-plan, in ONE transaction: the open orders of the old plan become 已被替代 (superseded, pointing
at the new plan) and their holds are released; the new plan's pickups are held by FEFO and its orders written; the
old plan stops being the scenario's open plan. It is refused when the old plan is no longer the open one (another
dispatcher's re-plan won) or an order it counted as open has shipped since (re-plan again).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from optimizer import RoutingParams
from stockpile import clock
from stockpile.dispatch import confirm as confirm_use
from stockpile.dispatch.commands import ConfirmedPlan
from stockpile.dispatch.plan import DispatchPlan, plan_violations
from stockpile.dispatch.scenario import RepoOf
from stockpile.domain.dispatch import (
    PlanNotStored,
    PlanRejected,
    ReplanLost,
    ReplanNotPossible,
    ReplanStale,
    ReplanUnknownVehicle,
    UnknownScenario,
)
from stockpile.domain.errors import InvalidCommand
from stockpile.jobs import codec
from stockpile.ledger.posting import retry_on_conflict
from stockpile.ledger.reservations import release_holds
from stockpile.ports.repos import DispatchRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

REPLAN_SLACK = timedelta(minutes=5)  # a re-plan "now" typed on a clock a little ahead of the server's

OPEN_STATES = ("pending", "picked")
DONE_STATES = ("delivered", "closed")


@dataclass(frozen=True, slots=True)
class OrderState:
    """One order of the plan being re-planned, as the database has it."""

    doc_no: str
    vehicle: str
    state: str
    parts: Mapping[str, str]  # depot code → part state

    @property
    def started(self) -> bool:
        """The vehicle has left: some part shipped (or the whole order is past shipping)."""
        return self.state in ("shipped", *DONE_STATES) or "shipped" in self.parts.values()


@dataclass(frozen=True, slots=True)
class Base:
    """The scenario's open plan, read back from the database, and its orders' states."""

    plan: DispatchPlan
    orders: tuple[OrderState, ...]


def load_base(code: str, uow: AbstractUnitOfWork, repo_of: RepoOf) -> Base:
    """The open plan of scenario `code` and the states of its orders; refused in words when there is none."""
    with uow:
        repo = repo_of(uow)
        sc = repo.scenario(code)
        if sc is None:
            raise UnknownScenario(scenario=code)
        plan_id = repo.open_plan(sc.id)
        if plan_id is None:
            raise ReplanNotPossible(scenario=code)
        text = repo.plan_json(plan_id)
        if not text:
            raise PlanNotStored(scenario=code)
        orders = tuple(
            OrderState(o["doc_no"], o["vehicle"], o["state"], {d["site"]: d["state"] for d in repo.order_depots(o["doc_no"])})
            for o in repo.orders(plan_id)
        )  # fmt: skip
    plan = codec.decode(DispatchPlan, json.loads(text))
    return Base(plan, orders)


@authz.records_denials
def confirmed_plan(code: str, uow: AbstractUnitOfWork, repo_of: RepoOf, actor: str) -> ConfirmedPlan | None:
    """The scenario's open confirmed plan, read back from the database for the 应急一张图 of every role that may
    read plans (view_plans); None when no plan is open or it was confirmed before plans were stored whole."""
    with uow:
        authz.require(uow, actor, "view_plans", None, None, f"scenario:{code}")
        repo = repo_of(uow)
        sc = repo.scenario(code)
        if sc is None:
            raise UnknownScenario(scenario=code)
        plan_id = repo.open_plan(sc.id)
        text = "" if plan_id is None else repo.plan_json(plan_id)
        record = None if plan_id is None else repo.plan_record(plan_id)
    if not text or record is None:
        return None
    return ConfirmedPlan(
        codec.decode(DispatchPlan, json.loads(text)), record["confirmed_at"], record["actor"]
    )


def _loaded(plan: DispatchPlan, stops: Any, o: OrderState) -> int:
    """A broken truck: the leading pickups it made (at a shipped depot, or anywhere once the order shipped)."""
    n = 0
    for s in stops:
        site = plan.places[s.location].code
        done = o.parts.get(site) == "shipped" or (site not in o.parts and o.state == "shipped")
        if s.kind != "pickup" or not done:
            break
        n += 1
    return n


def fixed_stops(base: Base, broken: frozenset[str]) -> dict[str, int]:
    """Vehicle → stops that stay as they are, from the orders' states (see the module docstring)."""
    by_vehicle = {o.vehicle: o for o in base.orders}
    out: dict[str, int] = {}
    for r in base.plan.result.routes:
        o = by_vehicle.get(r.vehicle)
        if o is None or not o.started:
            out[r.vehicle] = 0
        elif o.state in DONE_STATES or r.vehicle not in broken:
            out[r.vehicle] = len(r.stops)
        else:
            out[r.vehicle] = _loaded(base.plan, r.stops, o)
    for v in base.plan.problem.vehicles:
        out.setdefault(v.id, 0)
    return out


def _replaced(base: Base, broken: frozenset[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(orders kept as they run, open orders the re-plan replaces, (order, depot) parts a broken truck never
    loads)."""
    kept, superseded, parts = [], [], []
    for o in base.orders:
        if o.state in ("void", "superseded"):
            continue
        if not o.started:
            superseded.append(o.doc_no)
            continue
        kept.append(o.doc_no)
        if o.vehicle in broken and o.state not in DONE_STATES:
            parts += [(o.doc_no, d) for d, st in sorted(o.parts.items()) if st in OPEN_STATES]
    return kept, superseded, parts


@authz.records_denials
def replan_open(
    code: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    actor: str,
    *,
    broken: tuple[str, ...] = (),
    now: datetime | None = None,
    time_limit_s: float | None = None,
    extend: Any = None,
    stop: Callable[[], bool] | None = None,
) -> DispatchPlan:
    """A re-plan of the scenario's open plan at `now`: kept routes from the orders' states, broken trucks out,
    the open part re-optimised (with the new demand `extend` adds). Nothing is written (`stop`: a cancelled
    job's early end)."""
    at = (now or clock.now()).replace(microsecond=0)
    with uow:
        authz.require(uow, actor, "run_scenario", None, None, code)
    base = load_base(code, uow, repo_of)
    out = frozenset(broken)
    fleet = sorted(v.id for v in base.plan.problem.vehicles)
    unknown = sorted(out - set(fleet))
    if unknown:
        raise ReplanUnknownVehicle(vehicle=unknown[0], fleet=fleet)  # listed the reader's way
    if at < base.plan.start:  # read as the plan's start, as if nothing had moved
        raise InvalidCommand(
            reason="replan_before_plan", at=clock.format_dt(at), start=clock.format_dt(base.plan.start)
        )
    plan, new_jobs = (base.plan, ()) if extend is None else extend(base.plan, at)
    now_s = max(0, int((at - base.plan.start).total_seconds()))
    params = RoutingParams(
        time_limit_s=time_limit_s or plan.settings.time_limit_s, engine=plan.settings.engine, stop=stop
    )
    new = confirm_use.replan_dispatch(
        plan,
        now_s,
        broken=tuple(sorted(out)),
        planner_params=params,
        fixed=fixed_stops(base, out),
        new_jobs=new_jobs,
    )
    short = tuple(plan.extra.get("short", ()))  # new demand the free stock cannot cover
    if short:
        new = dataclasses.replace(new, unserved=(*new.unserved, *short))
    kept, superseded, parts = _replaced(base, out)
    extra = {**new.extra, "base_plan": str(base.plan.id), "kept": kept, "superseded": superseded}
    extra.update(parts=[list(p) for p in parts], broken=sorted(out), new_jobs=[j.id for j in new_jobs])
    return dataclasses.replace(new, extra=extra)


def is_replan(plan: Any) -> bool:
    return bool(getattr(plan, "extra", {}).get("base_plan"))


def _still_open(uow: AbstractUnitOfWork, repo: DispatchRepository, plan: DispatchPlan) -> None:
    """Refuse when the base plan is no longer the open one or an order counted as open has shipped since."""
    base = uuid.UUID(str(plan.extra["base_plan"]))
    if repo.open_plan(plan.scenario_id) != base:
        raise ReplanLost(scenario=plan.scenario_code)
    for doc in plan.extra.get("superseded", []):
        o = repo.order(doc, lock=True)
        parts = repo.order_depots(doc)
        if o is None or o["state"] not in OPEN_STATES or any(d["state"] not in OPEN_STATES for d in parts):
            raise ReplanStale(scenario=plan.scenario_code, doc_no=doc)
    for doc, depot in plan.extra.get("parts", []):
        repo.order(doc, lock=True)
        if any(d["site"] == depot and d["state"] not in OPEN_STATES for d in repo.order_depots(doc)):
            raise ReplanStale(scenario=plan.scenario_code, doc_no=doc)


def _release(uow: AbstractUnitOfWork, repo: DispatchRepository, plan: DispatchPlan, at: datetime) -> int:
    """Release the holds of the replaced orders and parts and mark them 已被替代."""
    released = 0
    for doc in plan.extra.get("superseded", []):
        holds = [h for h in repo.order_holds(doc) if h["state"] == "pending"]
        released += release_holds(uow, _reservations(uow, holds), at)
        repo.supersede_order(doc, plan.id, at)
    for doc, depot in plan.extra.get("parts", []):
        holds = [h for h in repo.order_holds(doc) if h["state"] == "pending" and h["site"] == depot]
        released += release_holds(uow, _reservations(uow, holds), at)
        repo.supersede_depot(doc, repo.site_id(depot))
    return released


def _reservations(uow: AbstractUnitOfWork, holds: list[dict[str, Any]]) -> list[Any]:
    found = (uow.ledger.reservation(h["id"]) for h in holds)
    return [r for r in found if r is not None]


@dataclass(frozen=True, slots=True)
class ReplanConfirmation:
    plan_id: uuid.UUID
    orders: tuple[str, ...]
    reservations: int
    call_offs: int
    replayed: bool
    superseded: tuple[str, ...] = ()
    released: int = 0


@authz.records_denials
@retry_on_conflict
def confirm_replan(
    plan: DispatchPlan, uow: AbstractUnitOfWork, repo_of: RepoOf, actor: str, now: datetime | None = None
) -> ReplanConfirmation:
    """Supersede the open orders of the base plan, move their holds and write the new orders, all or nothing."""
    at = (now or clock.now()).replace(microsecond=0)
    with uow:
        authz.require(uow, actor, "confirm_dispatch", None, plan.id, "plan")
        repo = repo_of(uow)
        if repo.plan_exists(plan.id):
            orders = tuple(o["doc_no"] for o in repo.orders(plan.id))
            return ReplanConfirmation(plan.id, orders, 0, 0, True)
        repo.lock_scenario(plan.scenario_id)  # a second dispatcher confirming a re-plan waits here
        _still_open(uow, repo, plan)
        if plan.extra.get("past_horizon_h"):  # its orders would be superseded by none: a new plan is needed
            raise InvalidCommand(reason="replan_past_horizon", hours=plan.extra["past_horizon_h"])
        when = plan.start + timedelta(seconds=int(plan.extra.get("replanned_at_s", 0)))
        if (
            when > at + REPLAN_SLACK
        ):  # a what-if for later: stops would count as done that no truck has reached
            raise InvalidCommand(reason="replan_in_future", at=clock.format_dt(when), now=clock.format_dt(at))
        violations = plan_violations(plan.problem, plan.result, None)
        if violations:
            raise PlanRejected(violations=violations)
        released = _release(uow, repo, plan, at)
        base = uuid.UUID(str(plan.extra["base_plan"]))
        repo.supersede_plan(base, plan.id)
        n_res, gone = confirm_use.reserve(plan, uow, repo, at, actor)
        if gone:
            raise PlanRejected(violations=gone)
        repo.add_plan(plan.id, plan.scenario_id, at, actor, plan.result.objective, confirm_use.summary(plan))
        repo.store_plan(plan.id, confirm_use.plan_json(plan), base)
        docs = confirm_use.write_orders(plan, repo)
        confirm_use.close_if_done(
            repo, plan.id, at, actor
        )  # nothing left to carry: the scenario is free again
        n_call = confirm_use.record_call_offs(plan, repo)
        superseded = tuple(plan.extra.get("superseded", []))
        detail = {"op": "replan", "base": str(base), "superseded": list(superseded), "orders": docs}
        authz.audit_ok(
            uow, actor, "confirm_dispatch", at, str(plan.id), detail={**detail, "released": released}
        )
        uow.commit()
        return ReplanConfirmation(plan.id, tuple(docs), n_res, n_call, False, superseded, released)
