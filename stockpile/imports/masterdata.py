"""Master-data import (主数据): the item catalogue and sites from xlsx/csv, every row checked, all or nothing."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from stockpile import clock
from stockpile.domain.catalogue import item_code_problem
from stockpile.domain.model import AdminLevel, Category, OperatingMode, OwnerType, SiteType
from stockpile.imports.rows import IMPORT_NS, ImportReport, RowError, columns_twice, map_header, show_value
from stockpile.ledger.posting import PostingDraft, post_batch
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.schemas import CellError, cell_code, cell_qty, cell_text, word_in
from stockpile.trust import authz

CATEGORY_ALIASES = {
    "抢险救援物资": "rescue",
    "救援队伍保障物资": "team_support",
    "生活救灾物资": "living_relief",
    **{c.value: c.value for c in Category},
}
YES = {
    "是": True,
    "否": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
    "": False,
}
ITEM_COLUMNS = {
    "code": ("物资编码", "code"),
    "name_zh": ("名称", "name_zh"),
    "name_en": ("英文名称", "name_en"),
    "base_unit": ("基本单位", "base_unit"),
    "category": ("类别", "category"),
    "unit_weight_g": ("单件重量(克)", "unit_weight_g"),
    "unit_volume_cm3": ("单件体积(立方厘米)", "unit_volume_cm3"),
    "shelf_life_days": ("保质期(天)", "shelf_life_days"),
    "needs_cold": ("冷链", "needs_cold"),
    "needs_dry": ("防潮", "needs_dry"),
    "hazardous": ("危险品", "hazardous"),
    "price_fen": ("单价(分)", "price_fen"),
    "packs": ("包装换算", "packs"),
}
SITE_COLUMNS = {
    "code": ("库点编码", "code"),
    "name": ("名称", "name"),
    "admin_level": ("行政级别", "admin_level"),
    "site_type": ("类型", "site_type"),
    "owner_type": ("权属", "owner_type"),
    "owner_name": ("权属单位", "owner_name"),
    "area_code": ("所属区划", "area_code"),
    "lon": ("经度", "lon"),
    "lat": ("纬度", "lat"),
    "crs": ("坐标系", "crs"),
    "loading_minutes": ("装车时间(分钟)", "loading_minutes"),
    "hazard_types": ("灾种", "hazard_types"),
}


def detect_kind(header: list[str]) -> str:
    """Which template a file follows: items, sites, or ledger movements."""
    if "base_unit" in map_header(header, ITEM_COLUMNS).values():
        return "items"
    if {"lon", "code"} <= set(map_header(header, SITE_COLUMNS).values()):
        return "sites"
    return "movements"


def _int0(v: Any) -> int:
    """A non-negative whole number (0 allowed) from a cell."""
    if v is None or (isinstance(v, str) and not v.strip()):
        raise CellError("required")
    if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v) == 0:
        return 0
    return cell_qty(v)


def _choice(v: Any, allowed: Mapping[str, Any]) -> Any:
    key = word_in(cell_text(v, 32), allowed)
    if key is None:
        raise CellError("invalid_choice")
    return allowed[key]


def _packs(v: Any) -> list[tuple[str, int]]:
    """`箱:24;托:960` → [("箱", 24), ("托", 960)]; each factor an integer > 1."""
    out = []
    for part in cell_text(v, 200).replace("；", ";").split(";"):
        if not part.strip():
            continue
        unit, _, factor = part.replace("：", ":").partition(":")
        n = cell_qty(factor.strip())
        if not unit.strip() or n <= 1:
            raise CellError("invalid_pack")
        out.append((unit.strip(), n))
    return out


ITEM_PARSERS: dict[str, Callable[[Any], Any]] = {
    "code": cell_code,
    "name_zh": lambda v: cell_text(v) or _missing(),
    "name_en": cell_text,
    "base_unit": lambda v: cell_text(v, 16) or _missing(),
    "category": lambda v: _choice(v, CATEGORY_ALIASES),
    "unit_weight_g": _int0,
    "unit_volume_cm3": _int0,
    "shelf_life_days": lambda v: None if v in (None, "") else cell_qty(v),
    "needs_cold": lambda v: _choice(v, YES),
    "needs_dry": lambda v: _choice(v, YES),
    "hazardous": lambda v: _choice(v, YES),
    "price_fen": _int0,
    "packs": _packs,
}


def _missing() -> str:
    raise CellError("required")


def _parse(
    table: Any,
    columns: Mapping[str, tuple[str, ...]],
    parsers: Mapping[str, Callable[[Any], Any]],
    required: tuple[str, ...],
    report: ImportReport,
) -> list[tuple[int, dict[str, Any]]]:
    fields = map_header(table.header, columns)
    columns_twice(fields, report)
    missing = [f for f in required if f not in fields.values()]
    for f in missing:
        report.errors.append(RowError(1, columns[f][0], "", "missing_column"))
    if report.errors:
        return []
    rows = []
    for row_no, cells in table.rows:
        values: dict[str, Any] = {}
        for header, fld in fields.items():
            try:
                values[fld] = parsers[fld](cells.get(header)) if fld in parsers else cells.get(header)
            except CellError as e:
                report.errors.append(RowError(row_no, header, show_value(cells.get(header)), e.code))
        rows.append((row_no, values))
    codes = Counter(v.get("code") for _, v in rows if v.get("code"))
    head = {f: h for h, f in fields.items()}
    for row_no, v in rows:
        if v.get("code") and codes[v["code"]] > 1:
            report.errors.append(RowError(row_no, head["code"], v["code"], "duplicate_code"))
    return rows


def _finish(
    uow: AbstractUnitOfWork, table: Any, kind: str, actor: str, at: datetime, n: int, report: ImportReport
) -> ImportReport:
    marker = uuid.uuid5(IMPORT_NS, table.sha256)
    post_batch(
        uow,
        [
            PostingDraft(
                id=marker,
                kind=kind,
                actor=actor,
                occurred_at=at,
                legs=[],
                payload={"sha256": table.sha256, "rows": n},
            )
        ],
        at,
    )
    uow.commit()
    report.accepted, report.posting_id = n, marker
    return report


def _already(uow: AbstractUnitOfWork, table: Any, report: ImportReport) -> bool:
    with uow:
        first = uow.ledger.posting(uuid.uuid5(IMPORT_NS, table.sha256))
    if first is not None:
        report.already_imported = {
            "when": clock.format_dt(first.recorded_at),
            "actor": first.actor,
        }
    return first is not None


@authz.records_denials
def _admin_op(uow: AbstractUnitOfWork, actor: str, target: str) -> None:
    """Master data is the admin's; a denial is audited."""
    with uow:
        authz.require(uow, actor, "manage_master_data", None, None, target)


def import_items(
    table: Any, actor: str, uow: AbstractUnitOfWork, now: datetime | None = None
) -> ImportReport:
    """物资目录: GB/T 38565 codes checked, units and sizes integers; existing codes are updated."""
    at, report = now or clock.now(), ImportReport()
    _admin_op(uow, actor, "items")
    if _already(uow, table, report):
        return report
    rows = _parse(
        table,
        ITEM_COLUMNS,
        ITEM_PARSERS,
        ("code", "name_zh", "base_unit", "category", "unit_weight_g", "unit_volume_cm3"),
        report,
    )
    head = {f: h for h, f in map_header(table.header, ITEM_COLUMNS).items()}
    for row_no, v in rows:
        if v.get("code") and (problem := item_code_problem(v["code"])):
            report.errors.append(RowError(row_no, head["code"], v["code"], problem))
    if report.errors:
        return report
    with uow:
        for _, v in rows:
            packs = v.pop("packs", [])
            v.setdefault("name_en", "")
            uow.master.add_item(packs=packs, **v)
        return _finish(uow, table, "import_items", actor, at, len(rows), report)


def import_sites(
    table: Any,
    actor: str,
    uow: AbstractUnitOfWork,
    read_point: Callable[..., Any],
    now: datetime | None = None,
) -> ImportReport:
    """库点: levels, types and owners from the enums; coordinates checked and converted to WGS-84 (GCJ-02/BD-09
    declared in 坐标系); the admin area must exist."""
    at, report = now or clock.now(), ImportReport()
    _admin_op(uow, actor, "sites")
    if _already(uow, table, report):
        return report
    parsers: dict[str, Callable[[Any], Any]] = {
        "code": cell_code,
        "name": lambda v: cell_text(v) or _missing(),
        "admin_level": lambda v: _choice(v, {x.value: x.value for x in AdminLevel}),
        "site_type": lambda v: _choice(v, {x.value: x.value for x in SiteType if x is not SiteType.TRANSIT}),
        "owner_type": lambda v: _choice(v, {x.value: x.value for x in OwnerType}),
        "owner_name": cell_text,
        "area_code": cell_code,
        "loading_minutes": _int0,
        "hazard_types": cell_text,
        "crs": lambda v: cell_text(v, 16),
    }
    rows = _parse(
        table,
        SITE_COLUMNS,
        parsers,
        ("code", "name", "admin_level", "site_type", "owner_type", "area_code", "lon", "lat"),
        report,
    )
    head = {f: h for h, f in map_header(table.header, SITE_COLUMNS).items()}
    with uow:
        areas = uow.master.area_codes()
        for row_no, v in rows:
            check = read_point(v.get("lon"), v.get("lat"), v.pop("crs", "") or "WGS84")
            for issue in check.issues:
                report.errors.append(
                    RowError(
                        row_no,
                        head["lon"],
                        f"{v.get('lon')}, {v.get('lat')}",
                        issue.code.replace("geo.", "geo_"),
                    )
                )
            if check.point is not None:
                v["lon"], v["lat"] = check.point.lon, check.point.lat
            if v.get("area_code") and v["area_code"] not in areas:
                report.errors.append(RowError(row_no, head["area_code"], v["area_code"], "unknown_area"))
        if report.errors:
            return report
        for _, v in rows:
            v.setdefault("operating_mode", OperatingMode.NORMAL.value)
            uow.master.add_site(**v)
        return _finish(uow, table, "import_sites", actor, at, len(rows), report)
