"""A tiny dispatch world on top of `seed_minimal`: stock in two lots, three trucks, a flood scenario."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.orm.dispatch import ScenarioDemandRow, ScenarioPointRow, ScenarioRow, VehicleRow
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.ledger import stock
from stockpile.ports.travel import UNREACHABLE, TravelMatrix
from stockpile.schemas import ReceiptCmd
from tests.conftest import NOW
from tests.support.factory import World

SCENARIO = "T-FLOOD"
OLD_LOT, NEW_LOT = "W-OLD", "W-NEW"
OLD_EXPIRY = (NOW + timedelta(days=40)).date()
POINTS = (  # code, kind, lon, lat, population, priority, needed-by minutes
    ("S1", "shelter", 115.915, 29.605, 300, 1, 60),
    ("V1", "village", 115.95, 29.63, 120, 2, 480),
    ("V2", "village", 115.88, 29.58, 80, 2, 480),
)
DEMAND = {("S1", "1020101"): 300, ("V1", "1020101"): 200, ("V1", "1010101"): 6, ("V2", "1020101"): 100}


def _receipt(w: World, site: str, item: str, lot: str, qty: int, expiry: date | None) -> ReceiptCmd:
    return ReceiptCmd(
        client_id=uuid.uuid4(),
        actor="k",
        occurred_at=NOW - timedelta(days=2),
        site_code=site,
        item_code=item,
        lot_no=lot,
        qty=qty,
        expiry=expiry,
    )


def seed_dispatch(engine: Engine, w: World) -> None:
    """Water in a near-expiry and a fresh lot at the county depot, tents, trucks, scenario T-FLOOD."""
    uow = SqlAlchemyUnitOfWork(engine)
    for cmd in (
        _receipt(w, w.depot, w.water, OLD_LOT, 250, OLD_EXPIRY),
        _receipt(w, w.depot, w.water, NEW_LOT, 1000, date(2028, 1, 1)),
        _receipt(w, w.depot, w.tent, "T-1", 20, None),
        _receipt(w, w.point, w.water, "P-1", 100, date(2028, 1, 1)),
    ):
        stock.record_receipt(cmd, uow, NOW - timedelta(days=1))
    with Session(engine) as s, s.begin():
        sites = dict(s.execute(select(orm.SiteRow.code, orm.SiteRow.id)).all())
        items = dict(s.execute(select(orm.ItemRow.code, orm.ItemRow.id)).all())
        s.add_all(
            [
                VehicleRow(
                    code="T1",
                    name="县库货车",
                    ownership="own",
                    home_site_id=sites[w.depot],
                    capacity_kg=2000,
                    capacity_dm3=8000,
                    cold_boxes=0,
                ),
                VehicleRow(
                    code="T2",
                    name="县库货车2",
                    ownership="own",
                    home_site_id=sites[w.depot],
                    capacity_kg=2000,
                    capacity_dm3=8000,
                    cold_boxes=0,
                ),
                VehicleRow(
                    code="C1",
                    name="合同车",
                    ownership="contracted",
                    home_site_id=sites[w.point],
                    capacity_kg=5000,
                    capacity_dm3=20000,
                    cold_boxes=0,
                    activation_minutes=60,
                ),
            ]
        )
        sc = ScenarioRow(
            code=SCENARIO, name="测试洪涝", event="flood", kind="drill", reported_at=NOW, sustain_days=1
        )
        s.add(sc)
        s.flush()
        for code, kind, lon, lat, pop, prio, need in POINTS:
            s.add(
                ScenarioPointRow(
                    scenario_id=sc.id,
                    code=code,
                    name=f"点{code}",
                    point_kind=kind,
                    lon=lon,
                    lat=lat,
                    population=pop,
                    priority=prio,
                    needed_by_minutes=need,
                )
            )
        s.flush()
        for (p, i), q in DEMAND.items():
            s.add(ScenarioDemandRow(scenario_id=sc.id, point_code=p, item_id=items[i], qty=q))


class CutOff:
    """Wraps a provider: every pair touching the given destination indices is unreachable (-1)."""

    def __init__(self, inner: object, cut_codes_at: Sequence[int]) -> None:
        self.inner = inner
        self.cut = set(cut_codes_at)
        self.identity = "cutoff"

    def matrix(self, origins, destinations, profile, avoid=None):  # type: ignore[no-untyped-def]
        m = self.inner.matrix(origins, destinations, profile, avoid)  # type: ignore[attr-defined]

        def grid(g):  # type: ignore[no-untyped-def]
            return tuple(
                tuple(
                    UNREACHABLE if (i != j and (i in self.cut or j in self.cut)) else v
                    for j, v in enumerate(row)
                )
                for i, row in enumerate(g)
            )

        return TravelMatrix(grid(m.duration_s), grid(m.distance_m), m.source)
