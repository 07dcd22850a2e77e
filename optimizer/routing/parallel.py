"""The race on several cores: a second, independent race (the next seed) in another process beside this one.

The second process is a fresh interpreter (``python -m optimizer.routing.parallel``, never a fork: the caller may be
a Streamlit script thread or a job worker holding locks, and never multiprocessing's spawn, which re-imports the
caller's main module). It reads the pickled problem and parameters on stdin, runs the single-core race
(``engine.plan_routes`` with ``workers=1``) and writes the pickled result on stdout. The caller runs its own race
meanwhile and keeps the better checked plan, so two cores are never worse than one with the same seed. A process that
has not answered when the budget ends, crashed, or belongs to a cancelled solve is killed and simply contributes no
plan. Nothing here touches a database or the network.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading

from optimizer.routing.problem import RoutingProblem, RoutingResult
from optimizer.routing.solve import RoutingParams


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
    """The second process: problem and parameters in (stdin), the race's result out (stdout), nothing else."""
    problem, params = pickle.load(sys.stdin.buffer)
    from optimizer.routing.engine import plan_routes

    result = plan_routes(problem, params)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
