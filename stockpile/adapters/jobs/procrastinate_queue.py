"""The job queue on PostgreSQL: Procrastinate (https://procrastinate.readthedocs.io), no broker to run.

Procrastinate carries only the job id; our `job` table holds status, progress and result. One task,
`relief.run_job`, calls the runner bootstrap hands in. Workers (`relief worker`) send a heartbeat every second;
a worker that stops sending (killed, machine lost) leaves its job in Procrastinate's `doing` state, and any other
worker hands it back to the queue after `stalled_s` (`_retry_stalled`). The runner's conditional updates on the
`job` row make sure a retried job still ends with exactly one result.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from typing import Any

import procrastinate
from procrastinate.schema import SchemaManager

from stockpile.ports.jobs import Runner

TASK = "relief.run_job"
QUEUE = "relief"
MAX_ATTEMPTS = 3  # a job whose runner raised (database gone, not a refused plan) is tried three times
log = logging.getLogger(__name__)


def conninfo(url: str) -> str:
    """SQLAlchemy's postgresql+psycopg://… as the plain libpq URL psycopg takes."""
    return "postgresql://" + url.split("://", 1)[1]


def apply_schema(connection: Any) -> None:
    """Procrastinate's tables, types and functions (its `schema.sql`, what `procrastinate schema --apply` runs), in
    the transaction `relief db upgrade` migrates with. Sent as one script without parameters through the driver's
    cursor, so the `%` in its comments and functions are not read as placeholders."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(SchemaManager.get_schema())
    finally:
        cursor.close()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def make_app(url: str, runner: Runner) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))

    @app.task(name=TASK, queue=QUEUE, retry=procrastinate.RetryStrategy(max_attempts=MAX_ATTEMPTS, wait=2))
    def run_job(job_id: str) -> None:
        runner(uuid.UUID(job_id), worker_name())

    return app


class ProcrastinateQueue:
    """`JobQueue` on PostgreSQL: defers `relief.run_job(job_id)`; the app opens its pool on first use."""

    def __init__(self, url: str, runner: Runner) -> None:
        self.app = make_app(url, runner)
        self._open = False

    def enqueue(self, job_id: uuid.UUID, kind: str) -> None:
        if not self._open:
            self.app.open()
            self._open = True
        self.app.configure_task(TASK, queue=QUEUE).defer(job_id=str(job_id))

    def close(self) -> None:
        if self._open:
            self.app.close()
            self._open = False


async def _retry_stalled(app: procrastinate.App, stalled_s: float) -> None:
    """Every few seconds: jobs whose worker stopped sending its heartbeat go back to the queue."""
    while True:
        await asyncio.sleep(max(0.5, stalled_s / 3))
        try:
            for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_s):
                log.warning("job %s: its worker stopped, handing it back to the queue", job.id)
                await app.job_manager.retry_job(job)
        except Exception:  # another worker retried it first, or the database blinked: look again later
            log.exception("stalled-job check failed")


def run_worker(url: str, runner: Runner, concurrency: int = 1, stalled_s: float = 10.0) -> None:
    """Run one worker until SIGINT/SIGTERM: `concurrency` jobs at a time, heartbeat every second."""
    app = make_app(url, runner)

    async def main() -> None:
        async with app.open_async():
            checker = asyncio.create_task(_retry_stalled(app, stalled_s))
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    name=worker_name(),
                    concurrency=concurrency,
                    update_heartbeat_interval=1.0,
                    stalled_worker_timeout=stalled_s,
                    fetch_job_polling_interval=1.0,
                )
            finally:
                checker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await checker

    asyncio.run(main())
