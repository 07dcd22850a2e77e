"""Scenario reading for dispatch: the world a plan needs, and the demand editor's load and save (no stock touched)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockpile.domain.dispatch import (
    ItemSpec,
    Scenario,
    SiteSpec,
    StockSource,
    UnknownScenario,
    VehicleSpec,
    derived_demand,
)
from stockpile.services import authz


@dataclass(frozen=True, slots=True)
class World:
    """Everything one plan reads, in one short transaction."""

    scenario: Scenario
    demand: dict[tuple[str, str], int]
    items: dict[str, ItemSpec]
    sites: dict[str, SiteSpec]
    sources: list[StockSource]
    fleet: list[VehicleSpec]


def load_world(
    uow: Any,
    repo_of: Callable[[Any], Any],
    code: str,
    at: datetime,
    vehicles: Sequence[str] | None,
    demand: Mapping[tuple[str, str], int] | None,
) -> World:
    """Read everything the plan needs in one short transaction (nothing is written)."""
    with uow:
        repo = repo_of(uow)
        sc = repo.scenario(code)
        if sc is None:
            raise UnknownScenario(scenario=code)
        want = (
            dict(demand)
            if demand is not None
            else derived_demand(sc, repo.norms(), repo.entered_demand(sc.id))
        )
        fleet = [v for v in repo.fleet() if vehicles is None or v.code in vehicles]
        sources = [
            s for s in repo.stock_sources(at.date(), {i for _, i in want}) if s.site not in sc.damaged_sites
        ]
        return World(sc, want, repo.items(), repo.sites(), sources, fleet)


def scenario_demand(
    code: str, uow: Any, repo_of: Callable[[Any], Any]
) -> tuple[Scenario, dict[tuple[str, str], int]]:
    """The scenario and its demand: entered quantities, else population × norm × days."""
    with uow:
        repo = repo_of(uow)
        sc = repo.scenario(code)
        if sc is None:
            raise UnknownScenario(scenario=code)
        return sc, derived_demand(sc, repo.norms(), repo.entered_demand(sc.id))


def save_demand(
    code: str,
    demand: Mapping[tuple[str, str], int],
    actor: str,
    uow: Any,
    repo_of: Callable[[Any], Any],
    now: datetime | None = None,
) -> None:
    """Store edited demand as the scenario's entered demand (run_scenario: dispatcher, planner, admin; I14).
    A what-if: no stock is touched."""

    def body() -> None:
        repo = repo_of(uow)
        sc = repo.scenario(code)
        if sc is None:
            raise UnknownScenario(scenario=code)
        repo.set_demand(sc.id, demand)

    authz.write_as(uow, actor, "run_scenario", body, now, code)
