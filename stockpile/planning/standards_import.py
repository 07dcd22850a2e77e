"""Imports of reserve planning, all or nothing with (row, column, value, code) errors:

- the higher-level guiding catalogue 上级应急物资储备指导目录 → reserve standards (储备定额), replacing the table;
- agreement contracts (协议储备) one line per contract × item.

A file the reader refuses (merged header cells, wrong container …) raises `FileRejected` before any row is read.
Unknown items, levels or areas, negative quantities, a validity period ending before it starts: row errors,
nothing committed.
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from stockpile.imports.rows import ImportReport, RowError, header_ok, map_header, parse_cells
from stockpile.ports.uow import AbstractReserveUnitOfWork
from stockpile.reserve.records import Standard, StandardBasis
from stockpile.schemas import CellError, cell_code, cell_date, cell_text, foreign_digits, word_in
from stockpile.trust import authz

LEVELS = {
    "county": "county",
    "县": "county",
    "县级": "county",
    "township": "township",
    "乡": "township",
    "乡级": "township",
    "乡镇": "township",
    "乡镇级": "township",
    "village": "village",
    "村": "village",
    "村级": "village",
}
BASES = {
    "absolute": "absolute",
    "绝对数量": "absolute",
    "定量": "absolute",
    "per_capita": "per_capita",
    "人均": "per_capita",
}
YES_NO = {
    "是": True,
    "否": False,
    "y": True,
    "n": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
    "true": True,
    "false": False,
}

STANDARD_COLUMNS: dict[str, tuple[str, ...]] = {
    "level": ("层级", "level"),
    "area_code": ("区划代码", "area_code"),
    "item_code": ("物资编码", "item_code"),
    "basis": ("定额方式", "basis"),
    "qty": ("定额数量", "qty"),
    "per_1000_per_day": ("每千人每日", "per_1000_per_day"),
    "sustain_days": ("保障天数", "sustain_days"),
    "counts_physical": ("计入实物", "counts_physical"),
    "counts_custodial": ("计入代储", "counts_custodial"),
    "counts_agreement": ("计入协议", "counts_agreement"),
    "agreement_cap_pct": ("协议占比上限%", "agreement_cap_pct"),
    "source": ("依据", "source"),
}
STANDARD_REQUIRED = ("level", "item_code", "basis")

AGREEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "contract_code": ("协议编号", "contract_code"),
    "holder_site_code": ("储备单位编码", "holder_site_code"),
    "item_code": ("物资编码", "item_code"),
    "agreed_qty": ("协议数量", "agreed_qty"),
    "price_fen": ("单价(分)", "price_fen"),
    "valid_from": ("有效期自", "valid_from"),
    "valid_to": ("有效期至", "valid_to"),
    "lead_time_minutes": ("响应时间(分钟)", "lead_time_minutes"),
    "contact": ("联系人", "contact"),
    "subsidy_fen": ("补贴(分)", "subsidy_fen"),
}
AGREEMENT_REQUIRED = (
    "contract_code",
    "holder_site_code",
    "item_code",
    "agreed_qty",
    "valid_from",
    "valid_to",
)


MAX_COUNT = 1_000_000_000  # as a ledger quantity (QTY_MAX)
MAX_DAYS = 3660


def cell_count(v: object) -> int:
    """Whole numbers ≥ 0 (blank = 0); a negative number is its own error."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return 0
    if isinstance(v, bool):
        raise CellError("qty_not_integer")
    if isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip()
        if s.startswith("="):
            raise CellError("formula_not_value")
        if foreign_digits(s):
            raise CellError("digits_not_ascii")
        if re.fullmatch(r"-[0-9]+(\.[0-9]+)?", s):
            raise CellError("negative_quantity")
        if not re.fullmatch(r"[0-9]+", s):
            raise CellError("qty_not_integer")
        return int(s)
    if isinstance(v, float):
        if math.isnan(v) or not v.is_integer():
            raise CellError("qty_not_integer")
        v = int(v)
    if not isinstance(v, int):
        raise CellError("qty_not_integer")
    if v < 0:
        raise CellError("negative_quantity")
    if v > MAX_COUNT:  # a typo's 999999999999 multiplied by days and people overflowed the plan's arithmetic
        raise CellError("qty_too_large")
    return v


def cell_days(v: object) -> int:
    """Days of supply: a whole number of at most ``MAX_DAYS`` (ten years)."""
    days = cell_count(v)
    if days > MAX_DAYS:
        raise CellError("days_too_large")
    return days


def _choice(aliases: Mapping[str, Any], code: str) -> Callable[[object], Any]:
    def parse(v: object) -> Any:
        key = word_in(cell_text(v, 32).strip(), aliases)
        if key is None:
            raise CellError(code)
        return aliases[key]

    return parse


def _flag(v: object) -> bool:
    return (
        True
        if v is None or (isinstance(v, str) and not v.strip())
        else bool(_choice(YES_NO, "invalid_choice")(v))
    )


STANDARD_PARSERS: dict[str, Callable[[object], Any]] = {
    "level": _choice(LEVELS, "unknown_level"),
    "area_code": lambda v: "" if v in (None, "") else cell_code(v),
    "item_code": cell_code,
    "basis": _choice(BASES, "invalid_choice"),
    "qty": cell_count,
    "per_1000_per_day": cell_count,
    "sustain_days": cell_days,
    "counts_physical": _flag,
    "counts_custodial": _flag,
    "counts_agreement": _flag,
    "agreement_cap_pct": lambda v: 100 if v in (None, "") else cell_count(v),
    "source": lambda v: cell_text(v, 200),
}

AGREEMENT_PARSERS: dict[str, Callable[[object], Any]] = {
    "contract_code": cell_code,
    "holder_site_code": cell_code,
    "item_code": cell_code,
    "agreed_qty": cell_count,
    "price_fen": cell_count,
    "valid_from": lambda v: cell_date(v, required=True),
    "valid_to": lambda v: cell_date(v, required=True),
    "lead_time_minutes": cell_count,
    "contact": lambda v: cell_text(v, 200),
    "subsidy_fen": cell_count,
}


def parse_table(
    table: Any,
    columns: Mapping[str, tuple[str, ...]],
    required: tuple[str, ...],
    parsers: Mapping[str, Callable[[object], Any]],
    report: ImportReport,
) -> list[tuple[int, dict[str, Any], dict[str, str]]]:
    """Cells → typed values with every bad cell reported; returns (row, values, field → header)."""
    fields = map_header(table.header, columns)
    if not header_ok(table, fields, columns, required, report):
        return []
    header_of = {f: h for h, f in fields.items()}
    out = []
    for row_no, cells in table.rows:
        out.append((row_no, parse_cells(row_no, cells, fields, parsers, report), header_of))
    return out


def standards_from_table(
    table: Any, items: set[str], areas: Mapping[str, str], report: ImportReport
) -> list[Standard]:
    """Validate the guiding catalogue; `areas` maps area code → level. Returns [] when any row is wrong."""
    rows = parse_table(table, STANDARD_COLUMNS, STANDARD_REQUIRED, STANDARD_PARSERS, report)
    keys: Counter[tuple[str, str, str]] = Counter()
    out = []
    for row_no, v, h in rows:
        if "item_code" in v and v["item_code"] not in items:
            report.errors.append(RowError(row_no, h["item_code"], v["item_code"], "unknown_item"))
        area = v.get("area_code", "")
        if area and "level" in v and areas.get(area) != v["level"]:
            report.errors.append(RowError(row_no, h["area_code"], area, "unknown_area"))
        if v.get("basis") == "absolute" and "qty" in v and v["qty"] <= 0:
            report.errors.append(
                RowError(row_no, h.get("qty", "定额数量"), str(v["qty"]), "qty_not_positive")
            )
        if v.get("basis") == "per_capita" and not (v.get("per_1000_per_day") and v.get("sustain_days")):
            report.errors.append(
                RowError(row_no, h.get("per_1000_per_day", "每千人每日"), "", "norm_required")
            )
        if v.get("agreement_cap_pct", 0) > 100:
            report.errors.append(
                RowError(row_no, h["agreement_cap_pct"], str(v["agreement_cap_pct"]), "pct_over_100")
            )
        if {"level", "item_code"} <= v.keys():
            key = (v["level"], area, v["item_code"])
            keys[key] += 1
            if keys[key] == 2:
                report.errors.append(RowError(row_no, h["item_code"], v["item_code"], "duplicate_standard"))
            out.append(
                Standard(
                    v["level"],
                    area,
                    v["item_code"],
                    StandardBasis(v["basis"]) if "basis" in v else StandardBasis.ABSOLUTE,
                    **{
                        k: v[k]
                        for k in STANDARD_PARSERS
                        if k in v and k not in ("level", "area_code", "item_code", "basis")
                    },
                )
            )
    return [] if report.errors else out


def agreements_from_table(
    table: Any, items: set[str], sites: set[str], report: ImportReport
) -> dict[str, dict[str, Any]]:
    """Validate an agreement sheet: one row per contract × item. Returns contract code → contract + lines."""
    rows = parse_table(table, AGREEMENT_COLUMNS, AGREEMENT_REQUIRED, AGREEMENT_PARSERS, report)
    out: dict[str, dict[str, Any]] = {}
    for row_no, v, h in rows:
        if "item_code" in v and v["item_code"] not in items:
            report.errors.append(RowError(row_no, h["item_code"], v["item_code"], "unknown_item"))
        if "holder_site_code" in v and v["holder_site_code"] not in sites:
            report.errors.append(
                RowError(row_no, h["holder_site_code"], v["holder_site_code"], "unknown_site")
            )
        if "agreed_qty" in v and v["agreed_qty"] <= 0:
            report.errors.append(RowError(row_no, h["agreed_qty"], str(v["agreed_qty"]), "qty_not_positive"))
        vf, vt = v.get("valid_from"), v.get("valid_to")
        if isinstance(vf, date) and isinstance(vt, date) and vt < vf:
            report.errors.append(RowError(row_no, h["valid_to"], vt.isoformat(), "period_reversed"))
        if "contract_code" not in v:
            continue
        c = out.setdefault(
            v["contract_code"],
            {
                "row": row_no,
                "lines": [],
                **{
                    k: v.get(k)
                    for k in (
                        "holder_site_code",
                        "valid_from",
                        "valid_to",
                        "lead_time_minutes",
                        "contact",
                        "subsidy_fen",
                    )
                },
            },
        )
        if any(ln["item_code"] == v.get("item_code") for ln in c["lines"]):
            report.errors.append(
                RowError(row_no, h["item_code"], str(v.get("item_code")), "duplicate_standard")
            )
        c["lines"].append(
            {
                "item_code": v.get("item_code"),
                "agreed_qty": v.get("agreed_qty", 0),
                "price_fen": v.get("price_fen", 0),
            }
        )
    return {} if report.errors else out


def import_standards(table: Any, actor: str, uow: AbstractReserveUnitOfWork, now: datetime) -> ImportReport:
    """Replace the reserve standards with the guiding catalogue (planner, admin): every row valid, or nothing
    written (a refused file writes no audit row either)."""
    report = ImportReport()

    def body() -> None:
        items = {i.code for i in uow.reserve.items()}
        areas = {a.code: a.level for a in uow.reserve.areas()}
        rows = standards_from_table(table, items, areas, report)
        if report.errors:
            raise _Refused
        report.accepted = uow.reserve.replace_standards(rows, now)

    with contextlib.suppress(_Refused):  # row errors: nothing written, the report says why
        authz.write_as(uow, actor, "manage_reserve_plan", body, now, "standards")
    return report


def import_agreements(
    table: Any, actor: str, uow: AbstractReserveUnitOfWork, now: datetime | None = None
) -> ImportReport:
    """Add or update agreement contracts and their lines (planner, admin): every row valid, or nothing
    written."""
    report = ImportReport()

    def body() -> None:
        item_ids = uow.master.item_ids()
        site_ids = uow.master.site_ids()
        contracts = agreements_from_table(table, set(item_ids), set(site_ids), report)
        if report.errors:
            raise _Refused
        for code, c in contracts.items():
            uow.master.add_agreement(
                code,
                site_ids[c["holder_site_code"]],
                c["valid_from"],
                c["valid_to"],
                c["lead_time_minutes"] or 0,
                [
                    {
                        "item_id": item_ids[ln["item_code"]],
                        "agreed_qty": ln["agreed_qty"],
                        "price_fen": ln["price_fen"],
                    }
                    for ln in c["lines"]
                ],
                contact=c["contact"] or "",
                subsidy_fen=c["subsidy_fen"] or 0,
            )
            report.accepted += len(c["lines"])

    with contextlib.suppress(_Refused):  # row errors: nothing written, the report says why
        authz.write_as(uow, actor, "manage_reserve_plan", body, now, "agreements")
    return report


class _Refused(Exception):
    """A file with row errors: roll back, return the report."""
