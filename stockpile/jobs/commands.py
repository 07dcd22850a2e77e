"""What a page and the CLI read about jobs: the record (`JobView`), the kinds and statuses. Plain data; never
reaches the optimizer, so a page can import it."""

from __future__ import annotations

from stockpile.ports.jobs import CANCELLED, DONE, FAILED, FINISHED, QUEUED, RUNNING, STATUSES
from stockpile.ports.jobs import JobRecord as JobView

DISPATCH_PLAN, ROTATION_PLAN, SITING, PROBE = "dispatch_plan", "rotation_plan", "siting", "probe"
KINDS = (DISPATCH_PLAN, ROTATION_PLAN, SITING, PROBE)
"""`probe` waits a few seconds and echoes its parameters: the queue's own test and benchmark job."""

__all__ = [
    "CANCELLED",
    "DISPATCH_PLAN",
    "DONE",
    "FAILED",
    "FINISHED",
    "KINDS",
    "PROBE",
    "QUEUED",
    "ROTATION_PLAN",
    "RUNNING",
    "SITING",
    "STATUSES",
    "JobView",
]
