"""Read side of reserve planning for pages and the CLI: SELECT → DataFrames with stable English column names.

Agreement contracts and lines (with what counts today), the check history (核查记录), call-offs (调用) with
compensation, contracted transport (协议运力) and the reserve standards (储备定额). Nothing here writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from stockpile import clock
from stockpile.adapters.db.engine import readonly
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm import reserve as r


class ReserveViews:
    def __init__(self, engine: Engine) -> None:
        self.engine = readonly(engine)

    def _df(self, q: Any, columns: list[str]) -> pd.DataFrame:
        with self.engine.connect() as c:
            rows = c.execute(q).mappings().all()
        return pd.DataFrame([dict(x) for x in rows], columns=columns)

    def agreement_lines(self, on: date | None = None) -> pd.DataFrame:
        """Every contract line: agreed, last verified, and whether it counts on `on` (valid and verified)."""
        on = on or clock.today()
        c, ln, s, i = orm.AgreementContractRow, orm.AgreementLineRow, orm.SiteRow, orm.ItemRow
        q = (
            select(
                c.code.label("contract_code"),
                s.name.label("holder_name"),
                i.code.label("item_code"),
                i.name_zh.label("item_name"),
                i.base_unit.label("unit"),
                ln.agreed_qty,
                ln.price_fen,
                ln.last_verified_on,
                ln.last_verified_qty,
                c.valid_from,
                c.valid_to,
                c.lead_time_minutes,
                c.contact,
                c.subsidy_fen,
            )
            .join(ln, ln.contract_id == c.id)
            .join(s, s.id == c.holder_site_id)
            .join(i, i.id == ln.item_id)
            .order_by(c.code, i.code)
        )
        cols = [
            "contract_code",
            "holder_name",
            "item_code",
            "item_name",
            "unit",
            "agreed_qty",
            "price_fen",
            "last_verified_on",
            "last_verified_qty",
            "valid_from",
            "valid_to",
            "lead_time_minutes",
            "contact",
            "subsidy_fen",
        ]
        df = self._df(q, cols)
        df["valid"] = [vf <= on <= vt for vf, vt in zip(df["valid_from"], df["valid_to"], strict=True)]
        df["verified"] = df["last_verified_qty"].notna()
        return df

    def checks(self, contract_code: str | None = None) -> pd.DataFrame:
        """核查记录: one row per checked line."""
        k, kl, c, ln, i = (
            r.AgreementCheckRow,
            r.AgreementCheckLineRow,
            orm.AgreementContractRow,
            orm.AgreementLineRow,
            orm.ItemRow,
        )
        q = (
            select(
                c.code.label("contract_code"),
                k.checked_on,
                k.inspector,
                i.code.label("item_code"),
                i.name_zh.label("item_name"),
                ln.agreed_qty,
                kl.verified_qty,
                k.remark,
            )
            .join(kl, kl.check_id == k.id)
            .join(c, c.id == k.contract_id)
            .join(ln, ln.id == kl.line_id)
            .join(i, i.id == ln.item_id)
            .order_by(k.checked_on.desc(), c.code, i.code)
        )
        if contract_code:
            q = q.where(c.code == contract_code)
        cols = [
            "contract_code",
            "checked_on",
            "inspector",
            "item_code",
            "item_name",
            "agreed_qty",
            "verified_qty",
            "remark",
        ]
        return self._df(q, cols)

    def calloffs(self) -> pd.DataFrame:
        k, c, ln, i = r.AgreementCallOffRow, orm.AgreementContractRow, orm.AgreementLineRow, orm.ItemRow
        q = (
            select(
                k.called_at,
                c.code.label("contract_code"),
                i.code.label("item_code"),
                i.name_zh.label("item_name"),
                k.qty,
                k.unit_price_fen,
                k.compensation_fen,
                k.event_tag,
                k.actor,
            )
            .join(c, c.id == k.contract_id)
            .join(ln, ln.id == k.line_id)
            .join(i, i.id == ln.item_id)
            .order_by(k.called_at.desc())
        )
        cols = [
            "called_at",
            "contract_code",
            "item_code",
            "item_name",
            "qty",
            "unit_price_fen",
            "compensation_fen",
            "event_tag",
            "actor",
        ]
        return self._df(q, cols)

    def transports(self) -> pd.DataFrame:
        t, s = r.ContractedTransportRow, orm.SiteRow
        q = select(
            t.code,
            t.carrier,
            s.name.label("base_site_name"),
            t.vehicles,
            t.capacity_kg,
            t.capacity_dm3,
            t.activation_minutes,
            t.valid_from,
            t.valid_to,
            t.contact,
        ).outerjoin(s, s.id == t.base_site_id)
        cols = [
            "code",
            "carrier",
            "base_site_name",
            "vehicles",
            "capacity_kg",
            "capacity_dm3",
            "activation_minutes",
            "valid_from",
            "valid_to",
            "contact",
        ]
        return self._df(q.order_by(t.code), cols)

    def capacity(self) -> pd.DataFrame:
        """产能储备: units per day after activation, per producer and item."""
        c, s, i = orm.CapacityReserveRow, orm.SiteRow, orm.ItemRow
        q = (
            select(
                s.name.label("holder_name"),
                i.code.label("item_code"),
                i.name_zh.label("item_name"),
                i.base_unit.label("unit"),
                c.units_per_day.label("per_day"),
                c.activation_minutes,
                c.valid_from,
                c.valid_to,
            )
            .join(s, s.id == c.producer_site_id)
            .join(i, i.id == c.item_id)
            .order_by(s.name, i.code)
        )
        cols = [
            "holder_name",
            "item_code",
            "item_name",
            "unit",
            "per_day",
            "activation_minutes",
            "valid_from",
            "valid_to",
        ]
        return self._df(q, cols)

    def standards(self) -> pd.DataFrame:
        st, i = r.ReserveStandardRow, orm.ItemRow
        q = (
            select(
                st.level,
                st.area_code,
                i.code.label("item_code"),
                i.name_zh.label("item_name"),
                i.base_unit.label("unit"),
                st.basis,
                st.qty,
                st.per_1000_per_day,
                st.sustain_days,
                st.counts_physical,
                st.counts_custodial,
                st.counts_agreement,
                st.agreement_cap_pct,
                st.source,
            )
            .join(i, i.id == st.item_id)
            .order_by(st.level, st.area_code, i.code)
        )
        cols = [
            "level",
            "area_code",
            "item_code",
            "item_name",
            "unit",
            "basis",
            "qty",
            "per_1000_per_day",
            "sustain_days",
            "counts_physical",
            "counts_custodial",
            "counts_agreement",
            "agreement_cap_pct",
            "source",
        ]
        return self._df(q, cols)
