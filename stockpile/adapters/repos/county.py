"""The county workbook's records in the database: read them all (`snapshot`), write one (`put`), take one away
(`remove`: depots and vehicles are deactivated, anything else is deleted unless something still refers to it).

Records are the workbook's stored values keyed by its natural keys (codes, not database ids), the same shape
`stockpile/onboarding/parse.py` gives, so the import compares them field by field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from stockpile.adapters.db.engine import readonly
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm import reserve as r
from stockpile.adapters.orm.county import CountyRow
from stockpile.adapters.repos.county_rows import (
    COUNTY_FIELDS,
    SIMPLE,
    finish_county,
    read_county,
    read_items,
    write_county,
)
from stockpile.adapters.repos.county_users import put_user, read_users
from stockpile.domain.county_area import Bbox, county_bbox

Records = dict[tuple[Any, ...], dict[str, Any]]


def township_bbox(engine: Engine) -> Bbox | None:
    """The county's area from its townships' seats in the database (None before any township is loaded)."""
    a = orm.AdminAreaRow
    with readonly(engine).connect() as c:
        seats = c.execute(select(a.lon, a.lat).where(a.level == "township", a.lon.is_not(None))).all()
    return county_bbox([(float(x), float(y)) for x, y in seats if x is not None and y is not None])


def county_settings(engine: Engine) -> dict[str, Any] | None:
    """The county's 县情 row (time zone, guarantee minutes, relief targets…), or None before onboarding, on a
    database not yet migrated, or on a SQLite file that does not exist (never created by this read)."""
    if engine.url.get_backend_name() == "sqlite":
        path = engine.url.database or ""
        if path and path != ":memory:" and not Path(path).exists():
            return None
    try:
        with readonly(engine).connect() as c:
            row = c.execute(select(*(getattr(CountyRow, f) for f in COUNTY_FIELDS))).mappings().first()
    except SQLAlchemyError:
        return None
    return None if row is None else dict(row)


def bureau_name(engine: Engine) -> str | None:
    """The bureau named in the county's settings (printed on documents), or None before onboarding."""
    with readonly(engine).connect() as c:
        return c.execute(select(CountyRow.bureau)).scalar()


class SqlCountyRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    # ---- reading -----------------------------------------------------------------------------------------
    def county(self) -> dict[str, Any] | None:
        """The county's settings, or None before the first workbook import."""
        recs = read_county(self.s)
        return next(iter(recs.values()), None)

    def county_codes(self) -> set[str]:
        """Codes of the county-level admin areas (a demo built before settings existed has one, no settings)."""
        return set(self.s.scalars(select(orm.AdminAreaRow.code).where(orm.AdminAreaRow.level == "county")))

    def has_movements(self) -> bool:
        return bool(self.s.scalar(select(func.count()).select_from(orm.MovementRow)))

    def snapshot(self) -> dict[str, Records]:
        out: dict[str, Records] = {"county": read_county(self.s), "items": read_items(self.s)}
        for sheet, table in SIMPLE.items():
            out[sheet] = table.read(self.s, self._site_codes(), self._item_codes())
        out["agreements"] = self._agreements()
        out["users"] = read_users(self.s)
        return out

    def users(self) -> Records:
        return read_users(self.s)

    def inactive(self, sheet: str) -> set[tuple[Any, ...]]:
        """Keys of the sheet's deactivated records (depots, vehicles); empty for a sheet without that state."""
        table = SIMPLE.get(sheet)
        return table.inactive_keys(self.s) if table is not None else set()

    def put_user(self, rec: Mapping[str, Any], password_hash: str | None) -> None:
        put_user(self.s, rec, password_hash)

    def boundaries(self) -> dict[str, Any]:
        """Township code → its boundary (GeoJSON geometry, WGS-84), for the townships that have one."""
        a = orm.AdminAreaRow
        rows = self.s.execute(
            select(a.code, a.boundary).where(a.level == "township", a.boundary.is_not(None))
        )
        return {code: json.loads(text) for code, text in rows if text}

    def set_boundary(self, code: str, geometry: Mapping[str, Any] | None) -> None:
        area = self.s.get(orm.AdminAreaRow, code)
        if area is not None:
            area.boundary = None if geometry is None else json.dumps(geometry, separators=(",", ":"))
            self.s.flush()

    def _site_codes(self) -> dict[int, str]:
        return {i: c for c, i in self.s.execute(select(orm.SiteRow.code, orm.SiteRow.id)).all()}

    def _item_codes(self) -> dict[int, str]:
        return {i: c for c, i in self.s.execute(select(orm.ItemRow.code, orm.ItemRow.id)).all()}

    def _agreements(self) -> Records:
        c, ln, i, s = orm.AgreementContractRow, orm.AgreementLineRow, orm.ItemRow, orm.SiteRow
        q = (
            select(c, ln, i.code, s.code)
            .join(ln, ln.contract_id == c.id)
            .join(i, i.id == ln.item_id)
            .join(s, s.id == c.holder_site_id)
        )
        out: Records = {}
        for c_, l_, item, holder in self.s.execute(q).all():
            out[(c_.code, item)] = {
                "contract": c_.code,
                "holder": holder,
                "item_code": item,
                "agreed_qty": l_.agreed_qty,
                "price_fen": l_.price_fen,
                "lead_time_minutes": c_.lead_time_minutes,
                "valid_from": c_.valid_from,
                "valid_to": c_.valid_to,
                "last_verified_on": l_.last_verified_on,
                "last_verified_qty": l_.last_verified_qty,
                "contact": c_.contact,
                "subsidy_fen": c_.subsidy_fen,
            }
        return out

    # ---- writing -----------------------------------------------------------------------------------------
    def put(self, sheet: str, key: tuple[Any, ...], rec: Mapping[str, Any]) -> None:
        """Insert or update one record (a deactivated depot or vehicle that is back is active again)."""
        if sheet == "county":
            write_county(self.s, rec)
        elif sheet == "items":
            self._put_item(rec)
        elif sheet == "agreements":
            self._put_agreement_line(rec)
        else:
            SIMPLE[sheet].write(self.s, key, rec, self._site_ids(), self._item_ids())
        self.s.flush()

    def _site_ids(self) -> dict[str, int]:
        return {c: i for c, i in self.s.execute(select(orm.SiteRow.code, orm.SiteRow.id)).all()}

    def _item_ids(self) -> dict[str, int]:
        return {c: i for c, i in self.s.execute(select(orm.ItemRow.code, orm.ItemRow.id)).all()}

    def _put_item(self, rec: Mapping[str, Any]) -> None:
        values = {k: v for k, v in rec.items() if k not in ("code", "packs")}
        row = self.s.scalar(select(orm.ItemRow).where(orm.ItemRow.code == rec["code"]))
        if row is None:
            row = orm.ItemRow(code=rec["code"], **values)
            self.s.add(row)
        else:
            for k, v in values.items():
                setattr(row, k, v)
        self.s.flush()
        self.s.execute(delete(orm.ItemPackRow).where(orm.ItemPackRow.item_id == row.id))
        for unit, factor in rec["packs"]:
            self.s.add(orm.ItemPackRow(item_id=row.id, unit=unit, factor=factor))

    def _put_agreement_line(self, rec: Mapping[str, Any]) -> None:
        c = self.s.scalar(
            select(orm.AgreementContractRow).where(orm.AgreementContractRow.code == rec["contract"])
        )
        head = {
            "holder_site_id": self._site_ids()[rec["holder"]],
            "valid_from": rec["valid_from"],
            "valid_to": rec["valid_to"],
            "lead_time_minutes": rec["lead_time_minutes"],
            "contact": rec["contact"],
            "subsidy_fen": rec["subsidy_fen"],
        }
        if c is None:
            c = orm.AgreementContractRow(code=rec["contract"], **head)
            self.s.add(c)
            self.s.flush()
        else:
            for k, v in head.items():
                setattr(c, k, v)
        item_id = self._item_ids()[rec["item_code"]]
        line = self.s.scalar(
            select(orm.AgreementLineRow).filter_by(contract_id=c.id, item_id=item_id)
        ) or orm.AgreementLineRow(contract_id=c.id, item_id=item_id)
        for f in ("agreed_qty", "price_fen", "last_verified_on", "last_verified_qty"):
            setattr(line, f, rec[f])
        self.s.add(line)

    # ---- taking away -------------------------------------------------------------------------------------
    def remove(self, sheet: str, key: tuple[Any, ...]) -> str:
        """`deactivated` (depots, vehicles), `deleted`, or `kept` when other records still refer to it."""
        if sheet in ("sites", "vehicles"):
            SIMPLE[sheet].deactivate(self.s, key)
            return "deactivated"
        if sheet == "items":
            return self._try(lambda: self._delete_item(key[0]))
        if sheet == "agreements":
            return self._try(lambda: self._delete_agreement_line(*key))
        if sheet == "county":
            return self._try(lambda: self.s.execute(delete(CountyRow)))
        return self._try(lambda: SIMPLE[sheet].delete(self.s, key, self._item_ids()))

    def finish(self, code: str) -> None:
        """The county's population and centre from its townships, once they are written."""
        finish_county(self.s, code)
        self.s.flush()

    def remove_stale_counties(self, keep: str) -> None:
        """County-level areas other than `keep` (a county replaced on an empty ledger), when nothing refers to them."""
        for code in self.county_codes() - {keep}:
            self._try(partial(self._delete_area, code))

    def _delete_area(self, code: str) -> None:
        self.s.execute(delete(orm.AdminAreaRow).where(orm.AdminAreaRow.code == code))

    def _try(self, fn: Callable[[], Any]) -> str:
        try:
            with self.s.begin_nested():
                fn()
                self.s.flush()
        except IntegrityError:
            return "kept"
        return "deleted"

    def _delete_item(self, code: str) -> None:
        item_id = self._item_ids()[code]
        self.s.execute(delete(orm.ItemPackRow).where(orm.ItemPackRow.item_id == item_id))
        self.s.execute(delete(orm.ItemRow).where(orm.ItemRow.id == item_id))

    def _delete_agreement_line(self, contract: str, item_code: str) -> None:
        c = self.s.scalar(select(orm.AgreementContractRow).where(orm.AgreementContractRow.code == contract))
        if c is None:
            return
        item_id = self._item_ids()[item_code]
        self.s.execute(delete(orm.AgreementLineRow).filter_by(contract_id=c.id, item_id=item_id))
        left = self.s.scalar(
            select(func.count()).select_from(orm.AgreementLineRow).filter_by(contract_id=c.id)
        )
        if not left:
            self.s.execute(delete(r.AgreementCheckPlanRow).where(r.AgreementCheckPlanRow.contract_id == c.id))
            self.s.execute(delete(orm.AgreementContractRow).where(orm.AgreementContractRow.id == c.id))
