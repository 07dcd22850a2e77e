"""The import capability as the app and the CLI call it: one uploaded file (xlsx or csv) of ledger movements, the
item catalogue or the county's sites, recognised by its header, every row checked, posted all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from stockpile.domain.errors import FileRejected
from stockpile.imports import ledger_files, masterdata
from stockpile.imports.rows import ImportReport
from stockpile.ports.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class ImportService:
    uow: Callable[[], AbstractUnitOfWork]
    read_table: Callable[
        [bytes, str], Any
    ]  # file bytes, name → the sheet's header and rows (size limits bound)
    read_point: Callable[..., Any]  # a site's declared coordinates (WGS-84 / GCJ-02 / BD-09) → WGS-84
    documents: Any  # the xlsx import template

    def import_file(
        self,
        data: bytes,
        filename: str,
        actor: str,
        confirmed: frozenset[str] = frozenset(),
        now: datetime | None = None,
    ) -> ImportReport:
        """Read (container checks) → validate every row → post all or nothing."""
        table = self.read_table(data, filename)
        if not table.rows:  # a header alone: a "successful" import of nothing would read as done
            raise FileRejected("no_rows")
        kind = masterdata.detect_kind(table.header)
        if kind == "items":
            return masterdata.import_items(table, actor, self.uow(), now)
        if kind == "sites":
            return masterdata.import_sites(table, actor, self.uow(), self.read_point, now)
        return ledger_files.import_movements(table, actor, self.uow(), now, confirmed, filename)

    def import_template(self, lang: str = "zh") -> bytes:
        """An xlsx import template (sheet 导入) with the accepted Chinese headers and two example rows."""
        return bytes(self.documents.import_template(lang))
