"""临期 buckets and the agreement-reserve recommendation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from stockpile.reserve.expiry import (
    ItemProfile,
    StockLot,
    bucket_of,
    expiry_report,
    recommend_agreement_reserve,
)

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

TODAY = date(2025, 6, 1)


def lot(days: int | None, qty: int = 10, site: str = "s1", item: str = "water") -> StockLot:
    expiry = None if days is None else TODAY + timedelta(days=days)
    return StockLot(site, item, f"{site}-{item}-{days}", qty, expiry, unit_value_fen=150)


def test_expiry_buckets_follow_days_left_and_the_expiry_day_is_expired() -> None:
    """Yesterday and today → expired (as the ledger), 30 days → ≤30, 31 → ≤60, 180 → ≤180, 181 or none → not at risk."""
    got = [
        bucket_of(None if d is None else TODAY + timedelta(days=d), TODAY)
        for d in (-1, 0, 30, 31, 180, 181, None)
    ]
    assert got == ["expired", "expired", "le_30", "le_60", "le_180", None, None]


def test_value_at_risk_is_summed_per_site_item_and_bucket() -> None:
    """Two lots in the ≤30 bucket add up; value = qty × unit value."""
    lines = expiry_report([lot(5), lot(20, qty=4), lot(-3), lot(100, site="s2"), lot(400)], TODAY)
    got = [(ln.site_id, ln.bucket, ln.qty, ln.value_fen) for ln in lines]
    assert got == [("s1", "expired", 10, 1500), ("s1", "le_30", 14, 2100), ("s2", "le_180", 10, 1500)]


def test_short_shelf_life_item_is_recommended_for_agreement_reserve() -> None:
    """Items with shelf life ≤ N days, or rotated ≥ k times a year, go to agreement reserve, with the reason."""
    items = [
        ItemProfile("bread", 7),
        ItemProfile("water", 365, rotations_last_year=3),
        ItemProfile("tent", 3650, rotations_last_year=0),
        ItemProfile("quilt", None),
    ]
    recs = recommend_agreement_reserve(items, max_shelf_life_days=180, min_rotations_per_year=2)
    assert [(r.item_code, r.reason) for r in recs] == [
        ("bread", "short_shelf_life"),
        ("water", "frequent_rotation"),
    ]
