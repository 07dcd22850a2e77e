"""Batch import (台账导入): every row checked, every error reported with row/column/value, then all rows posted in
one transaction or none. The file's sha256 makes a re-import a no-op."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from stockpile import clock
from stockpile.domain import ledger
from stockpile.domain.errors import DomainError, PermissionDenied, UnknownLot
from stockpile.domain.model import Item, Leg, Lot, LotSource, MovementKind, OwnerType, SiteType
from stockpile.imports.rows import (
    IMPORT_NS,
    ImportReport,
    ParsedRow,
    RowError,
    cross_row_checks,
    map_header,
    parse_rows,
    show_value,
)
from stockpile.ledger.posting import PlannedLeg, PostingDraft, post_batch, retrying
from stockpile.ports.repos import LedgerRepository
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.schemas import MOVEMENT_COLUMNS
from stockpile.trust import authz


def import_movements(
    table: Any,
    actor: str,
    uow: AbstractUnitOfWork,
    now: datetime | None = None,
    confirmed: frozenset[str] = frozenset(),
    filename: str = "",
) -> ImportReport:
    """Validate every row of a receipts/issues table, then post all rows or none."""
    at = now or clock.now()
    report = ImportReport()
    marker = uuid.uuid5(IMPORT_NS, table.sha256)
    report.needs_confirmation = [c for c in table.needs_confirmation if c not in confirmed]
    authz.guarded(uow, lambda: _may_import(uow, actor), now)
    with uow:
        first = uow.ledger.posting(marker)
        if first is not None:
            report.already_imported = {
                "when": clock.format_dt(first.recorded_at),
                "actor": first.actor,
            }
            return report
    rows = parse_rows(table, report)
    header_of = {f: h for h, f in map_header(table.header, MOVEMENT_COLUMNS).items()}
    cross_row_checks(rows, report, header_of)
    if report.warnings and "identical_rows" not in confirmed:
        report.needs_confirmation.append("identical_rows")
    if report.errors or report.needs_confirmation:
        return report
    report = retrying(lambda: _post_rows(rows, table, actor, uow, at, marker, header_of, filename, report))
    denied = sorted({e.value for e in report.errors if e.code == "permission_denied"})
    if denied:  # rows on a depot the keeper is not assigned to; kept although nothing was posted
        authz.record_denial(
            uow,
            PermissionDenied(
                actor=actor, action="import", site=", ".join(denied), reason="policy", target=filename
            ),
            now,
        )
    return report


def _may_import(uow: AbstractUnitOfWork, actor: str) -> None:
    with uow:
        authz.require_role(uow, actor, "import")


def _post_rows(
    rows: list[ParsedRow],
    table: Any,
    actor: str,
    uow: AbstractUnitOfWork,
    at: datetime,
    marker: uuid.UUID,
    header_of: Mapping[str, str],
    filename: str,
    report: ImportReport,
) -> ImportReport:
    with uow:
        who = authz.require_role(uow, actor, "import")
        builder = _DraftBuilder(uow.ledger, actor, at, marker, header_of, report)
        builder.may = lambda site_id: authz.allowed(who, "import", frozenset({site_id}))
        builder.may_backdate = who.role == "admin"  # on depots granted to the admin
        drafts = builder.build(sorted(rows, key=lambda r: (r.values["occurred_at"], r.row)))
        if report.errors:
            return report
        legs = [(p.leg.site_id, p.leg.item_id, p.leg.lot_id, p.leg.qty) for d in drafts for p in d.legs]
        before = authz.on_hand_before(uow, [lg[:3] for lg in legs])
        try:
            post_batch(uow, drafts, at)
        except DomainError as e:
            di = e.params.get("draft", -1)
            row = builder.row_of[di] if 0 <= di < len(builder.row_of) else 0
            report.errors.append(RowError(row, header_of.get("qty", "数量"), "", e.code, dict(e.params)))
            return report
        marker_draft = PostingDraft(
            id=marker,
            kind="import",
            actor=actor,
            occurred_at=at,
            legs=[],
            payload={"sha256": table.sha256, "rows": len(rows), "filename": filename},
        )
        post_batch(uow, [marker_draft], at)
        target = filename or table.sha256[:16]
        authz.audit_legs(uow, actor, "import", at, legs, before, marker, target, builder.backdated)
        uow.commit()
    report.accepted, report.postings, report.posting_id = len(rows), len(drafts), marker
    return report


class _DraftBuilder:
    """Rows (in time order) → drafts, checking master data, lots and FEFO availability in memory."""

    def __init__(
        self,
        repo: LedgerRepository,
        actor: str,
        now: datetime,
        marker: uuid.UUID,
        header_of: Mapping[str, str],
        report: ImportReport,
    ) -> None:
        self.repo, self.actor, self.now, self.marker = repo, actor, now, marker
        self.h, self.report = header_of, report
        self.row_of: list[int] = []
        self.avail: dict[tuple[int, int], int] = {}
        self.lots: dict[tuple[int, str], Lot] = {}
        self.loaded: set[tuple[int, int]] = set()
        self.freeze, self.backdate_days = repo.freeze_date(), repo.backdate_days()
        self.may: Callable[[int], bool] = lambda site_id: False
        self.may_backdate, self.backdated = False, False

    def err(self, row: int, fld: str, value: Any, code: str, **params: Any) -> None:
        self.report.errors.append(RowError(row, self.h.get(fld, fld), show_value(value), code, params))

    def build(self, rows: list[ParsedRow]) -> list[PostingDraft]:
        self._prepare_lots(rows)
        drafts: list[PostingDraft] = []
        for r in rows:
            d = self._row(r)
            if d is not None:
                drafts.append(d)
                self.row_of.append(r.row)
        return drafts

    def _prepare_lots(self, rows: list[ParsedRow]) -> None:
        """Load every lot of the file's items at once and create the new receipt lots in one batch."""
        items = {v["item_code"]: self.repo.item_by_code(v["item_code"]) for v in (r.values for r in rows)}
        self.lots.update(self.repo.lots_for_items([i.id for i in items.values() if i is not None]))
        new: dict[tuple[int, str], Lot] = {}
        for r in rows:
            v = r.values
            item = items.get(v["item_code"])
            if v["kind"] != "receipt" or item is None or (item.id, v["lot_no"]) in self.lots:
                continue
            if v.get("expiry") is not None and v["expiry"] <= v["occurred_at"].date():
                continue  # reported as expired on arrival by the row pass
            new.setdefault((item.id, v["lot_no"]), _new_lot(item.id, v))
        self.lots.update(self.repo.add_lots(list(new.values())))

    def _row(self, r: ParsedRow) -> PostingDraft | None:
        v = r.values
        site = self.repo.site_by_code(v["site_code"])
        if site is not None and site.site_type is SiteType.TRANSIT:
            site = None  # 在途 is not a depot anyone posts to by hand
        item: Item | None = self.repo.item_by_code(v["item_code"])
        if site is None:
            self.err(r.row, "site_code", v["site_code"], "unknown_site")
        if item is None:
            self.err(r.row, "item_code", v["item_code"], "unknown_item")
        if site is None or item is None:
            return None
        if not self.may(site.id):
            self.err(r.row, "site_code", v["site_code"], "permission_denied", site=v["site_code"])
            return None
        try:
            back = ledger.check_posting_time(
                v["occurred_at"], self.now, self.freeze, self.may_backdate, self.backdate_days
            )
            self.backdated = self.backdated or back
            qty = ledger.check_qty(item.to_base(v["qty"], v.get("unit") or None))
        except DomainError as e:
            self.err(
                r.row,
                "occurred_at" if e.code in ("posting_in_future", "frozen") else "unit",
                v.get("occurred_at") if e.code in ("posting_in_future", "frozen") else v.get("unit"),
                e.code,
                **dict(e.params),  # the sentence's own values (an unknown unit names its item and unit)
            )
            return None
        self._load(site.id, item.id)
        legs = (
            self._receipt(r, site.id, item, qty)
            if v["kind"] == "receipt"
            else self._issue(r, site.id, item, qty)
        )
        if legs is None:
            return None
        return PostingDraft(
            id=uuid.uuid5(self.marker, str(r.row)),
            kind=v["kind"],
            actor=self.actor,
            occurred_at=v["occurred_at"],
            legs=legs,
            doc_no=v.get("doc_no", ""),
            remark=v.get("remark", ""),
            payload={**v, "row": r.row},
        )

    def _load(self, site_id: int, item_id: int) -> None:
        if (site_id, item_id) in self.loaded:
            return
        self.loaded.add((site_id, item_id))
        for b, lot in self.repo.lock_item_balances(site_id, item_id):
            self.avail[(site_id, lot.id)] = b.on_hand - b.reserved
            self.lots[(item_id, lot.lot_no)] = lot

    def _lot(self, item: Item, lot_no: str) -> Lot | None:
        return self.lots.get((item.id, lot_no))

    def _receipt(self, r: ParsedRow, site_id: int, item: Item, qty: int) -> list[PlannedLeg] | None:
        v = r.values
        lot = self._lot(item, v["lot_no"])
        try:
            ledger.check_receipt_lot(lot, v.get("expiry"), v["occurred_at"].date(), v["lot_no"])
        except DomainError as e:
            self.err(r.row, "expiry", v.get("expiry"), e.code, **e.params)
            return None
        if lot is None:
            lot = self.repo.add_lot(_new_lot(item.id, v))
            self.lots[(item.id, lot.lot_no)] = lot
        self.avail[(site_id, lot.id)] = self.avail.get((site_id, lot.id), 0) + qty
        return [PlannedLeg(Leg(MovementKind.RECEIPT, site_id, item.id, lot.id, qty), reason="passed")]

    def _issue(self, r: ParsedRow, site_id: int, item: Item, qty: int) -> list[PlannedLeg] | None:
        v = r.values
        on: date = v["occurred_at"].date()
        cands = [
            ledger.Candidate(lot, self.avail.get((site_id, lot.id), 0))
            for (iid, _), lot in self.lots.items()
            if iid == item.id
        ]
        try:
            if v.get("lot_no"):
                lot = self._lot(item, v["lot_no"])
                if lot is None:
                    raise UnknownLot(item_code=item.code, lot_no=v["lot_no"])
                ledger.check_lot_usable(lot, on)
                cands = [c for c in cands if c.lot.id == lot.id]
            picks = ledger.fefo_pick(cands, qty, on)
        except DomainError as e:
            self.err(
                r.row,
                "lot_no" if e.code in ("unknown_lot", "lot_expired") else "qty",
                v.get("lot_no") if e.code in ("unknown_lot", "lot_expired") else v["qty"],
                e.code,
                **e.params,
            )
            return None
        for lot, q in picks:
            self.avail[(site_id, lot.id)] -= q
        return [
            PlannedLeg(
                Leg(MovementKind.ISSUE, site_id, item.id, lot.id, -q), purpose=v.get("purpose", "relief")
            )
            for lot, q in picks
        ]


def _new_lot(item_id: int, v: dict[str, Any]) -> Lot:
    """The lot a receipt row creates: its number, expiry and origin as the row gives them."""
    return Lot(
        0,
        item_id,
        v["lot_no"],
        v.get("expiry"),
        v.get("manufactured_on"),
        OwnerType(v.get("owner_type", "government")),
        "",
        LotSource(v.get("source", "procured")),
        v.get("donor", ""),
        v["occurred_at"],
    )
