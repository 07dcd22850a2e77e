"""Read side, master data: sites, items, admin areas, demand points and agreement lines as DataFrames.

``ReadViews`` holds the read-only engine every view reads through; ``Views`` (views.py) adds stock, movements and
availability to these.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from stockpile import clock
from stockpile.adapters.db.engine import readonly
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.repos.ledger import TRANSIT_CODE


class ReadViews:
    """A read-only engine and SELECT → DataFrame."""

    def __init__(self, engine: Engine) -> None:
        self.engine = readonly(engine)

    def _df(self, q: Any, columns: list[str] | None = None) -> pd.DataFrame:
        with self.engine.connect() as c:
            rows = c.execute(q).mappings().all()
        if columns is None and not rows and hasattr(q, "selected_columns"):
            columns = list(
                q.selected_columns.keys()
            )  # an empty table still has its columns (no shelters yet)
        return pd.DataFrame(rows, columns=columns or (list(rows[0].keys()) if rows else None))


class MasterDataViews(ReadViews):
    """Queries that answer "which sites, items, areas, demand points and agreements are there"."""

    def sites(self, include_transit: bool = False, site_codes: Collection[str] | None = None) -> pd.DataFrame:
        s = orm.SiteRow
        q = select(
            s.id,
            s.code,
            s.name,
            s.admin_level,
            s.site_type,
            s.owner_type,
            s.owner_name,
            s.area_code,
            s.lon,
            s.lat,
            s.loading_minutes,
            s.operating_mode,
            s.hazard_types,
            s.active,
        ).order_by(s.code)
        if not include_transit:
            q = q.where(s.code != TRANSIT_CODE)
        if site_codes is not None:
            q = q.where(s.code.in_(list(site_codes)))
        return self._df(q)

    def items(self) -> pd.DataFrame:
        i = orm.ItemRow
        return self._df(
            select(
                i.id,
                i.code,
                i.name_zh,
                i.name_en,
                i.base_unit,
                i.category,
                i.unit_weight_g,
                i.unit_volume_cm3,
                i.shelf_life_days,
                i.needs_cold,
                i.price_fen,
            ).order_by(i.code)
        )

    def areas(self, level: str | None = None) -> pd.DataFrame:
        a = orm.AdminAreaRow
        q = select(
            a.code,
            a.name,
            a.level,
            a.parent_code,
            a.population,
            a.lon,
            a.lat,
            a.township_kind,
            a.hazard_weight,
        ).order_by(a.code)
        if level:
            q = q.where(a.level == level)
        return self._df(q)

    def boundaries(self) -> dict[str, Any]:
        """Township code → its boundary polygon (GeoJSON geometry, WGS-84) from the county's boundaries file."""
        a = orm.AdminAreaRow
        q = select(a.code, a.boundary).where(a.level == "township", a.boundary.is_not(None))
        with self.engine.connect() as c:
            return {code: json.loads(text) for code, text in c.execute(q) if text}

    def demand_points(self) -> pd.DataFrame:
        """Villages (admin areas) and shelters (their own table) as one list of demand points."""
        villages = self.areas("village").rename(columns={"parent_code": "township_code"})
        villages["kind"] = "village"
        villages["capacity_persons"] = 0
        sh = orm.ShelterRow
        shelters = self._df(select(sh.code, sh.name, sh.township_code, sh.lon, sh.lat, sh.capacity_persons))
        shelters["kind"] = "shelter"
        shelters["population"] = shelters["capacity_persons"]
        shelters["hazard_weight"] = 1
        cols = [
            "code",
            "name",
            "kind",
            "township_code",
            "population",
            "capacity_persons",
            "lon",
            "lat",
            "hazard_weight",
        ]
        return pd.concat([villages[cols], shelters[cols]], ignore_index=True)

    def agreements(self, on: date | None = None) -> pd.DataFrame:
        on = on or clock.today()
        c, ln, s, i = orm.AgreementContractRow, orm.AgreementLineRow, orm.SiteRow, orm.ItemRow
        q = (
            select(
                c.code.label("contract"),
                s.code.label("holder_code"),
                s.name.label("holder"),
                i.code.label("item_code"),
                i.name_zh.label("item_name"),
                ln.agreed_qty,
                ln.price_fen,
                c.lead_time_minutes,
                c.valid_from,
                c.valid_to,
                ln.last_verified_on,
                ln.last_verified_qty,
            )
            .join(ln, ln.contract_id == c.id)
            .join(s, s.id == c.holder_site_id)
            .join(i, i.id == ln.item_id)
            .order_by(c.code, i.code)
        )
        df = self._df(q)
        if not df.empty:
            df["valid"] = [f <= on <= t for f, t in zip(df["valid_from"], df["valid_to"], strict=True)]
            df["counted_qty"] = [
                min(a, v) if ok and v is not None and v == v else 0
                for a, v, ok in zip(df["agreed_qty"], df["last_verified_qty"], df["valid"], strict=True)
            ]
        return df
