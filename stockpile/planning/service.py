"""The reserve-planning capability as the app and the CLI call it: agreement stock (协议储备) checks and
call-offs, contracted transport, reserve standards (储备定额) and the gap against them, rotation of expiring goods,
the expiry dashboard, and the annual storage-plan review with its signed snapshot."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from stockpile import clock
from stockpile.imports.rows import ImportReport
from stockpile.planning import agreements, gap, rotation, standards_import
from stockpile.planning import review as review_use
from stockpile.planning.commands import CallOffCmd, VerifyCmd
from stockpile.planning.review import CoverageProvider
from stockpile.ports.uow import AbstractReserveUnitOfWork, AbstractUnitOfWork
from stockpile.reserve.planning_errors import ReviewMissing
from stockpile.reserve.records import (
    CallOffRecord,
    CheckRecord,
    Contract,
    PlanningConfig,
    Review,
    Snapshot,
    TransportReserve,
)
from stockpile.trust import scoped_reads


@dataclass
class PlanningService:
    uow: Callable[[], AbstractReserveUnitOfWork]  # contracts, transport, standards, reviews
    ledger_uow: Callable[[], AbstractUnitOfWork]  # for narrowing the expiry dashboard to a keeper's depots
    read_table: Callable[
        [bytes, str], Any
    ]  # file bytes, name → the sheet's header and rows (size limits bound)
    exporter: (
        Any  # the review as xlsx / pdf (adapters/documents/review.py): to_xlsx(doc, meta), to_pdf(doc, meta)
    )
    config: PlanningConfig = field(default_factory=PlanningConfig)
    coverage: CoverageProvider | None = None  # the circle's figures for the review, wired by bootstrap
    coverage_norms_are_reference: bool = False  # the circle counts with the program's reference norms

    # ---- agreement stock and contracted transport ----------------------------------------------------------
    def record_verification(self, cmd: VerifyCmd, now: datetime | None = None) -> CheckRecord:
        now = now or clock.now()
        return agreements.record_verification(cmd, self.uow(), clock.local_day(now), now)

    def call_off(self, cmd: CallOffCmd, now: datetime | None = None) -> CallOffRecord:
        return agreements.call_off(cmd, self.uow(), self.config, now or clock.now())

    def set_check_interval(self, actor: str, contract_code: str, days: int) -> None:
        agreements.set_check_interval(self.uow(), actor, contract_code, days)

    def contracts(self) -> list[Contract]:
        with self.uow() as uow:
            return list(uow.reserve.contracts())

    def agreement_alerts(self, today: date | None = None) -> list[agreements.Alert]:
        return agreements.agreement_alerts(self.contracts(), self.config, today or clock.today())

    def check_schedule(self, today: date | None = None) -> list[dict[str, Any]]:
        return agreements.check_schedule(self.contracts(), self.config, today or clock.today())

    def fleet_pool(self, on: date | None = None) -> list[TransportReserve]:
        """协议运力 valid on `on`: the dispatch optimizer's fleet pool reads this."""
        return agreements.fleet_pool(self.uow(), on or clock.today())

    def save_transport(self, actor: str, tr: TransportReserve) -> None:
        agreements.save_transport(self.uow(), actor, tr)

    # ---- standards and the gap ------------------------------------------------------------------------------
    def import_standards(
        self, data: bytes, filename: str, actor: str, now: datetime | None = None
    ) -> ImportReport:
        """上级应急物资储备指导目录 (xlsx/csv) → reserve standards, all or nothing (planner, admin)."""
        table = self.read_table(data, filename)
        return standards_import.import_standards(table, actor, self.uow(), now or clock.now())

    def import_agreements(self, data: bytes, filename: str, actor: str) -> ImportReport:
        table = self.read_table(data, filename)
        return standards_import.import_agreements(table, actor, self.uow())

    def gap_report(self, on: date | None = None) -> dict[str, list[dict[str, Any]]]:
        return gap.gap_report(self.uow(), on or clock.today(), self.config)

    def expiry_dashboard(self, on: date | None = None, *, actor: str) -> dict[str, list[dict[str, Any]]]:
        """近效期看板; a keeper's is narrowed to the assigned depots."""
        dash = gap.expiry_dashboard(self.uow(), on or clock.today(), self.config)
        return dict(scoped_reads.expiry_dashboard(self.ledger_uow(), actor, dash))

    def rotation_plan(
        self, year: int, today: date | None = None, stop: Callable[[], bool] | None = None
    ) -> rotation.RotationReport:
        return rotation.rotation_plan(self.uow(), year, today or clock.today(), self.config, stop)

    # ---- the annual storage-plan review: prepared, reviewed, approved (a signed snapshot) ------------------
    def prepare_review(
        self,
        year: int,
        actor: str,
        notes: str = "",
        now: datetime | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Review:
        now = now or clock.now()
        return review_use.prepare_review(
            self.uow(),
            year,
            actor,
            clock.local_day(now),
            now,
            self.config,
            self.coverage,
            notes,
            cancelled,
            self.coverage_norms_are_reference,
        )

    def mark_reviewed(self, year: int, actor: str, now: datetime | None = None) -> Review:
        return review_use.mark_reviewed(self.uow(), year, actor, now or clock.now())

    def approve_review(self, year: int, actor: str, now: datetime | None = None) -> Snapshot:
        return review_use.approve(self.uow(), year, actor, now or clock.now())

    def review(self, year: int) -> tuple[Review | None, list[Snapshot]]:
        return review_use.current_review(self.uow(), year)

    def export_review(self, year: int, fmt: str) -> bytes:
        """xlsx or pdf of the review: the signed snapshot once approved, else the current draft."""
        rv, snaps = self.review(year)
        if rv is None:
            raise ReviewMissing(year=year)
        doc = dict(json.loads(snaps[-1].content)) if snaps else dict(rv.content)
        with self.uow() as uow:  # the sheet names items in its reader's language; the signed content stays
            items = {i.code: (i.name, i.name_en, i.unit) for i in uow.reserve.items()}
        meta: dict[str, Any] = {
            "state": rv.state.value,
            "preparer": rv.preparer,
            "reviewer": rv.reviewer,
            "approver": rv.approver,
            "sha256": snaps[-1].sha256 if snaps else None,
            "items": items,
        }
        writer = self.exporter.to_pdf if fmt == "pdf" else self.exporter.to_xlsx
        return bytes(writer(doc, meta))
