"""Split delivery (分批配送): turn an allocation into vehicle-sized jobs, which no VRP library does.

A demand larger than a truck becomes several jobs; small lines of the same source and destination share a job.
Lines are packed per (source, destination) by whole units, largest units first, into bins of the reference
capacity; a unit bigger than the capacity still becomes its own job, so the router reports it unserved with
reason ``no_capacity`` instead of losing it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from optimizer.errors import InvalidProblem
from optimizer.routing.problem import HORIZON_S, Job


@dataclass(frozen=True, slots=True)
class AllocationLine:
    """Carry ``qty`` units of ``item`` from ``source`` to ``dest``; ``unit_size`` is one unit per dimension."""

    source: int | None
    dest: int
    item: str
    qty: int
    unit_size: tuple[int, ...]
    ready_s: int = 0
    deadline_s: int = HORIZON_S
    priority: int = 1

    def __post_init__(self) -> None:
        if self.qty < 0 or any(u < 0 for u in self.unit_size):
            raise InvalidProblem(f"allocation line {self.item}: negative quantity or unit size")


@dataclass(frozen=True, slots=True)
class SplitJob:
    """A vehicle-sized job and what it carries: (item, qty) pairs."""

    job: Job
    contents: tuple[tuple[str, int], ...]


def _fit(unit: tuple[int, ...], room: list[int], want: int) -> int:
    """How many whole units fit in the remaining room."""
    return min([want] + [r // u for u, r in zip(unit, room, strict=True) if u > 0])


def _pack(lines: list[AllocationLine], capacity: tuple[int, ...]) -> list[list[tuple[AllocationLine, int]]]:
    bins: list[list[tuple[AllocationLine, int]]] = []
    rooms: list[list[int]] = []
    for line in sorted(lines, key=lambda x: (tuple(-u for u in x.unit_size), x.item)):
        left = line.qty
        while left > 0:
            placed = False
            for content, room in zip(bins, rooms, strict=True):
                n = _fit(line.unit_size, room, left)
                if n > 0:
                    content.append((line, n))
                    room[:] = [r - n * u for r, u in zip(room, line.unit_size, strict=True)]
                    left -= n
                    placed = True
                    break
            if not placed:
                n = max(1, _fit(line.unit_size, list(capacity), left))  # oversize unit: a job of its own
                bins.append([(line, n)])
                rooms.append([c - n * u for c, u in zip(capacity, line.unit_size, strict=True)])
                left -= n
    return bins


def split_allocation(
    lines: Iterable[AllocationLine], capacity: tuple[int, ...], unload_s: int = 0, prefix: str = "job"
) -> tuple[SplitJob, ...]:
    """Vehicle-sized jobs for an allocation.

    Parameters
    ----------
    lines : iterable of AllocationLine
        Quantities per (source, destination, item) with unit size per demand dimension.
    capacity : tuple of int
        Reference vehicle capacity per dimension (e.g. the largest truck that can reach the destinations).
    unload_s : int
        Unloading time of each job at its destination.
    prefix : str
        Job ids are ``{prefix}-{source}-{dest}-{k}``.

    Returns
    -------
    tuple of SplitJob
        Jobs whose demand fits ``capacity`` (except single oversize units), with their contents.
    """
    groups: dict[tuple[int | None, int], list[AllocationLine]] = {}
    for line in lines:
        if len(line.unit_size) != len(capacity):
            raise InvalidProblem(f"allocation line {line.item}: unit size dimensions != capacity dimensions")
        if line.qty > 0:
            groups.setdefault((line.source, line.dest), []).append(line)
    out: list[SplitJob] = []
    for (source, dest), group in sorted(groups.items(), key=lambda kv: (kv[0][0] is None, kv[0])):
        for k, content in enumerate(_pack(group, capacity), start=1):
            demand = tuple(sum(n * ln.unit_size[d] for ln, n in content) for d in range(len(capacity)))
            merged: dict[str, int] = {}
            for ln, n in content:
                merged[ln.item] = merged.get(ln.item, 0) + n
            job = Job(
                id=f"{prefix}-{'v' if source is None else source}-{dest}-{k}",
                dest=dest,
                demand=demand,
                source=source,
                service_s=unload_s,
                ready_s=max(ln.ready_s for ln, _ in content),
                deadline_s=min(ln.deadline_s for ln, _ in content),
                priority=max(ln.priority for ln, _ in content),
            )
            out.append(SplitJob(job, tuple(sorted(merged.items()))))
    return tuple(out)
