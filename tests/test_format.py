"""Numbers as a person reads them (stockpile/i18n/format.py, Babel): one place for separators, %, 元, units and km."""

from __future__ import annotations

import pandas as pd

from stockpile.i18n import format as fmt


def test_numbers_have_thousands_separators_and_at_most_two_decimals():
    """2400653 → 2,400,653; a float never shows more than the decimals asked for; blanks read as —."""
    assert fmt.num(2400653) == "2,400,653"
    assert fmt.num(12.3456, decimals=2) == "12.35"
    assert fmt.num(100.0, decimals=2) == "100"
    assert fmt.num(None) == fmt.num(float("nan")) == "—"


def test_shares_read_as_percentages():
    """Coverage 0.965 or 96.5 percent points read as 96.5%, never 100.000000."""
    assert fmt.pct(0.965) == "96.5%"
    assert fmt.pct_points(100.0) == "100%"


def test_money_in_fen_reads_in_yuan_in_both_languages():
    """Money is held in 分 and always shown in 元."""
    assert fmt.yuan_amount(150000) == "1,500.00"
    assert fmt.yuan(150000, "zh") == "1,500.00 元"
    assert fmt.yuan(150000, "en") == "CNY 1,500.00"


def test_quantities_carry_their_unit_and_distances_read_in_km():
    assert fmt.qty(1200, "顶", "zh") == "1,200顶"
    assert fmt.qty(1200, "顶", "en") == "1,200 顶"
    assert fmt.km(12345) == "12.3"
    assert fmt.km_text(12345, "zh") == "12.3 公里"


def test_an_export_frame_has_words_yuan_and_no_internal_ids():
    """Workbooks: enum values in words, 分 → 元, posting ids left out."""
    df = pd.DataFrame(
        {"posting_id": ["x"], "kind": ["transfer_in"], "category": ["living_relief"], "price_fen": [150000]}
    )
    out = fmt.export_frame(df, "zh")
    assert list(out.columns) == ["kind", "category", "price_fen"]
    assert out.iloc[0].tolist() == ["调拨入库", "生活救灾物资", 1500.0]
