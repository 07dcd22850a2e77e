"""The dispatch capability as the app and the CLI call it: a disaster scenario's demand, the plan (allocation and
routes of the mixed fleet), its confirmation into holds and orders, shipping, replanning, and printed orders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockpile.dispatch import confirm as confirm_use
from stockpile.dispatch import delivery as delivery_use
from stockpile.dispatch import edit as edit_use
from stockpile.dispatch import orders as orders_use
from stockpile.dispatch import plan as plan_use
from stockpile.dispatch import replan as replan_use
from stockpile.dispatch import replan_demand
from stockpile.dispatch import scenario as scenario_use
from stockpile.dispatch import shipping as shipping_use
from stockpile.dispatch.commands import OBJECTIVES, RATIONING, ConfirmedPlan, PlanSettings
from stockpile.dispatch.plan import DispatchPlan
from stockpile.domain.errors import InvalidCommand
from stockpile.ports.uow import AbstractUnitOfWork


@dataclass
class DispatchService:
    uow: Callable[[], AbstractUnitOfWork]
    repo: Callable[[Any], Any]  # unit of work → the dispatch repository (scenarios, fleet, plans, orders)
    travel_matrix: Callable[..., Any]  # points → travel-time matrix (router, cache or the offline estimate)
    planner: Callable[..., Any]  # the optimizer's routing entry
    render_order: Callable[[Any], tuple[bytes, bytes]]  # OrderSheet → (xlsx, pdf)
    time_limit_s: float = 10.0  # the solver's default budget when the caller gives no settings
    guarantee_s: int = 3600  # the county's guarantee circle (its 县情 row, else the environment's)
    target_s: int = 8 * 3600  # the county's first relief-time target (初步救助)

    def plan_settings(self, **given: Any) -> PlanSettings:
        """Plan settings with the county's guarantee circle, relief target and the default budget, unless given."""
        base: dict[str, Any] = {
            "time_limit_s": self.time_limit_s,
            "guarantee_s": self.guarantee_s,
            "target_s": self.target_s,
        }
        if given.get("rationing", "priority") not in RATIONING:
            raise InvalidCommand(
                reason="bad_rationing", value=given["rationing"], allowed="/".join(RATIONING)
            )
        if given.get("objective", "total") not in OBJECTIVES:  # a typo read as "total" without a word
            raise InvalidCommand(
                reason="bad_objective", value=given["objective"], allowed="/".join(OBJECTIVES)
            )
        return PlanSettings(**{**base, **given})

    # points (lon, lat), blocked GeoJSON → (the line to draw, its source): roads when known, else straight legs
    route_line: Callable[..., Any] | None = None

    def route_lines(self, plan: Any) -> list[dict[str, Any]]:
        """Each vehicle's round trip (home → stops → home) as a line for the map, along the roads when the
        travel-time source has them; `source` says which ("roads", "ors", "offline")."""
        with self.uow() as uow:
            sc = self.repo(uow).scenario(plan.scenario_code)
        blocked = sc.blocked_geojson if sc is not None else ""
        out = []
        for r in plan.result.routes:
            home = next(v.start for v in plan.problem.vehicles if v.id == r.vehicle)
            locs = [home, *[s.location for s in r.stops], home]
            points = [(plan.places[i].lon, plan.places[i].lat) for i in locs]
            if self.route_line is None:
                line, source = points, "offline"
            else:
                line, source = self.route_line(points, blocked)
            out.append({"vehicle": r.vehicle, "path": [list(p) for p in line], "source": source})
        return out

    def scenarios(self) -> list[str]:
        with self.uow() as uow:
            return list(self.repo(uow).scenario_codes())

    def scenario_demand(self, code: str) -> tuple[Any, dict[tuple[str, str], int]]:
        """The scenario and its demand per (point, item): entered, else derived from the norms."""
        return scenario_use.scenario_demand(code, self.uow(), self.repo)

    def save_demand(self, code: str, demand: dict[tuple[str, str], int], actor: str) -> None:
        scenario_use.save_demand(code, demand, actor, self.uow(), self.repo)

    def rebase_scenario(
        self, code: str, actor: str, to: datetime | None = None, now: datetime | None = None
    ) -> scenario_use.Rebased:
        """Move a drill's report time to `to` (default: now) and every scenario time with it."""
        return scenario_use.rebase_scenario(code, to, actor, self.uow(), self.repo, now)

    def item_names(self) -> dict[str, tuple[str, str]]:
        """Item code → (name, base unit), for what a printed plan lists."""
        with self.uow() as uow:
            return {c: (i.name, i.unit) for c, i in self.repo(uow).items().items()}

    def fleet(self) -> list[Any]:
        with self.uow() as uow:
            return list(self.repo(uow).fleet())

    def plan(
        self,
        code: str,
        settings: PlanSettings | None = None,
        demand: dict[tuple[str, str], int] | None = None,
        progress: Callable[[Any], None] | None = None,
        now: datetime | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> DispatchPlan:
        """Plan a scenario (written nowhere); `stop` returning True ends the search early (a cancelled job)."""
        return plan_use.plan_dispatch(
            code,
            self.uow(),
            self.repo,
            self.travel_matrix,
            self.planner,
            settings or self.plan_settings(),
            demand,
            progress,
            now,
            stop,
        )

    def confirm(self, plan: DispatchPlan, actor: str, now: datetime | None = None) -> Any:
        """Confirm a plan; a re-plan of a confirmed plan supersedes that plan's open orders (dispatch/replan.py)."""
        if replan_use.is_replan(plan):
            return replan_use.confirm_replan(plan, self.uow(), self.repo, actor, now)
        return confirm_use.confirm_plan(plan, self.uow(), self.repo, actor, now)

    def replan_open(
        self,
        code: str,
        actor: str,
        broken: tuple[str, ...] = (),
        now: datetime | None = None,
        time_limit_s: float | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> DispatchPlan:
        """Re-plan the scenario's confirmed plan: stops fixed by the orders' states, broken trucks out, the demand
        the scenario gained since (a new request) joins (`stop`: a cancelled job's early end)."""

        def grown(base: DispatchPlan, at: datetime) -> Any:
            return replan_demand.new_demand(code, self.uow(), self.repo, self.travel_matrix, base, at)

        return replan_use.replan_open(
            code,
            self.uow(),
            self.repo,
            actor,
            broken=broken,
            now=now,
            time_limit_s=time_limit_s,
            extend=grown,
            stop=stop,
        )

    def confirmed_plan(self, code: str, actor: str) -> ConfirmedPlan | None:
        """The scenario's open confirmed plan from the database (the dispatcher's routes, for every reading role)."""
        return replan_use.confirmed_plan(code, self.uow(), self.repo, actor)

    def edit_plan(self, plan: DispatchPlan, stops: Any, now: datetime | None = None) -> edit_use.EditedPlan:
        """The plan with stops moved or reordered (`EditedStop`s), re-timed and checked; findings in words."""
        return edit_use.edit_plan(plan, stops, self.uow(), self.repo, now)

    def mark_shipped(self, doc_no: str, actor: str, now: datetime | None = None) -> int:
        return confirm_use.mark_shipped(self.order_no(doc_no), self.uow(), self.repo, actor, now)

    def replan(self, plan: DispatchPlan, now_s: int, **kw: Any) -> DispatchPlan:
        """Broken trucks (`broken=`), a closed road (`blocked_geojson=`): delivered and started stops stay."""
        return confirm_use.replan_dispatch(plan, now_s, matrix=self.travel_matrix, **kw)

    def orders(self, plan_id: Any) -> list[dict[str, Any]]:
        with self.uow() as uow:
            return list(self.repo(uow).orders(plan_id))

    def order_documents(self, doc_no: str, actor: str | None = None) -> tuple[bytes, bytes]:
        """(xlsx, pdf) of a confirmed order, derived from the database (with `actor`: as that user may see it)."""
        if actor is None:
            sheet = orders_use.order_sheet(self.order_no(doc_no), self.uow(), self.repo)
        else:
            sheet = orders_use.show_order(self.order_no(doc_no), self.uow(), self.repo, actor)
        return self.render_order(sheet)

    # ---- orders after confirmation (dispatch/orders.py) ----------------------------------------------------
    def order_no(self, typed: str) -> str:
        """An order number as a keeper typed it (云A12345 for 云A·12345, full-width, lower case) → as stored, for
        a message or a file to name the order as it is printed; as typed when no order matches."""
        return orders_use.stored_order_no(typed, self.uow(), self.repo)

    def list_orders(self, actor: str, **filters: str) -> list[dict[str, Any]]:
        return orders_use.list_orders(self.uow(), self.repo, actor, **filters)

    def show_order(self, doc_no: str, actor: str) -> orders_use.OrderSheet:
        return orders_use.show_order(self.order_no(doc_no), self.uow(), self.repo, actor)

    def void(self, doc_no: str, actor: str, now: datetime | None = None) -> orders_use.Voided:
        return orders_use.void_plan(self.order_no(doc_no), self.uow(), self.repo, actor, now)

    def pick(self, doc_no: str, depot: str, actor: str, now: datetime | None = None) -> bool:
        return orders_use.pick_depot(self.order_no(doc_no), depot, self.uow(), self.repo, actor, now)

    def ship(self, doc_no: str, depot: str, actor: str, now: datetime | None = None) -> int:
        """Ship a depot part in full; the holds issued (0 when it had already shipped)."""
        return shipping_use.ship_depot(self.order_no(doc_no), depot, self.uow(), self.repo, actor, now).issued

    def ship_loaded(
        self,
        doc_no: str,
        depot: str,
        actor: str,
        loaded: dict[str, int],
        reason: str = "",
        note: str = "",
        now: datetime | None = None,
    ) -> shipping_use.Shipped:
        """Ship a depot part with the quantity actually loaded per item code; a shortfall needs a reason from
        SHORT_REASONS (and 'other' a note) and is released from its holds in the same transaction."""
        return shipping_use.ship_depot(
            self.order_no(doc_no), depot, self.uow(), self.repo, actor, now, loaded, reason, note
        )

    def receive(self, doc_no: str, receiver: str, actor: str, **kw: Any) -> dict[Any, Any]:
        """签收: `quantities` and `reasons` by (stop code, item code), `received_at`, `now`."""
        return delivery_use.receive_order(self.order_no(doc_no), receiver, self.uow(), self.repo, actor, **kw)

    def close(self, doc_no: str, actor: str, now: datetime | None = None) -> bool:
        return orders_use.close_order(self.order_no(doc_no), self.uow(), self.repo, actor, now)
