"""The job ports: where job records live (`JobStore`) and what carries the work to a worker (`JobQueue`).

Job state (status, progress, result) lives in our own `job` table behind `JobStore`; the queue only carries job
ids to workers: Procrastinate on PostgreSQL, an in-process worker thread on SQLite (bootstrap chooses).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
FINISHED = frozenset({DONE, FAILED, CANCELLED})


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One job as stored: who asked for what, where it stands, its progress log, result or error."""

    id: uuid.UUID
    kind: str
    params: dict[str, Any]
    actor: str
    created_at: datetime
    status: str
    attempts: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress: tuple[dict[str, Any], ...] = ()
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    worker: str = ""


class JobStore(Protocol):
    """The `job` table. Every state change is one conditional update, so two workers never both win."""

    def add(self, rec: JobRecord) -> None: ...
    def get(self, job_id: uuid.UUID) -> JobRecord | None: ...
    def recent(self, actor: str | None, kinds: Sequence[str] = (), limit: int = 50) -> list[JobRecord]: ...
    def claim(self, job_id: uuid.UUID, worker: str, now: datetime) -> int | None:
        """queued or running (a retry after a dead worker) → running with attempts + 1; the new attempt number,
        or None when the job is finished or cancelled."""
        ...

    def add_progress(self, job_id: uuid.UUID, attempt: int, entry: dict[str, Any]) -> bool:
        """Append to the progress log while this attempt runs; False once it no longer does (cancelled)."""
        ...

    def finish(
        self,
        job_id: uuid.UUID,
        attempt: int,
        status: str,
        now: datetime,
        result: dict[str, Any] | None = None,
        error: dict[str, Any] | None = None,
    ) -> bool:
        """running (this attempt) → done/failed; False when another attempt or a cancel came first."""
        ...

    def cancel(self, job_id: uuid.UUID, now: datetime) -> bool:
        """queued or running → cancelled; False when already finished."""
        ...

    def pending(self, include_running: bool = False) -> list[uuid.UUID]:
        """Queued jobs, oldest first; with `include_running` also those a stopped process left running."""
        ...


class JobQueue(Protocol):
    """Carries a job id to some worker, which calls the runner with it."""

    def enqueue(self, job_id: uuid.UUID, kind: str) -> None: ...


Runner = Callable[[uuid.UUID, str], object]
"""(job id, worker name) → runs the job to its end, writing state through the JobStore."""
