"""The race on several cores: further independent races (other seeds and emphases), each in its own process, beside
this one.

Each further process is a fresh interpreter (``python -m optimizer.routing.parallel``, never a fork: the caller may be
a Streamlit script thread or a job worker holding locks, and never multiprocessing's spawn, which re-imports the
caller's main module). It reads the pickled problem and parameters on stdin, runs the single-core race
(``engine.plan_routes`` with ``workers=1``) and writes the pickled result on stdout. The caller runs its own race
meanwhile and keeps the best checked plan, so the answer is never worse than the caller's own race in the same call
(that race runs beside the others: where the clock ends one of its steps it may end elsewhere than alone, see
docs/routing.md). A process that has not answered when the budget ends, crashed, or belongs to a cancelled solve is
killed and simply contributes no plan. Nothing here touches a database or the network.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading

from optimizer.routing.problem import RoutingProblem, RoutingResult
from optimizer.routing.solve import RoutingParams

# a race's process at most (peak RSS of ``python -m optimizer.routing.parallel``, 5 s: 199 MB at 86 jobs, 231 MB at
# 230 and 396 jobs; the process alone, interpreter and solvers loaded, is most of it), with room for n = 800
ASIDE_BYTES, ASIDE_BYTES_PER_JOB = 250 * 2**20, 150 * 2**10
MEMORY_SHARE = 0.5  # the other races may hold at most this part of the machine's memory


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system reports one, as under ``taskset`` or a
    container's cpuset; else every core of the machine)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no affinity on this system
        return os.cpu_count() or 1


def processes_fitting(jobs: int) -> int:
    """How many further race processes of a ``jobs``-job problem the machine's memory holds (``MEMORY_SHARE`` of its
    physical memory; unbounded where the system does not report it)."""
    try:
        memory = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return 2**16
    return int(MEMORY_SHARE * memory // (ASIDE_BYTES + ASIDE_BYTES_PER_JOB * jobs))


class RaceAside:
    """A single-core race in another process: started at once, collected (or abandoned) with ``collect``."""

    def __init__(self, problem: RoutingProblem, params: RoutingParams) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "optimizer.routing.parallel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._out: list[bytes] = []
        payload = pickle.dumps((problem, params), protocol=pickle.HIGHEST_PROTOCOL)
        self._reader = threading.Thread(target=self._talk, args=(payload,), daemon=True)
        self._reader.start()

    def _talk(self, payload: bytes) -> None:
        try:
            out, _ = self._proc.communicate(payload)
            self._out.append(out)
        except (OSError, ValueError):  # killed while talking
            pass

    def collect(self, wait_s: float) -> RoutingResult | None:
        """The other race's result if it arrives within ``wait_s`` seconds; the process is ended either way."""
        self._reader.join(max(0.0, wait_s))
        if self._reader.is_alive() or self._proc.poll() is None:
            self._proc.kill()
            self._reader.join(5)
            return None
        try:
            result = pickle.loads(self._out[0]) if self._out and self._proc.returncode == 0 else None
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError):
            return None
        return result if isinstance(result, RoutingResult) else None


def main() -> None:
    """A further race's process: problem and parameters in (stdin), the race's result out (stdout), nothing else."""
    problem, params = pickle.load(sys.stdin.buffer)
    from optimizer.routing.engine import plan_routes

    result = plan_routes(problem, params)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
