"""The events capability as the app and the CLI call it (`svc.events`): events, village reports, township
requests and the dispatch scenario an event becomes."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockpile.domain.dispatch import Scenario
from stockpile.domain.events import EventRecord, ReportRecord, RequestLine
from stockpile.events import reports, requests, scenario, scenario_edit
from stockpile.events.access import RepoOf
from stockpile.events.scenario_edit import EditOf
from stockpile.ports.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class EventService:
    uow: Callable[[], AbstractUnitOfWork]
    repo: RepoOf
    edit: EditOf | None = None  # scenario editing (bootstrap wires it)
    read_blocked: Callable[[bytes, str], Any] | None = None  # GeoJSON → blocked areas; BadAvoidAreas if not

    def new_event(self, rec: EventRecord, actor: str, now: datetime | None = None) -> EventRecord:
        return reports.new_event(rec, actor, self.uow(), self.repo, now)

    def events(self, actor: str) -> list[EventRecord]:
        return reports.list_events(actor, self.uow(), self.repo)

    def add_report(self, rec: ReportRecord, actor: str, now: datetime | None = None) -> ReportRecord:
        return reports.add_report(rec, actor, self.uow(), self.repo, now)

    def reports(self, event: str, actor: str, latest_only: bool = False) -> list[ReportRecord]:
        return reports.list_reports(event, actor, self.uow(), self.repo, latest_only)

    def set_informant_townships(self, username: str, townships: Sequence[str], admin: str) -> None:
        reports.set_informant_townships(username, townships, admin, self.uow(), self.repo)

    def informant_townships(self, username: str, admin: str) -> frozenset[str]:
        return reports.informant_townships(username, admin, self.uow(), self.repo)

    def add_request(self, line: RequestLine, actor: str, now: datetime | None = None) -> RequestLine:
        return requests.add_request(line, actor, self.uow(), self.repo, now)

    def decide_request(
        self,
        request_id: int,
        decision: str,
        actor: str,
        qty: int | None = None,
        reason: str = "",
        now: datetime | None = None,
    ) -> RequestLine:
        return requests.decide_request(request_id, decision, actor, self.uow(), self.repo, qty, reason, now)

    def requests(self, event: str | None, actor: str) -> list[RequestLine]:
        return requests.list_requests(event, actor, self.uow(), self.repo)

    def scenario_from_event(
        self,
        event: str,
        actor: str,
        code: str | None = None,
        sustain_days: int = 3,
        now: datetime | None = None,
    ) -> str:
        return scenario.scenario_from_event(event, actor, self.uow(), self.repo, code, sustain_days, now)

    # ---- editing a scenario (an event's, or any) before planning ----
    def _edit(self) -> EditOf:
        assert self.edit is not None, "bootstrap wires scenario editing"
        return self.edit

    def show_scenario(self, code: str, actor: str) -> tuple[Scenario, dict[tuple[str, str], int]]:
        return scenario_edit.show_scenario(code, actor, self.uow(), self._edit())

    def clone_scenario(self, code: str, new_code: str, actor: str) -> str:
        return scenario_edit.clone_scenario(code, new_code, actor, self.uow(), self._edit())

    def set_scenario_conditions(
        self,
        code: str,
        actor: str,
        damaged: Sequence[str] | None = None,
        blocked: tuple[bytes, str] | None = None,
    ) -> Scenario:
        """Damaged depots and/or a blocked-roads file (bytes, name): the file must be GeoJSON polygons
        (BadAvoidAreas otherwise, nothing written); empty bytes clear the blocked areas."""
        text: str | None = None
        if blocked is not None:
            data, name = blocked
            text = ""
            if data.strip():
                assert self.read_blocked is not None, "bootstrap wires the GeoJSON reader"
                text = _multipolygon(self.read_blocked(data, name))
        return scenario_edit.set_conditions(code, damaged, text, actor, self.uow(), self._edit())


def _multipolygon(areas: Any) -> str:
    """Checked blocked areas (a Polygon, MultiPolygon or Feature(Collection) upload) as the one MultiPolygon the
    scenario keeps and the dispatch matrix reads."""
    coords = [[[[p.lon, p.lat] for p in ring] for ring in poly] for poly in areas.polygons]
    return json.dumps({"type": "MultiPolygon", "coordinates": coords})
