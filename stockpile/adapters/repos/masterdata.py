"""Master data (主数据) writes and reads: admin areas, sites, shelters, items, agreements, capacity reserves.

Used by the demo builder and the master-data importer, always inside a unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.domain.model import AgreementLine, CapacityReserve


class SqlMasterRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def upsert(self, row_type: type[orm.Base], key: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
        """Insert or update one master row found by its natural key."""
        q = select(row_type).filter_by(**key)
        row = self.s.scalar(q)
        if row is None:
            row = row_type(**key, **values)
            self.s.add(row)
        else:
            for k, v in values.items():
                setattr(row, k, v)
        self.s.flush()
        return row

    def add_admin_area(self, **v: Any) -> None:
        self.upsert(orm.AdminAreaRow, {"code": v.pop("code")}, v)

    def add_site(self, **v: Any) -> int:
        return int(self.upsert(orm.SiteRow, {"code": v.pop("code")}, v).id)

    def add_shelter(self, **v: Any) -> None:
        self.upsert(orm.ShelterRow, {"code": v.pop("code")}, v)

    def add_item(self, packs: Iterable[tuple[str, int]] = (), **v: Any) -> int:
        row = self.upsert(orm.ItemRow, {"code": v.pop("code")}, v)
        for unit, factor in packs:
            self.upsert(orm.ItemPackRow, {"item_id": row.id, "unit": unit}, {"factor": factor})
        return int(row.id)

    def add_agreement(
        self,
        code: str,
        holder_site_id: int,
        valid_from: date,
        valid_to: date,
        lead_time_minutes: int,
        lines: Iterable[Mapping[str, Any]],
        contact: str = "",
        subsidy_fen: int = 0,
    ) -> int:
        c = self.upsert(
            orm.AgreementContractRow,
            {"code": code},
            {
                "holder_site_id": holder_site_id,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "lead_time_minutes": lead_time_minutes,
                "contact": contact,
                "subsidy_fen": subsidy_fen,
            },
        )
        for ln in lines:
            ln = dict(ln)
            self.upsert(orm.AgreementLineRow, {"contract_id": c.id, "item_id": ln.pop("item_id")}, ln)
        return int(c.id)

    def add_capacity(self, **v: Any) -> None:
        self.upsert(
            orm.CapacityReserveRow,
            {"producer_site_id": v.pop("producer_site_id"), "item_id": v.pop("item_id")},
            v,
        )

    def item_ids(self) -> dict[str, int]:
        return {c: i for c, i in self.s.execute(select(orm.ItemRow.code, orm.ItemRow.id)).all()}

    def site_ids(self) -> dict[str, int]:
        return {c: i for c, i in self.s.execute(select(orm.SiteRow.code, orm.SiteRow.id)).all()}

    def area_codes(self) -> set[str]:
        return set(self.s.scalars(select(orm.AdminAreaRow.code)))

    def agreement_lines(self) -> list[AgreementLine]:
        c, ln = orm.AgreementContractRow, orm.AgreementLineRow
        rows = self.s.execute(select(c, ln).join(ln, ln.contract_id == c.id)).all()
        return [
            AgreementLine(
                c_.code,
                c_.holder_site_id,
                l_.item_id,
                l_.agreed_qty,
                c_.lead_time_minutes,
                c_.valid_from,
                c_.valid_to,
                l_.last_verified_on,
                l_.last_verified_qty,
            )
            for c_, l_ in rows
        ]

    def capacity_reserves(self) -> list[CapacityReserve]:
        rows = self.s.scalars(select(orm.CapacityReserveRow))
        return [
            CapacityReserve(
                r.producer_site_id, r.item_id, r.units_per_day, r.activation_minutes, r.valid_from, r.valid_to
            )
            for r in rows
        ]
