"""Demo dispatch data: a fleet, demo ration norms and a flood scenario in three townships (SYNTHETIC).

The norms are demo configuration, not a standard: no national norm fixes them, so a county enters its own.
Like demo/builder.py this is a composition script (adapters only, no services).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.adapters.orm.dispatch import RationNormRow, ScenarioPointRow, ScenarioRow, VehicleRow
from stockpile.adapters.orm.ledger import AdminAreaRow, ItemRow, ShelterRow, SiteRow
from stockpile.demo.roads import closed_bridge_geojson

COUNTY = "369921"
FLOOD_TOWNSHIPS = (f"{COUNTY}102", f"{COUNTY}105", f"{COUNTY}110")  # 明湖乡, 沙洲镇, 江渚镇
DEMO_SCENARIO = "FLOOD-DEMO"
VILLAGES_PER_TOWNSHIP = 5
AFFECTED_SHARE_PCT = 5  # of a village's population; shelters take their capacity's third
# item code → (units per 100 persons, per day, shelters/medical only)
DEMO_NORMS = {
    "1020101": (300, True, False),  # bottled water, 3 per person per day
    "1020201": (200, True, False),  # instant noodles
    "1010201": (100, False, False),  # quilt, once
    "1030401": (2, False, True),  # first-aid medicine kit, shelters only
    "1030402": (1, False, True),  # insulin (cold chain), shelters only
}
# code, name, ownership, home site, kg, dm³, cold boxes, activation minutes
DEMO_FLEET = (
    ("XJK-01", "县库厢式货车1", "own", "XJK", 8000, 30000, 4, 0),
    ("XJK-02", "县库厢式货车2", "own", "XJK", 8000, 30000, 0, 0),
    ("FXK-01", "防汛库货车", "own", "FXK", 5000, 20000, 0, 0),
    ("XZ02-01", "明湖乡皮卡", "own", "XZ02", 1500, 6000, 1, 0),
    ("XZ10-01", "江渚镇皮卡", "own", "XZ10", 1500, 6000, 0, 0),
    ("WLY-C1", "物流园合同车1", "contracted", "DC-WLY", 10000, 40000, 0, 90),
    ("WLY-C2", "物流园合同车2", "contracted", "DC-WLY", 10000, 40000, 0, 90),
    ("ZY-01", "征用货车", "requisitioned", "XJK", 3000, 12000, 0, 60),
)


def _fleet(s: Session) -> None:
    sites = dict(s.execute(select(SiteRow.code, SiteRow.id)).all())
    for code, name, own, home, kg, dm3, cold, act in DEMO_FLEET:
        s.add(
            VehicleRow(
                code=code,
                name=name,
                ownership=own,
                home_site_id=sites[home],
                capacity_kg=kg,
                capacity_dm3=dm3,
                cold_boxes=cold,
                activation_minutes=act,
            )
        )


def _norms(s: Session) -> None:
    items = dict(s.execute(select(ItemRow.code, ItemRow.id)).all())
    for code, (per100, per_day, prio) in DEMO_NORMS.items():
        s.add(RationNormRow(item_id=items[code], units_per_100=per100, per_day=per_day, priority_only=prio))


def _scenario(s: Session, now: datetime) -> None:
    sc = ScenarioRow(
        code=DEMO_SCENARIO,
        name="示范县明湖乡、沙洲镇、江渚镇洪涝(演练)",
        event="flood",
        kind="drill",
        reported_at=now - timedelta(hours=1),
        sustain_days=1,
        blocked_geojson=json.dumps(closed_bridge_geojson(), ensure_ascii=False),  # 中大桥 closed by the flood
    )
    s.add(sc)
    s.flush()
    for town in FLOOD_TOWNSHIPS:
        villages = s.scalars(
            select(AdminAreaRow).where(AdminAreaRow.parent_code == town).order_by(AdminAreaRow.code)
        ).all()[:VILLAGES_PER_TOWNSHIP]
        for v in villages:
            s.add(
                ScenarioPointRow(
                    scenario_id=sc.id,
                    code=v.code,
                    name=v.name,
                    point_kind="village",
                    lon=v.lon or 0.0,
                    lat=v.lat or 0.0,
                    population=v.population * AFFECTED_SHARE_PCT // 100,
                    priority=2,
                    needed_by_minutes=480,
                )
            )
        for sh in s.scalars(
            select(ShelterRow).where(ShelterRow.township_code == town).order_by(ShelterRow.code)
        ):
            s.add(
                ScenarioPointRow(
                    scenario_id=sc.id,
                    code=sh.code,
                    name=sh.name,
                    point_kind="shelter",
                    lon=sh.lon,
                    lat=sh.lat,
                    population=sh.capacity_persons // 3,
                    priority=1,
                    needed_by_minutes=60,
                )
            )


def build_dispatch_demo(session: Session | None, now: datetime) -> None:
    """Fleet, demo norms and the flood drill scenario (demand derived from the norms)."""
    assert session is not None
    _fleet(session)
    _norms(session)
    _scenario(session, now)
