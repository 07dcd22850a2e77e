"""Jobs (作业): long work (a dispatch solve, the rotation plan, siting) run by a worker. The row is the job's truth:
status, progress log, result and error; the queue (Procrastinate or the embedded thread) only carries the id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, Uuid, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from stockpile.adapters.orm.ledger import Base, Stamp, UTCDateTime
from stockpile.ports.jobs import CANCELLED, FINISHED, QUEUED, RUNNING, JobRecord


class JobRow(Base):
    __tablename__ = "job"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[str] = mapped_column(Text)  # JSON
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[Stamp]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str] = mapped_column(String(128), default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    progress: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of log entries
    result: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON: code and params
    __table_args__ = (Index("ix_job_actor_created", "actor", "created_at"), Index("ix_job_status", "status"))


def _loads(raw: str | None) -> Any:
    return None if raw is None else json.loads(raw)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _record(r: JobRow) -> JobRecord:
    return JobRecord(
        id=r.id,
        kind=r.kind,
        params=json.loads(r.params),
        actor=r.actor,
        created_at=r.created_at,
        status=r.status,
        attempts=r.attempts,
        started_at=r.started_at,
        finished_at=r.finished_at,
        progress=tuple(json.loads(r.progress)),
        result=_loads(r.result),
        error=_loads(r.error),
        worker=r.worker,
    )


class SqlJobStore:
    """The `job` table in the unit of work's session (the use case commits). State changes are conditional
    updates: whoever does not match the expected status and attempt changes nothing and learns it."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, rec: JobRecord) -> None:
        self.s.add(
            JobRow(
                id=rec.id, kind=rec.kind, params=_dumps(rec.params), actor=rec.actor,
                created_at=rec.created_at, status=rec.status, attempts=0, worker="", progress="[]",
            )
        )  # fmt: skip
        self.s.flush()

    def get(self, job_id: uuid.UUID) -> JobRecord | None:
        row = self.s.get(JobRow, job_id)
        return None if row is None else _record(row)

    def recent(self, actor: str | None, kinds: Sequence[str] = (), limit: int = 50) -> list[JobRecord]:
        q = select(JobRow).order_by(JobRow.created_at.desc(), JobRow.id).limit(limit)
        if actor is not None:
            q = q.where(JobRow.actor == actor)
        if kinds:
            q = q.where(JobRow.kind.in_(list(kinds)))
        return [_record(r) for r in self.s.scalars(q)]

    def _set(self, job_id: uuid.UUID, where: Any, **values: Any) -> bool:
        res = self.s.execute(update(JobRow).where(JobRow.id == job_id, *where).values(**values))
        return bool(res.rowcount)  # type: ignore[attr-defined]

    def claim(self, job_id: uuid.UUID, worker: str, now: datetime) -> int | None:
        attempts = self.s.scalar(
            select(JobRow.attempts).where(JobRow.id == job_id, JobRow.status.in_([QUEUED, RUNNING]))
        )
        if attempts is None:
            return None
        ok = self._set(
            job_id,
            (JobRow.attempts == attempts, JobRow.status.in_([QUEUED, RUNNING])),
            status=RUNNING, attempts=attempts + 1, worker=worker[:128], started_at=now,
        )  # fmt: skip
        return attempts + 1 if ok else None

    def add_progress(self, job_id: uuid.UUID, attempt: int, entry: dict[str, Any]) -> bool:
        row = self.s.execute(
            select(JobRow.progress).where(
                JobRow.id == job_id, JobRow.status == RUNNING, JobRow.attempts == attempt
            )
        ).first()
        if row is None:
            return False
        log = json.loads(row[0])[-199:]  # the newest 200 entries are enough to draw the curve
        return self._set(
            job_id, (JobRow.status == RUNNING, JobRow.attempts == attempt), progress=_dumps([*log, entry])
        )

    def finish(
        self,
        job_id: uuid.UUID,
        attempt: int,
        status: str,
        now: datetime,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> bool:
        return self._set(
            job_id,
            (JobRow.status == RUNNING, JobRow.attempts == attempt),
            status=status,
            finished_at=now,
            result=None if result is None else _dumps(result),
            error=None if error is None else _dumps(error),
        )

    def cancel(self, job_id: uuid.UUID, now: datetime) -> bool:
        return self._set(job_id, (JobRow.status.not_in(list(FINISHED)),), status=CANCELLED, finished_at=now)

    def pending(self, include_running: bool = False) -> list[uuid.UUID]:
        states = [QUEUED, RUNNING] if include_running else [QUEUED]
        q = select(JobRow.id).where(JobRow.status.in_(states)).order_by(JobRow.created_at)
        return list(self.s.scalars(q))
