"""The fictional demo county 示范县 (code 369921), built by a seeded generator.

Everything here is SYNTHETIC: names, codes, populations and coordinates are invented, shaped on a
lake-side county like Chaisang (000:24): 12 township-level units, ~170 villages, 24 shelters, a county depot, an
equipment store, 11 township points, a team base, a custodial (代储) enterprise warehouse and three agreement
holders; 44 catalogue items (stockpile/resources/catalogue.csv, demo GB/T 38565-style codes); lots with spread-out expiries (some
near expiry, a few expired); a year of movements posted through the real ledger engine.

Like bootstrap.py this module wires adapters and services together (it is a composition script).
"""

from __future__ import annotations

import csv
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from stockpile import clock
from stockpile.adapters.db.database_kind import DatabaseState, database_state, mark
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.demo.dispatch import build_dispatch_demo
from stockpile.demo.reserve import build_reserve_demo
from stockpile.domain.errors import DomainError
from stockpile.domain.model import IssuePurpose, LotSource, OwnerType, WriteOffReason
from stockpile.ledger import stock
from stockpile.ledger.posting import post_batch
from stockpile.resources import resource
from stockpile.schemas import (
    CountCmd,
    IssueCmd,
    ReceiptCmd,
    ReceiveTransferCmd,
    ReverseCmd,
    TransferCmd,
    WriteOffCmd,
)

AS_OF_TIME = time(17, 0)  # county time of an as-of date
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
LIVING_POINT_ITEMS = [
    "1010101",
    "1010201",
    "1010301",
    "1010402",
    "1020101",
    "1020201",
    "1020202",
    "1030101",
    "1030302",
    "2010101",
    "2020101",
    "2020102",
    "2020201",
    "2020202",
    "2030201",
    "3020101",
]


@dataclass
class Scale:
    """How big a county to build: the demo, or a large one for benchmarks (≥ 1 M movements)."""

    villages_per_township: tuple[int, int] = (12, 17)
    history_days: int = 365
    extra_issue_rounds: int = 0  # large county: many small issues/receipts
    lots_per_key: tuple[int, int] = (1, 3)
    seed: int = 20261123


@dataclass
class Built:
    site_codes: list[str] = field(default_factory=list)
    movements: int = 0
    postings: int = 0


def _jitter(rng: random.Random, spread: float) -> float:
    return rng.uniform(-spread, spread)


def load_catalogue() -> list[dict[str, Any]]:
    with resource("catalogue.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build_master(uow: SqlAlchemyUnitOfWork, rng: random.Random, scale: Scale, today: date) -> dict[str, Any]:
    """Admin areas, villages, shelters, sites, items, agreements, capacity reserves."""
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
        n = rng.randint(*scale.villages_per_township)
        shares = [rng.uniform(0.6, 1.4) for _ in range(n)]
        for j in range(n):
            while True:
                vname = rng.choice(SURNAMES) + rng.choice(PLACES)
                if vname not in used:
                    used.add(vname)
                    break
            ang, rad = rng.uniform(0, 2 * math.pi), rng.uniform(0.01, 0.06)
            m.add_admin_area(
                code=f"{code}{200 + j:03d}",
                name=vname,
                level="village",
                parent_code=code,
                population=int(pop * 0.75 * shares[j] / sum(shares)),
                lon=round(lon + rad * math.cos(ang), 5),
                lat=round(lat + rad * math.sin(ang), 5),
                hazard_weight=hazard,
            )
        for k, (sname, cap) in enumerate(
            [(f"{name}中心小学应急避难场所", 1500), (f"{name}文化广场应急避难场所", 800)]
        ):
            m.add_shelter(
                code=f"SH{i:02d}{k + 1}",
                name=sname,
                township_code=code,
                lon=round(lon + _jitter(rng, 0.01), 5),
                lat=round(lat + _jitter(rng, 0.01), 5),
                capacity_persons=cap + rng.randint(0, 1200),
            )
        towns.append({"code": code, "name": name, "lon": lon, "lat": lat, "index": i})
    return {"towns": towns}


def build_sites(uow: SqlAlchemyUnitOfWork, towns: list[dict[str, Any]], today: date) -> dict[str, int]:
    m = uow.master
    gov = {"owner_type": "government", "owner_name": "示范县应急管理局"}
    m.add_site(
        code="XJK",
        name="示范县救灾物资储备库",
        admin_level="county",
        site_type="depot",
        area_code=COUNTY,
        lon=115.905,
        lat=29.595,
        loading_minutes=20,
        hazard_types="flood,earthquake,fire",
        **gov,
    )
    m.add_site(
        code="FXK",
        name="示范县防汛抗旱物资仓库",
        admin_level="county",
        site_type="equipment_store",
        area_code=COUNTY,
        lon=115.955,
        lat=29.640,
        loading_minutes=25,
        hazard_types="flood,drought",
        **gov,
    )
    m.add_site(
        code="SLXF",
        name="示范县森林消防队营房",
        admin_level="county",
        site_type="team_base",
        area_code=f"{COUNTY}103",
        lon=115.76,
        lat=29.48,
        loading_minutes=15,
        hazard_types="forest_fire",
        **gov,
    )
    for t in towns[:11]:
        m.add_site(
            code=f"XZ{t['index']:02d}",
            name=f"{t['name']}应急物资储备点",
            admin_level="township",
            site_type="point",
            area_code=t["code"],
            lon=round(t["lon"] + 0.004, 5),
            lat=round(t["lat"] - 0.003, 5),
            loading_minutes=10,
            hazard_types="flood",
            **gov,
        )
    ent = {"owner_type": "enterprise", "admin_level": "county", "area_code": COUNTY}
    m.add_site(
        code="DC-WLY",
        name="示范县物流园代储仓库",
        site_type="enterprise_warehouse",
        owner_name="示范物流园有限公司",
        lon=115.93,
        lat=29.57,
        loading_minutes=20,
        **ent,
    )
    m.add_site(
        code="XY-CS",
        name="联华超市示范店(协议储备)",
        site_type="supermarket",
        owner_name="联华超市示范店",
        lon=115.91,
        lat=29.61,
        loading_minutes=15,
        **ent,
    )
    m.add_site(
        code="XY-SP",
        name="康源食品厂(协议/产能储备)",
        site_type="producer",
        owner_name="示范康源食品有限公司",
        lon=115.99,
        lat=29.52,
        loading_minutes=30,
        **ent,
    )
    m.add_site(
        code="XY-YF",
        name="仁和大药房(协议储备)",
        site_type="supermarket",
        owner_name="仁和大药房连锁",
        lon=115.90,
        lat=29.605,
        loading_minutes=10,
        **ent,
    )
    return dict(m.site_ids())


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


# A contract term relative to the as-of day (no calendar-year cliff): signed 323 days before, running
# 41 more days (as of 2026-11-20 that is the old 1 Jan – 31 Dec term, so the demo reads as it always did).
TERM_BEFORE_DAYS, TERM_AFTER_DAYS = 323, 41


def contract_term(today: date) -> tuple[date, date]:
    """Start and end of the demo's agreements and capacity reserve, relative to the as-of day."""
    return today - timedelta(days=TERM_BEFORE_DAYS), today + timedelta(days=TERM_AFTER_DAYS)


def build_agreements(uow: SqlAlchemyUnitOfWork, sites: dict[str, int], today: date) -> None:
    """Three agreement holders (supermarket, food factory, pharmacy) and one capacity reserve."""
    ids = uow.master.item_ids()
    y0, y1 = contract_term(today)

    def line(
        code: str, qty: int, price: int, verified_days_ago: int | None, verified: int | None = None
    ) -> dict[str, Any]:
        return {
            "item_id": ids[code],
            "agreed_qty": qty,
            "price_fen": price,
            "last_verified_on": today - timedelta(days=verified_days_ago)
            if verified_days_ago is not None
            else None,
            "last_verified_qty": (verified if verified is not None else qty)
            if verified_days_ago is not None
            else None,
        }

    uow.master.add_agreement(
        "XY-2026-001",
        sites["XY-CS"],
        y0,
        y1,
        120,
        contact="联华超市 王经理 0792-0000001",
        subsidy_fen=2_000_000,
        lines=[
            line("1020101", 30000, 150, 40),
            line("1020201", 20000, 350, 40),
            line("1020203", 3000, 1800, 40),
            line("1020204", 10000, 150, 40, 8000),
            line("1030201", 2000, 1500, 40),
        ],
    )
    uow.master.add_agreement(
        "XY-2026-002",
        sites["XY-SP"],
        y0,
        today + timedelta(days=60),
        240,
        contact="康源食品 李厂长 0792-0000002",
        subsidy_fen=1_500_000,
        lines=[line("1020202", 20000, 500, 120), line("1020201", 10000, 350, 120)],
    )
    uow.master.add_agreement(
        "XY-2026-003",
        sites["XY-YF"],
        y0,
        y1,
        90,
        contact="仁和大药房 赵店长 0792-0000003",
        lines=[
            line("1030302", 50000, 50, 20),
            line("1030301", 2000, 1500, 20),
            line("1030401", 500, 6000, None),
        ],
    )
    uow.master.add_capacity(
        producer_site_id=sites["XY-SP"],
        item_id=ids["1020202"],
        units_per_day=40000,
        activation_minutes=720,
        valid_from=y0,
        valid_to=y1,
    )
    uow.master.add_capacity(
        producer_site_id=sites["XY-SP"],
        item_id=ids["1020201"],
        units_per_day=60000,
        activation_minutes=720,
        valid_from=y0,
        valid_to=y1,
    )


def _stock_plan(items: dict[str, dict[str, Any]], sites: dict[str, int]) -> list[tuple[str, str, int]]:
    """(site, item, target qty) pairs: what each depot normally holds."""
    plan: list[tuple[str, str, int]] = []
    for code, r in items.items():
        base = max(5, int(3_000_000 / max(int(r["price_fen"]), 50)))  # cheaper goods in larger numbers
        base = min(base, 24000)
        if code.startswith("1"):
            plan.append(("XJK", code, base))
        elif code.startswith("204"):
            plan.append(("SLXF", code, max(10, base // 3)))
        else:
            plan.append(("FXK", code, max(4, base // 2)))
    for s in sites:
        if s.startswith("XZ"):
            plan += [
                (s, c, max(10, min(2400, int(2_000_000 / max(int(items[c]["price_fen"]), 50)))))
                for c in LIVING_POINT_ITEMS
            ]
    plan += [("DC-WLY", "1010201", 3000), ("DC-WLY", "1010101", 400), ("DC-WLY", "1010301", 600)]
    return plan


def _lot_expiry(rng: random.Random, r: dict[str, Any], today: date) -> tuple[date | None, date | None]:
    if not r["shelf_life_days"]:
        return None, None
    life = int(r["shelf_life_days"])
    expiry = today + timedelta(days=rng.choice([-12, 5, 20, 45, 75, 120, 200, 300, 420, 600, 800]))
    expiry = min(expiry, today + timedelta(days=life))
    return expiry, expiry - timedelta(days=life)


@dataclass
class _Ctx:
    uow: SqlAlchemyUnitOfWork
    now: datetime
    built: Built
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def run(self, kind: str, cmd: Any) -> Any:
        decide: Any = {
            "receipt": stock.decide_receipt,
            "issue": stock.decide_issue,
            "transfer": stock.decide_transfer,
            "transfer_receive": stock.decide_receive_transfer,
            "count": stock.decide_count,
            "write_off": stock.decide_write_off,
            "reversal": stock.decide_reverse,
        }[kind]
        try:
            if kind == "count":
                cmd = self._realistic_count(cmd)
            draft, after = decide(self.uow.ledger, cmd, self.now)
            [res] = post_batch(self.uow, [draft], self.now)
        except DomainError:
            return None  # a generated event that the rules refuse (e.g. stock ran short) is simply skipped
        self.built.postings += 1
        self.built.movements += len(res.movement_seqs)
        return after(res) if after else res

    def _realistic_count(self, cmd: CountCmd) -> CountCmd:
        """Generated counts find the system quantity, now and then off by one or two (a real stocktake's variance)."""
        repo = self.uow.ledger
        item = stock.item_or_raise(repo, cmd.item_code)
        site = stock.site_or_raise(repo, cmd.site_code)
        lot = stock.lot_or_raise(repo, item, cmd.lot_no)
        system = repo.balance_as_of(site.id, lot.id, cmd.occurred_at)
        variance = self.rng.choice([0, 0, 0, 0, -1, 1, -2])
        return cmd.model_copy(update={"counted": max(0, system + variance)})


def _cid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def build_history(
    ctx: _Ctx,
    rng: random.Random,
    items: dict[str, dict[str, Any]],
    sites: dict[str, int],
    scale: Scale,
    today: date,
) -> None:
    """A year of receipts, transfers, drills, a flood, stocktakes, write-offs and a reversal, in time order."""
    start = ctx.now - timedelta(days=scale.history_days)
    events: list[tuple[datetime, str, Any]] = []
    plan = _stock_plan(items, sites)
    lots_of: dict[tuple[str, str], list[str]] = {}
    for n, (site, code, qty) in enumerate(plan):
        r = items[code]
        for k in range(rng.randint(*scale.lots_per_key)):
            expiry, made = _lot_expiry(rng, r, today)
            at = start + timedelta(days=rng.uniform(0, 40), hours=rng.uniform(8, 17) - 8)
            if expiry is not None and expiry <= at.date():
                at = datetime.combine(expiry - timedelta(days=rng.randint(30, 90)), datetime.min.time(), UTC)
                at = max(at, start)
            lot_no = f"{code[-4:]}-{today.year - 1}{n:03d}{k}"
            lots_of.setdefault((site, code), []).append(lot_no)
            events.append(
                (
                    at,
                    "receipt",
                    ReceiptCmd(
                        client_id=_cid(rng),
                        actor="keeper_demo",
                        occurred_at=at,
                        site_code=site,
                        item_code=code,
                        lot_no=lot_no,
                        qty=max(2, int(qty * rng.uniform(0.5, 0.9))),
                        expiry=expiry,
                        manufactured_on=made,
                        owner_type=OwnerType.GOVERNMENT,
                        source=LotSource(rng.choice(["procured"] * 8 + ["donated"])),
                        donor="爱心企业(示例)" if rng.random() < 0.1 else "",
                        supplier="示例供应商",
                        inspector="验收员甲",
                        doc_no=f"RK{at:%Y%m%d}{n:04d}",
                    ),
                )
            )
    _add_operations(events, rng, plan, lots_of, start, scale)
    events.sort(key=lambda e: e[0])
    transfers: list[tuple[datetime, uuid.UUID]] = []
    for at, kind, cmd in events:
        while transfers and transfers[0][0] <= at:
            t_at, tid = transfers.pop(0)
            ctx.run(
                "transfer_receive",
                ReceiveTransferCmd(
                    client_id=_cid(rng), actor="keeper_demo", occurred_at=t_at, transfer_id=tid
                ),
            )
        res = ctx.run(kind, cmd)
        if kind == "transfer" and res is not None and rng.random() < 0.9:
            transfers.append((at + timedelta(hours=rng.uniform(1, 6)), res.transfer_id))
        if kind == "issue" and res is not None and cmd.remark == "录入错误" and rng.random() < 1.0:
            ctx.run(
                "reversal",
                ReverseCmd(
                    client_id=_cid(rng),
                    actor="keeper_demo",
                    occurred_at=at + timedelta(hours=2),
                    posting_id=res.posting_id,
                    remark="冲销录入错误",
                ),
            )
    for t_at, tid in transfers:
        if t_at <= ctx.now:
            ctx.run(
                "transfer_receive",
                ReceiveTransferCmd(
                    client_id=_cid(rng), actor="keeper_demo", occurred_at=t_at, transfer_id=tid
                ),
            )


def _add_operations(
    events: list[tuple[datetime, str, Any]],
    rng: random.Random,
    plan: list[tuple[str, str, int]],
    lots_of: dict[tuple[str, str], list[str]],
    start: datetime,
    scale: Scale,
) -> None:
    flood = start + timedelta(days=200)
    points = sorted({s for s, _, _ in plan if s.startswith("XZ")})
    for site, code, qty in plan:

        def t(lo: float, hi: float) -> datetime:
            return start + timedelta(days=rng.uniform(lo, hi), hours=rng.uniform(0, 9))

        rounds = 2 + scale.extra_issue_rounds
        for _ in range(rounds):
            if rng.random() < 0.5:
                events.append(
                    (
                        t(45, scale.history_days - 2),
                        "issue",
                        IssueCmd(
                            client_id=_cid(rng),
                            actor="keeper_demo",
                            occurred_at=t(45, scale.history_days - 2),
                            site_code=site,
                            item_code=code,
                            qty=max(1, int(qty * rng.uniform(0.01, 0.05))),
                            purpose=IssuePurpose(rng.choice(["drill", "drill", "rotation"])),
                            event_tag="年度演练",
                        ),
                    )
                )
        if site == "XJK" and rng.random() < 0.5:
            for dst in rng.sample(points, 2):
                at = t(60, scale.history_days - 5)
                events.append(
                    (
                        at,
                        "transfer",
                        TransferCmd(
                            client_id=_cid(rng),
                            actor="keeper_demo",
                            occurred_at=at,
                            from_site_code=site,
                            to_site_code=dst,
                            item_code=code,
                            qty=max(1, int(qty * rng.uniform(0.02, 0.06))),
                            doc_no=f"DB{at:%Y%m%d}",
                        ),
                    )
                )
        if site in points[:4] and code in LIVING_POINT_ITEMS[:8]:
            at = flood + timedelta(hours=rng.uniform(2, 30))
            events.append(
                (
                    at,
                    "issue",
                    IssueCmd(
                        client_id=_cid(rng),
                        actor="keeper_demo",
                        occurred_at=at,
                        site_code=site,
                        item_code=code,
                        qty=max(1, int(qty * rng.uniform(0.1, 0.3))),
                        purpose=IssuePurpose.RELIEF,
                        event_tag="明湖洪涝(示例)",
                    ),
                )
            )
        for lot_no in lots_of[(site, code)]:
            if rng.random() < 0.25:
                at = t(90, scale.history_days - 1)
                events.append(
                    (
                        at,
                        "count",
                        CountCmd(
                            client_id=_cid(rng),
                            actor="keeper_demo",
                            occurred_at=at,
                            site_code=site,
                            item_code=code,
                            lot_no=lot_no,
                            counted=0,
                        ),
                    )
                )
            if rng.random() < 0.04:
                at = t(100, scale.history_days - 1)
                events.append(
                    (
                        at,
                        "write_off",
                        WriteOffCmd(
                            client_id=_cid(rng),
                            actor="keeper_demo",
                            occurred_at=at,
                            site_code=site,
                            item_code=code,
                            lot_no=lot_no,
                            qty=1,
                            reason=WriteOffReason.DAMAGED,
                        ),
                    )
                )
    at = start + timedelta(days=150)
    events.append(
        (
            at,
            "issue",
            IssueCmd(
                client_id=_cid(rng),
                actor="keeper_demo",
                occurred_at=at,
                site_code="XJK",
                item_code="1010201",
                qty=12,
                purpose=IssuePurpose.DRILL,
                remark="录入错误",
            ),
        )
    )


class NotADemoDatabase(DomainError):
    """Demo data and demo accounts only go into a database created as a demo."""

    code = "not_a_demo_database"


def database_label(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def create_demo_database(url: str) -> None:
    """Create the database at `url` as a demo: migrate it and mark it `demo` in the database itself. Only a SQLite
    file that does not exist yet or a database without any table may become a demo; a demo is migrated again."""
    from stockpile.adapters.db.migrate import upgrade

    state = database_state(url)
    if state not in (DatabaseState.MISSING, DatabaseState.EMPTY, DatabaseState.DEMO):
        raise NotADemoDatabase(state=str(state), database=database_label(url))
    upgrade(url)
    if state != DatabaseState.DEMO:
        mark(url, DatabaseState.DEMO)


def require_demo_database(url: str) -> None:
    state = database_state(url)
    if state != DatabaseState.DEMO:
        raise NotADemoDatabase(state=str(state), database=database_label(url))


def demo_now(as_of: date | datetime | None = None) -> datetime:
    """The instant the demo is built as of: a date means 17:00 county time that day (the moment the test demo has
    always used, 09:00 UTC), a datetime is taken as is, None is the clock's now."""
    if as_of is None:
        at = clock.now()
    elif isinstance(as_of, datetime):
        at = clock.local(as_of)
    else:
        at = datetime.combine(as_of, AS_OF_TIME, tzinfo=clock.county_tz())
    return at.replace(microsecond=0)


def build_demo(
    url: str, scale: Scale | None = None, now: datetime | None = None, as_of: date | datetime | None = None
) -> Built:
    """Build the demo county into an empty (migrated) database at `url`, as of `as_of` (or the instant `now`;
    default: the clock's now). Every date in it (lots, expiries, contracts, checks, history, the drill's report
    time) is relative to that moment; the process clock is pinned there while it builds, so postings and audit
    entries carry demo-relative times. Only into a database created as a demo (`create_demo_database`); refused on
    any other database (`NotADemoDatabase`)."""
    require_demo_database(url)
    scale = scale or Scale()
    rng = random.Random(scale.seed)
    now = demo_now(now if now is not None else as_of)
    today = clock.local_day(now)
    with clock.pinned(now):
        return _build(url, scale, rng, now, today)


def _build(url: str, scale: Scale, rng: random.Random, now: datetime, today: date) -> Built:
    engine = make_engine(url)
    uow = SqlAlchemyUnitOfWork(engine)
    built = Built()
    with uow:
        towns = build_master(uow, rng, scale, today)["towns"]
        sites = build_sites(uow, towns, today)
        items = build_items(uow)
        build_agreements(uow, sites, today)
        build_users(uow, sites, now)
        build_dispatch_demo(uow.session, now)  # fleet, norms, flood drill
        uow.commit()
    with uow:
        ctx = _Ctx(uow, now, built)
        build_history(ctx, rng, items, sites, scale, today)
        uow.commit()
    build_reserve_demo(uow, sites, today, now, stock.record_receipt)
    built.site_codes = sorted(sites)
    engine.dispose()
    return built


# Demo logins (documented in docs/trust.md and SECURITY.md; change them before real use):
# admin / admin-demo-2026 and admin2 / admin2-demo-2026 (four-eyes needs two admins), dispatcher /
# dispatch-demo-2026, planner / planner-demo-2026, keeper_xjk (county depot XJK) / keeper-demo-2026,
# keeper_xz01 … (one per township point) / keeper-demo-2026, keeper_demo (all depots; the generated history's
# actor) / keeper-demo-2026.
DEMO_PASSWORDS = {
    "admin": "admin-demo-2026",
    "admin2": "admin2-demo-2026",
    "dispatcher": "dispatch-demo-2026",
    "planner": "planner-demo-2026",
    "keeper": "keeper-demo-2026",
}


def build_users(uow: SqlAlchemyUnitOfWork, sites: dict[str, int], now: datetime) -> None:
    """Demo users: two admins, a dispatcher, a planner, one keeper per depot or point, and keeper_demo."""
    from stockpile.adapters.repos.passwords import Argon2Hasher

    hasher = Argon2Hasher()
    hashes = {role: hasher.hash(pw) for role, pw in DEMO_PASSWORDS.items()}
    depots = {c: i for c, i in sites.items() if c == "XJK" or c.startswith("XZ")}
    auth = uow.auth
    for name, role in (
        ("admin", "admin"),
        ("admin2", "admin"),
        ("dispatcher", "dispatcher"),
        ("planner", "planner"),
    ):
        auth.add_user(name, role, hashes[name], "", now)
    for code, sid in sorted(depots.items()):
        uid = auth.add_user(f"keeper_{code.lower()}", "keeper", hashes["keeper"], f"{code} 保管员", now)
        auth.set_sites(uid, frozenset({sid}))
    uid = auth.add_user("keeper_demo", "keeper", hashes["keeper"], "演示保管员", now)
    auth.set_sites(uid, frozenset(depots.values()))


def has_data(url: str) -> bool:
    """True if the database already holds items (the demo, or real data)."""
    from sqlalchemy import func, select

    from stockpile.adapters.orm.ledger import ItemRow

    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return bool(c.execute(select(func.count()).select_from(ItemRow)).scalar())
    finally:
        engine.dispose()


def wipe(url: str) -> None:
    """Remove everything (only for `relief demo --force`, only in a demo database): delete the SQLite file or drop
    the PG schema."""
    from sqlalchemy import text

    require_demo_database(url)
    if url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()
