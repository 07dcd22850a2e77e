"""Editing an event's dispatch scenario before planning (docs/events.md): show it, clone it for a what-if, mark
damaged depots (they send nothing) and blocked roads (GeoJSON polygons the travel matrix avoids, as in the
circle). Nothing here touches stock; demand is edited through the dispatch capability's `save_demand`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from stockpile import clock
from stockpile.domain.dispatch import Scenario, UnknownScenario
from stockpile.domain.errors import InvalidCommand, UnknownSite
from stockpile.ports.events import ScenarioEditRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

EditOf = Callable[[AbstractUnitOfWork], ScenarioEditRepository]


def _scenario(repo: ScenarioEditRepository, code: str) -> Scenario:
    sc = repo.scenario(code)
    if sc is None:
        raise UnknownScenario(scenario=code)
    return sc


def show_scenario(
    code: str, actor: str, uow: AbstractUnitOfWork, edit_of: EditOf
) -> tuple[Scenario, dict[tuple[str, str], int]]:
    """The scenario (points, damaged depots, blocked areas) and its entered demand (run_scenario)."""

    def run() -> tuple[Scenario, dict[tuple[str, str], int]]:
        with uow:
            authz.require_role(uow, actor, "run_scenario")
            repo = edit_of(uow)
            sc = _scenario(repo, code)
            return sc, repo.entered_demand(sc.id)

    return authz.guarded(uow, run)


def clone_scenario(
    code: str,
    new_code: str,
    actor: str,
    uow: AbstractUnitOfWork,
    edit_of: EditOf,
    now: datetime | None = None,
) -> str:
    """A copy under `new_code` (points, demand, damaged depots, blocked areas, its event) to change and plan
    without touching the original (run_scenario)."""
    if not new_code.strip():
        raise InvalidCommand(reason="scenario_code_missing")

    def body() -> None:
        repo = edit_of(uow)
        sc = _scenario(repo, code)
        if repo.scenario(new_code) is not None:
            raise InvalidCommand(reason="scenario_exists", scenario=new_code)
        repo.clone_scenario(sc.id, new_code.strip())

    authz.write_as(uow, actor, "run_scenario", body, now or clock.now(), new_code, detail={"from": code})
    return new_code.strip()


def set_conditions(
    code: str,
    damaged: Sequence[str] | None,
    blocked_geojson: str | None,
    actor: str,
    uow: AbstractUnitOfWork,
    edit_of: EditOf,
    now: datetime | None = None,
) -> Scenario:
    """Set the damaged depots and/or the blocked areas (None leaves one as it is; "" clears the blocked areas).
    The GeoJSON arrives already checked by the caller's parser; an unknown depot is refused (run_scenario)."""
    out: list[Scenario] = []

    def body() -> None:
        repo = edit_of(uow)
        sc = _scenario(repo, code)
        sites = tuple(sc.damaged_sites if damaged is None else damaged)
        unknown = repo.unknown_sites(sites)
        if unknown:
            raise UnknownSite(site_code=list(unknown))  # listed the reader's way
        blocked = sc.blocked_geojson if blocked_geojson is None else blocked_geojson
        repo.set_conditions(sc.id, sites, blocked)
        out.append(_scenario(repo, code))

    detail = {"damaged": list(damaged or ()), "blocked": blocked_geojson is not None}
    authz.write_as(uow, actor, "run_scenario", body, now or clock.now(), code, detail=detail)
    return out[0]
