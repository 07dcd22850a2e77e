"""Headers and drop-down choices are read as the template's word whatever the script, case or width they were
typed in (``schemas.word_in``); a county's own text is never folded."""

from __future__ import annotations

import pytest

from stockpile.schemas import script_fold, word_in

WORDS = {"数量": "qty", "单件重量(克)": "unit_weight_g", "出库": "issue", "qty": "qty"}


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("数量", "数量"),  # as typed
        ("QTY", "qty"),  # case
        ("數量", "数量"),  # Traditional
        ("出庫", "出库"),
        ("单件重量（克）", "单件重量(克)"),  # full-width brackets from a Chinese keyboard
        ("單件重量（克）", "单件重量(克)"),  # both at once
        ("ｑｔｙ", "qty"),  # full-width letters
        ("单件重量(克) ", "单件重量(克)"),  # a trailing space
    ],
)
def test_a_word_is_found_however_it_was_typed(typed: str, word: str) -> None:
    assert word_in(typed, WORDS) == word


@pytest.mark.parametrize("typed", ["数", "数量量", "入库", "", "a\ud800b", "\x00数量x"])
def test_a_word_the_template_does_not_have_is_none_not_a_fault(typed: str) -> None:
    """A near miss, an empty cell, and text OpenCC cannot encode (a lone surrogate) name no word; nothing raises."""
    assert word_in(typed, WORDS) is None


def test_the_fold_meets_taiwan_spellings_and_leaves_text_it_cannot_read() -> None:
    assert script_fold("座標系") == script_fold("坐标系") and script_fold("鄉鎮代碼") == "乡镇代码"
    assert script_fold("a\ud800b") == "a\ud800b"
