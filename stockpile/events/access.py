"""Who may act on which township: an informant (灾情信息员) only on the townships assigned to them (their own
scope, as depots are a keeper's); dispatchers and admins on any."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from stockpile.domain.errors import named
from stockpile.domain.events import EventRecord, Place, PlaceOutsideEvent
from stockpile.domain.model import Actor
from stockpile.ports.events import EventsRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz
from stockpile.trust.policy import Scope

RepoOf = Callable[[AbstractUnitOfWork], EventsRepository]  # the unit of work → its events repository


def township_scope(
    uow: AbstractUnitOfWork, repo: EventsRepository, username: str, action: str
) -> tuple[Actor, frozenset[str] | None]:
    """The actor and the townships they may act on (None = all); an informant with no township may do nothing."""
    actor = authz.require_role(uow, username, action)
    if authz.POLICY[(actor.role, action)] is Scope.ALL:
        return actor, None
    own = repo.user_areas(username)
    if not own:
        raise authz.deny(actor, action, "no_township")
    return actor, own


def township_names(repo: EventsRepository, codes: Iterable[str]) -> tuple[dict[str, str], ...]:
    """Townships as a refusal names them to a person: by name (the message lists them in the reader's way), the
    code beside a name only where two of them share it, the bare code where the county has no name for it."""
    names = {c: repo.area_name(c) or c for c in sorted(codes)}
    counts = Counter(names.values())
    return tuple(named(n, c if counts[n] > 1 else "") for c, n in names.items())


def place_label(place: Place) -> dict[str, str]:
    """A village or shelter by its name with its code (village names repeat across a county's townships), in
    brackets the reader's way when the message is worded (「南村（360499102201）」, "南村 (360499102201)")."""
    return named(place.name, place.code)


def check_in_event_area(repo: EventsRepository, event: EventRecord, place: Place) -> None:
    """A report or request of an event opened for one township is for a place of that township (an event of the
    county takes every place): named in words, with the event's township."""
    if repo.area_level(event.area_code) != "township" or place.township == event.area_code:
        return
    area = repo.area_name(event.area_code) or event.area_code
    raise PlaceOutsideEvent(place=place_label(place), event=event.name, area=named(area, event.area_code))
