"""Read side for pages and the CLI: SELECT → pandas DataFrames with stable English column names.

Pages translate column names with the i18n catalogue (`col.*` keys); nothing here writes.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from stockpile import clock
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.auth import user_names
from stockpile.adapters.read.master_views import MasterDataViews
from stockpile.adapters.repos.ledger import TRANSIT_CODE, lot_from_row, site_from_row
from stockpile.adapters.repos.masterdata import SqlMasterRepository
from stockpile.domain.availability import available_sources
from stockpile.domain.model import Balance

NEAR_EXPIRY_DAYS = 90


class Views(MasterDataViews):
    """Queries that answer "what is where, in which lots, expiring when"."""

    def user_names(self) -> dict[str, str]:
        """Actor as recorded on a posting (capitals) → the user name as typed."""
        with self.engine.connect() as c:
            return user_names(c)

    # ---- stock -------------------------------------------------------------------------------------------
    def stock(
        self,
        site_code: str | None = None,
        item_code: str | None = None,
        township_code: str | None = None,
        expiring_within_days: int | None = None,
        include_transit: bool = False,
        include_zero: bool = False,
        on: date | None = None,
        site_codes: Collection[str] | None = None,
    ) -> pd.DataFrame:
        """Balances by site × item × lot with expiry, days left and a status (expired / near / ok); only the
        `site_codes` depots when given (the services' read scope)."""
        on = on or clock.today()
        b, s, i, lt = orm.StockBalanceRow, orm.SiteRow, orm.ItemRow, orm.LotRow
        q = _stock_query()
        if not include_zero:
            q = q.where(b.on_hand != 0)
        if not include_transit:
            q = q.where(s.code != TRANSIT_CODE)
        if site_code:
            q = q.where(s.code == site_code)
        if site_codes is not None:
            q = q.where(s.code.in_(list(site_codes)))
        if item_code:
            q = q.where(i.code == item_code)
        if township_code:
            q = q.where(s.area_code == township_code)
        if expiring_within_days is not None:
            q = q.where(lt.expiry.is_not(None), lt.expiry <= on + timedelta(days=expiring_within_days))
        return _with_status(self._df(q, _STOCK_COLUMNS), on)

    def balance(self, site_code: str, item_code: str) -> int:
        """On hand of one item at one site (all lots): one indexed read of the balance table."""
        b, s, i = orm.StockBalanceRow, orm.SiteRow, orm.ItemRow
        q = select(func.coalesce(func.sum(b.on_hand), 0)).where(
            b.site_id == select(s.id).where(s.code == site_code).scalar_subquery(),
            b.item_id == select(i.id).where(i.code == item_code).scalar_subquery(),
        )
        with self.engine.connect() as c:
            return int(c.execute(q).scalar() or 0)

    def stock_by_item(self, on: date | None = None, site_codes: frozenset[str] | None = None) -> pd.DataFrame:
        """Totals per item (the county's, or over `site_codes`): on hand, available, expired, near-expiry."""
        df = self.stock(on=on, site_codes=site_codes)
        if df.empty:
            return df
        df["expired_qty"] = df["on_hand"].where(df["status"] == "expired", 0)
        df["near_qty"] = df["on_hand"].where(df["status"] == "near", 0)
        g = df.groupby(["item_code", "item_name", "unit"], as_index=False)[
            ["on_hand", "reserved", "available", "expired_qty", "near_qty"]
        ].sum()
        return g

    def bin_card(self, site_code: str, item_code: str, lot_no: str | None = None) -> pd.DataFrame:
        """货位卡: every movement of an item (or one lot) at a site with the running balance."""
        m, s, i, lt, p = orm.MovementRow, orm.SiteRow, orm.ItemRow, orm.LotRow, orm.PostingRow
        q = (
            select(
                m.seq,
                m.occurred_at,
                m.recorded_at,
                m.kind,
                lt.lot_no,
                m.qty,
                m.purpose,
                m.reason,
                m.actor,
                p.doc_no,
                p.event_tag,
                p.remark,
                m.posting_id,
            )
            .join(s, s.id == m.site_id)
            .join(i, i.id == m.item_id)
            .join(lt, lt.id == m.lot_id)
            .join(p, p.id == m.posting_id)
            .where(s.code == site_code, i.code == item_code)
            .order_by(m.occurred_at, m.seq)
        )
        if lot_no:
            q = q.where(lt.lot_no == lot_no)
        cols = [
            "seq",
            "occurred_at",
            "recorded_at",
            "kind",
            "lot_no",
            "qty",
            "purpose",
            "reason",
            "actor",
            "doc_no",
            "event_tag",
            "remark",
            "posting_id",
        ]
        df = self._df(q, cols)
        df["balance"] = df["qty"].cumsum() if not df.empty else []
        return df

    def movements(
        self, since: datetime | None = None, limit: int = 500, site_codes: Collection[str] | None = None
    ) -> pd.DataFrame:
        """The ledger, newest first; only movements at the `site_codes` depots when given."""
        m, s, i, lt = orm.MovementRow, orm.SiteRow, orm.ItemRow, orm.LotRow
        q = (
            select(
                m.seq,
                m.occurred_at,
                m.kind,
                s.code.label("site_code"),
                s.name.label("site_name"),
                i.code.label("item_code"),
                i.name_zh.label("item_name"),
                lt.lot_no,
                m.qty,
                m.actor,
                m.posting_id,
            )
            .join(s, s.id == m.site_id)
            .join(i, i.id == m.item_id)
            .join(lt, lt.id == m.lot_id)
            .order_by(m.seq.desc())
            .limit(limit)
        )
        if since is not None:
            q = q.where(m.occurred_at >= since)
        if site_codes is not None:
            q = q.where(s.code.in_(list(site_codes)))
        return self._df(q)

    def in_transit(self, site_codes: Collection[str] | None = None, incoming: bool = False) -> pd.DataFrame:
        """Transfers on 在途; with `site_codes`, those from or to these depots (`incoming`: to them only)."""
        t, tl, i, lt = orm.TransferRow, orm.TransferLineRow, orm.ItemRow, orm.LotRow
        src, dst = aliased(orm.SiteRow), aliased(orm.SiteRow)
        q = (
            select(
                t.id.label("transfer_id"),
                t.shipped_at,
                src.code.label("from_site"),
                src.name.label("from_site_name"),
                dst.code.label("to_site"),
                dst.name.label("to_site_name"),
                orm.PostingRow.doc_no,
                i.code.label("item_code"),
                i.name_zh.label("item_name"),
                lt.lot_no,
                tl.qty,
            )
            .join(tl, tl.transfer_id == t.id)
            .join(i, i.id == tl.item_id)
            .join(lt, lt.id == tl.lot_id)
            .join(src, src.id == t.from_site_id)
            .join(dst, dst.id == t.to_site_id)
            .outerjoin(orm.PostingRow, orm.PostingRow.id == t.id)  # the shipping posting: the 单据号 typed
            .where(t.state == "in_transit")
            .order_by(t.shipped_at)
        )
        if site_codes is not None:
            codes = list(site_codes)
            q = q.where(dst.code.in_(codes) if incoming else (src.code.in_(codes) | dst.code.in_(codes)))
        return self._df(q)

    # ---- availability --------------------------------------------------------------------------------------
    def available_to_dispatch(
        self, item_code: str | None = None, on: date | None = None, site_codes: Collection[str] | None = None
    ) -> pd.DataFrame:
        """Per source: mode (实物/代储/协议/产能), quantity, lead minutes (loading or call-off or activation);
        only the `site_codes` sources when given."""
        on = on or clock.today()
        with self.engine.connect() as c:
            b = orm.StockBalanceRow
            q = select(b)
            items = {r.id: r for r in c.execute(select(orm.ItemRow)).all()}
            if item_code:
                ids = [k for k, r in items.items() if r.code == item_code]
                q = q.where(b.item_id.in_(ids))
            balances = [
                Balance(r.site_id, r.item_id, r.lot_id, r.on_hand, r.reserved)
                for r in c.execute(q.where(b.on_hand > 0)).all()
            ]
            lot_ids = {x.lot_id for x in balances}
            lot_rows: list[Any] = list(c.execute(select(orm.LotRow)).all())
            site_rows: list[Any] = list(c.execute(select(orm.SiteRow)).all())
            lots = {r.id: lot_from_row(r) for r in lot_rows if r.id in lot_ids}
            sites = {r.id: site_from_row(r) for r in site_rows}
            master = SqlMasterRepository(Session(bind=c))  # the same reads the services use
            agreements, capacity = master.agreement_lines(), master.capacity_reserves()
        if item_code:
            agreements = [a for a in agreements if items[a.item_id].code == item_code]
            capacity = [x for x in capacity if items[x.item_id].code == item_code]
        src = available_sources(balances, lots, sites, agreements, capacity, on)
        rows = [
            {
                "site_code": sites[x.site_id].code,
                "site_name": sites[x.site_id].name,
                "item_code": items[x.item_id].code,
                "item_name": items[x.item_id].name_zh,
                "mode": x.mode.value,
                "qty": x.qty,
                "per_day": x.per_day,
                "lead_minutes": x.lead_minutes,
                "reference": x.reference,
            }
            for x in src
            if site_codes is None or sites[x.site_id].code in site_codes
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "site_code",
                "site_name",
                "item_code",
                "item_name",
                "mode",
                "qty",
                "per_day",
                "lead_minutes",
                "reference",
            ],
        )

    def kpis(self, on: date | None = None, site_codes: Collection[str] | None = None) -> dict[str, int]:
        """Counts over the county, or over the `site_codes` depots (then no agreement checks: not theirs)."""
        on = on or clock.today()
        df = self.stock(on=on, site_codes=site_codes)
        ag = self.agreements(on) if site_codes is None else pd.DataFrame()
        overdue = 0
        if not ag.empty:
            overdue = int(sum(1 for d in ag["last_verified_on"] if d is None or d != d or (on - d).days > 90))
        return {
            "sites": int(df["site_code"].nunique()) if not df.empty else 0,
            "lots": len(df),
            "expired_lots": int((df["status"] == "expired").sum()) if not df.empty else 0,
            "expiring_30": int(
                ((df["days_left"].fillna(10**6) >= 0) & (df["days_left"].fillna(10**6) <= 30)).sum()
            )
            if not df.empty
            else 0,
            "agreement_checks_overdue": overdue,
            "in_transit": len(self.in_transit(site_codes)),
        }


def _status(days_left: Any) -> str:
    if days_left is None or pd.isna(days_left):
        return "ok"
    if days_left <= 0:
        return "expired"
    if days_left <= NEAR_EXPIRY_DAYS:
        return "near"
    return "ok"


_STOCK_COLUMNS = [
    "site_code",
    "site_name",
    "area_code",
    "item_code",
    "item_name",
    "item_name_en",
    "unit",
    "category",
    "lot_no",
    "expiry",
    "lot_owner",
    "site_owner",
    "on_hand",
    "reserved",
    "price_fen",
]


def _stock_query() -> Select[*tuple[Any, ...]]:
    """Balances joined to their site, item and lot, labelled as ``_STOCK_COLUMNS``, in site, item, expiry order."""
    b, s, i, lt = orm.StockBalanceRow, orm.SiteRow, orm.ItemRow, orm.LotRow
    return (
        select(
            s.code.label("site_code"),
            s.name.label("site_name"),
            s.area_code.label("area_code"),
            i.code.label("item_code"),
            i.name_zh.label("item_name"),
            i.name_en.label("item_name_en"),
            i.base_unit.label("unit"),
            i.category.label("category"),
            lt.lot_no.label("lot_no"),
            lt.expiry.label("expiry"),
            lt.owner_type.label("lot_owner"),
            s.owner_type.label("site_owner"),
            b.on_hand.label("on_hand"),
            b.reserved.label("reserved"),
            i.price_fen.label("price_fen"),
        )
        .join(s, s.id == b.site_id)
        .join(i, i.id == b.item_id)
        .join(lt, lt.id == b.lot_id)
        .order_by(s.code, i.code, lt.expiry, lt.lot_no)
    )


def _with_status(df: pd.DataFrame, on: date) -> pd.DataFrame:
    """Available quantity, days left and expiry status as of ``on``, and the mode (custodial when government lots
    lie at another owner's site) in place of the two owner columns."""
    df["available"] = df["on_hand"] - df["reserved"]
    df["days_left"] = pd.array(
        [(e - on).days if isinstance(e, date) else None for e in df["expiry"]], dtype="Int64"
    )
    df["status"] = [_status(d) for d in df["days_left"]]
    df["mode"] = [
        "custodial" if lo == "government" and so != "government" else "physical"
        for lo, so in zip(df["lot_owner"], df["site_owner"], strict=True)
    ]
    return df.drop(columns=["lot_owner", "site_owner"])
