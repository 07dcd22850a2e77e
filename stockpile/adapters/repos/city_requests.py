"""Outgoing requests to the city (请调函) on the unit of work's session, and the county's free stock per item (on hand
less reserved, over every depot and point) that the shortfall is measured against."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.city_requests import CityRequestLineRow, CityRequestRow
from stockpile.adapters.orm.events import DisasterEventRow
from stockpile.domain.city_requests import CityRequest, CityRequestLine, letter_number


class SqlCityRequestsRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def free_stock(self) -> dict[str, int]:
        """Item code → on hand less reserved over every depot and point (transit excluded)."""
        b, s, i = orm.StockBalanceRow, orm.SiteRow, orm.ItemRow
        q = (
            select(i.code, func.sum(b.on_hand - b.reserved))
            .join(s, s.id == b.site_id)
            .join(i, i.id == b.item_id)
            .where(s.site_type != "transit")
            .group_by(i.code)
        )
        return {code: int(qty or 0) for code, qty in self.s.execute(q)}

    def add(self, r: CityRequest, at: datetime) -> CityRequest:
        """Insert the letter and its lines; its number is the next serial of the year it is recorded in."""
        year = at.year
        serial = 1 + int(
            self.s.scalar(
                select(func.coalesce(func.max(CityRequestRow.serial), 0)).where(CityRequestRow.year == year)
            )
            or 0
        )
        event_id = self.s.scalar(select(DisasterEventRow.id).where(DisasterEventRow.code == r.event_code))
        row = CityRequestRow(
            event_id=event_id,
            number=letter_number(year, serial),
            year=year,
            serial=serial,
            recipient=r.recipient,
            reason=r.reason.strip(),
            needed_by=r.needed_by,
            created_by=r.created_by,
            created_at=at,
        )
        self.s.add(row)
        self.s.flush()
        items = {code: iid for code, iid in self.s.execute(select(orm.ItemRow.code, orm.ItemRow.id))}
        for ln in r.lines:
            self.s.add(CityRequestLineRow(request_id=row.id, item_id=items[ln.item_code], qty=ln.qty))
        self.s.flush()
        found = self.get(row.id)
        assert found is not None
        return found

    def get(self, rid: int) -> CityRequest | None:
        found = self.list(None, rid)
        return found[0] if found else None

    def list(self, event_code: str | None, rid: int | None = None) -> list[CityRequest]:
        """The letters of one event (or all, or the one `rid`), newest first, with their lines."""
        r, e = CityRequestRow, DisasterEventRow
        q = select(r, e.code).join(e, e.id == r.event_id).order_by(r.id.desc())
        if event_code is not None:
            q = q.where(e.code == event_code)
        if rid is not None:
            q = q.where(r.id == rid)
        heads = [(h, code) for h, code in self.s.execute(q)]
        ln, i = CityRequestLineRow, orm.ItemRow
        lines: dict[int, list[CityRequestLine]] = {}
        if heads:
            lq = (
                select(ln.request_id, i.code, ln.qty)
                .join(i, i.id == ln.item_id)
                .where(ln.request_id.in_([h.id for h, _ in heads]))
                .order_by(i.code)
            )
            for req, code, qty in self.s.execute(lq):
                lines.setdefault(req, []).append(CityRequestLine(code, int(qty)))
        return [
            CityRequest(
                h.id,
                code,
                tuple(lines.get(h.id, ())),
                h.reason,
                h.needed_by,
                h.recipient,
                h.number,
                h.created_by,
                h.created_at,
            )
            for h, code in heads
        ]
