"""Checks across the county workbook's rows and sheets: references (a village's township, a vehicle's depot, an
agreement's holder and item), date ranges, capacities, and codes that belong to the county."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from stockpile import clock
from stockpile.onboarding.parse import Parsed
from stockpile.onboarding.sheets import (
    AGREEMENTS,
    CAPACITY,
    COUNTY,
    ITEMS,
    NORMS,
    SHELTERS,
    SITES,
    STANDARDS,
    TOWNSHIPS,
    TRANSPORT,
    VEHICLES,
    VILLAGES,
    Sheet,
)

# a mobile (13x–19x, 11 digits) or a landline with its area code (0797-1234567), optionally after +86
PHONE = re.compile(r"(\+?86)?(1[3-9]\d{9}|0\d{2,3}\d{7,8})")
CONTRACT_FIELDS = ("holder", "lead_time_minutes", "valid_from", "valid_to", "contact", "subsidy_fen")


def county_code(out: Parsed) -> str | None:
    codes = [k[0] for k in out.records.get(COUNTY.id, {})]
    return codes[0] if len(codes) == 1 else None


def check_rules(out: Parsed) -> None:
    """Every cross-row and cross-sheet rule; each broken one is an error naming its sheet, row, column and value."""
    code = county_code(out)
    if not out.records.get(COUNTY.id) and not any(p.sheet == COUNTY.name for p in out.errors):
        out.error(COUNTY, 2, "区划代码", "", "county_row_missing")
    _check_time_zone(out)
    _check_codes_in_county(out, code)
    _check_references(out, code)
    _check_ranges(out)
    _check_drivers(out)
    _check_contracts(out)


def _check_time_zone(out: Parsed) -> None:
    """The county's time zone is an IANA name the clock knows (Asia/Shanghai, Asia/Urumqi…)."""
    for row, r in _each(out, COUNTY):
        zone = r.get("time_zone")
        if zone is None:
            continue
        if not clock.known_zone(str(zone)):
            out.error(COUNTY, row, COUNTY.column("time_zone").header, zone, "unknown_time_zone")


def _codes(out: Parsed, sheet: Sheet) -> set[Any]:
    return {k[0] for k in out.records.get(sheet.id, {})}


def _each(out: Parsed, sheet: Sheet) -> list[tuple[int, dict[str, Any]]]:
    return [(out.row_of(sheet, k), r) for k, r in out.records.get(sheet.id, {}).items()]


def _check_codes_in_county(out: Parsed, code: str | None) -> None:
    """Township codes start with the county's code, village codes with their township's; no area code is used at
    two levels (the county's own, a township's, a village's), and no shelter has a village's code (a scenario's
    demand points are the villages and the shelters together)."""
    towns = _codes(out, TOWNSHIPS)
    for row, r in _each(out, TOWNSHIPS):
        if r["code"] and r["code"] == code:
            out.error(TOWNSHIPS, row, "乡镇代码", r["code"], "code_used_above", other=COUNTY.name)
    for row, r in _each(out, VILLAGES):
        if r["code"] and (r["code"] == code or r["code"] in towns):
            other = COUNTY.name if r["code"] == code else TOWNSHIPS.name
            out.error(VILLAGES, row, "村社区代码", r["code"], "code_used_above", other=other)
    villages = _codes(out, VILLAGES)
    for row, r in _each(out, SHELTERS):
        if r["code"] and r["code"] in villages:
            out.error(SHELTERS, row, "场所编码", r["code"], "code_used_above", other=VILLAGES.name)
    if code is None:
        return
    for row, r in _each(out, TOWNSHIPS):
        if r["code"] and not r["code"].startswith(code):
            out.error(TOWNSHIPS, row, "乡镇代码", r["code"], "code_outside_county", county=code)
    for row, r in _each(out, VILLAGES):
        if r["code"] and r.get("parent_code") and not r["code"].startswith(r["parent_code"]):
            out.error(
                VILLAGES, row, "村社区代码", r["code"], "code_outside_township", township=r["parent_code"]
            )


def _ref(out: Parsed, sheet: Sheet, field: str, known: set[Any], code: str, blank_ok: bool = False) -> None:
    column = sheet.column(field)
    by_digits = {str(k).lstrip("0"): k for k in known}  # Excel drops a number's leading zeros: 001 becomes 1
    for row, r in _each(out, sheet):
        v = r.get(field)
        if v is None or (blank_ok and v == ""):
            continue
        if v not in known:
            near = by_digits.get(str(v).lstrip("0"))
            if near is not None:
                out.error(sheet, row, column.header, v, "leading_zeros_lost", near=near)
            else:
                out.error(sheet, row, column.header, v, code)


def _check_references(out: Parsed, county: str | None) -> None:
    towns, sites, items = _codes(out, TOWNSHIPS), _codes(out, SITES), _codes(out, ITEMS)
    areas = towns | ({county} if county else set())
    _ref(out, VILLAGES, "parent_code", towns, "unknown_township")
    _ref(out, SHELTERS, "township_code", towns, "unknown_township")
    _ref(out, SITES, "area_code", areas, "unknown_area")
    _ref(out, STANDARDS, "area_code", areas, "unknown_area", blank_ok=True)
    for sheet in (STANDARDS, NORMS, AGREEMENTS, CAPACITY):
        _ref(out, sheet, "item_code", items, "unknown_item")
    _ref(out, VEHICLES, "home_site", sites, "unknown_site")
    _ref(out, AGREEMENTS, "holder", sites, "unknown_site")
    _ref(out, CAPACITY, "producer", sites, "unknown_site")
    _ref(out, TRANSPORT, "base_site", sites, "unknown_site", blank_ok=True)


def _check_ranges(out: Parsed) -> None:
    """Validity ends on or after it starts; a vehicle carries something; hazard exposure is 1–3."""
    for sheet in (AGREEMENTS, CAPACITY, TRANSPORT):
        for row, r in _each(out, sheet):
            if r.get("valid_from") and r.get("valid_to") and r["valid_to"] < r["valid_from"]:
                out.error(sheet, row, "有效期止", r["valid_to"].isoformat(), "valid_to_before_from")
    for row, r in _each(out, VEHICLES):
        kg, dm3, cold = r.get("capacity_kg"), r.get("capacity_dm3"), r.get("cold_boxes")
        if kg == 0 and dm3 == 0 and not cold:
            out.error(VEHICLES, row, "载重(千克)", "0", "vehicle_no_capacity")
        elif kg == 0 or dm3 == 0:
            out.error(
                VEHICLES, row, "载重(千克)" if kg == 0 else "容积(立方分米)", "0", "vehicle_capacity_zero"
            )
    for sheet in (TOWNSHIPS, VILLAGES):
        for row, r in _each(out, sheet):
            if r.get("hazard_weight") is not None and not 1 <= r["hazard_weight"] <= 3:
                out.error(sheet, row, "灾害暴露(1-3)", r["hazard_weight"], "hazard_weight_range")
    for row, r in _each(out, STANDARDS):
        if r.get("agreement_cap_pct") is not None and r["agreement_cap_pct"] > 100:
            out.error(STANDARDS, row, "协议储备上限(%)", r["agreement_cap_pct"], "percent_range")


def _check_drivers(out: Parsed) -> None:
    """A driver's phone is a phone number (printed on the dispatch order); a shift is at most a day."""
    for row, r in _each(out, VEHICLES):
        phone = str(r.get("driver_phone") or "")
        if phone and not PHONE.fullmatch(re.sub(r"[\s-]", "", phone)):
            out.error(VEHICLES, row, "司机电话", phone, "phone_invalid")
        if r.get("available_hours") is not None and r["available_hours"] > 24:
            out.error(VEHICLES, row, "可用时长(小时)", r["available_hours"], "hours_range")


def _check_contracts(out: Parsed) -> None:
    """The rows of one contract agree on its holder, call-off lead time, term and contact. A cell already refused
    (an unreadable date) is compared with nothing: its row is reported once, for that cell, and its sibling rows
    are checked against the contract's first readable value."""
    seen: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for row, r in _each(out, AGREEMENTS):
        seen[r["contract"]].append((row, r))
    for contract, rows in seen.items():
        first: dict[str, int] = {}  # field → the first row whose cell was read
        for row, _ in rows:
            for f in CONTRACT_FIELDS:
                if out.readable(AGREEMENTS, row, f):
                    first.setdefault(f, row)
        value = {f: dict(rows)[row].get(f) for f, row in first.items()}
        for row, r in rows:
            for f in CONTRACT_FIELDS:
                if out.readable(AGREEMENTS, row, f) and row != first[f] and r.get(f) != value[f]:
                    column = AGREEMENTS.column(f).header
                    out.error(AGREEMENTS, row, column, r.get(f), "contract_fields_differ", contract=contract)
