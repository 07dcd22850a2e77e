"""Events and reports: a dispatcher or admin opens an event; informants (灾情信息员) file the initial report of each
village and follow-ups (续报) that supersede the earlier figures; everyone allowed reads them back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from stockpile import clock
from stockpile.domain.errors import InvalidCommand, UnknownItem
from stockpile.domain.events import (
    EventRecord,
    ReportInFuture,
    ReportRecord,
    UnknownArea,
    UnknownEvent,
    VillageOutsideTownship,
    check_event,
    check_event_time,
    check_figures,
    check_follow_up,
    check_report_time,
    event_code,
    latest_per_village,
    same_event_code,
)
from stockpile.events.access import RepoOf, check_in_event_area, place_label, township_names, township_scope
from stockpile.ports.events import EventsRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz


def new_event(
    rec: EventRecord, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf, now: datetime | None = None
) -> EventRecord:
    """Open an event (manage_events: dispatcher, admin): kind, the county or township hit, level, report time. Its
    code is kept with full-width forms as ASCII (ＦＬ１ is FL1); a code equal to an existing one but for case or width
    (fl1 beside FL1) is refused naming the existing one, not opened as a second event nobody can tell apart."""
    at = now or clock.now()
    rec = replace(rec, code=event_code(rec.code))
    check_event(rec.code, rec.name, rec.kind, rec.level)
    check_event_time(rec.reported_at, clock.format_dt)
    if rec.reported_at > at + clock.FUTURE_SLACK:
        raise ReportInFuture(at=clock.format_dt(rec.reported_at))

    def body() -> None:
        repo = repo_of(uow)
        if repo.event(rec.code) is not None:
            raise InvalidCommand(reason="event_exists", event=rec.code)
        like = next((e.code for e in repo.events() if same_event_code(e.code, rec.code)), None)
        if like is not None:
            raise InvalidCommand(reason="event_code_like", event=like, code=rec.code)
        if repo.area_level(rec.area_code) not in ("county", "township"):
            raise UnknownArea(area=rec.area_code)
        repo.add_event(rec, actor, at)

    authz.write_as(uow, actor, "manage_events", body, at, rec.code)
    return rec


def list_events(actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf) -> list[EventRecord]:
    def run() -> list[EventRecord]:
        with uow:
            repo = repo_of(uow)
            township_scope(uow, repo, actor, "view_events")
            return repo.events()

    return authz.guarded(uow, run)


def _event_or_raise(repo: EventsRepository, code: str) -> EventRecord:
    ev = repo.event(code)
    if ev is None:
        raise UnknownEvent(event=code)
    return ev


def add_report(
    rec: ReportRecord, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf, now: datetime | None = None
) -> ReportRecord:
    """File a report for one village (report_disaster: an informant for own townships, dispatcher, admin). The
    township is the village's; a township given by the reporter must match it. A later report of the same village
    is a follow-up that supersedes the latest one and may not be earlier than it. All or nothing."""
    at = now or clock.now()
    check_figures(rec.affected, rec.relocated, rec.damaged_houses, rec.needs)
    if rec.reported_at > at + clock.FUTURE_SLACK:
        raise ReportInFuture(at=clock.format_dt(rec.reported_at))
    out: list[ReportRecord] = []

    def run() -> None:
        with uow:
            repo = repo_of(uow)
            _, own = township_scope(uow, repo, actor, "report_disaster")
            event = _event_or_raise(repo, rec.event_code)
            check_report_time(rec.reported_at, event.reported_at, clock.format_dt)
            place = repo.place(rec.village)
            if place is None or place.kind != "village":
                raise UnknownArea(area=rec.village)
            claimed = rec.township or place.township
            if place.township != claimed or (own is not None and place.township not in own):
                raise VillageOutsideTownship(
                    village=place_label(place),
                    township=township_names(repo, [claimed] if own is None else own),
                )
            check_in_event_area(repo, event, place)
            for item, _ in rec.needs:
                if not repo.item_known(item):
                    raise UnknownItem(item_code=item)
            latest = latest_per_village(repo.reports(rec.event_code)).get(rec.village)
            check_follow_up(rec.village, rec.reported_at, latest, clock.format_dt)
            full = replace(
                rec, township=place.township, reporter=actor, supersedes=None if latest is None else latest.id
            )
            new_id = repo.add_report(full, at)
            authz.audit_ok(uow, actor, "report_disaster", at, target=f"{rec.event_code}/{rec.village}")
            uow.commit()
            out.append(replace(full, id=new_id))

    authz.guarded(uow, run, at)
    return out[0]


def list_reports(
    event_code: str, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf, latest_only: bool = False
) -> list[ReportRecord]:
    """The event's reports the actor may see (an informant: own townships), oldest first; `latest_only` keeps the
    current figures of each village."""

    def run() -> list[ReportRecord]:
        with uow:
            repo = repo_of(uow)
            _, own = township_scope(uow, repo, actor, "view_events")
            _event_or_raise(repo, event_code)
            rows = repo.reports(event_code, own)
            if latest_only:
                return sorted(latest_per_village(rows).values(), key=lambda r: r.village)
            return rows

    return authz.guarded(uow, run)


def set_informant_townships(
    username: str,
    townships: Sequence[str],
    admin: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    now: datetime | None = None,
) -> None:
    """Assign the townships an informant reports for (manage_users: admin)."""
    at = now or clock.now()

    def body() -> None:
        repo = repo_of(uow)
        user = uow.auth.user(username)
        if user is None:
            raise InvalidCommand(reason="unknown_user", username=username)
        for code in townships:
            if repo.area_level(code) != "township":
                raise UnknownArea(area=code)
        repo.set_user_areas(username, townships)

    detail: Mapping[str, object] = {"townships": sorted(townships)}
    authz.write_as(uow, admin, "manage_users", body, at, username, detail=detail)


def informant_townships(
    username: str, admin: str, uow: AbstractUnitOfWork, repo_of: RepoOf
) -> frozenset[str]:
    """The townships an informant reports for, as the admin's users page shows them (manage_users: admin)."""

    def run() -> frozenset[str]:
        with uow:
            authz.require_role(uow, admin, "manage_users")
            return repo_of(uow).user_areas(username)

    return authz.guarded(uow, run)
