"""Jobs (作业): submit, read, list and cancel long work, and run it in a worker.

A job is one row (`ports.jobs.JobStore`): kind, parameters as JSON, who, when, status queued → running →
done/failed/cancelled, the progress log, the result as JSON or the error. Submitting writes the row and one audit
row in one transaction, then hands the id to the queue. A worker runs it with `run_job`: it claims the row (a new
attempt), calls the kind's handler, and finishes the row only if its attempt still owns it — so a job retried after
a dead worker, or cancelled mid-run, still ends with exactly one result.

Rules: submitting needs `run_job` (and `run_scenario` for a dispatch plan or a re-plan); a user reads and cancels their own
jobs, an admin everybody's (`view_jobs`, `cancel_job`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from stockpile import clock
from stockpile.domain.errors import DomainError, InvalidCommand
from stockpile.jobs.codec import encode
from stockpile.jobs.commands import DISPATCH_PLAN, KINDS, REPLAN, REVIEW_PREPARE
from stockpile.ports.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING, JobQueue, JobRecord, JobStore
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

StoreOf = Callable[[Any], JobStore]  # unit of work → the job table in its session
Handler = Callable[[Mapping[str, Any], str, "Progress"], Any]  # params, actor, progress → the result object
MAX_ATTEMPTS = 3  # a job started this many times by workers that died is failed, not started again
PROGRESS_EVERY_S = 0.5  # at most two progress writes a second
CANCEL_LOOK_S = 0.5  # a running job looks at its row for a cancel at most twice a second
KIND_ACTION = {
    DISPATCH_PLAN: "run_scenario",
    REPLAN: "run_scenario",
    REVIEW_PREPARE: "prepare_review",
}  # beyond run_job, what a kind needs
log = logging.getLogger(__name__)


class UnknownJob(DomainError):
    code = "unknown_job"


def submit_job(
    kind: str,
    params: Mapping[str, Any],
    actor: str,
    uow: AbstractUnitOfWork,
    store: StoreOf,
    queue: JobQueue,
    now: datetime | None = None,
) -> uuid.UUID:
    """Record a queued job (audited) and hand it to the queue; its id."""
    if kind not in KINDS:
        raise InvalidCommand(reason="unknown_job_kind", kind=kind)
    at = now or clock.now()
    job_id = uuid.uuid4()
    rec = JobRecord(job_id, kind, dict(params), actor, at, QUEUED)

    def body() -> None:
        if kind in KIND_ACTION:
            authz.require(uow, actor, KIND_ACTION[kind], None, job_id, kind)
        store(uow).add(rec)

    authz.write_as(uow, actor, "run_job", body, at, target=kind, client_id=job_id, detail={"kind": kind})
    queue.enqueue(job_id, kind)
    return job_id


def _own_or_admin(uow: AbstractUnitOfWork, actor: str, action: str, rec: JobRecord | None) -> JobRecord:
    who = authz.require_role(uow, actor, action)
    if rec is None or (rec.actor != actor and who.role != "admin"):
        raise UnknownJob()  # another user's job reads as unknown: ids are not secrets, the contents are
    return rec


def get_job(job_id: uuid.UUID, actor: str, uow: AbstractUnitOfWork, store: StoreOf) -> JobRecord:
    """The job as stored now (own jobs; an admin any)."""

    def run() -> JobRecord:
        with uow:
            return _own_or_admin(uow, actor, "view_jobs", store(uow).get(job_id))

    return authz.guarded(uow, run)


def list_jobs(
    actor: str, uow: AbstractUnitOfWork, store: StoreOf, kinds: Sequence[str] = (), limit: int = 50
) -> list[JobRecord]:
    """The newest jobs: the actor's own, or everybody's for an admin."""

    def run() -> list[JobRecord]:
        with uow:
            who = authz.require_role(uow, actor, "view_jobs")
            return store(uow).recent(None if who.role == "admin" else actor, kinds, limit)

    return authz.guarded(uow, run)


def cancel_job(
    job_id: uuid.UUID, actor: str, uow: AbstractUnitOfWork, store: StoreOf, now: datetime | None = None
) -> bool:
    """Cancel a queued or running job (audited); False when it had already finished. A running solve stops
    counting at once and its worker stops the search within about a second (`JobProgress.cancelled`); its
    result is never stored."""
    at = now or clock.now()

    def run() -> bool:
        with uow:
            _own_or_admin(uow, actor, "cancel_job", store(uow).get(job_id))
            ok = store(uow).cancel(job_id, at)
            authz.audit_ok(uow, actor, "cancel_job", at, target=str(job_id), detail={"cancelled": ok})
            uow.commit()
            return ok

    return authz.guarded(uow, run, at)


def _claim(
    job_id: uuid.UUID, worker: str, uow: AbstractUnitOfWork, store: StoreOf
) -> tuple[int, JobRecord] | None:
    with uow:
        attempt = store(uow).claim(job_id, worker, clock.now())
        rec = store(uow).get(job_id)
        uow.commit()
    return None if attempt is None or rec is None else (attempt, rec)


def _finish(
    job_id: uuid.UUID, attempt: int, uow: AbstractUnitOfWork, store: StoreOf, status: str, **kw: Any
) -> bool:
    with uow:
        ok = store(uow).finish(job_id, attempt, status, clock.now(), **kw)
        uow.commit()
    return ok


class Progress(Protocol):
    """What a handler gets: call it with the engine's log entries; ask `cancelled()` to stop a running solve."""

    def __call__(self, entry: Any) -> None: ...
    def cancelled(self) -> bool: ...


class JobProgress:
    """The running attempt's progress: appends the engine's log entries to the row (at most every
    PROGRESS_EVERY_S) and answers `cancelled()` from the row (looked at most every CANCEL_LOOK_S, so an engine
    may ask at every solution): True once the job was cancelled or another attempt took it over."""

    def __init__(self, job_id: uuid.UUID, attempt: int, uow: AbstractUnitOfWork, store: StoreOf) -> None:
        self.job_id, self.attempt, self.uow, self.store = job_id, attempt, uow, store
        self.started = time.monotonic()
        self.last_write = self.last_look = 0.0
        self.stop = False

    def __call__(self, entry: Any) -> None:
        now = time.monotonic()
        if now - self.last_write < PROGRESS_EVERY_S:
            return
        self.last_write = now
        data = encode(entry)
        row = data if isinstance(data, dict) else {"value": data}
        with self.uow:
            live = self.store(self.uow).add_progress(
                self.job_id, self.attempt, {"t": round(now - self.started, 2), **row}
            )
            self.uow.commit()
        self.stop = self.stop or not live

    def cancelled(self) -> bool:
        now = time.monotonic()
        if self.stop or now - self.last_look < CANCEL_LOOK_S:
            return self.stop
        self.last_look = now
        with self.uow:
            rec = self.store(self.uow).get(self.job_id)
        self.stop = rec is None or rec.status != RUNNING or rec.attempts != self.attempt
        return self.stop


def run_job(
    job_id: uuid.UUID, worker: str, uow: AbstractUnitOfWork, store: StoreOf, handlers: Mapping[str, Handler]
) -> str:
    """Run one job to its end as its worker: done with the result, failed with the error, or nothing when it was
    cancelled, already finished, or taken over by a newer attempt. Returns what happened. A database fault
    propagates (the queue tries the job again)."""
    claimed = _claim(job_id, worker, uow, store)
    if claimed is None:
        return "skipped"
    attempt, rec = claimed
    if attempt > MAX_ATTEMPTS:
        _finish(
            job_id, attempt, uow, store, FAILED, error={"code": "job_attempts", "params": {"n": attempt - 1}}
        )
        return FAILED
    try:
        result = handlers[rec.kind](rec.params, rec.actor, JobProgress(job_id, attempt, uow, store))
    except DomainError as e:
        ok = _finish(job_id, attempt, uow, store, FAILED, error={"code": e.code, "params": encode(e.params)})
        return FAILED if ok else CANCELLED
    except Exception as e:  # a bug: the job says so in words, the log keeps the traceback
        log.exception("job %s (%s) crashed", job_id, rec.kind)
        err = {"code": "job_crashed", "params": {"detail": f"{type(e).__name__}: {e}"[:300]}}
        ok = _finish(job_id, attempt, uow, store, FAILED, error=err)
        return FAILED if ok else CANCELLED
    ok = _finish(job_id, attempt, uow, store, DONE, result=encode(result))
    return DONE if ok else CANCELLED
