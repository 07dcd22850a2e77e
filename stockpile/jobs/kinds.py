"""What each job kind runs: the handlers a worker calls with (params, actor, progress). Parameters are JSON; the
result is the use case's own object, stored as JSON by `codec.encode` and read back by `result_type`.

- dispatch_plan: {"scenario", "settings" (PlanSettings), "demand" ([[point, item, qty], …] or null), "now"}
  → the whole `DispatchPlan`. Stored, not recomputed: the search stops at a wall-clock limit (and the race engine
  depends on timing), so solving again would give another plan than the one the dispatcher saw and confirms.
- replan: {"scenario", "broken", "time_limit_s", "now"} (`commands.replan_params`) → the re-planned `DispatchPlan`
  of the scenario's confirmed plan, stored for the same reason: the plan confirmed is the one the dispatcher saw.
- rotation_plan: {"year"} → `RotationReport`.
- siting: {"query" (SitingQuery), "avoid" (AvoidAreas or null)} → `SitingReport`; preposition likewise with a
  `PrepositionQuery` → `PrepositionReport` (`commands.coverage_params` makes both: blocked areas travel as their own field,
  the query's `avoid` is typed loosely).
- review_prepare: {"year", "notes"} → {"year", "state"}; the review itself is written by the use case (not when
  the job was cancelled before the write).
- probe: {"seconds", "echo"} → {"echo", "slept"}: waits (reporting progress) and echoes; the queue's own test.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from stockpile.coverage.commands import PrepositionQuery, SitingQuery
from stockpile.coverage.service import CoverageService
from stockpile.coverage.siting import PrepositionReport, SitingReport
from stockpile.dispatch.commands import PlanSettings
from stockpile.dispatch.plan import DispatchPlan
from stockpile.dispatch.service import DispatchService
from stockpile.domain.errors import InvalidCommand
from stockpile.jobs.codec import decode, encode
from stockpile.jobs.commands import (
    DISPATCH_PLAN,
    PREPOSITION,
    PROBE,
    REPLAN,
    REVIEW_PREPARE,
    ROTATION_PLAN,
    SITING,
    CoverageQuery,
)
from stockpile.jobs.jobs import Handler, Progress
from stockpile.planning.rotation import RotationReport
from stockpile.planning.service import PlanningService
from stockpile.ports.travel import AvoidAreas

PROBE_MAX_S = 60.0
RESULT_TYPES: dict[str, Any] = {
    DISPATCH_PLAN: DispatchPlan,
    REPLAN: DispatchPlan,
    ROTATION_PLAN: RotationReport,
    SITING: SitingReport,
    PREPOSITION: PrepositionReport,
    REVIEW_PREPARE: Any,
    PROBE: Any,
}


def dispatch_params(
    code: str,
    settings: PlanSettings,
    demand: Mapping[tuple[str, str], int] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A dispatch plan's job parameters."""
    return {
        "scenario": code,
        "settings": encode(settings),
        "demand": None if demand is None else [[p, i, q] for (p, i), q in sorted(demand.items())],
        "now": None if now is None else now.isoformat(),
    }


def _coverage_query(tp: type[CoverageQuery], params: Mapping[str, Any]) -> Any:
    query = decode(tp, params["query"])
    if params.get("avoid") is None:
        return query
    avoid = decode(AvoidAreas, params["avoid"])
    return dataclasses.replace(query, scenario=dataclasses.replace(query.scenario, avoid=avoid))


def _dispatch(svc: DispatchService) -> Handler:
    def run(params: Mapping[str, Any], actor: str, progress: Progress) -> DispatchPlan:
        demand = params.get("demand")
        return svc.plan(
            str(params["scenario"]),
            decode(PlanSettings, params["settings"]),
            None if demand is None else {(p, i): int(q) for p, i, q in demand},
            progress,
            None if not params.get("now") else datetime.fromisoformat(params["now"]),
            stop=progress.cancelled,
        )

    return run


def _replan(svc: DispatchService) -> Handler:
    def run(params: Mapping[str, Any], actor: str, progress: Progress) -> DispatchPlan:
        limit, now = params.get("time_limit_s"), params.get("now")
        return svc.replan_open(
            str(params["scenario"]),
            actor,
            tuple(str(v) for v in params.get("broken") or ()),
            None if not now else datetime.fromisoformat(now),
            None if limit is None else float(limit),
            stop=progress.cancelled,
        )

    return run


def _probe(params: Mapping[str, Any], actor: str, progress: Progress) -> dict[str, Any]:
    seconds = float(params.get("seconds", 0))
    if not 0 <= seconds <= PROBE_MAX_S:
        raise InvalidCommand(reason="probe_seconds", seconds=seconds)
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0 and not progress.cancelled():
        time.sleep(min(0.2, left))
        progress({"left_s": round(max(0.0, end - time.monotonic()), 1)})
    return {"echo": params.get("echo"), "slept": seconds}


def handlers(
    dispatch: DispatchService, planning: PlanningService, coverage: CoverageService
) -> dict[str, Handler]:
    """Every kind's handler, on the services bootstrap built."""

    def rotation(params: Mapping[str, Any], actor: str, progress: Progress) -> RotationReport:
        return planning.rotation_plan(int(params["year"]), stop=progress.cancelled)

    def siting(params: Mapping[str, Any], actor: str, progress: Progress) -> SitingReport:
        return coverage.site(_coverage_query(SitingQuery, params), stop=progress.cancelled)

    def preposition(params: Mapping[str, Any], actor: str, progress: Progress) -> PrepositionReport:
        return coverage.preposition(_coverage_query(PrepositionQuery, params), stop=progress.cancelled)

    def review(params: Mapping[str, Any], actor: str, progress: Progress) -> dict[str, Any]:
        year, notes = int(params["year"]), str(params.get("notes") or "")
        rv = planning.prepare_review(year, actor, notes, cancelled=progress.cancelled)
        return {"year": rv.year, "state": rv.state.value}

    return {
        DISPATCH_PLAN: _dispatch(dispatch),
        REPLAN: _replan(dispatch),
        ROTATION_PLAN: rotation,
        SITING: siting,
        PREPOSITION: preposition,
        REVIEW_PREPARE: review,
        PROBE: _probe,
    }


def read_result(kind: str, data: Any) -> Any:
    """A stored result as the object the kind's use case returned."""
    return decode(RESULT_TYPES.get(kind, Any), data)
