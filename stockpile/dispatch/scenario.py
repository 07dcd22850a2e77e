"""Scenario reading for dispatch: the world a plan needs, and the demand editor's load and save (no stock touched)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from stockpile.clock import format_dt, local
from stockpile.clock import now as clock_now
from stockpile.dispatch.commands import REBASABLE
from stockpile.domain.dispatch import (
    ItemSpec,
    NotADrill,
    Scenario,
    SiteSpec,
    StockSource,
    UnknownScenario,
    VehicleSpec,
    check_rebase,
    derived_demand,
)
from stockpile.ports.repos import DispatchRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

RepoOf = Callable[[AbstractUnitOfWork], DispatchRepository]  # the unit of work → its dispatch repository


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
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
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
    code: str, uow: AbstractUnitOfWork, repo_of: RepoOf
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
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    now: datetime | None = None,
) -> None:
    """Store edited demand as the scenario's entered demand (run_scenario: dispatcher, planner, admin).
    A what-if: no stock is touched."""

    def body() -> None:
        repo = repo_of(uow)
        sc = repo.scenario(code)
        if sc is None:
            raise UnknownScenario(scenario=code)
        repo.set_demand(sc.id, demand)

    authz.write_as(uow, actor, "run_scenario", body, now, code)


@dataclass(frozen=True, slots=True)
class Rebased:
    """A drill moved in time: its report time before and after, and the shift every scenario time took."""

    code: str
    reported_before: datetime
    reported_at: datetime

    @property
    def delta(self) -> timedelta:
        return self.reported_at - self.reported_before


def rebase_scenario(
    code: str,
    to: datetime | None,
    actor: str,
    uow: AbstractUnitOfWork,
    repo_of: RepoOf,
    now: datetime | None = None,
) -> Rebased:
    """Re-base a scenario kept for training (drill, pre-positioning what-if) so that it reads as on the day it was
    made: its report time becomes `to` (default: the clock's now) and every other scenario time moves by the same
    delta (the points' needed-by minutes count from the report, so demand, deadlines and KPIs read as before).
    A live event is refused (`scenario_not_drill`), and so is a time more than 90 days before now or more than a
    day after it (`rebase_out_of_range`). run_scenario (dispatcher, planner, admin), audited with the
    old and new report times; no stock is touched."""
    at = clock_now() if now is None else now
    new = (at if to is None else local(to)).replace(microsecond=0)
    out: list[Rebased] = []

    def body() -> None:
        repo = repo_of(uow)
        sc = repo.scenario(code)
        if sc is None:
            raise UnknownScenario(scenario=code)
        if sc.kind not in REBASABLE:
            raise NotADrill(scenario=code, kind=sc.kind)
        check_rebase(new, at, format_dt)  # 1999 or 2030 typed for a drill: refused, nothing moves
        repo.shift_scenario(sc.id, new - sc.reported_at)
        out.append(Rebased(code, sc.reported_at, new))
        detail.update(op="rebase", reported_before=format_dt(sc.reported_at), reported_at=format_dt(new))

    detail: dict[str, str] = {}  # filled by the body, written with the audit row after it
    authz.write_as(uow, actor, "run_scenario", body, at, code, detail=detail)
    return out[-1]
