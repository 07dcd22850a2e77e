"""AppTest: the planner pages render on the demo county and their forms work (agreements, standards and gap,
rotation with the stock-vs-standard chart, expiry dashboard, annual review workflow)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.i18n import t
from tests.support.app_pages import settle

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services(demo_url, tmp_path_factory):
    """The demo county copied per module (pages here write: checks, reviews), fast solver limits."""
    import shutil

    src = Path(demo_url.removeprefix("sqlite:///"))
    dst = tmp_path_factory.mktemp("planner") / "demo.db"
    shutil.copy(src, dst)
    svc = build_services(Settings(database_url=f"sqlite:///{dst}"))
    svc.planning.config = dataclasses.replace(svc.planning.config, time_limit_s=3.0)
    return svc


def page(services, name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / f"stockpile/app/pages/{name}.py"), default_timeout=60)
    at.session_state["services"] = services
    at.session_state["user"] = "admin"  # the demo admin may verify and call off; the services re-check
    at.session_state["role"] = "admin"
    return at


def test_agreements_page_shows_alerts_schedule_and_records_a_verification(services):
    """Alerts for overdue checks appear; the 核查 quantities start empty (not the agreed amount), so one click
    records nothing; once every line is counted, saving updates the verification history."""
    at = page(services, "agreements")
    at.run()
    assert not at.exception
    assert at.title[0].value == "协议储备"
    assert any("核查逾期" in w.value for w in at.warning)
    before = len(services.reserve_views.checks())
    at.selectbox(key="agreements.verify_contract").set_value("XY-2026-003").run()
    at.text_input(key="agreements.inspector").set_value("测试核查员")
    counted = [n for n in at.number_input if n.key.startswith("agreements.verify_qty.")]
    assert len(counted) == 3 and all(n.value is None for n in counted)
    at.form_submit_button[0].click().run()
    assert at.error and len(services.reserve_views.checks()) == before
    for n in at.number_input:
        if n.key.startswith("agreements.verify_qty."):
            n.set_value(7)
    at.form_submit_button[0].click().run()
    assert not at.exception and at.success
    assert len(services.reserve_views.checks()) == before + 3


def test_agreements_page_refuses_a_call_off_beyond_the_agreement(services):
    """Calling off more than the verified quantity shows a translated error, not a traceback."""
    at = page(services, "agreements")
    at.run()
    at.selectbox(key="agreements.calloff_contract").set_value("XY-2026-003").run()
    at.selectbox(key="agreements.calloff_item").set_value("1030401")
    at.number_input(key="agreements.calloff_qty").set_value(1_000_000)
    at.form_submit_button[1].click().run()
    assert not at.exception
    assert "超过协议可调用数量" in at.error[0].value


def test_standards_page_shows_gaps_per_county_and_township(services):
    """The gap table lists county and township rows with standard, counted and gap."""
    at = page(services, "standards")
    at.run()
    assert not at.exception
    df = at.dataframe[0].value
    assert {"县级", "乡（镇）级"} <= set(df["核算层级"])
    assert (df["缺口"] >= 0).all()
    at.checkbox(key="standards.gap_only").check().run()
    assert (at.dataframe[0].value["缺口"] > 0).all()
    buttons = [b for b in at.get("download_button") if "下载缺口报告" in b.proto.label]
    assert len(buttons) == 1  # the gap report leaves the page as a workbook (both tables)


def test_rotation_page_plans_and_charts_stock_against_the_standard(services):
    """Running the plan shows the status, the chart of counted stock vs standard and the schedule."""
    at = page(services, "rotation")
    at.run()
    assert not at.exception and at.info
    at.number_input(key="rotation.year").set_value(date.today().year + 1)
    at.button(key="rotation.run").click().run()
    settle(at, services)
    assert not at.exception
    assert at.session_state["rotation.report"].schedule
    assert any(e.type == "line_chart" or "chart" in e.type for e in at.main)
    assert len(at.dataframe) >= 1
    # bottles and tents are not added up: the headline counts short area/item pairs, each gap carries its unit
    assert "未达标的物资/区域组合" in [m.label for m in at.metric]
    if at.session_state["rotation.report"].explanations:
        gaps = at.dataframe[-1].value["缺口(数量×天)"]
        assert all(str(g).endswith("·天") for g in gaps)


def test_expiry_page_buckets_quantity_and_value(services):
    """The dashboard shows the five buckets and the move-to-agreement recommendations."""
    at = page(services, "expiry")
    at.run()
    assert not at.exception
    assert [m.label for m in at.metric] == ["已过期", "30天内", "31–60天", "61–90天", "91–180天"]
    assert len(at.dataframe) == 2


def test_review_page_runs_the_workflow_with_four_eyes(services):
    """Prepare as one user, review, refuse self-approval, approve as another: the signed digest appears."""
    at = page(services, "review")
    at.session_state["user"] = "planner"  # signed in as the demo planner
    at.session_state["role"] = "planner"
    at.run()
    assert not at.exception
    year = date.today().year + 1
    at.number_input(key="review.year").set_value(year)
    at.button(key="review.prepare").click().run()
    settle(at, services)
    assert not at.exception and "已编制" in at.markdown[0].value
    assert not any("暂不可用" in i.value for i in at.info)  # the circle figures are wired into the review
    # next year's review lists the lots gone by 1 January (to rotate now) and names any channel not offered
    doc = services.planning.review(year)[0].content
    assert "计划开始前到期的批次" in [h.value for h in at.subheader]
    assert bool(doc["before_start"]) == any("计划开始（" in w.value for w in at.warning)
    said = [c.value for c in at.caption]
    assert all(any(t("channel." + ch) in c for c in said) for ch in doc["absent_channels"])
    at.session_state["user"] = "admin2"
    at.button(key="review.mark_reviewed").click().run()
    at.session_state["user"] = "planner"
    at.session_state["role"] = "planner"
    at.button(key="review.approve").click().run()
    assert at.error  # the planner (the preparer) may not approve
    at.session_state["user"] = "admin"
    at.session_state["role"] = "admin"
    at.button(key="review.approve").click().run()
    assert not at.exception
    assert "sha256" in at.success[0].value


def test_review_signed_before_the_new_sections_still_renders(services):
    """A review stored before it carried `before_start` and `absent_channels` shows as it was written: no
    such section, no error."""
    year = date.today().year + 2
    rv = services.planning.prepare_review(year, "planner", "")
    old = {k: v for k, v in rv.content.items() if k not in ("before_start", "absent_channels")}
    with services.planning.uow() as uow:
        uow.reserve.save_review(dataclasses.replace(rv, content=old))
        uow.commit()
    at = page(services, "review")
    at.run()
    at.number_input(key="review.year").set_value(year).run()
    assert not at.exception
    heads = [h.value for h in at.subheader]
    assert "轮换清单" in heads and "计划开始前到期的批次" not in heads


def test_planner_pages_are_in_the_planner_navigation():
    """Nav headers give the planner pages to planner and admin; expiry also to keeper and dispatcher."""
    heads = {
        p: (ROOT / f"stockpile/app/pages/{p}.py").read_text(encoding="utf-8")[:600]
        for p in ("agreements", "standards", "rotation", "expiry", "review")
    }
    for name, head in heads.items():
        assert "roles=planner,admin" in head, name
    assert "roles=planner,admin,keeper,dispatcher" in heads["expiry"]
