"""The one error the optimizer raises: the input is malformed. Infeasible input is not an error: it returns a
result that says what could not be served and why."""

from __future__ import annotations


class InvalidProblem(ValueError):
    """A problem that breaks its own shape or sign rules: negative time or stock, a ragged matrix, an unknown or
    duplicate id, inconsistent lengths. Raised by every solver and checker of the package."""

    code = "invalid_problem"
