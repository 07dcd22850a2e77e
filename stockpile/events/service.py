"""The events capability as the app and the CLI call it (`svc.events`): events, village reports, township
requests and the dispatch scenario an event becomes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from stockpile.domain.events import EventRecord, ReportRecord, RequestLine
from stockpile.events import reports, requests, scenario
from stockpile.events.access import RepoOf
from stockpile.ports.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class EventService:
    uow: Callable[[], AbstractUnitOfWork]
    repo: RepoOf

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
