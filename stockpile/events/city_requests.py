"""Outgoing requests to the city (请调函, docs/events.md): what the county approved for an event against what it
holds (the shortfall per item), a dispatcher's or admin's request to the city for the rest, and the letter it prints
(the bureau from the county settings, a number, signature lines)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from stockpile import clock
from stockpile.domain.city_requests import (
    CityRequest,
    Shortfall,
    UnknownCityRequest,
    approved_by_item,
    check_city_needed_by,
    check_city_request,
    check_short,
    shortfalls,
)
from stockpile.domain.errors import UnknownItem
from stockpile.domain.events import UnknownEvent
from stockpile.events.access import RepoOf
from stockpile.ports.events import CityRequestsRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

CityOf = Callable[[AbstractUnitOfWork], CityRequestsRepository]


def shortfall(
    event_code: str, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf, city_of: CityOf
) -> list[Shortfall]:
    """Per item of the event's approved requests: approved and not yet delivered, the county's free stock, what
    the city was already asked for, and what is still short (view_registers: dispatcher, planner, admin)."""

    def run() -> list[Shortfall]:
        with uow:
            authz.require_role(uow, actor, "view_registers")
            repo = repo_of(uow)
            if repo.event(event_code) is None:
                raise UnknownEvent(event=event_code)
            city = city_of(uow)
            owed = approved_by_item(repo.requests(event_code, None))
            return shortfalls(owed, city.free_stock(), city.list(event_code))

    return authz.guarded(uow, run)


def record_city_request(
    r: CityRequest,
    actor: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    city_of: CityOf,
    now: datetime | None = None,
) -> CityRequest:
    """Record a request to the city for one event (approve_request: dispatcher, admin — who decide what the county
    serves): known items the county is still short of for the event, quantities > 0, a reason, a needed-by time
    not past (and within a year); it gets the year's next letter number."""
    at = now or clock.now()
    check_city_request(r)
    check_city_needed_by(r.needed_by, at, clock.format_dt)
    out: list[CityRequest] = []

    def body() -> None:
        repo = repo_of(uow)
        if repo.event(r.event_code) is None:
            raise UnknownEvent(event=r.event_code)
        for ln in r.lines:
            if not repo.item_known(ln.item_code):
                raise UnknownItem(item_code=ln.item_code)
        city = city_of(uow)
        owed = approved_by_item(repo.requests(r.event_code, None))
        check_short(r, shortfalls(owed, city.free_stock(), city.list(r.event_code)))
        out.append(city.add(replace(r, created_by=actor), at))

    detail = {"items": {ln.item_code: ln.qty for ln in r.lines}}
    authz.write_as(uow, actor, "approve_request", body, at, f"{r.event_code}/city", detail=detail)
    return out[0]


def list_city_requests(
    event_code: str | None, actor: str, uow: AbstractUnitOfWork, repo_of: RepoOf, city_of: CityOf
) -> list[CityRequest]:
    """The requests to the city, of one event or all, newest first (view_registers)."""

    def run() -> list[CityRequest]:
        with uow:
            authz.require_role(uow, actor, "view_registers")
            if event_code is not None and repo_of(uow).event(event_code) is None:
                raise UnknownEvent(event=event_code)
            return city_of(uow).list(event_code)

    return authz.guarded(uow, run)


def city_request(rid: int, actor: str, uow: AbstractUnitOfWork, city_of: CityOf) -> CityRequest:
    """One request to the city, to print as its letter (view_registers)."""

    def run() -> CityRequest:
        with uow:
            authz.require_role(uow, actor, "view_registers")
            found = city_of(uow).get(rid)
        if found is None:
            raise UnknownCityRequest(id=rid)
        return found

    return authz.guarded(uow, run)
