"""The review's recommended changes read as sentences: figures with separators, the item by name in the reader's
language with its unit; an older snapshot without item codes still reads."""

from __future__ import annotations

from stockpile.i18n import set_lang
from stockpile.reports.review_text import recommendation_text

RAISE = {"code": "raise_stock", "level": "county", "item_code": "1020301", "item": "压缩饼干", "qty": 6164}


def test_a_recommendation_names_the_item_in_the_readers_language_with_its_unit() -> None:
    items = {"1020301": ("压缩饼干", "袋")}
    set_lang("zh")
    try:
        assert recommendation_text(RAISE, items) == "县级压缩饼干缺口 6,164袋，建议增储"
        english = {"1020301": ("Compressed biscuits", "袋")}
        set_lang("en")
        assert (
            recommendation_text(RAISE, english)
            == "County: Compressed biscuits short by 6,164 袋; increase the reserve"
        )
        lead = {"code": "shortfall_lead_time", "unit_days": 2310489}  # as a review signed before reads
        assert "2,310,489 unit-days" in recommendation_text(lead)
        short = {
            "code": "short_lead_time",
            "keys": 3,
            "item_codes": ["1020301", "9"],
            "item_names": ["压缩饼干", "净水片"],
        }
        assert recommendation_text(short, english) == (
            "Lead times: 3 area/item pairs fall below the standard (Compressed biscuits, 净水片); order earlier or"
            " sign framework contracts"
        )
    finally:
        set_lang("zh")


def test_a_snapshot_without_item_codes_reads_as_before_with_separators() -> None:
    old = {k: v for k, v in RAISE.items() if k != "item_code"}
    assert recommendation_text(old, {"1020301": ("x", "y")}) == "县级压缩饼干缺口 6,164，建议增储"
