"""The demo county's master data (invented for the demo): admin areas (county, 12 township-level units, their
villages), two shelters per township, and the 44 catalogue items (stockpile/resources/catalogue.csv)."""

from __future__ import annotations

import csv
import math
import random
from datetime import date
from typing import Any

from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.demo.scale import Scale
from stockpile.resources import resource

COUNTY = "369921"
CENTER = (115.90, 29.60)
TOWNSHIPS = [  # name, kind, offset (lon, lat), population
    ("城关镇", "zhen", (0.00, 0.00), 62000),
    ("明湖乡", "xiang", (0.12, 0.10), 21000),
    ("青山镇", "zhen", (-0.13, -0.11), 26000),
    ("石门镇", "zhen", (-0.15, 0.06), 24000),
    ("沙洲镇", "zhen", (0.15, -0.03), 19000),
    ("东岗乡", "xiang", (0.07, -0.14), 15000),
    ("西峰乡", "xiang", (-0.07, 0.15), 13000),
    ("南塘镇", "zhen", (-0.01, -0.17), 22000),
    ("北岭乡", "xiang", (0.02, 0.16), 12000),
    ("江渚镇", "zhen", (0.17, 0.15), 17000),
    ("新港街道", "jiedao", (0.06, 0.04), 35000),
    ("红旗垦殖场", "chang", (-0.16, -0.02), 8000),
]
DEMO_SETTINGS = {  # the demo county's 县情, as its workbook's first sheet would give them
    "name": "示范县",
    "code": COUNTY,
    "bureau": "示范县应急管理局",
    "time_zone": "Asia/Shanghai",
    "guarantee_minutes": 60,
    "initial_relief_hours": 8,
    "effective_relief_hours": 10,
    "crs": "WGS84",
}
SURNAMES = "李王张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
PLACES = [
    "家村",
    "坊村",
    "塘村",
    "湾村",
    "畈村",
    "岭村",
    "桥村",
    "垄村",
    "洲村",
    "山村",
    "冲村",
    "铺村",
    "圩村",
    "港村",
]


def _jitter(rng: random.Random, spread: float) -> float:
    return rng.uniform(-spread, spread)


def load_catalogue() -> list[dict[str, Any]]:
    with resource("catalogue.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build_master(uow: SqlAlchemyUnitOfWork, rng: random.Random, scale: Scale, today: date) -> dict[str, Any]:
    """Admin areas, villages and shelters; the townships as ``{"towns": [...]}`` for the sites."""
    m = uow.master
    m.add_admin_area(code="36", name="江西省(示例)", level="province", population=0, lon=None, lat=None)
    m.add_admin_area(
        code="3699", name="示范市", level="city", parent_code="36", population=0, lon=None, lat=None
    )
    m.add_admin_area(
        code=COUNTY,
        name="示范县",
        level="county",
        parent_code="3699",
        population=sum(t[3] for t in TOWNSHIPS),
        lon=CENTER[0],
        lat=CENTER[1],
    )
    uow.county.put("county", (COUNTY,), DEMO_SETTINGS)
    used: set[str] = set()
    towns: list[dict[str, Any]] = []
    for i, (name, kind, (dx, dy), pop) in enumerate(TOWNSHIPS, start=1):
        code = f"{COUNTY}{100 + i:03d}"
        lon, lat = CENTER[0] + 0.75 * dx, CENTER[1] + 0.75 * dy
        hazard = 3 if name in ("明湖乡", "江渚镇", "沙洲镇") else (2 if name in ("青山镇", "西峰乡") else 1)
        m.add_admin_area(
            code=code,
            name=name,
            level="township",
            parent_code=COUNTY,
            population=pop,
            lon=lon,
            lat=lat,
            township_kind=kind,
            hazard_weight=hazard,
        )
        town = {"code": code, "name": name, "lon": lon, "lat": lat, "index": i}
        _add_villages(uow, rng, scale, town, pop, hazard, used)
        _add_shelters(uow, rng, town)
        towns.append(town)
    return {"towns": towns}


def _add_villages(
    uow: SqlAlchemyUnitOfWork,
    rng: random.Random,
    scale: Scale,
    town: dict[str, Any],
    pop: int,
    hazard: int,
    used: set[str],
) -> None:
    """A township's villages: unique invented names (``used`` so far), three quarters of its population shared
    out at random, scattered around its centre."""
    code, lon, lat = town["code"], town["lon"], town["lat"]
    n = rng.randint(*scale.villages_per_township)
    shares = [rng.uniform(0.6, 1.4) for _ in range(n)]
    for j in range(n):
        while True:
            vname = rng.choice(SURNAMES) + rng.choice(PLACES)
            if vname not in used:
                used.add(vname)
                break
        ang, rad = rng.uniform(0, 2 * math.pi), rng.uniform(0.01, 0.06)
        uow.master.add_admin_area(
            code=f"{code}{200 + j:03d}",
            name=vname,
            level="village",
            parent_code=code,
            population=int(pop * 0.75 * shares[j] / sum(shares)),
            lon=round(lon + rad * math.cos(ang), 5),
            lat=round(lat + rad * math.sin(ang), 5),
            hazard_weight=hazard,
        )


def _add_shelters(uow: SqlAlchemyUnitOfWork, rng: random.Random, town: dict[str, Any]) -> None:
    """Two shelters per township (a school and a square) near its centre."""
    name, i = town["name"], town["index"]
    for k, (sname, cap) in enumerate(
        [(f"{name}中心小学应急避难场所", 1500), (f"{name}文化广场应急避难场所", 800)]
    ):
        uow.master.add_shelter(
            code=f"SH{i:02d}{k + 1}",
            name=sname,
            township_code=town["code"],
            lon=round(town["lon"] + _jitter(rng, 0.01), 5),
            lat=round(town["lat"] + _jitter(rng, 0.01), 5),
            capacity_persons=cap + rng.randint(0, 1200),
        )


def build_items(uow: SqlAlchemyUnitOfWork) -> dict[str, dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    for r in load_catalogue():
        packs = [(p.split(":")[0], int(p.split(":")[1])) for p in r["packs"].split(";") if p]
        uow.master.add_item(
            code=r["code"],
            name_zh=r["name_zh"],
            name_en=r["name_en"],
            base_unit=r["base_unit"],
            category=r["category"],
            unit_weight_g=int(r["unit_weight_g"]),
            unit_volume_cm3=int(r["unit_volume_cm3"]),
            shelf_life_days=int(r["shelf_life_days"]) if r["shelf_life_days"] else None,
            needs_cold=r["needs_cold"] == "1",
            needs_dry=r["needs_dry"] == "1",
            hazardous=r["hazardous"] == "1",
            price_fen=int(r["price_fen"]),
            packs=packs,
        )
        items[r["code"]] = r
    return items
