"""Pages 灾情报送 and 请领 on a copy of the demo county: a dispatcher opens an event, files a report, submits and
decides a request; bad input is a sentence on the page."""

from __future__ import annotations

from datetime import timedelta

from stockpile import clock
from stockpile.domain.events import EventRecord
from tests.app.conftest import page


def _event(services) -> str:
    """Open FLOOD-P on the demo county (code 369921); its first village is 369921101200."""
    services.events.new_event(
        EventRecord("FLOOD-P", "演练洪涝", "flood", "369921", 4, clock.now() - timedelta(hours=1)),
        "dispatcher",
    )
    return "369921101200"


def test_reports_page_files_a_report_and_refuses_bad_figures(services):
    village = _event(services)
    at = page("disaster_reports", services)
    at.run()
    at.text_input[0].set_value(village)
    at.number_input[0].set_value(100)
    at.number_input[1].set_value(150)
    at.button[0].click().run()
    assert any("不能多于受灾人数" in str(e.value) for e in at.error)
    at.number_input[1].set_value(40)
    at.button[0].click().run()
    assert not at.exception and any("已报送" in str(s.value) for s in at.success)
    assert len(services.events.reports("FLOOD-P", "dispatcher")) == 1


def test_requests_page_submits_and_decides_once(services):
    village = _event(services)
    at = page("relief_requests", services)
    at.run()
    at.text_input[0].set_value("1010101")
    at.number_input[0].set_value(30)
    at.text_input[1].set_value(village)
    at.button[0].click().run()
    assert any("已提交请领" in str(s.value) for s in at.success), [e.value for e in at.error]
    at = page("relief_requests", services)
    at.run()
    at.button[1].click().run()  # approve in full
    assert not at.exception and any("已批准" in str(s.value) for s in at.success)
    assert services.events.requests("FLOOD-P", "dispatcher")[0].status == "approved"
