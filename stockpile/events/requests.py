"""Township requests (请领): a township asks the county for items (quantity, priority class, needed-by, the
village or shelter they go to); a dispatcher or admin approves, partly approves or refuses each line, once, with a
reason when not in full."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from stockpile import clock
from stockpile.domain.errors import UnknownItem
from stockpile.domain.events import (
    RequestLine,
    UnknownArea,
    UnknownEvent,
    UnknownRequest,
    VillageOutsideTownship,
    check_needed_by,
    check_request_line,
    decide,
)
from stockpile.events.access import RepoOf, check_in_event_area, place_label, township_names, township_scope
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz


def add_request(
    line: RequestLine, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf, now: datetime | None = None
) -> RequestLine:
    """Submit one request line (request_materials: an informant for own townships, dispatcher, admin). The
    destination is a village or shelter of the requesting township; the line starts `submitted`."""
    at = now or clock.now()
    check_request_line(line.qty, line.priority)
    out: list[RequestLine] = []

    def run() -> None:
        with uow:
            repo = repo_of(uow)
            _, own = township_scope(uow, repo, actor, "request_materials")
            event = repo.event(line.event_code)
            if event is None:
                raise UnknownEvent(event=line.event_code)
            check_needed_by(line.needed_by, event.reported_at, clock.format_dt)
            if not repo.item_known(line.item_code):
                raise UnknownItem(item_code=line.item_code)
            place = repo.place(line.destination)
            if place is None:
                raise UnknownArea(area=line.destination)
            township = line.township or place.township
            if place.township != township or (own is not None and township not in own):
                raise VillageOutsideTownship(
                    village=place_label(place),
                    township=township_names(repo, [township] if own is None else own),
                )
            check_in_event_area(repo, event, place)
            full = replace(line, township=township, requested_by=actor, status="submitted")
            new_id = repo.add_request(full, at)
            authz.audit_ok(
                uow,
                actor,
                "request_materials",
                at,
                target=f"{line.event_code}/{new_id}",
                detail=_detail(full),
            )
            uow.commit()
            out.append(replace(full, id=new_id))

    authz.guarded(uow, run, at)
    return out[0]


def _detail(line: RequestLine) -> dict[str, object]:
    return {"item": line.item_code, "qty": line.qty, "to": line.destination, "priority": line.priority}


def decide_request(
    request_id: int,
    decision: str,
    actor: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    qty: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> RequestLine:
    """Approve (in full or `qty` of it, `partly`) or refuse a submitted line (approve_request: dispatcher, admin).
    A line already decided is refused (`request_already_decided`), so approving twice writes nothing."""
    at = now or clock.now()
    out: list[RequestLine] = []
    detail: dict[str, object] = {}

    def body() -> None:
        repo = repo_of(uow)
        line = repo.request(request_id)
        if line is None:
            raise UnknownRequest(request=request_id)
        status, approved = decide(line, decision, qty, reason)
        repo.decide_request(request_id, status, approved, reason.strip(), actor, at)
        detail.update(status=status, approved_qty=approved, reason=reason.strip())
        out.append(
            replace(line, status=status, approved_qty=approved, reason=reason.strip(), decided_by=actor)
        )

    authz.write_as(uow, actor, "approve_request", body, at, str(request_id), detail=detail)
    return out[0]


def list_requests(
    event_code: str | None, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf
) -> list[RequestLine]:
    """Request lines the actor may see (an informant: own townships), of one event or all."""

    def run() -> list[RequestLine]:
        with uow:
            repo = repo_of(uow)
            _, own = township_scope(uow, repo, actor, "view_events")
            if event_code is not None and repo.event(event_code) is None:
                raise UnknownEvent(event=event_code)
            return repo.requests(event_code, own)

    return authz.guarded(uow, run)
