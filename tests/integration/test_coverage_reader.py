"""The coverage read side on SQLite and PostgreSQL: villages, shelters and stock reach the circle correctly."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.orm import Session

from stockpile.adapters.orm import ledger as orm
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.coverage.commands import CircleQuery, Scenario
from stockpile.domain.coverage_world import RequirementNorm
from stockpile.schemas import ReceiptCmd
from tests.conftest import NOW


def _villages(engine, w):
    with Session(engine) as s, s.begin():
        s.add_all(
            [
                orm.AdminAreaRow(
                    code=f"{w.township}201",
                    name="近村",
                    level="village",
                    parent_code=w.township,
                    population=800,
                    lon=115.93,
                    lat=29.62,
                    hazard_weight=2,
                ),
                orm.AdminAreaRow(
                    code=f"{w.township}202",
                    name="远村",
                    level="village",
                    parent_code=w.township,
                    population=500,
                    lon=116.6,
                    lat=30.3,
                ),
                orm.ShelterRow(
                    code="SH1",
                    name="中心小学避难场所",
                    township_code=w.township,
                    lon=115.921,
                    lat=29.611,
                    capacity_persons=1000,
                ),
            ]
        )


def test_circle_reads_villages_shelters_and_stock_from_the_database(db_url, engine, world, tmp_path):
    """Stock received at the township point covers the near village and shelter, not the far village."""
    _villages(engine, world)
    svc = build_services(Settings(database_url=db_url, coverage_norms_file=tmp_path / "none.toml"))
    svc.ledger.record_receipt(
        ReceiptCmd(
            client_id=uuid.uuid4(),
            actor="k",  # keeper of both depots
            occurred_at=NOW - timedelta(days=1),
            site_code=world.point,
            item_code=world.tent,
            lot_no="L1",
            qty=50,
            expiry=None,
        ),
        NOW,  # a posting dated NOW - 1 day is inside the backdate window only relative to NOW
    )
    q = CircleQuery(
        (world.tent,), 3600, norms=(RequirementNorm(world.tent, per_point=20),), on=date(2026, 6, 1)
    )
    rep = svc.coverage.circle(q)
    verdict = {p.name: p.reasons.get(world.tent) for p in rep.points}
    assert verdict == {"近村": None, "远村": "too_far", "中心小学避难场所": None}
    assert [s.code for s in rep.sources] == [world.point]
    damaged = svc.coverage.circle(
        CircleQuery(q.item_codes, 3600, Scenario(frozenset({world.point})), norms=q.norms, on=q.on)
    )
    assert {p.reasons.get(world.tent) for p in damaged.points} == {"no_stock"}
