"""Editing a dispatch scenario on the unit of work's session: read it with its entered demand, clone it (points,
demand, damaged depots, blocked areas and the event it came from), set its damaged depots and blocked areas."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.dispatch import ScenarioDemandRow, ScenarioPointRow, ScenarioRow
from stockpile.adapters.orm.registers import EventScenarioRow
from stockpile.adapters.repos.dispatch import SqlDispatchRepository


class SqlScenarioEditRepository(SqlDispatchRepository):
    """The dispatch repository's scenario reads plus the edits an event scenario needs."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)

    def clone_scenario(self, scenario_id: int, new_code: str) -> None:
        src = self.s.get(ScenarioRow, scenario_id)
        assert src is not None
        copy = ScenarioRow(
            code=new_code,
            name=src.name,
            event=src.event,
            kind=src.kind,
            reported_at=src.reported_at,
            sustain_days=src.sustain_days,
            blocked_geojson=src.blocked_geojson,
            damaged_sites=src.damaged_sites,
        )
        self.s.add(copy)
        self.s.flush()
        p, d, es = ScenarioPointRow, ScenarioDemandRow, EventScenarioRow
        for pt in self.s.scalars(select(p).where(p.scenario_id == scenario_id)):
            self.s.add(
                p(
                    scenario_id=copy.id,
                    code=pt.code,
                    name=pt.name,
                    point_kind=pt.point_kind,
                    lon=pt.lon,
                    lat=pt.lat,
                    population=pt.population,
                    priority=pt.priority,
                    needed_by_minutes=pt.needed_by_minutes,
                )
            )
        for dm in self.s.scalars(select(d).where(d.scenario_id == scenario_id)):
            self.s.add(d(scenario_id=copy.id, point_code=dm.point_code, item_id=dm.item_id, qty=dm.qty))
        for ev in self.s.scalars(select(es.event_id).where(es.scenario_id == scenario_id)):
            self.s.add(es(event_id=ev, scenario_id=copy.id))
        self.s.flush()

    def set_conditions(self, scenario_id: int, damaged: Sequence[str], blocked_geojson: str) -> None:
        self.s.execute(
            update(ScenarioRow)
            .where(ScenarioRow.id == scenario_id)
            .values(damaged_sites=",".join(sorted(set(damaged))), blocked_geojson=blocked_geojson)
        )

    def unknown_sites(self, codes: Sequence[str]) -> list[str]:
        known = set(self.s.scalars(select(orm.SiteRow.code).where(orm.SiteRow.code.in_(list(codes)))))
        return [c for c in codes if c not in known]
