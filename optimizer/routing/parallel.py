"""The race on several cores: VROOM searches in a second process while PyVRP searches in this one.

A spawned process (never forked: the caller may be a Streamlit script thread or a job worker holding locks) gets the
plain problem, runs ``vroom_engine.solve_vroom`` and sends the result back through a pipe. The caller collects it
when its own search is done, waiting at most until the time budget ends; a process that has not answered by then,
crashed, or belongs to a cancelled solve is terminated and simply contributes no plan. Nothing here touches a
database or the network.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection

from optimizer.routing.problem import RoutingProblem, RoutingResult


def _vroom_child(conn: Connection, problem: RoutingProblem, seconds: float, level: int) -> None:
    """Runs in the spawned process: VROOM's plan (or None on any failure) goes back through ``conn``."""
    result: RoutingResult | None = None
    try:
        from optimizer.routing import vroom_engine

        result = vroom_engine.solve_vroom(problem, seconds, level)
    except Exception:  # the parent treats any failure as "no plan from VROOM"
        result = None
    try:
        conn.send(result)
    finally:
        conn.close()


class VroomAside:
    """VROOM on another core: started at once, collected (or abandoned) with ``collect``."""

    def __init__(self, problem: RoutingProblem, seconds: float, level: int) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_vroom_child, args=(child, problem, seconds, level), daemon=True)
        self._proc.start()
        child.close()

    def collect(self, wait_s: float) -> RoutingResult | None:
        """VROOM's plan if it arrives within ``wait_s`` seconds; the process is ended either way."""
        result: RoutingResult | None = None
        try:
            if self._conn.poll(max(0.0, wait_s)):
                result = self._conn.recv()
        except (EOFError, OSError):  # the process died without answering
            result = None
        finally:
            self._conn.close()
            if self._proc.is_alive():
                self._proc.terminate()
            self._proc.join(timeout=5)
        return result
