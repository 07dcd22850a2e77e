"""The re-plan side of the dispatch repository: a confirmed plan's whole plan as JSON (re-planned from the
database), and a re-plan superseding the open orders of the plan it came from. Mixed into
`SqlDispatchRepository`."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from stockpile.adapters.orm.dispatch import DispatchOrderRow, DispatchPlanRow, OrderDepotRow


class SqlReplanRecords:
    s: Session

    def store_plan(self, plan_id: uuid.UUID, plan_json: str, supersedes: uuid.UUID | None) -> None:
        """Keep the confirmed plan itself (and, for a re-plan, the plan it replaced) on its row."""
        r = self.s.get(DispatchPlanRow, plan_id)
        assert r is not None
        r.plan_json, r.supersedes = plan_json, supersedes
        self.s.flush()

    def plan_json(self, plan_id: uuid.UUID) -> str:
        r = self.s.get(DispatchPlanRow, plan_id, populate_existing=True)
        return "" if r is None else r.plan_json

    def plan_links(self, plan_id: uuid.UUID) -> tuple[uuid.UUID | None, uuid.UUID | None]:
        """(the plan this one replaced, the plan that replaced this one)."""
        r = self.s.get(DispatchPlanRow, plan_id, populate_existing=True)
        return (None, None) if r is None else (r.supersedes, r.superseded_by)

    def supersede_plan(self, old: uuid.UUID, new: uuid.UUID) -> None:
        """The old plan is no longer the scenario's open plan (its kept orders run on); the new one takes over."""
        r = self.s.get(DispatchPlanRow, old)
        assert r is not None
        r.scenario_open, r.superseded_by = None, new
        self.s.flush()

    def supersede_order(self, doc_no: str, new: uuid.UUID, at: datetime) -> None:
        """已被替代: the whole order (every part) replaced by the re-plan `new`."""
        r = self.s.get(DispatchOrderRow, doc_no)
        assert r is not None
        r.state, r.superseded_by, r.voided_at = "superseded", new, at
        self.s.execute(update(OrderDepotRow).where(OrderDepotRow.doc_no == doc_no).values(state="superseded"))
        self.s.flush()

    def supersede_depot(self, doc_no: str, site_id: int) -> None:
        """One depot's part of a kept order replaced (a broken truck never comes to load it)."""
        d = OrderDepotRow
        self.s.execute(update(d).where(d.doc_no == doc_no, d.site_id == site_id).values(state="superseded"))
        self.s.flush()
