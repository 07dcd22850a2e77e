"""The onboarding capability as the app and the CLI call it (`svc.onboarding`): the county workbook's template,
its import (with a dry-run preview) and its export."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockpile.onboarding import county
from stockpile.onboarding.boundaries import ReadBoundaries
from stockpile.onboarding.county import CountyReport, ToCrs
from stockpile.onboarding.parse import RawSheet
from stockpile.onboarding.points import ReadPoint
from stockpile.onboarding.sheets import NOTES, NOTES_SHEET, SHEETS, Sheet
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust.passwords import PasswordHasherPort

# (name, headers, rows as header → value, drop-down choices per header), notes sheet name, notes → xlsx bytes
WriteWorkbook = Callable[[Sequence[Any], str, Sequence[str]], bytes]


def _choices(sheet: Sheet) -> dict[str, list[str]]:
    return {c.header: list(c.choices) for c in sheet.columns if c.choices is not None}


def template_workbook(write_workbook: WriteWorkbook) -> bytes:
    """Every sheet with its headers and drop-downs, no rows; the 说明 sheet explains the rules (no database)."""
    sheets: list[Any] = [(s.name, [c.header for c in s.columns], [], _choices(s)) for s in SHEETS]
    return write_workbook(sheets, NOTES_SHEET, NOTES)


@dataclass(frozen=True)
class OnboardingService:
    uow: Callable[[], AbstractUnitOfWork]
    read_workbook: Callable[[bytes], Mapping[str, RawSheet]]
    write_workbook: WriteWorkbook
    read_point: ReadPoint
    to_crs: ToCrs
    hasher: PasswordHasherPort  # setup codes of the accounts the 用户 sheet makes
    read_boundaries: ReadBoundaries  # township outlines (GeoJSON) → checked polygons in WGS-84
    write_boundaries: Callable[[list[tuple[str, str, Any]], str], bytes]  # back in the declared system

    def template(self) -> bytes:
        """Every sheet with its headers and drop-downs, no rows; the 说明 sheet explains the rules."""
        return template_workbook(self.write_workbook)

    def import_workbook(
        self,
        data: bytes,
        actor: str,
        replace: bool = False,
        dry_run: bool = False,
        now: datetime | None = None,
        boundaries: bytes | None = None,
    ) -> CountyReport:
        """Read the file (container checks), check every sheet and row, write all or nothing (or preview only);
        with `boundaries` (a GeoJSON file of township outlines) their polygons too."""
        raw = self.read_workbook(data)
        return county.import_county(
            raw,
            actor,
            self.uow(),
            self.read_point,
            replace,
            dry_run,
            now,
            hasher=self.hasher,
            boundaries=boundaries,
            read_boundaries=self.read_boundaries,
        )

    def export_boundaries(self, actor: str) -> bytes | None:
        """The townships' polygons as GeoJSON in the county's declared system (None when there is none)."""
        crs, rows = county.export_boundaries(actor, self.uow())
        return self.write_boundaries(rows, crs) if rows else None

    def export_workbook(self, actor: str) -> bytes:
        """The county's data as the same workbook: importing it back changes nothing."""
        sheets = county.export_county(actor, self.uow(), self.to_crs)
        rows = [(s.name, [c.header for c in s.columns], r, _choices(s)) for s, r in sheets]
        return self.write_workbook(rows, NOTES_SHEET, NOTES)
