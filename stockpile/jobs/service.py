"""The jobs capability as the app, the CLI and the workers call it (`svc.jobs`)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stockpile.dispatch.commands import PlanSettings
from stockpile.dispatch.plan import DispatchPlan
from stockpile.jobs import jobs as use
from stockpile.jobs import kinds
from stockpile.jobs.commands import DISPATCH_PLAN, DONE, FINISHED, REPLAN, replan_params
from stockpile.ports.jobs import JobQueue, JobRecord
from stockpile.ports.uow import AbstractUnitOfWork


@dataclass
class JobService:
    uow: Callable[[], AbstractUnitOfWork]
    store: use.StoreOf
    queue: Callable[[], JobQueue]  # built on first submit: the CLI's reading commands start no worker
    handlers: Mapping[str, use.Handler] = field(default_factory=dict)

    def submit(
        self, kind: str, params: Mapping[str, Any], actor: str, now: datetime | None = None
    ) -> uuid.UUID:
        return use.submit_job(kind, params, actor, self.uow(), self.store, self.queue(), now)

    def submit_plan(
        self,
        code: str,
        settings: PlanSettings,
        actor: str,
        demand: Mapping[tuple[str, str], int] | None = None,
        now: datetime | None = None,
    ) -> uuid.UUID:
        """A dispatch solve as a job; the page and `relief plan` read the plan back with `plan`."""
        return self.submit(DISPATCH_PLAN, kinds.dispatch_params(code, settings, demand, now), actor)

    def submit_replan(
        self,
        code: str,
        actor: str,
        broken: Sequence[str] = (),
        time_limit_s: float | None = None,
        now: datetime | None = None,
    ) -> uuid.UUID:
        """A re-plan of the scenario's confirmed plan as a job; its plan is read back with `plan`."""
        return self.submit(REPLAN, replan_params(code, broken, time_limit_s, now), actor)

    def get(self, job_id: uuid.UUID, actor: str) -> JobRecord:
        return use.get_job(job_id, actor, self.uow(), self.store)

    def list_jobs(self, actor: str, of_kinds: Sequence[str] = (), limit: int = 50) -> list[JobRecord]:
        return use.list_jobs(actor, self.uow(), self.store, of_kinds, limit)

    def cancel(self, job_id: uuid.UUID, actor: str) -> bool:
        return use.cancel_job(job_id, actor, self.uow(), self.store)

    def result(self, job_id: uuid.UUID, actor: str) -> Any:
        """A done job's result as the use case's own object (None until done)."""
        rec = self.get(job_id, actor)
        return kinds.read_result(rec.kind, rec.result) if rec.status == DONE else None

    def plan(self, job_id: uuid.UUID, actor: str) -> DispatchPlan | None:
        """The dispatch plan a done `dispatch_plan` or `replan` job stored (None until done, or another kind)."""
        rec = self.get(job_id, actor)
        if rec.kind not in (DISPATCH_PLAN, REPLAN) or rec.status != DONE:
            return None
        plan: DispatchPlan = kinds.read_result(rec.kind, rec.result)
        return plan

    def wait(self, job_id: uuid.UUID, actor: str, timeout_s: float = 600.0, poll_s: float = 0.2) -> JobRecord:
        """Poll until the job has finished or `timeout_s` passed; the job as it stands then."""
        end = time.monotonic() + timeout_s
        while True:
            rec = self.get(job_id, actor)
            if rec.status in FINISHED or time.monotonic() >= end:
                return rec
            time.sleep(poll_s)

    def run(self, job_id: uuid.UUID, worker: str) -> str:
        """The worker's side: run one job (the queue adapters call this)."""
        return use.run_job(job_id, worker, self.uow(), self.store, self.handlers)
