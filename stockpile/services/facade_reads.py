"""The scoped reads of the `Services` facade (a mixin): every depot-bound read the app and the
CLI make names the actor and goes through trust/scoped_reads.py, which checks POLICY and the user's depots as
stored now. Master data (items, the county's site list for a transfer's destination) stays on `views`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import scoped_reads as reads


class ReadServices:
    uow_factory: Callable[[], AbstractUnitOfWork]
    views: Any
    documents: Any
    map_view: Any

    def my_sites(self, actor: str) -> Any:
        """The depots the actor may pick (a keeper: the assigned ones)."""
        return reads.sites(self.uow_factory(), self.views, actor)

    def stock(self, actor: str, site_code: str | None = None, **filters: Any) -> Any:
        return reads.stock(self.uow_factory(), self.views, actor, site_code, **filters)

    def stock_by_item(self, actor: str, on: date | None = None) -> Any:
        return reads.stock_by_item(self.uow_factory(), self.views, actor, on)

    def available(self, actor: str, item_code: str) -> Any:
        return reads.available(self.uow_factory(), self.views, actor, item_code)

    def balance(self, actor: str, site_code: str, item_code: str) -> int:
        return reads.balance(self.uow_factory(), self.views, actor, site_code, item_code)

    def bin_card(self, actor: str, site_code: str, item_code: str, lot_no: str | None = None) -> Any:
        return reads.bin_card(self.uow_factory(), self.views, actor, site_code, item_code, lot_no)

    def ledger(
        self,
        actor: str,
        limit: int = 500,
        since: datetime | None = None,
        action: str = "view_stock",
        site_code: str | None = None,
    ) -> Any:
        return reads.ledger(self.uow_factory(), self.views, actor, limit, since, action, site_code)

    def in_transit(self, actor: str, incoming: bool = False) -> Any:
        return reads.in_transit(self.uow_factory(), self.views, actor, incoming)

    def kpis(self, actor: str, on: date | None = None) -> dict[str, int]:
        return reads.kpis(self.uow_factory(), self.views, actor, on)

    def map_layers(self, actor: str, on: date | None = None) -> Any:
        return reads.map_layers(self.uow_factory(), self.map_view, actor, on)

    # ---- printable documents -------------------------------------------------------------------------------
    def voucher_pdf(self, posting_id: Any, lang: str = "zh", *, actor: str) -> bytes:
        """入库单 / 出库单 / 调拨单 of one posting of the actor's depots, as a PDF with an embedded CJK font."""
        return reads.voucher_pdf(self.uow_factory(), self.documents, actor, posting_id, lang)

    def count_sheet_pdf(
        self, site_code: str, lang: str = "zh", on: date | None = None, *, actor: str
    ) -> bytes:
        """盘点表 of one of the actor's depots: every lot with its book quantity and blank count columns."""
        return reads.count_sheet_pdf(self.uow_factory(), self.documents, actor, site_code, lang, on)

    def recent_postings(self, kinds: tuple[str, ...], limit: int = 50, *, actor: str) -> Any:
        """The latest postings of some kinds at the actor's depots (for picking a document to print)."""
        return reads.recent_postings(self.uow_factory(), self.documents, actor, kinds, limit)
