"""Allocation: which source sends how much of which item to which demand point (lexicographic min-cost flow)."""

from optimizer.allocation.check import check_allocation
from optimizer.allocation.problem import (
    AllocationLine,
    AllocationProblem,
    AllocationResult,
    DemandLine,
    Shortfall,
    ShortfallReason,
    Violation,
)
from optimizer.allocation.solve import solve_allocation

__all__ = [
    "AllocationLine",
    "AllocationProblem",
    "AllocationResult",
    "DemandLine",
    "Shortfall",
    "ShortfallReason",
    "Violation",
    "check_allocation",
    "solve_allocation",
]
