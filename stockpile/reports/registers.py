"""The 征用 and 捐赠 registers, the compensation list and the information publication as tables a person reads
(pure: records in, DataFrames with translated headers out; the app shows them, the CLI prints them and both export
them as xlsx/PDF). Names, not codes; money in 元; the public tables carry no personal data (seeds 000:296)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from stockpile.domain.registers import Donation, DonationUse, Owed, Publication, PublicDonation, Requisition
from stockpile.i18n import current_lang, t
from stockpile.i18n import format as fmt

Items = Mapping[str, tuple[str, str, str]]  # item code → (name zh, name en, unit)


def _frame(rows: Iterable[Sequence[Any]], cols: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=[t(f"registers.col_{c}") for c in cols])


def item_text(items: Items, code: str) -> str:
    zh, en, _ = items.get(code, (code, code, ""))
    return zh if current_lang.get() == "zh" else en


def _qty(items: Items, code: str, n: int) -> str:
    return fmt.qty(n, items.get(code, ("", "", ""))[2])


def _when(v: datetime | None) -> str:
    return "" if v is None else fmt.when(v)


def what_text(r: Requisition, items: Items) -> str:
    """Goods: item × quantity; a vehicle: its description and plate."""
    if r.kind == "goods":
        return f"{item_text(items, r.item_code)} × {_qty(items, r.item_code, r.qty)}"
    return " ".join(x for x in (r.description, r.plate) if x)


def _where(r: Requisition, sites: Mapping[str, str]) -> str:
    """A vehicle's fleet code, or the depot (by name) and lot that received the goods."""
    if r.vehicle_code:
        return r.vehicle_code
    depot = sites.get(r.home_site, r.home_site)
    return " ".join(x for x in (depot, r.lot_no) if x) or t("registers.not_received")


def requisition_table(
    rows: Sequence[Requisition], items: Items, sites: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The register for the county's staff (owners and their contacts included); depots by name."""
    sites = sites or {}
    cols = ("id", "event", "kind", "owner", "contact", "what", "condition", "taken_at", "where", "closed_at")
    return _frame(
        (
            (
                r.id,
                r.event_code,
                t(f"requisition_kind.{r.kind}"),
                r.owner,
                r.owner_contact,
                what_text(r, items),
                r.condition,
                _when(r.taken_at),
                r.vehicle_code
                or " ".join(x for x in (sites.get(r.home_site, r.home_site), r.lot_no) if x)
                or t("registers.not_received"),
                _when(r.returned_at or r.consumed_at),
            )
            for r in rows
        ),
        cols,
    )


def _basis(o: Owed, items: Items) -> str:
    n, price = (int(x) for x in o.basis.split("×"))
    if o.requisition.kind == "goods":
        return t("registers.basis_goods", qty=_qty(items, o.requisition.item_code, n), price=fmt.yuan(price))
    return t("registers.basis_vehicle", days=n, rate=fmt.yuan(price))


def compensation_tables(owed: Sequence[Owed], items: Items) -> dict[str, pd.DataFrame]:
    """Two tables: each line with how it was reckoned, and the total owed per owner."""
    lines = _frame(
        (
            (
                o.requisition.owner,
                what_text(o.requisition, items),
                _basis(o, items),
                fmt.yuan_amount(o.owed_fen),
            )
            for o in owed
        ),
        ("owner", "what", "basis", "owed_yuan"),
    )
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for o in owed:
        totals[o.requisition.owner][0] += 1
        totals[o.requisition.owner][1] += o.owed_fen
    per_owner = _frame(
        ((k, n, fmt.yuan_amount(v)) for k, (n, v) in sorted(totals.items())), ("owner", "lines", "owed_yuan")
    )
    return {t("registers.sheet_owners"): per_owner, t("registers.sheet_lines"): lines}


def donation_table(
    rows: Sequence[Donation],
    uses: Sequence[DonationUse],
    items: Items,
    sites: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The register for the county's staff: donors and contacts, lots, refusals and how much was used."""
    sites = sites or {}
    used: dict[int, int] = defaultdict(int)
    for u in uses:
        used[u.donation_id] += u.qty
    cols = ("id", "received_at", "donor", "donor_kind", "contact", "item", "qty", "lot", "expiry", "site")
    return _frame(
        (
            (
                d.id,
                _when(d.received_at),
                d.donor,
                t(f"donor_kind.{d.donor_kind}"),
                d.donor_contact,
                item_text(items, d.item_code),
                _qty(items, d.item_code, d.qty),
                d.lot_no,
                "" if d.expiry is None else d.expiry.isoformat(),
                sites.get(d.site_code, d.site_code),
                t(f"donation_status.{d.status}"),
                t(f"refusal.{d.reason}") if d.reason else "",
                _qty(items, d.item_code, used[d.id]),
            )
            for d in rows
        ),
        (*cols, "status", "reason", "used"),
    )


def public_donation_table(rows: Sequence[PublicDonation], items: Items) -> pd.DataFrame:
    """The public list: date, donor (organisations only by name), item, quantity, used and where."""
    return _frame(
        (
            (
                r.received_on,
                r.donor,
                item_text(items, r.item_code),
                _qty(items, r.item_code, r.qty),
                _qty(items, r.item_code, r.used),
                "、".join(r.used_for),
            )
            for r in rows
        ),
        ("received_on", "donor", "item", "qty", "used", "used_for"),
    )


def publication_tables(p: Publication) -> dict[str, pd.DataFrame]:
    """The four parts of the publication (demand in two tables), by township, by item; no personal data."""
    items = p.items

    def area(code: str) -> str:
        return p.areas.get(code, code)

    people = _frame(
        ((area(tw), *rest) for tw, *rest in p.people),
        ("township", "villages", "affected", "relocated", "houses"),
    )
    demand = _frame(
        ((area(tw), item_text(items, i), _qty(items, i, q), _qty(items, i, a)) for tw, i, q, a in p.demand),
        ("township", "item", "requested", "approved"),
    )
    production = _frame(
        ((t(f"production_kind.{k}"), item_text(items, i), _qty(items, i, q)) for k, i, q in p.production),
        ("production_kind", "item", "qty"),
    )
    storage = _frame(
        ((area(a), item_text(items, i), _qty(items, i, q)) for a, i, q in p.storage),
        ("area", "item", "on_hand"),
    )
    transport = _frame(
        ((item_text(items, i), _qty(items, i, d), _qty(items, i, n)) for i, d, n in p.transport),
        ("item", "delivered", "pending"),
    )
    return {
        t("publication.people"): people,
        t("publication.demand"): demand,
        t("publication.production"): production,
        t("publication.storage"): storage,
        t("publication.transport"): transport,
    }


def publication_title(p: Publication) -> tuple[str, list[str]]:
    """The document's title and its header notes (event, kind, level, first report, as of)."""
    ev = p.event
    title = t("publication.title", name=ev.name)
    notes = [
        t(
            "publication.header",
            kind=t(f"event_kind.{ev.kind}"),
            level=ev.level,
            at=fmt.when(ev.reported_at),
            now=fmt.when(p.at),
        )
    ]
    return title, notes


def keeper_state(r: Requisition) -> str:
    """Where a goods line stands for the keeper: waiting, in stock (lot), returned (qty) or consumed."""
    if r.returned_at is not None:
        return t("registers.state_returned", qty=r.returned_qty)
    if r.consumed_at is not None:
        return t("registers.step_consumed")
    if r.received_at is not None:
        return t("registers.state_in_stock", lot=r.lot_no)
    return t("registers.not_received")


def keeper_requisition_table(
    rows: Sequence[Requisition], items: Items, sites: Mapping[str, str]
) -> pd.DataFrame:
    """The goods lines bound for a keeper's depots: the 征用单 number, event, owner, what, depot and state."""
    cols = ("id", "event", "owner", "what", "site", "status")
    return _frame(
        (
            (
                r.id,
                r.event_code,
                r.owner,
                what_text(r, items),
                sites.get(r.home_site, r.home_site),
                keeper_state(r),
            )
            for r in rows
        ),
        cols,
    )
