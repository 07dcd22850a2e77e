"""A dispatch scenario from an event: its places become points and its demand is entered per point × item, so
`relief plan CODE` and the 调度方案 page plan it like any other scenario. Nothing touches stock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from stockpile import clock
from stockpile.domain.dispatch import ScenarioPoint
from stockpile.domain.errors import InvalidCommand
from stockpile.domain.events import (
    EventHasNoDemand,
    EventRecord,
    Place,
    ReportRecord,
    RequestLine,
    UnknownEvent,
    check_scenario,
    event_demand,
    latest_per_village,
)
from stockpile.events.access import RepoOf
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

COUNTED = ("approved", "partly", "planned")  # request lines whose approved quantity is demand
DEFAULT_NEEDED_BY_MIN = 480  # the relief-time target when a place names no needed-by


def scenario_from_event(
    event_code: str,
    actor: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    code: str | None = None,
    sustain_days: int = 3,
    now: datetime | None = None,
) -> str:
    """Create a live scenario (run_scenario: dispatcher, planner, admin) whose report time is the event's. Demand =
    per village and item, an approved request line's quantity, else the need line of the village's latest
    report, else its affected persons × per-person norm × sustain days (event_demand). A scenario with no demand
    is refused; the approved lines become `planned`."""
    at = now or clock.now()
    name = code or f"{event_code}-SC"
    check_scenario(name, sustain_days)

    def body() -> None:
        repo = repo_of(uow)
        ev = repo.event(event_code)
        if ev is None:
            raise UnknownEvent(event=event_code)
        if repo.scenario_exists(name):
            raise InvalidCommand(reason="scenario_exists", scenario=name)
        lines = [r for r in repo.requests(event_code) if r.status in COUNTED]
        latest = latest_per_village(repo.reports(event_code))
        places = {
            c: p for c in {*latest, *(r.destination for r in lines)} if (p := repo.place(c)) is not None
        }
        shelters = frozenset(c for c, p in places.items() if p.kind == "shelter")
        demand = event_demand(latest, lines, repo.norms(), sustain_days, shelters)
        if not demand:
            raise EventHasNoDemand(event=event_code)
        used = {p for p, _ in demand}
        pts = [_point(places[c], latest, lines, ev) for c in sorted(used)]
        repo.add_scenario(name, ev, sustain_days, pts, demand)
        repo.mark_planned([r.id for r in lines], name)  # traced: 签收 of its orders delivers them

    authz.write_as(
        uow, actor, "run_scenario", body, at, name, detail={"op": "from_event", "event": event_code}
    )
    return name


def _point(
    place: Place, latest: Mapping[str, ReportRecord], lines: Sequence[RequestLine], ev: EventRecord
) -> ScenarioPoint:
    """A village's affected persons are its population; shelters and priority-1 requests come first; the
    earliest needed-by of its request lines is its deadline (minutes from the event's report)."""
    mine = [r for r in lines if r.destination == place.code]
    priority = min([1 if place.kind == "shelter" else 2, *(r.priority for r in mine)])
    needed = [r.needed_by for r in mine if r.needed_by is not None]
    minutes = DEFAULT_NEEDED_BY_MIN
    if needed:
        minutes = max(1, int((min(needed) - ev.reported_at).total_seconds() // 60))
    report = latest.get(place.code)
    population = report.affected if report is not None else 0
    return ScenarioPoint(
        place.code, place.name, place.kind, place.lon, place.lat, population, priority, minutes
    )
