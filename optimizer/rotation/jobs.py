"""Running rotation MIPs: one job per key (or a few keys sharing a budget), optionally on worker processes.

A job is solved to the schedule lines of its keys. Large batches run on ``fork`` worker processes (the
problem is inherited, not pickled); small ones, platforms without ``fork``, and calls from any thread but the
process's main thread run in this process. The last rule keeps process pools out of servers: Streamlit runs its
scripts, and the job workers (threads in the app on SQLite, Procrastinate's task threads) run their jobs, on
other threads, and forking a process that has threads can deadlock the child.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from ortools.math_opt.python import mathopt

from optimizer.rotation.greedy import greedy_actions
from optimizer.rotation.mip import Grid, KeyPart, RotationMilp, StageLimits
from optimizer.rotation.problem import Lot, RotationAction, RotationProblem

Actions = dict[int, list[RotationAction]]
_SHARED: list[RotationProblem] = []  # the problem handed to forked workers


@dataclass(frozen=True, slots=True)
class Job:
    """Keys solved together; ``budget`` caps their combined spend per quarter (None = no cap)."""

    keys: tuple[int, ...]
    budget: tuple[int, ...] | None = None
    lead_zero: bool = False


def run_jobs(
    p: RotationProblem, jobs: list[Job], deadline: float, limits: StageLimits, workers: int
) -> list[tuple[str, Actions]]:
    """Solve every job before ``deadline``. Jobs are dealt round-robin to the workers; each worker gives its
    next job (time left) / (jobs left) for cost and polish; the exact service stage may run to ``deadline``."""
    if not jobs:
        return []
    n_workers = workers or (min(2, os.cpu_count() or 1) if len(jobs) >= 8 else 1)
    if n_workers <= 1 or not may_fork():
        return _run_chunk(p, jobs, deadline, limits)
    _SHARED[:] = [p]
    chunks = [jobs[i::n_workers] for i in range(n_workers)]
    plain = dataclasses.replace(limits, stop=None)  # a stop request is this process's: not sent to children
    with ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("fork")) as ex:
        parts = list(ex.map(_forked, chunks, [deadline] * n_workers, [plain] * n_workers))
    out: list[tuple[str, Actions]] = [("timeout", {})] * len(jobs)
    for i, part in enumerate(parts):
        out[i::n_workers] = part
    return out


def may_fork() -> bool:
    """Worker processes only from the main thread of a process, on a platform that has ``fork``."""
    main = threading.current_thread() is threading.main_thread()
    return main and "fork" in multiprocessing.get_all_start_methods()


def _forked(chunk: list[Job], deadline: float, limits: StageLimits) -> list[tuple[str, Actions]]:
    return _run_chunk(_SHARED[0], chunk, deadline, limits)


def _run_chunk(
    p: RotationProblem, jobs: list[Job], deadline: float, limits: StageLimits
) -> list[tuple[str, Actions]]:
    """Two passes so that every job gets its exact service stage before any job polishes its cost: pass 1
    builds each model and solves service within half the time left (fair share per job), pass 2 runs
    cost and the operations polish with the rest (fair share per job). Past the deadline, or once
    ``limits.stop`` asks (a cancelled job), nothing more is built or solved: a job not built times out with no
    lines."""
    milps: list[RotationMilp | None] = []
    start = time.monotonic()
    mid = start + 0.5 * (deadline - start)
    for i, job in enumerate(jobs):
        now = time.monotonic()
        if now >= deadline - 0.02 or limits.stopped():
            milps.append(None)
            continue
        built = RotationMilp(p, job.keys, job.budget, job.lead_zero)
        share = max(0.0, mid - now) / (len(jobs) - i)
        built.stage("service", min(deadline, now + max(share, 0.25)), limits, built.hint_for(_greedy(p, job)))
        milps.append(built)
    for i, m in enumerate(milps):
        if m is not None and not limits.stopped():
            until = time.monotonic() + (deadline - time.monotonic()) / (len(milps) - i)
            m.stage("cost", until, limits)
            m.stage("operations", until, limits)
    out: list[tuple[str, Actions]] = []
    for job, m in zip(jobs, milps, strict=True):
        if m is None:
            out.append(("timeout", {k: [] for k in job.keys}))
        else:
            acts = {part.key_index: to_actions(p, part, m.values, job.lead_zero) for part in m.parts}
            out.append((m.status, acts))
    return out


def _greedy(p: RotationProblem, job: Job) -> dict[int, list[RotationAction]]:
    """Greedy plans of the job's keys, one after the other within the job's budget: the first incumbent."""
    left = list(job.budget) if job.budget is not None else None
    start: dict[int, list[RotationAction]] = {}
    for k in job.keys:
        start[k] = greedy_actions(p, k, None if left is None else tuple(left))
        for a in start[k]:
            if left is not None:
                left[p.quarter_of(a.day)] -= a.cost_fen
    return start


def split_budget(budget: tuple[int, ...], spend: dict[int, list[int]]) -> dict[int, tuple[int, ...]]:
    """Each key's share of each quarter's budget: in a quarter that cannot pay every key's unconstrained
    spend, shares are proportional to that spend (rounded down); otherwise each key keeps its spend and the
    slack is split in proportion to the keys' total spend over the year."""
    shares: dict[int, list[int]] = {k: [0] * len(budget) for k in spend}
    weight = {k: sum(v) for k, v in spend.items()}
    total_weight = sum(weight.values()) or 1
    for q, cap in enumerate(budget):
        need = sum(v[q] for v in spend.values())
        for k, v in spend.items():
            if need > cap:
                shares[k][q] = v[q] * cap // need
            else:
                shares[k][q] = v[q] + (cap - need) * weight[k] // total_weight
    return {k: tuple(v) for k, v in shares.items()}


def to_actions(
    p: RotationProblem, part: KeyPart, values: dict[mathopt.Variable, float], lead_zero: bool
) -> list[RotationAction]:
    """Turn variable values into schedule lines; cohort releases go onto lots earliest expiry first."""
    key, grid = p.keys[part.key_index], Grid(p.horizon_days, p.bucket_days)
    out: list[RotationAction] = []
    new_lot: dict[int, str] = {}
    for ci, var in part.buy.items():
        qty = round(values.get(var, 0.0))
        if qty <= 0:
            continue
        c = part.cohorts[ci]
        o = key.options[c.option or 0]
        arrival = grid.start(c.arrival_bucket)
        lot_id = new_lot[ci] = f"new:{o.option_id}:{arrival}"
        order_day = arrival - (0 if lead_zero else o.lead_days)
        out.append(
            RotationAction(
                order_day, key.key_id, "procure", lot_id, qty, qty * o.unit_price_fen,
                option_id=o.option_id, arrival_day=arrival, expiry_day=arrival + o.shelf_life_days,
            )
        )  # fmt: skip
    left: dict[str, int] = {lot.lot_id: lot.qty for lot in key.lots}
    for (ci, ch, b), var in sorted(part.release.items(), key=lambda kv: kv[0][2]):
        qty = round(values.get(var, 0.0))
        if qty <= 0:
            continue
        c, channel = part.cohorts[ci], key.channels[ch]
        if c.option is not None:
            o = key.options[c.option]
            pieces = [(new_lot[ci], qty, grid.start(c.arrival_bucket) + o.shelf_life_days)]
        else:
            pieces = _fefo(c.lots, left, qty)
        for lot_id, q, expiry in pieces:
            out.append(
                RotationAction(
                    grid.start(b), key.key_id, "release", lot_id, q, -q * channel.value_fen,
                    channel_id=channel.channel_id, expiry_day=expiry,
                )
            )  # fmt: skip
    return sorted(out, key=lambda a: (a.day, a.kind, a.lot_id))


def _fefo(lots: list[Lot], left: dict[str, int], qty: int) -> list[tuple[str, int, int]]:
    out = []
    for lot in lots:  # sorted by expiry
        take = min(qty, left[lot.lot_id])
        if take > 0:
            out.append((lot.lot_id, take, lot.expiry_day))
            left[lot.lot_id] -= take
            qty -= take
        if qty == 0:
            break
    return out
