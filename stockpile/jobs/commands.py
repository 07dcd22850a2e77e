"""What a page and the CLI read about jobs: the record (`JobView`), the kinds and statuses, and the parameters of
a siting or pre-positioning job. Plain data; never reaches the optimizer, so a page can import it."""

from __future__ import annotations

import dataclasses
from typing import Any

from stockpile.coverage.commands import PrepositionQuery, SitingQuery
from stockpile.jobs.codec import encode
from stockpile.ports.jobs import CANCELLED, DONE, FAILED, FINISHED, QUEUED, RUNNING, STATUSES
from stockpile.ports.jobs import JobRecord as JobView

DISPATCH_PLAN, ROTATION_PLAN, SITING, PROBE = "dispatch_plan", "rotation_plan", "siting", "probe"
PREPOSITION, REVIEW_PREPARE = "preposition", "review_prepare"
KINDS = (DISPATCH_PLAN, ROTATION_PLAN, SITING, PREPOSITION, REVIEW_PREPARE, PROBE)
"""`probe` waits a few seconds and echoes its parameters: the queue's own test and benchmark job."""
CoverageQuery = SitingQuery | PrepositionQuery


def coverage_params(query: CoverageQuery) -> dict[str, Any]:
    """A siting or pre-positioning job's parameters: the query, its blocked areas as their own field (the
    query's `avoid` is typed loosely, so it would not be read back as `AvoidAreas`)."""
    avoid = query.scenario.avoid
    bare = dataclasses.replace(query, scenario=dataclasses.replace(query.scenario, avoid=None))
    return {"query": encode(bare), "avoid": None if avoid is None else encode(avoid)}


__all__ = [
    "CANCELLED",
    "DISPATCH_PLAN",
    "DONE",
    "FAILED",
    "FINISHED",
    "KINDS",
    "PREPOSITION",
    "PROBE",
    "QUEUED",
    "REVIEW_PREPARE",
    "ROTATION_PLAN",
    "RUNNING",
    "SITING",
    "STATUSES",
    "CoverageQuery",
    "JobView",
    "coverage_params",
]
