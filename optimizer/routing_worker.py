"""A parallel portfolio member in its own process (issue 21): ``python -m optimizer.routing_worker``.

Reads a pickled ``(problem, deadline, seed, iterations, tuned, adaptive)`` from the file named by its argument
(written by the parent, deleted here) (``deadline`` is wall-clock
``time.time()``, so the child's start-up counts against the budget), runs one PyVRP member and writes the pickled
result (or ``None``) to stdout. A separate interpreter started by ``subprocess`` instead of ``multiprocessing``: the
caller's ``__main__`` (a Streamlit page, a CLI, a test) is never re-imported. Only the parent's own pickled data
is read.
"""

from __future__ import annotations

import pickle
import sys
import time


def main() -> None:
    problem, deadline, seed, iterations, tuned, adaptive = pickle.loads(sys.stdin.buffer.read())
    from optimizer.routing_engine import _pyvrp_result

    left = deadline - time.time()  # timing: the parent's deadline, same clock across processes
    result = _pyvrp_result(problem, left, seed, iterations, tuned, adaptive=adaptive) if left > 0.3 else None
    sys.stdout.buffer.write(pickle.dumps(result))


if __name__ == "__main__":
    main()
