"""Events repository on the unit of work's session: events, village reports with needs, township requests,
informants' townships, and the dispatch scenario an event becomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.auth import UserRow
from stockpile.adapters.orm.dispatch import RationNormRow, ScenarioDemandRow, ScenarioPointRow, ScenarioRow
from stockpile.adapters.orm.events import (
    DisasterEventRow,
    DisasterReportNeedRow,
    DisasterReportRow,
    ReliefRequestRow,
    UserAreaRow,
)
from stockpile.adapters.orm.registers import EventScenarioRow
from stockpile.domain.dispatch import Norm, ScenarioPoint
from stockpile.domain.events import EventRecord, Place, ReportRecord, RequestLine


def _event(r: DisasterEventRow) -> EventRecord:
    return EventRecord(r.code, r.name, r.kind, r.area_code, r.level, r.reported_at)


class SqlEventsRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # ---- events and places -------------------------------------------------------------------------------
    def _event_row(self, code: str) -> DisasterEventRow | None:
        return self.s.scalar(select(DisasterEventRow).where(DisasterEventRow.code == code))

    def event(self, code: str) -> EventRecord | None:
        row = self._event_row(code)
        return None if row is None else _event(row)

    def events(self) -> list[EventRecord]:
        e = DisasterEventRow
        return [_event(r) for r in self.s.scalars(select(e).order_by(e.reported_at.desc(), e.code))]

    def add_event(self, rec: EventRecord, by: str, at: datetime) -> None:
        self.s.add(
            DisasterEventRow(
                code=rec.code,
                name=rec.name,
                kind=rec.kind,
                area_code=rec.area_code,
                level=rec.level,
                reported_at=rec.reported_at,
                created_by=by,
                created_at=at,
            )
        )
        self.s.flush()

    def area_level(self, code: str) -> str | None:
        return self.s.scalar(select(orm.AdminAreaRow.level).where(orm.AdminAreaRow.code == code))

    def area_name(self, code: str) -> str | None:
        return self.s.scalar(select(orm.AdminAreaRow.name).where(orm.AdminAreaRow.code == code))

    def place(self, code: str) -> Place | None:
        """A village (admin area of level village) or a shelter, with its township."""
        a = self.s.get(orm.AdminAreaRow, code)
        if a is not None and a.level == "village":
            lon, lat = a.lon, a.lat
            if lon is None or lat is None:  # a village without coordinates is reached at its township's seat
                town = self.s.get(orm.AdminAreaRow, a.parent_code) if a.parent_code else None
                lon, lat = (town.lon, town.lat) if town is not None else (None, None)
            return Place(a.code, a.name, "village", a.parent_code or "", lon or 0.0, lat or 0.0)
        sh = self.s.scalar(select(orm.ShelterRow).where(orm.ShelterRow.code == code))
        if sh is not None:
            return Place(sh.code, sh.name, "shelter", sh.township_code, sh.lon, sh.lat)
        return None

    def item_known(self, code: str) -> bool:
        return self.s.scalar(select(func.count()).where(orm.ItemRow.code == code)) == 1

    def _item_ids(self) -> dict[str, int]:
        return dict(self.s.execute(select(orm.ItemRow.code, orm.ItemRow.id)).all())

    def _item_codes(self) -> dict[int, str]:
        return {i: c for c, i in self._item_ids().items()}

    # ---- informants --------------------------------------------------------------------------------------
    def _user_id(self, username: str) -> int | None:
        return self.s.scalar(select(UserRow.id).where(func.upper(UserRow.username) == username.upper()))

    def user_areas(self, username: str) -> frozenset[str]:
        uid = self._user_id(username)
        rows = self.s.scalars(select(UserAreaRow.area_code).where(UserAreaRow.user_id == uid))
        return frozenset(rows)

    def set_user_areas(self, username: str, codes: Sequence[str]) -> None:
        uid = self._user_id(username)
        self.s.execute(delete(UserAreaRow).where(UserAreaRow.user_id == uid))
        for code in sorted(set(codes)):
            self.s.add(UserAreaRow(user_id=uid, area_code=code))
        self.s.flush()

    # ---- reports -----------------------------------------------------------------------------------------
    def reports(self, event_code: str, townships: frozenset[str] | None = None) -> list[ReportRecord]:
        r, e = DisasterReportRow, DisasterEventRow
        q = select(r).join(e, e.id == r.event_id).where(e.code == event_code)
        if townships is not None:
            q = q.where(r.township_code.in_(sorted(townships)))
        rows = list(self.s.scalars(q.order_by(r.reported_at, r.id)))
        needs: dict[int, list[tuple[str, int]]] = {}
        codes = self._item_codes()
        ids = [x.id for x in rows]
        n = DisasterReportNeedRow
        for nr in self.s.scalars(select(n).where(n.report_id.in_(ids)).order_by(n.report_id, n.item_id)):
            needs.setdefault(nr.report_id, []).append((codes[nr.item_id], nr.qty))
        return [
            ReportRecord(
                x.id,
                event_code,
                x.township_code,
                x.village_code,
                x.reported_at,
                x.affected,
                x.relocated,
                x.damaged_houses,
                x.reporter,
                x.supersedes_id,
                tuple(needs.get(x.id, ())),
            )
            for x in rows
        ]

    def add_report(self, rec: ReportRecord, at: datetime) -> int:
        ev = self._event_row(rec.event_code)
        assert ev is not None
        row = DisasterReportRow(
            event_id=ev.id,
            township_code=rec.township,
            village_code=rec.village,
            reported_at=rec.reported_at,
            affected=rec.affected,
            relocated=rec.relocated,
            damaged_houses=rec.damaged_houses,
            reporter=rec.reporter,
            supersedes_id=rec.supersedes,
            created_at=at,
        )
        self.s.add(row)
        self.s.flush()
        ids = self._item_ids()
        for item, qty in rec.needs:
            self.s.add(DisasterReportNeedRow(report_id=row.id, item_id=ids[item], qty=qty))
        self.s.flush()
        return row.id

    # ---- requests ----------------------------------------------------------------------------------------
    def requests(self, event_code: str | None, townships: frozenset[str] | None = None) -> list[RequestLine]:
        r, e = ReliefRequestRow, DisasterEventRow
        q = select(r, e.code).join(e, e.id == r.event_id)
        if event_code is not None:
            q = q.where(e.code == event_code)
        if townships is not None:
            q = q.where(r.township_code.in_(sorted(townships)))
        codes = self._item_codes()
        return [self._line(x, ev, codes) for x, ev in self.s.execute(q.order_by(r.id)).all()]

    @staticmethod
    def _line(x: ReliefRequestRow, event_code: str, codes: Mapping[int, str]) -> RequestLine:
        return RequestLine(
            x.id,
            event_code,
            x.township_code,
            codes[x.item_id],
            x.qty,
            x.priority,
            x.needed_by,
            x.destination,
            x.status,
            x.approved_qty,
            x.reason,
            x.requested_by,
            x.decided_by,
            x.delivered_qty,
        )

    def request(self, request_id: int) -> RequestLine | None:
        r, e = ReliefRequestRow, DisasterEventRow
        row = self.s.execute(
            select(r, e.code).join(e, e.id == r.event_id).where(r.id == request_id).with_for_update()
        ).one_or_none()
        return None if row is None else self._line(row[0], row[1], self._item_codes())

    def add_request(self, line: RequestLine, at: datetime) -> int:
        ev = self._event_row(line.event_code)
        assert ev is not None
        row = ReliefRequestRow(
            event_id=ev.id,
            township_code=line.township,
            item_id=self._item_ids()[line.item_code],
            qty=line.qty,
            priority=line.priority,
            needed_by=line.needed_by,
            destination=line.destination,
            status="submitted",
            reason="",
            requested_by=line.requested_by,
            requested_at=at,
            decided_by="",
        )
        self.s.add(row)
        self.s.flush()
        return row.id

    def decide_request(
        self, request_id: int, status: str, approved_qty: int, reason: str, by: str, at: datetime
    ) -> None:
        self.s.execute(
            update(ReliefRequestRow)
            .where(ReliefRequestRow.id == request_id)
            .values(status=status, approved_qty=approved_qty, reason=reason, decided_by=by, decided_at=at)
        )

    def mark_planned(self, request_ids: Sequence[int], scenario: str = "") -> None:
        """Approved lines become `planned`, linked to the scenario that carries them (the trace a receipt of
        that scenario's orders follows back to the request line)."""
        r = ReliefRequestRow
        sc = self.s.scalar(select(ScenarioRow.id).where(ScenarioRow.code == scenario)) if scenario else None
        self.s.execute(
            update(r)
            .where(r.id.in_(list(request_ids)), r.status.in_(("approved", "partly")))
            .values(status="planned", scenario_id=sc)
        )

    # ---- scenario from an event --------------------------------------------------------------------------
    def norms(self) -> list[Norm]:
        n, i = RationNormRow, orm.ItemRow
        rows = self.s.execute(
            select(i.code, n.units_per_100, n.per_day, n.priority_only).join(i, i.id == n.item_id)
        )
        return [Norm(c, u, d, p) for c, u, d, p in rows]

    def scenario_exists(self, code: str) -> bool:
        return self.s.scalar(select(func.count()).where(ScenarioRow.code == code)) == 1

    def add_scenario(
        self,
        code: str,
        event: EventRecord,
        sustain_days: int,
        points: Sequence[ScenarioPoint],
        demand: Mapping[tuple[str, str], int],
    ) -> None:
        """A live dispatch scenario with the event's places as points and its demand entered per point × item."""
        sc = ScenarioRow(
            code=code,
            name=event.name,
            event=event.kind,
            kind="live",
            reported_at=event.reported_at,
            sustain_days=sustain_days,
            blocked_geojson="",
            damaged_sites="",
        )
        self.s.add(sc)
        self.s.flush()
        ev = self._event_row(event.code)
        if ev is not None:  # the publication reads the deliveries of the scenarios made from the event
            self.s.add(EventScenarioRow(event_id=ev.id, scenario_id=sc.id))
        for p in points:
            self.s.add(
                ScenarioPointRow(
                    scenario_id=sc.id,
                    code=p.code,
                    name=p.name,
                    point_kind=p.kind,
                    lon=p.lon,
                    lat=p.lat,
                    population=p.population,
                    priority=p.priority,
                    needed_by_minutes=p.needed_by_minutes,
                )
            )
        ids = self._item_ids()
        for (point, item), qty in sorted(demand.items()):
            self.s.add(ScenarioDemandRow(scenario_id=sc.id, point_code=point, item_id=ids[item], qty=qty))
        self.s.flush()
