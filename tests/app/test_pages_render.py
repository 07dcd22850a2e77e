"""Every page renders on the demo county without an exception, in Chinese and in English, with no missing keys."""

from __future__ import annotations

import re

import pytest

from tests.app.conftest import ROOT, page

PAGES = sorted(
    p.stem
    for p in (ROOT / "stockpile" / "app" / "pages").glob("*.py")
    if "# nav:" in p.read_text(encoding="utf-8")[:600]
)
KEY_LIKE = re.compile(r"^[a-z_]+(\.[a-z_0-9]+)+$")  # an untranslated catalogue key shown as text


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_page_renders_without_exception_in_both_languages(demo_services, name, lang):
    """Each page script runs to the end on the demo county and shows no raw catalogue key."""
    at = page(name, demo_services, lang=lang)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"
    shown = [
        str(x.value)
        for kind in ("title", "caption", "markdown", "info", "subheader")
        for x in getattr(at, kind)
    ]
    shown += [m.label for m in at.metric] + [b.label for b in at.button]
    assert not [s for s in shown if KEY_LIKE.match(s)], shown


def test_every_page_is_in_the_nav_table():
    """The pages this issue owns are all discoverable (home, stock, bin card, the five forms, import, export)."""
    expected = {
        "home",
        "stock",
        "bin_card",
        "receive",
        "issue",
        "transfer",
        "count",
        "write_off",
        "imports",
        "exports",
    }
    assert expected <= set(PAGES)


def test_english_page_titles_are_english(demo_services):
    """With the English switch the page speaks English (the title has no Chinese characters)."""
    at = page("receive", demo_services, lang="en")
    at.run()
    assert at.title[0].value == "Receive"


def test_bin_card_ends_at_the_current_balance(demo_services):
    """货位卡: the running balance of the newest movement equals the depot's balance of that item."""
    at = page("bin_card", demo_services)
    at.run()
    at.selectbox(key="bin_card.site").set_value("XJK")
    at.selectbox(key="bin_card.item").set_value("1020101").run()
    assert not at.exception
    assert at.metric[0].value == f"{demo_services.views.balance('XJK', '1020101'):,}"
    df = at.dataframe[0].value
    df = df.data if hasattr(df, "data") else df
    assert int(df["结存"].iloc[0]) == demo_services.views.balance("XJK", "1020101")
