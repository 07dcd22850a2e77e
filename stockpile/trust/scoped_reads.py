"""Scoped reads: every depot-bound read a keeper can reach is authorised here, not by a page.

The actor's role and depots are re-read from the database on every call (`authz.require_role` / `require`) and
checked against POLICY. A read of one depot (a bin card, a count sheet, a voucher) on a depot the user may not see
is `PermissionDenied`, audited as `authz_denied` like every other denial; a list (stock, ledger, transfers in
transit, vouchers to print, the map) is narrowed to the user's depots. The read model (views, documents, map) is
injected and does the narrowing in its query: it is handed the depot codes (`site_codes`, None = all).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from stockpile.domain.errors import InvalidCommand, PermissionDenied, UnknownItem, UnknownLot, UnknownSite
from stockpile.ports.uow import AbstractUnitOfWork
from stockpile.trust import authz

T = TypeVar("T")
Codes = frozenset[str] | None  # the depots a read may show; None = every depot


def _codes(uow: AbstractUnitOfWork, actor: str, action: str, site_code: str | None) -> Codes:
    """Inside a transaction: the depots the read may show. A named depot must be allowed (else PermissionDenied;
    for a keeper an unknown depot is refused the same way, so codes are not probed)."""
    who = authz.require_role(uow, actor, action)
    scope = authz.POLICY[(who.role, action)]
    if site_code is None:
        if scope is authz.Scope.ALL:
            return None
        return frozenset(uow.auth.site_codes(who.site_ids).values()) if who.site_ids else frozenset()
    site = uow.ledger.site_by_code(site_code)
    try:
        authz.require(uow, actor, action, frozenset() if site is None else {site.id}, target=site_code)
    except PermissionDenied as e:
        if not e.params.get("site"):  # an unknown depot: named as asked, refused as any depot not one's own
            e.params["site"] = site_code
        raise
    if site is None:
        raise UnknownSite(site_code=site_code)
    return frozenset({site_code})


@authz.records_denials
def _read_guarded(
    uow: AbstractUnitOfWork, actor: str, action: str, site_code: str | None, read: Callable[[Codes], T]
) -> T:
    """Authorise, then read with the scope; a denial is audited in a transaction of its own."""
    with uow:
        codes = _codes(uow, actor, action, site_code)
    return read(codes)


def site_scope(uow: AbstractUnitOfWork, actor: str, site_code: str | None = None) -> Codes:
    """The depots the actor may see (one named depot: that one, if allowed)."""
    return _read_guarded(uow, actor, "view_stock", site_code, lambda codes: codes)


def sites(uow: AbstractUnitOfWork, views: Any, actor: str) -> Any:
    """The depots the actor may pick (a keeper: the assigned ones)."""
    return _read_guarded(uow, actor, "view_stock", None, lambda codes: views.sites(site_codes=codes))


def stock(
    uow: AbstractUnitOfWork, views: Any, actor: str, site_code: str | None = None, **filters: Any
) -> Any:
    """Balances by lot of the depots the actor may see (one depot: PermissionDenied if not the actor's)."""
    return _read_guarded(
        uow,
        actor,
        "view_stock",
        site_code,
        lambda c: views.stock(site_code=site_code, site_codes=c, **filters),
    )


def stock_by_item(uow: AbstractUnitOfWork, views: Any, actor: str, on: date | None = None) -> Any:
    """Totals per item over the depots the actor may see."""
    return _read_guarded(uow, actor, "view_stock", None, lambda c: views.stock_by_item(on=on, site_codes=c))


def rollup_reader(uow: AbstractUnitOfWork, actor: str) -> None:
    """The province roll-up reads this county (its stock, gaps and coverage) only for a user the county granted
    `view_rollup` (the province role); a keeper or a planner is refused and audited like every denial."""
    _read_guarded(uow, actor, "view_rollup", None, lambda codes: None)


def available(uow: AbstractUnitOfWork, views: Any, actor: str, item_code: str) -> Any:
    """Available to dispatch per source, of the sources the actor may see (a keeper: own depots)."""
    return _read_guarded(
        uow, actor, "view_stock", None, lambda c: views.available_to_dispatch(item_code, site_codes=c)
    )


def balance(uow: AbstractUnitOfWork, views: Any, actor: str, site_code: str, item_code: str) -> int:
    """On hand of one item at one depot the actor may see."""
    return int(
        _read_guarded(uow, actor, "view_stock", site_code, lambda _c: views.balance(site_code, item_code))
    )


def bin_card(
    uow: AbstractUnitOfWork, views: Any, actor: str, site_code: str, item_code: str, lot_no: str | None = None
) -> Any:
    """货位卡 of one item at one depot the actor may see; an item or lot the county does not know is UnknownItem or
    UnknownLot (an empty card would read as "no movement")."""

    def read(_codes: Codes) -> Any:  # the depot is checked first: a denial never depends on the item
        with uow:
            item = uow.ledger.item_by_code(item_code)
            if item is None:
                raise UnknownItem(item_code=item_code)
            if lot_no and uow.ledger.lot(item.id, lot_no) is None:
                raise UnknownLot(item_code=item_code, lot_no=lot_no)
        return views.bin_card(site_code, item_code, lot_no)

    return _read_guarded(uow, actor, "view_stock", site_code, read)


def ledger(
    uow: AbstractUnitOfWork,
    views: Any,
    actor: str,
    limit: int = 500,
    since: datetime | None = None,
    action: str = "view_stock",
    site_code: str | None = None,
) -> Any:
    """The ledger (movements, newest first) at the depots the actor may see, or of one depot (PermissionDenied
    if not the actor's); `action="export"` for a download."""
    return _read_guarded(
        uow, actor, action, site_code, lambda c: views.movements(since=since, limit=limit, site_codes=c)
    )


def in_transit(uow: AbstractUnitOfWork, views: Any, actor: str, incoming: bool = False) -> Any:
    """Transfers on 在途 from or to the actor's depots (`incoming`: those the actor may receive)."""
    return _read_guarded(
        uow, actor, "view_stock", None, lambda c: views.in_transit(site_codes=c, incoming=incoming)
    )


def kpis(uow: AbstractUnitOfWork, views: Any, actor: str, on: date | None = None) -> dict[str, int]:
    """Lots, expiring and expired lots, transfers in transit over the actor's depots."""
    return dict(_read_guarded(uow, actor, "view_stock", None, lambda c: views.kpis(on=on, site_codes=c)))


def map_layers(uow: AbstractUnitOfWork, map_view: Any, actor: str, on: date | None = None) -> Any:
    """The home map: a keeper's map shows only the assigned depots (and no agreement holders)."""
    return _read_guarded(uow, actor, "view_stock", None, lambda c: map_view.layers(on=on, site_codes=c))


def recent_postings(
    uow: AbstractUnitOfWork, documents: Any, actor: str, kinds: tuple[str, ...], limit: int = 50
) -> Any:
    """The latest postings to print, of the actor's depots only."""
    return _read_guarded(
        uow, actor, "export", None, lambda c: documents.recent_postings(kinds, limit, site_codes=c)
    )


def count_sheet_pdf(
    uow: AbstractUnitOfWork, documents: Any, actor: str, site_code: str, lang: str, on: date | None = None
) -> bytes:
    """盘点表 of one depot the actor may see."""
    return bytes(
        _read_guarded(
            uow, actor, "export", site_code, lambda _c: documents.count_sheet_pdf(site_code, lang, on)
        )
    )


@authz.records_denials
def voucher_pdf(
    uow: AbstractUnitOfWork, documents: Any, actor: str, posting_id: uuid.UUID, lang: str = "zh"
) -> bytes:
    """入库单 / 出库单 / 调拨单 of a posting with a leg at one of the actor's depots (a transfer: also its
    destination's keeper); any other posting is PermissionDenied."""
    with uow:
        who = authz.require_role(uow, actor, "export")
        sites = _posting_sites(uow, posting_id)
        if not any(authz.allowed(who, "export", frozenset({s})) for s in sites):
            codes = uow.auth.site_codes(sites) if sites else {}
            raise PermissionDenied(
                actor=actor,
                action="export",
                site=", ".join(sorted(codes.values())),
                reason="policy",
                target=str(posting_id),
            )
    return bytes(documents.voucher_pdf(posting_id, lang))


def _posting_sites(uow: AbstractUnitOfWork, posting_id: uuid.UUID) -> frozenset[int]:
    """The depots a posting touched (not 在途), and a transfer's destination."""
    if uow.ledger.posting(posting_id) is None:
        raise InvalidCommand(reason="unknown_posting", posting_id=str(posting_id))
    transit = uow.ledger.transit_site_id()
    sites = {m.site_id for m in uow.ledger.movements_of(posting_id) if m.site_id != transit}
    found = uow.ledger.transfer(posting_id)
    if found is not None:
        sites.add(found[0].to_site_id)
    return frozenset(sites)


def expiry_dashboard(uow: AbstractUnitOfWork, actor: str, dash: dict[str, list[dict[str, Any]]]) -> Any:
    """近效期看板 narrowed to the actor's depots: a keeper gets the buckets of the assigned depots and no
    county-wide recommendations (those are the planner's)."""
    codes = _read_guarded(uow, actor, "view_stock", None, lambda c: c)
    if codes is None:
        return dash
    return {"buckets": [r for r in dash["buckets"] if r.get("site_code") in codes], "recommendations": []}


@dataclass(frozen=True)
class ScopedReads:
    """The reads the app and the CLI make of stock, documents and the map, each checked for the actor here."""

    uow: Callable[[], AbstractUnitOfWork]
    views: Any  # the read side (adapters/read/views.py)
    documents: Any  # printable documents (adapters/documents/ledger.py)
    map_view: Any  # the home map's layers (adapters/read/mapview.py)

    def my_sites(self, actor: str) -> Any:
        """The depots the actor may pick (a keeper: the assigned ones)."""
        return sites(self.uow(), self.views, actor)

    def stock(self, actor: str, site_code: str | None = None, **filters: Any) -> Any:
        return stock(self.uow(), self.views, actor, site_code, **filters)

    def stock_by_item(self, actor: str, on: date | None = None) -> Any:
        return stock_by_item(self.uow(), self.views, actor, on)

    def rollup_reader(self, actor: str) -> None:
        """PermissionDenied unless the county granted the actor the province roll-up."""
        rollup_reader(self.uow(), actor)

    def available(self, actor: str, item_code: str) -> Any:
        return available(self.uow(), self.views, actor, item_code)

    def balance(self, actor: str, site_code: str, item_code: str) -> int:
        return balance(self.uow(), self.views, actor, site_code, item_code)

    def bin_card(self, actor: str, site_code: str, item_code: str, lot_no: str | None = None) -> Any:
        return bin_card(self.uow(), self.views, actor, site_code, item_code, lot_no)

    def ledger(
        self,
        actor: str,
        limit: int = 500,
        since: datetime | None = None,
        action: str = "view_stock",
        site_code: str | None = None,
    ) -> Any:
        return ledger(self.uow(), self.views, actor, limit, since, action, site_code)

    def in_transit(self, actor: str, incoming: bool = False) -> Any:
        return in_transit(self.uow(), self.views, actor, incoming)

    def kpis(self, actor: str, on: date | None = None) -> dict[str, int]:
        return kpis(self.uow(), self.views, actor, on)

    def map_layers(self, actor: str, on: date | None = None) -> Any:
        return map_layers(self.uow(), self.map_view, actor, on)

    def voucher_pdf(self, posting_id: uuid.UUID, lang: str = "zh", *, actor: str) -> bytes:
        """入库单 / 出库单 / 调拨单 of one posting of the actor's depots, as a PDF with an embedded CJK font."""
        return voucher_pdf(self.uow(), self.documents, actor, posting_id, lang)

    def count_sheet_pdf(
        self, site_code: str, lang: str = "zh", on: date | None = None, *, actor: str
    ) -> bytes:
        """盘点表 of one of the actor's depots: every lot with its book quantity and blank count columns."""
        return count_sheet_pdf(self.uow(), self.documents, actor, site_code, lang, on)

    def recent_postings(self, kinds: tuple[str, ...], limit: int = 50, *, actor: str) -> Any:
        """The latest postings of some kinds at the actor's depots (for picking a document to print)."""
        return recent_postings(self.uow(), self.documents, actor, kinds, limit)
