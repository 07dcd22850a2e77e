"""Errors the optimizer raises: only malformed input raises; infeasible input returns a result."""

from __future__ import annotations


class InvalidProblem(ValueError):
    """A problem that cannot be a valid input (negative times, ragged matrix, unknown location, ...)."""

    code = "invalid_problem"
