"""How each county-workbook sheet maps onto its table: the record's fields and their columns, the codes that stand
for database ids (a depot's code, an item's code), the rows a sheet covers (townships are the admin areas of level
`township`), and the county row itself (settings plus its county-level admin area)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stockpile import clock
from stockpile.adapters.orm import dispatch as d
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm import reserve as r
from stockpile.adapters.orm.county import CountyRow

Records = dict[tuple[Any, ...], dict[str, Any]]
COUNTY_FIELDS = (
    "name",
    "code",
    "bureau",
    "time_zone",
    "guarantee_minutes",
    "initial_relief_hours",
    "effective_relief_hours",
    "crs",
)


def _county_code(s: Session) -> str | None:
    return s.scalar(select(CountyRow.code))


@dataclass(frozen=True)
class SimpleTable:
    row: type[orm.Base]
    fields: Mapping[str, str]  # record field → column
    key: tuple[str, ...]
    scope: Mapping[str, Any] = field(default_factory=dict)  # rows this sheet covers; set on every write
    sites: tuple[str, ...] = ()  # fields holding a depot code (the column holds its id)
    items: tuple[str, ...] = ()  # fields holding an item code
    active: bool = False  # has an `active` flag: only active rows are read, a removed row is deactivated
    extra: Callable[[Session, Mapping[str, Any]], dict[str, Any]] | None = None  # more values on every write
    skip: Callable[[Any], bool] | None = None

    def _rows(self, s: Session) -> list[Any]:
        q = select(self.row).filter_by(**self.scope)
        if self.active:
            q = q.filter_by(active=True)
        return [x for x in s.scalars(q) if not (self.skip and self.skip(x))]

    def read(self, s: Session, site_codes: Mapping[int, str], item_codes: Mapping[int, str]) -> Records:
        out: Records = {}
        for x in self._rows(s):
            rec: dict[str, Any] = {}
            for f, col in self.fields.items():
                v = getattr(x, col)
                if f in self.sites:
                    v = site_codes.get(v, "") if v is not None else ""
                elif f in self.items:
                    v = item_codes[v]
                rec[f] = v
            out[tuple(rec[k] for k in self.key)] = rec
        return out

    def _where(
        self, key: tuple[Any, ...], site_ids: Mapping[str, int], item_ids: Mapping[str, int]
    ) -> dict[str, Any]:
        where = dict(self.scope)
        for f, v in zip(self.key, key, strict=True):
            where[self.fields[f]] = site_ids[v] if f in self.sites else item_ids[v] if f in self.items else v
        return where

    def write(
        self,
        s: Session,
        key: tuple[Any, ...],
        rec: Mapping[str, Any],
        site_ids: Mapping[str, int],
        item_ids: Mapping[str, int],
    ) -> None:
        values: dict[str, Any] = dict(self.scope)
        for f, col in self.fields.items():
            v = rec[f]
            if f in self.sites:
                v = site_ids[v] if v else None
            elif f in self.items:
                v = item_ids[v]
            values[col] = v
        if self.active:
            values["active"] = True
        if self.extra:
            values.update(self.extra(s, rec))
        row = s.scalar(select(self.row).filter_by(**self._where(key, site_ids, item_ids)))
        if row is None:
            s.add(self.row(**values))
        else:
            for col, v in values.items():
                setattr(row, col, v)

    def inactive_keys(self, s: Session) -> set[tuple[Any, ...]]:
        """The keys of deactivated rows (a depot or vehicle a workbook left out), for "reactivated" on import."""
        if not self.active:
            return set()
        column = getattr(self.row, self.fields[self.key[0]])
        q = select(column).filter_by(**self.scope).filter_by(active=False)
        return {(v,) for v in s.scalars(q)} if len(self.key) == 1 else set()

    def deactivate(self, s: Session, key: tuple[Any, ...]) -> None:
        row = s.scalar(select(self.row).filter_by(**{self.fields[self.key[0]]: key[0]}))
        if row is not None:
            row.active = False  # type: ignore[attr-defined]

    def delete(self, s: Session, key: tuple[Any, ...], item_ids: Mapping[str, int]) -> None:
        site_ids = {c: i for c, i in s.execute(select(orm.SiteRow.code, orm.SiteRow.id)).all()}
        s.execute(delete(self.row).filter_by(**self._where(key, site_ids, item_ids)))


def _same(**names: str) -> dict[str, str]:
    return names


AREA = _same(
    code="code", name="name", lon="lon", lat="lat", population="population", hazard_weight="hazard_weight"
)
SIMPLE: dict[str, SimpleTable] = {
    "townships": SimpleTable(
        orm.AdminAreaRow,
        {**AREA, "township_kind": "township_kind"},
        ("code",),
        scope={"level": "township"},
        extra=lambda s, _rec: {"parent_code": _county_code(s)},
    ),
    "villages": SimpleTable(
        orm.AdminAreaRow, {**AREA, "parent_code": "parent_code"}, ("code",), scope={"level": "village"}
    ),
    "shelters": SimpleTable(
        orm.ShelterRow,
        {f: f for f in ("code", "name", "township_code", "lon", "lat", "capacity_persons", "level")},
        ("code",),
    ),
    "sites": SimpleTable(
        orm.SiteRow,
        {
            f: f
            for f in (
                "code",
                "name",
                "admin_level",
                "site_type",
                "owner_type",
                "owner_name",
                "area_code",
                "operating_mode",
                "hazard_types",
                "loading_minutes",
                "lon",
                "lat",
            )
        },
        ("code",),
        active=True,
        skip=lambda x: x.site_type == "transit",
    ),
    "standards": SimpleTable(
        r.ReserveStandardRow,
        {
            "item_code": "item_id",
            **{
                f: f
                for f in (
                    "level",
                    "area_code",
                    "basis",
                    "qty",
                    "per_1000_per_day",
                    "sustain_days",
                    "agreement_cap_pct",
                    "source",
                )
            },
        },
        ("level", "area_code", "item_code"),
        items=("item_code",),
    ),
    "norms": SimpleTable(
        d.RationNormRow,
        {
            "item_code": "item_id",
            "units_per_100": "units_per_100",
            "per_day": "per_day",
            "priority_only": "priority_only",
        },
        ("item_code",),
        items=("item_code",),
    ),
    "vehicles": SimpleTable(
        d.VehicleRow,
        {
            "code": "code",
            "name": "name",
            "ownership": "ownership",
            "home_site": "home_site_id",
            "capacity_kg": "capacity_kg",
            "capacity_dm3": "capacity_dm3",
            "cold_boxes": "cold_boxes",
            "activation_minutes": "activation_minutes",
            **{f: f for f in ("speed_profile", "available_hours", "driver", "driver_phone")},
        },
        ("code",),
        sites=("home_site",),
        active=True,
        extra=lambda _s, rec: {"plate": rec["code"]},  # the workbook's key is the plate printed on orders
    ),
    "capacity": SimpleTable(
        orm.CapacityReserveRow,
        {
            "producer": "producer_site_id",
            "item_code": "item_id",
            "units_per_day": "units_per_day",
            "activation_minutes": "activation_minutes",
            "valid_from": "valid_from",
            "valid_to": "valid_to",
        },
        ("producer", "item_code"),
        sites=("producer",),
        items=("item_code",),
    ),
    "transport": SimpleTable(
        r.ContractedTransportRow,
        {
            "code": "code",
            "carrier": "carrier",
            "base_site": "base_site_id",
            "vehicles": "vehicles",
            "capacity_kg": "capacity_kg",
            "capacity_dm3": "capacity_dm3",
            "activation_minutes": "activation_minutes",
            "valid_from": "valid_from",
            "valid_to": "valid_to",
            "contact": "contact",
        },
        ("code",),
        sites=("base_site",),
    ),
}


def read_county(s: Session) -> Records:
    row = s.scalar(select(CountyRow))
    if row is None:
        return {}
    return {(row.code,): {f: getattr(row, f) for f in COUNTY_FIELDS}}


def write_county(s: Session, rec: Mapping[str, Any]) -> None:
    """The settings row and the county-level admin area (its name; population and centre from its townships)."""
    row = s.get(CountyRow, 1)
    if row is None:
        row = CountyRow(id=1)
        s.add(row)
    for f in COUNTY_FIELDS:
        setattr(row, f, rec[f])
    row.updated_at = clock.now()
    area = s.get(orm.AdminAreaRow, rec["code"])
    if area is None:
        area = orm.AdminAreaRow(code=rec["code"], level="county", population=0)
        s.add(area)
    area.name = rec["name"]
    s.flush()


def finish_county(s: Session, code: str) -> None:
    """After the townships are written: the county's population is theirs, its centre the mean of their seats."""
    area = s.get(orm.AdminAreaRow, code)
    towns = list(s.scalars(select(orm.AdminAreaRow).filter_by(level="township", parent_code=code)))
    if area is None or not towns:
        return
    area.population = sum(t.population for t in towns)
    seats = [(t.lon, t.lat) for t in towns if t.lon is not None and t.lat is not None]
    if seats:
        area.lon = round(sum(p[0] for p in seats) / len(seats), 6)
        area.lat = round(sum(p[1] for p in seats) / len(seats), 6)


def read_items(s: Session) -> Records:
    packs: dict[int, list[tuple[str, int]]] = {}
    for p in s.scalars(select(orm.ItemPackRow)):
        packs.setdefault(p.item_id, []).append((p.unit, p.factor))
    fields = (
        "code",
        "name_zh",
        "name_en",
        "base_unit",
        "unit_weight_g",
        "unit_volume_cm3",
        "shelf_life_days",
        "needs_cold",
        "needs_dry",
        "hazardous",
        "category",
        "price_fen",
    )
    out: Records = {}
    for it in s.scalars(select(orm.ItemRow)):
        rec = {f: getattr(it, f) for f in fields}
        rec["packs"] = tuple(sorted(packs.get(it.id, [])))
        out[(it.code,)] = rec
    return out
