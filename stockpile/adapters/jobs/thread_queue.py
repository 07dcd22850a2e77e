"""The job queue on the embedded SQLite default: worker threads inside the app's own process, so `make run` needs
nothing else. One queue per database per process (every Streamlit session shares it); jobs left queued or running
by a stopped process are picked up again when the queue starts."""

from __future__ import annotations

import logging
import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterable

from stockpile.ports.jobs import Runner

log = logging.getLogger(__name__)
_QUEUES: dict[str, ThreadQueue] = {}
_LOCK = threading.Lock()


class ThreadQueue:
    """`JobQueue` in process: `threads` daemon threads take job ids and call the runner (two solves side by
    side by default). A runner that raises is logged and the job is left to its row (the runner marks failures)."""

    def __init__(self, runner: Runner, threads: int = 2, name: str = "embedded") -> None:
        self.runner = runner
        self.name = f"{name}:{os.getpid()}"
        self.q: queue.Queue[uuid.UUID | None] = queue.Queue()
        self.threads = [
            threading.Thread(target=self._loop, name=f"relief-job-{n}", daemon=True) for n in range(threads)
        ]
        for th in self.threads:
            th.start()

    def enqueue(self, job_id: uuid.UUID, kind: str) -> None:
        self.q.put(job_id)

    def _loop(self) -> None:
        while True:
            job_id = self.q.get()
            try:
                if job_id is None:
                    return
                self.runner(job_id, self.name)
            except Exception:  # the runner records what it can; the thread lives on for the next job
                log.exception("job %s failed in the embedded worker", job_id)
            finally:
                self.q.task_done()

    def join(self) -> None:
        """Wait until every enqueued job has run (tests)."""
        self.q.join()

    def stop(self) -> None:
        for _ in self.threads:
            self.q.put(None)
        for th in self.threads:
            th.join(timeout=30)


def shared_queue(key: str, runner: Runner, unfinished: Callable[[], Iterable[uuid.UUID]]) -> ThreadQueue:
    """The process's queue for database `key`, started on first use with the jobs a stopped process left."""
    with _LOCK:
        q = _QUEUES.get(key)
        if q is None:
            q = _QUEUES[key] = ThreadQueue(runner)
            for job_id in unfinished():
                q.enqueue(job_id, "")
        return q


def drop_shared(key: str) -> None:
    """Stop and forget the queue of `key` (tests that build many databases)."""
    with _LOCK:
        q = _QUEUES.pop(key, None)
    if q is not None:
        q.stop()


def poll_forever(
    runner: Runner,
    pending: Callable[[], Iterable[uuid.UUID]],
    threads: int = 1,
    interval_s: float = 1.0,
    stop: threading.Event | None = None,
) -> None:
    """`relief worker` on SQLite: look for queued jobs every `interval_s` and run them on `threads` threads
    (jobs submitted by `relief plan --no-wait` or another process), until `stop` is set or Ctrl+C."""
    q = ThreadQueue(runner, threads, name="worker")
    seen: set[uuid.UUID] = set()
    stop = stop or threading.Event()
    try:
        while not stop.is_set():
            for job_id in pending():
                if job_id not in seen:
                    seen.add(job_id)
                    q.enqueue(job_id, "")
            stop.wait(interval_s)
    finally:
        q.stop()
