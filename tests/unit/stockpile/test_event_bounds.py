"""A scenario's code and days of supply, and a decision's reason, are checked where they enter: a typo never
becomes 18 million bottles of water, a database fault or a code that cannot be typed back."""

from __future__ import annotations

import pytest

from stockpile.domain.events import BadEventInput, RequestLine, check_scenario, decide

LINE = RequestLine(
    1, "FL1", "369921102", "1010101", 30, 1, None, "369921102200", "submitted", None, "", "", ""
)


@pytest.mark.parametrize(
    ("code", "days", "field"),
    [("FL1-SC", 0, "sustain_days"), ("FL1-SC", 100_000, "sustain_days"), ("A B", 3, "code"),
     ("X" * 65, 3, "code"), ("", 3, "code"), ("A\u202eB", 3, "code")],
)  # fmt: skip
def test_a_scenario_code_or_days_out_of_range_is_refused_naming_the_field(code, days, field) -> None:
    with pytest.raises(BadEventInput) as e:
        check_scenario(code, days)
    assert e.value.params["field"] == field


def test_a_scenario_code_and_days_in_range_pass() -> None:
    check_scenario("FL1-SC", 1)
    check_scenario("洪涝-2026", 90)


@pytest.mark.parametrize("reason", ["x" * 501, "a\x07b", "ok\u200b"])
def test_a_reason_too_long_or_with_a_control_character_is_refused(reason) -> None:
    with pytest.raises(BadEventInput) as e:
        decide(LINE, "approved", 3, reason)
    assert e.value.params["field"] == "reason"


def test_a_plain_reason_decides() -> None:
    assert decide(LINE, "approved", 3, "库存不足，先发一部分") == ("partly", 3)
