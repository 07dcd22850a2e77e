"""Sources of stock shared by the allocation, coverage and siting problems: a depot, agreement holder or producer
with per-item stock and how fast it becomes ready, plus the shape checks of a sources × points travel matrix.

Time is integer seconds, quantities integer base units; ``UNREACHABLE`` (-1) marks a pair the router cannot
connect (road cut, island). Any other negative time is malformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from optimizer.errors import InvalidProblem

UNREACHABLE = -1
"""Travel-time sentinel: no road connection between the source and the point."""


class SourceKind(StrEnum):
    """How a source's stock becomes available: at once, after a call-off, or produced after activation."""

    PHYSICAL = "physical"  # 实物储备: ready at once (plus loading)
    AGREEMENT = "agreement"  # 协议储备: ready after the holder's call-off lead time
    CAPACITY = "capacity"  # 产能储备: batches produced after activation


@dataclass(frozen=True, slots=True)
class Source:
    """A depot, agreement holder or producer, with per-item stock and how fast it becomes ready.

    A capacity source produces ``batch_qty[i]`` units of item i every ``batch_s`` seconds after ``lead_s``
    (activation), up to ``available[i]`` in total; batch k is ready at ``lead_s + k * batch_s``.
    """

    id: str
    kind: SourceKind
    available: tuple[int, ...]
    loading_s: int = 0
    lead_s: int = 0
    batch_s: int = 3600
    batch_qty: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if any(q < 0 for q in self.available):
            raise InvalidProblem(f"source {self.id}: negative stock")
        if self.loading_s < 0 or self.lead_s < 0:
            raise InvalidProblem(f"source {self.id}: negative loading or lead time")
        if self.kind is SourceKind.PHYSICAL and self.lead_s != 0:
            raise InvalidProblem(f"source {self.id}: physical stock has no call-off lead time")
        if self.kind is SourceKind.CAPACITY:
            if self.batch_s <= 0 or len(self.batch_qty) != len(self.available):
                raise InvalidProblem(f"source {self.id}: capacity needs batch_s > 0 and batch_qty per item")
            if any(q < 0 for q in self.batch_qty):
                raise InvalidProblem(f"source {self.id}: negative batch quantity")

    def supply_steps(self, item: int, horizon_s: int) -> list[tuple[int, int]]:
        """``(ready_s, qty)`` steps of item ``item`` ready by ``horizon_s``, loading excluded, leads included."""
        total = self.available[item]
        if total == 0:
            return []
        if self.kind is not SourceKind.CAPACITY:
            return [(self.lead_s, total)]
        steps: list[tuple[int, int]] = []
        per, k = self.batch_qty[item], 1
        while per > 0 and total > 0 and self.lead_s + k * self.batch_s <= horizon_s:
            q = min(per, total)
            steps.append((self.lead_s + k * self.batch_s, q))
            total, k = total - q, k + 1
        return steps

    def batch_count(self, horizon_s: int) -> int:
        """Number of capacity batches ready by ``horizon_s`` (1 for physical and agreement stock)."""
        if self.kind is not SourceKind.CAPACITY:
            return 1
        return max(0, (horizon_s - self.lead_s) // self.batch_s)


def check_matrix(name: str, matrix: tuple[tuple[int, ...], ...], rows: int, cols: int) -> None:
    """Raise InvalidProblem unless ``matrix`` is rows × cols of ints ≥ 0 or ``UNREACHABLE``."""
    if len(matrix) != rows or any(len(r) != cols for r in matrix):
        raise InvalidProblem(f"{name} must be {rows} × {cols}")
    if any(v < UNREACHABLE for r in matrix for v in r):
        raise InvalidProblem(f"{name}: negative time other than UNREACHABLE (-1)")


def check_sources(sources: tuple[Source, ...], n_items: int) -> None:
    """Raise InvalidProblem on duplicate source ids or per-item tuples of the wrong length."""
    if len({s.id for s in sources}) != len(sources):
        raise InvalidProblem("duplicate source id")
    if any(len(s.available) != n_items for s in sources):
        raise InvalidProblem("source stock must list every item")
