"""The rotation planner forks worker processes only from a process's main thread: never from a Streamlit script
thread or a job worker's thread (a process with threads can deadlock a forked child)."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from optimizer.rotation import jobs
from optimizer.rotation.mip import StageLimits


def _in_thread(fn):
    out: list[object] = []
    th = threading.Thread(target=lambda: out.append(fn()))
    th.start()
    th.join()
    return out[0]


def test_may_fork_only_on_the_main_thread() -> None:
    """From the main thread it may (where fork exists); from any other thread it may not."""
    assert jobs.may_fork() is ("fork" in multiprocessing.get_all_start_methods())
    assert _in_thread(jobs.may_fork) is False


def test_many_jobs_on_another_thread_run_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers asked for, twelve jobs, on a non-main thread: no process pool is made, the jobs run here."""

    def no_pool(*args: object, **kw: object) -> None:
        raise AssertionError("a process pool was made off the main thread")

    ran: list[int] = []
    monkeypatch.setattr(jobs, "ProcessPoolExecutor", no_pool)
    monkeypatch.setattr(
        jobs, "_run_chunk", lambda p, js, d, lim: [ran.append(len(js)) or ("optimal", {})] * len(js)
    )
    batch = [jobs.Job((k,)) for k in range(12)]
    out = _in_thread(lambda: jobs.run_jobs(None, batch, 0.0, StageLimits(1.0, 0.1, 1e-3), 2))  # type: ignore[arg-type]
    assert ran == [12] and len(out) == 12
