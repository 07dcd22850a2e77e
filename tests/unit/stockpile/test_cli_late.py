"""`relief plan` lists priority demand outside the circle per point by default, per item with --late-detail."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from stockpile.cli.dispatch import _late_lines
from stockpile.dispatch.commands import LateLine

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)


def _plan(lines: tuple[LateLine, ...]) -> SimpleNamespace:
    return SimpleNamespace(
        late_priority=lambda: lines,
        places=(SimpleNamespace(code="V1", name="东村"), SimpleNamespace(code="S1", name="一中安置点")),
        start=datetime(2026, 7, 1, 0, 0, tzinfo=UTC),  # 08:00 Beijing time
        settings=SimpleNamespace(guarantee_s=3600),
    )


LATE = (
    LateLine("V1", "1010101", 40, 2 * 3600, 1800, "fleet_busy"),
    LateLine("V1", "1020301", 10, 3 * 3600, 4200, "too_far"),
    LateLine("S1", "1010101", 5, 5400, None, "too_far"),
)


def test_default_is_one_line_per_point_with_totals_latest_eta_and_reasons() -> None:
    """Two points → a title and two lines; V1 sums 50 units over 2 items, last planned 11:00, both reasons."""
    out = _late_lines(_plan(LATE))
    assert out[0] == "优先需求未进 60 分钟保障圈"
    assert out[1] == "未进保障圈：东村 2 项，合计 50，计划最晚 11:00，单车最早 09:10（车辆不足、距离过远）"
    assert out[2] == "未进保障圈：一中安置点 1 项，合计 5，计划最晚 09:30，单车最早 –（距离过远）"
    assert len(out) == 3


def test_detail_lists_every_point_and_item() -> None:
    """--late-detail: the title and one line per point × item."""
    out = _late_lines(_plan(LATE), detail=True)
    assert len(out) == 4 and out[2].startswith("未进保障圈：东村 1020301 10，计划 11:00")


def test_nothing_late_prints_nothing() -> None:
    """A plan with every priority delivery inside the circle adds no lines."""
    assert _late_lines(_plan(())) == []
