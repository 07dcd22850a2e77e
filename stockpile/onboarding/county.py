"""Onboard a county from its workbook: import (checked, all or nothing, idempotent, with a preview of what is
added, changed, deactivated or kept), export (the same workbook back) and the empty template.

Import compares the workbook's records with the database's, writes only what differs and takes away what the
workbook no longer lists: depots and vehicles are deactivated, other records deleted unless something still refers
to them (then kept, and the preview says so). A dry run does the same inside the transaction and rolls it back,
so its preview is exactly what the import would do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stockpile import clock
from stockpile.onboarding.boundaries import BOUNDARIES, ReadBoundaries, apply_boundaries, check_boundaries
from stockpile.onboarding.boundaries import KEY as BOUNDARY_KEY
from stockpile.onboarding.checks import check_rules, county_code
from stockpile.onboarding.parse import Parsed, Problem, RawSheet, parse_workbook
from stockpile.onboarding.points import ReadPoint, read_points
from stockpile.onboarding.sheets import COUNTY, RECORD_SHEETS, SHEETS, TOWNSHIPS, USERS, Sheet, label_of
from stockpile.onboarding.users import apply_users, check_users
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz
from stockpile.trust.passwords import PasswordHasherPort

COORD_TOLERANCE = 1e-5  # degrees (about 1 m): a point converted out and back is the same point
ToCrs = Callable[[float, float, str], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Change:
    sheet: str
    key: str
    kind: str  # added | changed | deactivated | deleted | kept
    fields: tuple[str, ...] = ()
    name: str = ""  # the record's name (乡镇名称, 名称 …) for a person to read beside the code

    @property
    def sheet_id(self) -> str:
        """The sheet's id (townships, sites, boundaries …): the catalogue names the kind of row by it
        (`county.row_kind.<id>`); "" for a sheet it does not know."""
        return {s.name: s.id for s in SHEETS}.get(self.sheet) or (
            "boundaries" if self.sheet == BOUNDARIES else ""
        )


@dataclass
class CountyReport:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False
    committed: bool = False
    setup_codes: dict[str, str] = field(
        default_factory=dict
    )  # new account → its one-time setup code (shown once)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return dict(Counter(c.kind for c in self.changes))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= COORD_TOLERANCE
    return bool(a == b)


def _key_text(key: tuple[Any, ...], sheet: Sheet | None = None) -> str:
    """A record's key as the workbook writes it: a choice by its label (县级/652323/1010101, not county/…)."""
    if sheet is None:
        return "/".join(str(k) for k in key)
    return "/".join(str(label_of(sheet.column(f), k)) for f, k in zip(sheet.key, key, strict=True))


def _name_of(rec: Mapping[str, Any] | None) -> str:
    return str((rec or {}).get("name") or "")


def import_county(
    raw: Mapping[str, RawSheet],
    actor: str,
    uow: AbstractUnitOfWork,
    read_point: ReadPoint,
    replace: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    hasher: PasswordHasherPort | None = None,
    boundaries: bytes | None = None,
    read_boundaries: ReadBoundaries | None = None,
) -> CountyReport:
    """Check every sheet and row, then write the differences in one transaction (none on any error or dry run).
    New accounts of the 用户 sheet get setup codes (hashed with `hasher`) only when the import commits. With a
    `boundaries` file (GeoJSON, read by `read_boundaries`) the townships' polygons are replaced too."""
    at = now or clock.now()
    report = CountyReport(dry_run=dry_run)

    def run() -> CountyReport:
        with uow:
            authz.require(uow, actor, "manage_master_data", None, None, "county")
            parsed = _checked(raw, read_point)
            if boundaries is not None and read_boundaries is not None and not parsed.errors:
                check_boundaries(parsed, read_boundaries(boundaries, _crs(parsed)))
            report.errors, report.warnings = parsed.errors, parsed.warnings
            if report.errors or not _replace_allowed(uow, parsed, replace, report):
                return report
            report.changes = _apply(uow, parsed)
            users, codes, report.errors = apply_users(uow, parsed, hasher, actor, at, make_codes=not dry_run)
            if report.errors:
                return report
            report.changes += [Change(USERS.name, name, kind, f) for name, kind, f in users]
            if boundaries is not None:
                shapes = parsed.records.get(BOUNDARY_KEY, {})
                report.changes += [Change(BOUNDARIES, c, k) for c, k in apply_boundaries(uow, shapes)]
            if dry_run or all(c.kind == "kept" for c in report.changes):
                return report  # a preview, or nothing changed (records still referenced stay as they were)
            detail = {"county": county_code(parsed), **report.counts()}
            authz.audit_ok(uow, actor, "manage_master_data", at, target="county", detail=detail)
            uow.commit()
            report.committed, report.setup_codes = True, codes
            return report

    return authz.guarded(uow, run)


def _crs(parsed: Parsed) -> str:
    county = next(iter(parsed.records.get(COUNTY.id, {}).values()), {})
    return str(county.get("crs") or "WGS84")


def _checked(raw: Mapping[str, RawSheet], read_point: ReadPoint) -> Parsed:
    parsed = parse_workbook(raw)
    read_points(parsed, _crs(parsed), read_point)
    if not any(p.code == "workbook_empty" for p in parsed.errors):
        check_rules(parsed)
        check_users(parsed)
    return parsed


def _replace_allowed(uow: AbstractUnitOfWork, parsed: Parsed, replace: bool, report: CountyReport) -> bool:
    """Another county's workbook over this one only with `replace`, and only while the ledger is empty."""
    new = county_code(parsed)
    settings = uow.county.county()
    current = {settings["code"]} if settings else uow.county.county_codes()
    if not current or new in current:
        return True
    was = ", ".join(sorted(current))
    if not replace:
        code = "county_mismatch"
    elif uow.county.has_movements():
        code = "replace_needs_empty_ledger"
    else:
        return True
    report.errors.append(Problem(COUNTY.name, 2, "区划代码", str(new), code, {"current": was}))
    return False


def _apply(uow: AbstractUnitOfWork, parsed: Parsed) -> list[Change]:
    """Write what differs, sheet by sheet; then take away, dependents first, what the workbook no longer lists."""
    current = uow.county.snapshot()
    changes: list[Change] = []
    for sheet in RECORD_SHEETS:
        old = current.get(sheet.id, {})
        inactive = uow.county.inactive(sheet.id)
        for key, rec in parsed.records[sheet.id].items():
            before = old.get(key)
            if before is None:
                kind = "reactivated" if key in inactive else "added"  # a depot the last workbook left out
                changes.append(Change(sheet.name, _key_text(key, sheet), kind, (), _name_of(rec)))
            else:
                diff = tuple(
                    c.header for c in sheet.columns if not _same(before.get(c.field), rec.get(c.field))
                )
                if not diff:
                    continue
                changes.append(Change(sheet.name, _key_text(key, sheet), "changed", diff, _name_of(rec)))
            uow.county.put(sheet.id, key, rec)
    for sheet in reversed(RECORD_SHEETS[1:]):  # the county row itself is never taken away
        gone = [k for k in current.get(sheet.id, {}) if k not in parsed.records[sheet.id]]
        for key in gone:
            kind = uow.county.remove(sheet.id, key)
            changes.append(
                Change(sheet.name, _key_text(key, sheet), kind, (), _name_of(current[sheet.id][key]))
            )
    code = county_code(parsed)
    if code is not None:
        if changes:
            uow.county.remove_stale_counties(code)
        if any(c.sheet == TOWNSHIPS.name for c in changes) or any(c.sheet == COUNTY.name for c in changes):
            uow.county.finish(code)
    return changes


def export_county(
    actor: str, uow: AbstractUnitOfWork, to_crs: ToCrs
) -> list[tuple[Sheet, list[dict[str, Any]]]]:
    """Every sheet as rows (header → cell), coordinates back in the county's declared system."""

    def read() -> dict[str, Any]:
        with uow:
            authz.require(uow, actor, "manage_master_data", None, None, "county")
            return dict(uow.county.snapshot())

    snap = authz.guarded(uow, read)
    county: dict[str, Any] = next(iter(snap.get(COUNTY.id, {}).values()), {})
    crs = county.get("crs") or "WGS84"
    out = []
    for sheet in SHEETS:
        rows = []
        for key in sorted(snap.get(sheet.id, {}), key=lambda k: tuple(str(x) for x in k)):
            rec = dict(snap[sheet.id][key])
            if isinstance(rec.get("lon"), float) and isinstance(rec.get("lat"), float):
                lon, lat = to_crs(rec["lon"], rec["lat"], crs)
                rec["lon"], rec["lat"] = round(lon, 6), round(lat, 6)
            rows.append({c.header: label_of(c, rec.get(c.field)) for c in sheet.columns})
        out.append((sheet, rows))
    return out


def export_boundaries(actor: str, uow: AbstractUnitOfWork) -> tuple[str, list[tuple[str, str, Any]]]:
    """The county's declared coordinate system and its townships' polygons: (code, name, WGS-84 geometry)."""

    def read() -> tuple[str, list[tuple[str, str, Any]]]:
        with uow:
            authz.require(uow, actor, "manage_master_data", None, None, "county")
            names = {k[0]: r["name"] for k, r in uow.county.snapshot().get(TOWNSHIPS.id, {}).items()}
            crs = (uow.county.county() or {}).get("crs") or "WGS84"
            shapes = uow.county.boundaries()
            return crs, [(c, names.get(c, ""), g) for c, g in sorted(shapes.items())]

    return authz.guarded(uow, read)
