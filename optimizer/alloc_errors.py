"""Malformed-input error of the allocation, coverage and siting modules.

Infeasible input is a value (a result with shortfalls and reasons); only malformed input raises. The lead unifies
this class with ``optimizer.errors.InvalidProblem``.
"""

from __future__ import annotations


class InvalidProblem(ValueError):
    """A problem that breaks its own shape or sign rules (negative stock, ragged matrix, unknown id)."""

    code = "invalid_problem"
