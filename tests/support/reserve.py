"""Reserve-planning test helpers: an agreement holder with a contract, lots with expiries, standards."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.repos.reserve import ReserveUnitOfWork, SqlReserveRepository
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.ledger.stock import record_receipt
from stockpile.reserve.records import PlanningConfig, Standard, StandardBasis
from stockpile.schemas import ReceiptCmd
from tests.support.factory import World

SHOP = "XY-SHOP"
CONTRACT = "XY-T-001"
CFG = PlanningConfig(time_limit_s=4.0, quarter_budget_fen=None, procurement_lead_days=7)


def add_contract(
    engine: Engine,
    w: World,
    valid_from: date,
    valid_to: date,
    agreed: int = 1000,
    verified_on: date | None = None,
) -> None:
    """A supermarket (county level) holding `agreed` bottles of water under contract CONTRACT."""
    with Session(engine) as s, s.begin():
        site = orm.SiteRow(
            code=SHOP,
            name="协议超市",
            admin_level="county",
            site_type="supermarket",
            owner_type="enterprise",
            area_code=w.county,
            lon=115.91,
            lat=29.61,
        )
        s.add(site)
        s.flush()
        c = orm.AgreementContractRow(
            code=CONTRACT,
            holder_site_id=site.id,
            valid_from=valid_from,
            valid_to=valid_to,
            lead_time_minutes=120,
        )
        s.add(c)
        s.flush()
        water = s.query(orm.ItemRow).filter_by(code=w.water).one()
        s.add(
            orm.AgreementLineRow(
                contract_id=c.id,
                item_id=water.id,
                agreed_qty=agreed,
                price_fen=150,
                last_verified_on=verified_on,
                last_verified_qty=agreed if verified_on else None,
            )
        )


def receive(
    engine: Engine, w: World, site: str, item: str, lot: str, qty: int, expiry: date | None, at: datetime
) -> None:
    cmd = ReceiptCmd(
        client_id=uuid.uuid4(),
        actor="k",
        occurred_at=at,
        site_code=site,
        item_code=item,
        lot_no=lot,
        qty=qty,
        expiry=expiry,
    )
    record_receipt(cmd, SqlAlchemyUnitOfWork(engine), at)


def set_standards(engine: Engine, rows: list[Standard], now: datetime) -> None:
    uow = ReserveUnitOfWork(engine)
    with uow:
        SqlReserveRepository(uow.session).replace_standards(rows, now)  # type: ignore[union-attr]
        uow.commit()


def water_standard(w: World, qty: int, cap: int = 100) -> Standard:
    return Standard("county", w.county, w.water, StandardBasis.ABSOLUTE, qty, agreement_cap_pct=cap)


__all__ = [
    "CFG",
    "CONTRACT",
    "SHOP",
    "add_contract",
    "receive",
    "replace",
    "set_standards",
    "timedelta",
    "water_standard",
]
