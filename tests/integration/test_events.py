"""Disaster events: reports and follow-ups, township requests and their decisions, a scenario from an event, and
the bad inputs of issue 17 (each refused with a clear message and nothing written)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stockpile import clock
from stockpile.adapters.orm.events import DisasterReportRow, ReliefRequestRow
from stockpile.adapters.repos.dispatch import SqlDispatchRepository
from stockpile.bootstrap import events_repo
from stockpile.dispatch.scenario import scenario_demand
from stockpile.domain.errors import PermissionDenied, UnknownItem
from stockpile.domain.events import (
    BadEventInput,
    EventHasNoDemand,
    EventRecord,
    FollowUpTooEarly,
    PlaceOutsideEvent,
    RelocatedOverAffected,
    ReportRecord,
    RequestAlreadyDecided,
    RequestLine,
    VillageOutsideTownship,
)
from stockpile.events.service import EventService
from stockpile.i18n import error_text
from tests.support.events import SHELTER, T2, V1, V2, V3, seed_places


@pytest.fixture
def svc(engine, world) -> EventService:
    seed_places(engine, world)
    from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork

    return EventService(uow=lambda: SqlAlchemyUnitOfWork(engine), repo=events_repo)


def _event(svc: EventService, world, at: datetime) -> EventRecord:
    return svc.new_event(EventRecord("FLOOD-1", "城关洪涝", "flood", world.county, 4, at), "disp")


def _report(
    village: str, at: datetime, affected: int = 100, relocated: int = 20, township: str = ""
) -> ReportRecord:
    return ReportRecord(0, "FLOOD-1", township, village, at, affected, relocated, 3, "", None, ())


def _count(engine, table) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_report_and_follow_up_supersede_the_village_figures(svc, world, engine):
    now = clock.now()
    _event(svc, world, now - timedelta(hours=2))
    first = svc.add_report(_report(V1, now - timedelta(hours=1)), "inf1")
    again = svc.add_report(_report(V1, now - timedelta(minutes=30), affected=150, relocated=60), "inf1")
    assert first.township == world.township and again.supersedes == first.id
    latest = svc.reports("FLOOD-1", "inf1", latest_only=True)
    assert [(r.village, r.affected) for r in latest] == [(V1, 150)]
    assert len(svc.reports("FLOOD-1", "disp")) == 2


def test_bad_reports_are_refused_and_write_nothing(svc, world, engine):
    now = clock.now()
    _event(svc, world, now - timedelta(hours=2))
    svc.add_report(_report(V1, now - timedelta(minutes=30)), "inf1")
    with pytest.raises(VillageOutsideTownship) as e:
        svc.add_report(
            _report(V3, now - timedelta(minutes=10)), "inf1"
        )  # 沙洲镇's village, informant of 城关镇
    assert "不属于" in error_text(e.value.code, e.value.params)
    with pytest.raises(VillageOutsideTownship):
        svc.add_report(_report(V3, now, township=world.township), "disp")  # named township ≠ the village's
    with pytest.raises(RelocatedOverAffected):
        svc.add_report(_report(V2, now, affected=10, relocated=11), "inf1")
    with pytest.raises(FollowUpTooEarly) as e:
        svc.add_report(_report(V1, now - timedelta(hours=1)), "inf1")
    assert "早于" in error_text(e.value.code, e.value.params)
    assert _count(engine, DisasterReportRow) == 1


def test_an_event_of_one_township_takes_reports_and_requests_of_that_township_only(svc, world, engine):
    """An event opened for 沙洲镇 alone: a dispatcher's report or request for 城关镇's 东村 was accepted and then
    planned into the event's scenario; now refused in words (the place, the event and its township by name), and
    nothing written. A place of 沙洲镇 is accepted, and an event of the county takes every township's places."""
    now = clock.now()
    svc.new_event(
        EventRecord("SLIDE-1", "沙洲山体滑坡", "landslide", T2, 3, now - timedelta(hours=2)), "disp"
    )
    report = ReportRecord(0, "SLIDE-1", "", V1, now - timedelta(hours=1), 40, 10, 2, "", None, ())
    with pytest.raises(PlaceOutsideEvent) as e:
        svc.add_report(report, "disp")
    said = error_text(e.value.code, e.value.params)
    assert "东村（360499101201）" in said and "沙洲山体滑坡" in said and f"沙洲镇（{T2}）" in said, said
    en = error_text(e.value.code, e.value.params, "en")  # the English message brackets the English way
    assert "东村 (360499101201) is outside" in en and f"沙洲镇 ({T2})" in en and "（" not in en, en
    line = RequestLine(0, "SLIDE-1", "", world.tent, 5, 2, None, V1, "", None, "", "", "")
    with pytest.raises(PlaceOutsideEvent):
        svc.add_request(line, "disp")
    assert _count(engine, DisasterReportRow) == 0 and _count(engine, ReliefRequestRow) == 0
    assert svc.add_report(replace(report, village=V3), "disp").township == T2
    assert svc.add_request(replace(line, destination=V3), "disp").township == T2
    _event(svc, world, now - timedelta(hours=2))  # the county's event: 城关镇 and 沙洲镇 alike
    assert svc.add_report(_report(V1, now - timedelta(minutes=30)), "disp").township == world.township
    assert svc.add_report(_report(V3, now - timedelta(minutes=30)), "disp").township == T2


def test_keeper_may_not_report(svc, world):
    _event(svc, world, clock.now())
    with pytest.raises(PermissionDenied):
        svc.add_report(_report(V1, clock.now()), "keeper1")


def _line(item: str, qty: int, to: str = V1, priority: int = 2) -> RequestLine:
    return RequestLine(0, "FLOOD-1", "", item, qty, priority, None, to, "", None, "", "", "")


def test_a_refused_village_names_the_informants_townships_not_their_codes(svc, world):
    """An informant of 城关镇 reporting for 沙洲镇's 南村 was told "360499102201 不属于 360499101": the refusal names
    the village with its code and the informant's townships by name, in the reader's language; a dispatcher naming
    the wrong township is told that township's name."""
    now = clock.now()
    _event(svc, world, now - timedelta(hours=2))
    with pytest.raises(VillageOutsideTownship) as e:
        svc.add_report(_report(V3, now - timedelta(minutes=10)), "inf1")
    zh, en = error_text(e.value.code, e.value.params), error_text(e.value.code, e.value.params, "en")
    assert zh.startswith(f"南村（{V3}） 不属于 城关镇，") and world.township not in zh, zh
    assert f"南村 ({V3}) is not in 城关镇:" in en and world.township not in en and "（" not in en, en
    with pytest.raises(VillageOutsideTownship) as e:
        svc.add_request(_line(world.tent, 5, to=V3), "inf1")
    assert "不属于 城关镇，" in error_text(e.value.code, e.value.params)
    with pytest.raises(VillageOutsideTownship) as e:
        svc.add_report(_report(V3, now, township=world.township), "disp")
    assert "不属于 城关镇，" in error_text(e.value.code, e.value.params)


def test_requests_are_decided_once(svc, world, engine):
    _event(svc, world, clock.now() - timedelta(hours=1))
    line = svc.add_request(_line(world.tent, 50), "inf1")
    assert line.status == "submitted" and line.township == world.township
    for bad in (_line("9999999", 5), _line(world.tent, 0)):
        with pytest.raises((UnknownItem, BadEventInput)):
            svc.add_request(bad, "inf1")
    with pytest.raises(VillageOutsideTownship):
        svc.add_request(_line(world.tent, 5, to=V3), "inf1")
    with pytest.raises(PermissionDenied):
        svc.decide_request(line.id, "approved", "inf1")
    with pytest.raises(BadEventInput):  # partly without a reason
        svc.decide_request(line.id, "approved", "disp", qty=30)
    done = svc.decide_request(line.id, "approved", "disp", qty=30, reason="县库帐篷不足")
    assert (done.status, done.approved_qty) == ("partly", 30)
    with pytest.raises(RequestAlreadyDecided) as e:
        svc.decide_request(line.id, "approved", "admin")
    assert "不能重复审批" in error_text(e.value.code, e.value.params)
    assert _count(engine, ReliefRequestRow) == 1


def test_scenario_from_event_counts_each_village_once(svc, world, engine):
    now = clock.now()
    _event(svc, world, now - timedelta(hours=2))
    with pytest.raises(EventHasNoDemand):
        svc.scenario_from_event("FLOOD-1", "disp")
    svc.add_report(_report(V1, now - timedelta(hours=1), affected=100), "inf1")
    svc.add_report(_report(V1, now - timedelta(minutes=20), affected=200, relocated=50), "inf1")  # follow-up
    water = svc.add_request(_line(world.water, 1000, to=V1), "inf1")
    tents = svc.add_request(_line(world.tent, 40, to=SHELTER, priority=1), "inf1")
    svc.decide_request(water.id, "approved", "disp")
    svc.decide_request(tents.id, "approved", "disp", qty=25, reason="分批")
    code = svc.scenario_from_event("FLOOD-1", "disp", sustain_days=3)
    from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork

    sc, demand = scenario_demand(
        code, SqlAlchemyUnitOfWork(engine), lambda u: SqlDispatchRepository(u.session)
    )
    # the 1000 approved replace the norm's 200 affected × 3 bottles per person per day × 3 days = 1800: counted
    # once (not 2800), and the dispatcher's figure holds
    assert demand == {(V1, world.water): 1000, (SHELTER, world.tent): 25}
    assert sc.kind == "live" and sc.reported_at == now - timedelta(hours=2)
    assert {p.code: p.priority for p in sc.points} == {V1: 2, SHELTER: 1}
    assert {r.status for r in svc.requests("FLOOD-1", "disp")} == {"planned"}


def _demand_of(svc: EventService, engine) -> dict[tuple[str, str], int]:
    from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork

    code = svc.scenario_from_event("FLOOD-1", "disp", sustain_days=3)
    _, demand = scenario_demand(
        code, SqlAlchemyUnitOfWork(engine), lambda u: SqlDispatchRepository(u.session)
    )
    return demand


def test_a_partial_approval_is_planned_not_the_larger_norm_figure(svc, world, engine):
    """The dispatcher approves 1 800 of 3 600 bottles for a village whose norm figure is 3 600 (400 affected × 3 ×
    3 days): the scenario plans the 1 800 approved, not the larger norm figure. Villages and items no request
    covers keep the norm figure."""
    now = clock.now()
    _event(svc, world, now - timedelta(hours=2))
    svc.add_report(_report(V1, now - timedelta(hours=1), affected=400), "inf1")
    svc.add_report(_report(V2, now - timedelta(hours=1), affected=100), "inf1")
    water = svc.add_request(_line(world.water, 3600, to=V1), "inf1")
    svc.decide_request(water.id, "approved", "disp", qty=1800, reason="余量明日再拨")
    assert _demand_of(svc, engine) == {(V1, world.water): 1800, (V2, world.water): 900}


def test_a_reports_need_lines_reach_the_scenario(svc, world, engine):
    """A report's need lines (急需) are demand of its village: a need of an item replaces the norm's estimate of
    it, a need of an item without a norm is added, a follow-up's needs replace the earlier report's, and an
    approved request line of the place and item takes precedence over the need."""
    now = clock.now()
    _event(svc, world, now - timedelta(hours=2))
    first = replace(_report(V1, now - timedelta(hours=1)), needs=((world.pump, 9),))
    svc.add_report(first, "inf1")
    later = replace(_report(V1, now - timedelta(minutes=30)), needs=((world.water, 500), (world.tent, 30)))
    svc.add_report(later, "inf1")  # 100 affected: the norm says 900 bottles; the report asks for 500
    svc.add_report(replace(_report(V2, now - timedelta(minutes=30)), needs=((world.tent, 12),)), "inf1")
    tents = svc.add_request(_line(world.tent, 20, to=V2), "inf1")
    svc.decide_request(tents.id, "approved", "disp", qty=8, reason="分批")
    assert _demand_of(svc, engine) == {
        (V1, world.water): 500,
        (V1, world.tent): 30,
        (V2, world.water): 900,
        (V2, world.tent): 8,
    }


@pytest.mark.parametrize(
    ("code", "name", "said"),
    [
        ("X" * 65, "城关洪涝", "事件编码“XXXXXXXX"),  # PostgreSQL refused it as a raw DataError
        ("FLOOD 1", "城关洪涝", "不含空格"),
        ("FLOOD\u202e1", "城关洪涝", "\\u202e"),  # a right-to-left override: shown escaped
        ("", "城关洪涝", "事件编码“”"),
        ("FLOOD-2", "   ", "事件名称"),
        ("FLOOD-2", "名" * 201, "1–200 个字符"),
        ("FLOOD-2", "城关\x00洪涝", "\\x00"),
    ],
    ids=[
        "code_too_long",
        "code_with_space",
        "code_with_bidi",
        "code_empty",
        "name_blank",
        "name_too_long",
        "nul",
    ],
)
def test_an_event_code_or_name_that_cannot_be_kept_is_refused_naming_it(svc, world, engine, code, name, said):
    from stockpile.adapters.orm.events import DisasterEventRow

    with pytest.raises(BadEventInput) as e:
        svc.new_event(EventRecord(code, name, "flood", world.county, 4, clock.now()), "disp")
    assert said in error_text(e.value.code, e.value.params)
    assert len(e.value.params["value"]) <= 40
    assert _count(engine, DisasterEventRow) == 0


def test_a_refusal_without_a_reason_says_so_in_words(svc, world):
    now = clock.now()
    _event(svc, world, now - timedelta(hours=2))
    from stockpile.domain.events import decide

    line = RequestLine(
        1, "FLOOD-1", world.township, "1010101", 5, 1, None, V1, "submitted", None, "", "inf1", ""
    )
    with pytest.raises(BadEventInput) as e:
        decide(line, "refused", None, " ")
    assert error_text(e.value.code, e.value.params) == "理由“”不可用：不批准时须写明理由"
    assert "a reason is needed to refuse" in error_text(e.value.code, e.value.params, "en")
