"""Expiry buckets (临期预警) and the rule for moving short-life items to agreement reserve.

``expiry`` is the last usable date (有效期至). days_left = expiry − as_of: < 0 → ``expired``; otherwise the
first threshold (default 30 / 60 / 90 / 180 days) it does not exceed; beyond the last one the lot is not at
risk and is left out. Value at risk = qty × unit value (fen). For the rotation planner the day index of
expiry is ``(expiry - plan_start).days + 1`` (the first day the lot no longer counts).

Recommendation (000:295: 市场保有量充足、保质期短 → 协议储备): an item whose shelf life is at most
``max_shelf_life_days``, or that was rotated at least ``min_rotations_per_year`` times in the last year, is
better held as agreement reserve; the reason says which rule fired.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

DEFAULT_THRESHOLDS = (30, 60, 90, 180)


@dataclass(frozen=True, slots=True)
class StockLot:
    """A lot on hand at a site (None expiry = does not expire)."""

    site_id: str
    item_code: str
    lot_id: str
    qty: int
    expiry: date | None
    unit_value_fen: int = 0


@dataclass(frozen=True, slots=True)
class ExpiryLine:
    """Quantity and value at risk of one site × item in one bucket (``expired`` or ``le_<days>``)."""

    site_id: str
    item_code: str
    bucket: str
    qty: int
    value_fen: int


def bucket_of(
    expiry: date | None, as_of: date, thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
) -> str | None:
    """The bucket name for one expiry date, or None when it is not at risk. A lot whose expiry is on or before
    ``as_of`` is expired, as in the ledger (``Lot.is_expired_on``) and the rotation model."""
    if expiry is None:
        return None
    left = (expiry - as_of).days
    if left <= 0:
        return "expired"
    return next((f"le_{t}" for t in sorted(thresholds) if left <= t), None)


def expiry_report(
    lots: Iterable[StockLot], as_of: date, thresholds: tuple[int, ...] = DEFAULT_THRESHOLDS
) -> list[ExpiryLine]:
    """Lines per site × item × bucket, ordered by site, item and urgency."""
    order = ["expired", *(f"le_{t}" for t in sorted(thresholds))]
    sums: dict[tuple[str, str, str], tuple[int, int]] = {}
    for lot in lots:
        b = bucket_of(lot.expiry, as_of, thresholds)
        if b is None or lot.qty <= 0:
            continue
        qty, value = sums.get((lot.site_id, lot.item_code, b), (0, 0))
        sums[(lot.site_id, lot.item_code, b)] = (qty + lot.qty, value + lot.qty * lot.unit_value_fen)
    keys = sorted(sums, key=lambda k: (k[0], k[1], order.index(k[2])))
    return [ExpiryLine(s, i, b, *sums[(s, i, b)]) for s, i, b in keys]


@dataclass(frozen=True, slots=True)
class ItemProfile:
    """What the rule needs to know about an item."""

    item_code: str
    shelf_life_days: int | None
    rotations_last_year: int = 0


@dataclass(frozen=True, slots=True)
class AgreementRecommendation:
    """``reason``: ``short_shelf_life`` or ``frequent_rotation``; ``detail`` gives the figures."""

    item_code: str
    reason: str
    detail: str


def recommend_agreement_reserve(
    items: Iterable[ItemProfile], max_shelf_life_days: int, min_rotations_per_year: int
) -> list[AgreementRecommendation]:
    """Items to move from physical to agreement reserve, with the rule that fired (shelf life first)."""
    out: list[AgreementRecommendation] = []
    for it in items:
        if it.shelf_life_days is not None and it.shelf_life_days <= max_shelf_life_days:
            detail = f"shelf life {it.shelf_life_days} d <= {max_shelf_life_days} d"
            out.append(AgreementRecommendation(it.item_code, "short_shelf_life", detail))
        elif it.rotations_last_year >= min_rotations_per_year:
            detail = f"rotated {it.rotations_last_year} times in a year >= {min_rotations_per_year}"
            out.append(AgreementRecommendation(it.item_code, "frequent_rotation", detail))
    return out
