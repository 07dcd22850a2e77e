"""What a page and the CLI read about jobs: the record (`JobView`), the kinds and statuses, and the parameters of
a siting or pre-positioning job. Plain data; never reaches the optimizer, so a page can import it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from stockpile.coverage.commands import PrepositionQuery, SitingQuery
from stockpile.jobs.codec import encode
from stockpile.ports.jobs import CANCELLED, DONE, FAILED, FINISHED, QUEUED, RUNNING, STATUSES
from stockpile.ports.jobs import JobRecord as JobView

DISPATCH_PLAN, ROTATION_PLAN, SITING, PROBE = "dispatch_plan", "rotation_plan", "siting", "probe"
PREPOSITION, REVIEW_PREPARE, REPLAN = "preposition", "review_prepare", "replan"
KINDS = (DISPATCH_PLAN, REPLAN, ROTATION_PLAN, SITING, PREPOSITION, REVIEW_PREPARE, PROBE)
"""`probe` waits a few seconds and echoes its parameters: the queue's own test and benchmark job."""
CoverageQuery = SitingQuery | PrepositionQuery


def coverage_params(query: CoverageQuery) -> dict[str, Any]:
    """A siting or pre-positioning job's parameters: the query, its blocked areas as their own field (the
    query's `avoid` is typed loosely, so it would not be read back as `AvoidAreas`)."""
    avoid = query.scenario.avoid
    bare = dataclasses.replace(query, scenario=dataclasses.replace(query.scenario, avoid=None))
    return {"query": encode(bare), "avoid": None if avoid is None else encode(avoid)}


def replan_params(
    code: str, broken: Sequence[str] = (), time_limit_s: float | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """A re-plan's job parameters: the scenario whose confirmed plan is re-planned, the broken trucks, the search
    time (None: the confirmed plan's own) and the moment re-planned at (None: when the worker starts it)."""
    return {
        "scenario": code,
        "broken": sorted(set(broken)),
        "time_limit_s": None if time_limit_s is None else float(time_limit_s),
        "now": None if now is None else now.isoformat(),
    }


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
    "REPLAN",
    "REVIEW_PREPARE",
    "ROTATION_PLAN",
    "RUNNING",
    "SITING",
    "STATUSES",
    "CoverageQuery",
    "JobView",
    "coverage_params",
    "replan_params",
]
