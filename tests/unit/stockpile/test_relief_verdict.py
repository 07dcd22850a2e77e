"""The relief-time verdict: a plan meets the <8 h target only when it brings all the demand in time. A plan that
delivers nothing "ends" at once and read 「0:00，目标 < 8 小时：达标」 (review finding on a county with no stock)."""

from __future__ import annotations

from types import SimpleNamespace

from stockpile.cli.dispatch import _kpi_lines
from stockpile.dispatch.commands import Kpis


def _kpis(delivered: int, demand: int, completion_s: int, since_report_s: int = 0) -> Kpis:
    return Kpis(0, 0, demand, delivered, completion_s, 0, since_report_s)


def test_all_brought_in_time_is_met_late_is_late_and_short_is_not_met():
    assert _kpis(100, 100, 3 * 3600).relief_verdict == "ok" and _kpis(100, 100, 3 * 3600).relief_on_time
    assert _kpis(100, 100, 3 * 3600, since_report_s=6 * 3600).relief_verdict == "late"
    for short in (_kpis(0, 19264, 0), _kpis(90, 100, 3600)):
        assert short.relief_verdict == "incomplete" and not short.relief_on_time


def test_a_plan_delivering_nothing_reads_as_not_met_with_no_time():
    plan = SimpleNamespace(kpis=_kpis(0, 19264, 0), late_priority=lambda: ())
    text = "\n".join(_kpi_lines(plan))  # type: ignore[arg-type]
    assert "达标" not in text.replace("未达标", "") and "未全部送达" in text
    assert "0:00" not in text and "0.0 小时" not in text and "0 / 19264" in text
