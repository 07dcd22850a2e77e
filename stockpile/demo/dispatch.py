"""The demo's flood drill scenario in three townships (SYNTHETIC). The fleet and the ration norms are the demo
workbook's 车辆 and 人均标准 sheets (demo configuration, not a standard: a county enters its own).

Like demo/builder.py this is a composition script (adapters only, no services).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from stockpile.adapters.orm.dispatch import ScenarioPointRow, ScenarioRow
from stockpile.adapters.orm.ledger import AdminAreaRow, ShelterRow
from stockpile.demo.roads import closed_bridge_geojson

COUNTY = "369921"
FLOOD_TOWNSHIPS = (f"{COUNTY}102", f"{COUNTY}105", f"{COUNTY}110")  # 明湖乡, 沙洲镇, 江渚镇
DEMO_SCENARIO = "FLOOD-DEMO"
VILLAGES_PER_TOWNSHIP = 5
AFFECTED_SHARE_PCT = 5  # of a village's population; shelters take their capacity's third


def build_scenario(s: Session | None, now: datetime) -> None:
    """The flood drill: the first villages and the shelters of three townships (demand comes from the norms)."""
    assert s is not None
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
