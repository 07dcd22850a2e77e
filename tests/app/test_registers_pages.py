"""Pages 征用与捐赠 and 信息发布 on a copy of the demo county: the dispatcher records a requisitioned truck, the
keeper accepts a donation and is refused an expired one, the public list and the publication show no personal
data, and both download as files."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stockpile import clock
from stockpile.domain.city_requests import CityRequest, CityRequestLine
from stockpile.domain.events import EventRecord, RequestLine
from stockpile.domain.registers import Donation, Requisition
from stockpile.i18n import set_lang
from tests.app.conftest import page, texts
from tests.app.test_page_audit import audit

WATER = "1020101"


def _event(services) -> str:
    services.events.new_event(
        EventRecord("FLOOD-P", "演练洪涝", "flood", "369921", 4, clock.now() - timedelta(hours=1)),
        "dispatcher",
    )
    return "FLOOD-P"


def _shown(at) -> str:
    frames = [df.value.to_csv() for df in at.dataframe]
    return " ".join(texts(at, "markdown") + texts(at, "caption") + frames)


def _fill(at, fields: dict[str, str]) -> None:
    for box in at.text_input:
        if box.label in fields:
            box.set_value(fields[box.label])


def test_dispatcher_records_a_requisitioned_truck(services):
    _event(services)
    at = page("registers", services, role="dispatcher", user="dispatcher")
    at.run()
    at.radio[0].set_value("vehicle").run()
    _fill(at, {"所有人（单位或个人）": "陈某运输队", "名称、型号": "重型货车", "车牌号": "赣B99999"})
    next(n for n in at.number_input if n.label == "载重（kg）").set_value(5000)
    next(n for n in at.number_input if n.label == "容积（dm³）").set_value(20000)
    at.button[0].click().run()
    assert not at.exception and any("已登记征用" in s for s in texts(at, "success")), texts(at, "error")
    [r] = services.registers.requisitions("FLOOD-P", "dispatcher")
    assert (r.kind, r.plate, r.vehicle_code) == ("vehicle", "赣B99999", f"ZY-{r.id}")


def test_keeper_accepts_and_refuses_donations_and_the_public_list_hides_the_donor(services):
    event = _event(services)
    at = page("registers", services, role="keeper", user="keeper_xjk")
    at.run()
    at.text_input[0].set_value(event)  # the keeper types the event code
    _fill(at, {"捐赠人": "孙七", "联系电话": "13600001111", "批次号": "JZ-P1"})
    next(b for b in at.selectbox if b.label == "捐赠人类别").set_value("person")
    at.selectbox(key="don.site").set_value("XJK")
    at.selectbox(key="don.item").set_value(WATER)
    next(n for n in at.number_input if n.label == "数量").set_value(30)
    next(b for b in at.button if b.label == "提交").click().run()
    assert not at.exception and any("已验收入库" in s for s in texts(at, "success")), texts(at, "error")
    old = Donation(
        0, event, "孙七", "person", "", WATER, 5, "JZ-OLD", clock.today(), "XJK", "", "", clock.now()
    )
    refused = services.registers.receive_donation(old, True, "keeper_xjk")
    assert (refused.status, refused.reason) == ("refused", "expired")
    at = page("registers", services, role="planner", user="planner")
    at.run()
    shown = _shown(at)
    assert "孙七" in shown and "拒收" in shown  # the staff register names the donor and the refusal
    public = at.dataframe[-1].value.to_csv()
    assert "爱心人士" in public and "孙七" not in public and "13600001111" not in public


def test_publication_page_shows_the_four_parts_and_downloads(services):
    _event(services)
    at = page("publication", services, role="dispatcher", user="dispatcher")
    at.run()
    assert not at.exception
    shown = _shown(at)
    for part in ("受灾情况", "物资需求", "仓储（按乡镇）", "运输（送达与在途）"):
        assert part in shown
    assert len(at.get("download_button")) == 2
    at = page("publication", services, role="dispatcher", user="dispatcher", lang="en")
    at.run()
    assert "Storage (by township)" in _shown(at)


def test_event_scenario_page_makes_a_scenario_and_refuses_a_bad_roads_file(services):
    _event(services)
    line = RequestLine(0, "FLOOD-P", "", WATER, 40, 1, None, "369921101200", "", None, "", "", "")
    services.events.add_request(line, "dispatcher")
    line = services.events.requests("FLOOD-P", "dispatcher")[0]
    services.events.decide_request(line.id, "approved", "dispatcher")
    at = page("event_scenario", services, role="dispatcher", user="dispatcher")
    at.run()
    next(b for b in at.button if b.label == "由事件生成情景").click().run()
    assert any("FLOOD-P-SC" in s for s in texts(at, "success")), texts(at, "error")
    at.selectbox(key="scenario_edit.pick").set_value("FLOOD-P-SC").run()
    assert not at.exception and "FLOOD-P-SC" in " ".join(texts(at, "markdown"))
    next(b for b in at.button if b.label == "复制情景").click().run()
    assert "FLOOD-P-SC-B" in services.dispatch.scenarios()


def test_admin_assigns_an_informant_their_townships(services):
    services.trust.add_user("admin", "inf_page", "informant", "river lantern 2031 quiet", ())
    town = services.views.areas("township")["code"].iloc[0]
    at = page("admin_users", services, role="admin", user="admin")
    at.run()
    at.selectbox(key="admin.edit_target").set_value("inf_page").run()
    at.multiselect(key="admin.informant_towns.inf_page").set_value([town])
    next(b for b in at.button if b.label == "设置负责乡镇").click().run()
    assert not at.exception and texts(at, "error") == []
    assert services.events.informant_townships("inf_page", "admin") == frozenset({town})


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_with_records_show_words_not_machinery(services, lang):
    """With an event, requisitions (one bound for XJK), a donation, a scenario and a 请调函 on file, the pages pass
    the page audit, the keeper's view of the register and the county's 请调 section included."""

    event = _event(services)
    # more water than the county holds, so the 请调函 asks for what is short (a letter for nothing short is refused)
    line = RequestLine(0, event, "", WATER, 5_000_000, 1, None, "369921101200", "", None, "", "", "")
    services.events.decide_request(
        services.events.add_request(line, "dispatcher").id, "approved", "dispatcher"
    )
    services.events.scenario_from_event(event, "dispatcher")
    goods = Requisition(0, event, "goods", "某超市", "13800000000", WATER, 10, "", "完好", clock.now(), 150)
    services.registers.record_requisition(goods, "dispatcher")
    bound = Requisition(0, event, "goods", "某粮店", "", WATER, 8, "", "", clock.now(), 100, home_site="XJK")
    services.registers.record_requisition(bound, "dispatcher")
    city = CityRequest(0, event, (CityRequestLine(WATER, 30),), "县级储备不足", None)
    services.registers.record_city_request(city, "dispatcher")
    gift = Donation(
        0, event, "某公司", "organisation", "", WATER, 5, "JZ-A", None, "XJK", "", "", clock.now()
    )
    services.registers.receive_donation(gift, True, "keeper_xjk")
    set_lang(lang)
    for name in ("registers", "publication", "event_scenario"):
        at = page(name, services, role="dispatcher", user="dispatcher", lang=lang)
        at.run()
        findings = audit(at, lang)
        assert not findings, f"{name}: " + "\n".join(sorted(set(findings)))
        cells = {str(v) for df in at.dataframe for v in df.value.to_numpy().ravel()}
        assert "XJK" not in cells, name  # the requisition bound for a depot names it, not its code
    for name, role, user in (
        ("registers", "keeper", "keeper_xjk"),
        ("relief_requests", "dispatcher", "dispatcher"),
    ):
        at = page(name, services, role=role, user=user, lang=lang)
        at.run()
        findings = audit(at, lang)
        assert not findings, f"{name} as {role}: " + "\n".join(sorted(set(findings)))


def test_keeper_sees_the_lines_bound_for_own_depots_receives_and_returns(services):
    """keeper_xjk sees the goods bound for XJK by their 征用单 number (not the owner's phone, not another depot's
    line), receives one into stock and issues the unused part back to its owner; compensation counts the rest."""
    event = _event(services)
    mine = Requisition(
        0, event, "goods", "某粮店", "13700001111", WATER, 40, "", "", clock.now(), 200, home_site="XJK"
    )
    rid = services.registers.record_requisition(mine, "dispatcher").id
    other_site = next(c for c in services.registers.site_names() if c != "XJK")
    other = Requisition(
        0, event, "goods", "别处商行", "", WATER, 5, "", "", clock.now(), 100, home_site=other_site
    )
    other_id = services.registers.record_requisition(other, "dispatcher").id
    at = page("registers", services, role="keeper", user="keeper_xjk")
    at.run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "所有人" in df.value.columns)
    assert table["编号"].tolist() == [rid] and other_id not in table["编号"].tolist()
    assert "某粮店" in table.to_csv() and "13700001111" not in table.to_csv() and "未入库" in table.to_csv()
    at.text_input(key="req.keeper.lot").set_value("ZY-PAGE")
    next(b for b in at.button if b.label == "验收入库").click().run()
    assert not at.exception and any("已验收入库" in s for s in texts(at, "success")), texts(at, "error")
    at = page("registers", services, role="keeper", user="keeper_xjk")
    at.run()
    assert "已入库（批次 ZY-PAGE）" in at.dataframe[0].value.to_csv()
    at.number_input(key="req.keeper.ret.qty").set_value(15)
    next(b for b in at.button if b.label == "未用完的征用物资归还所有人（出库）").click().run()
    assert not at.exception and any("已出库归还" in s for s in texts(at, "success")), texts(at, "error")
    owed = {o.requisition.id: o.owed_fen for o in services.registers.compensation(event, "dispatcher")}
    assert owed[rid] == 25 * 200  # 40 taken, 15 back: 25 consumed × 2.00 元
