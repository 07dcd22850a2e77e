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


TENT, WATER = "1010101", "1020101"


def _fill_report(at, village: str, lines: dict) -> None:
    """Village and figures in the form, the need lines as the editor's edit state (row 0 is the blank start)."""
    at.text_input[0].set_value(village)
    at.number_input[0].set_value(300)
    at.number_input[1].set_value(120)
    first, *more = lines.get("rows", [])
    at.session_state["report.needs"] = {
        "edited_rows": {0: first},
        "added_rows": more,
        "deleted_rows": [],
    }


def test_reports_page_files_several_need_lines_and_the_scenario_plans_them(services):
    """Two need lines in one report are both stored, as `--need` given twice, and the scenario from the event
    plans each of them as the informant gave it (not persons × norm)."""
    village = _event(services)
    at = page("disaster_reports", services)
    at.run()
    editor = at.data_editor[0]
    assert editor.key == "report.needs" and editor.editing_mode == "dynamic"
    _fill_report(at, village, {"rows": [{"item": TENT, "qty": 20}, {"item": WATER, "qty": 400}, {}]})
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("已报送" in str(s.value) and "急需" in str(s.value) for s in at.success)
    (report,) = services.events.reports("FLOOD-P", "dispatcher")
    assert sorted(report.needs) == [(TENT, 20), (WATER, 400)]
    at = page("disaster_reports", services)
    at.run()  # the list shows the needs by name with units
    (table,) = [d.value for d in at.dataframe if d.editing_mode == "read_only"]
    shown = table.iloc[0]["急需物资"]
    assert "400" in shown and "20" in shown and TENT not in shown  # names with units, not codes
    sc = services.events.scenario_from_event("FLOOD-P", "dispatcher", None, 3)
    _, demand = services.dispatch.scenario_demand(sc)
    assert demand[(village, TENT)] == 20 and demand[(village, WATER)] == 400


def test_reports_page_keeps_one_need_line_and_a_report_without_needs(services):
    """One line works as before; a report with only blank lines has no needs."""
    village = _event(services)
    at = page("disaster_reports", services)
    at.run()
    _fill_report(at, village, {"rows": [{"item": WATER, "qty": 50}]})
    at.button[0].click().run()
    assert not at.exception and at.success, [e.value for e in at.error]
    at = page("disaster_reports", services)
    at.run()
    _fill_report(at, village, {"rows": [{}]})
    at.button[0].click().run()
    assert not at.exception and at.success, [e.value for e in at.error]
    first, second = services.events.reports("FLOOD-P", "dispatcher")
    assert first.needs == ((WATER, 50),) and second.needs == ()


def test_reports_page_refuses_a_bad_need_line_and_stores_nothing(services):
    """A quantity below 1, an item without a quantity, a quantity without an item or an item given twice is a
    sentence on the page (the line by its number, a doubled item by name) and no report is stored. (Fractions
    never reach the page: the quantity column takes whole numbers only.)"""
    village = _event(services)
    names = services.registers.namer()
    bad = [
        ([{"item": TENT, "qty": 0}], "第 1 行"),
        ([{"item": TENT, "qty": 20}, {"item": WATER, "qty": -3}], "第 2 行"),
        ([{"item": WATER}], "第 1 行"),
        ([{"qty": 5}], "第 1 行"),
        ([{"item": TENT, "qty": 20}, {"item": TENT, "qty": 5}], names.item(TENT, "zh")),
    ]
    for rows, said in bad:
        at = page("disaster_reports", services)
        at.run()
        _fill_report(at, village, {"rows": rows})
        at.button[0].click().run()
        assert not at.exception and not at.success, (rows, [s.value for s in at.success])
        assert any(said in str(e.value) for e in at.error), (rows, [e.value for e in at.error])
        assert any("报告未保存" in str(e.value) for e in at.error), [e.value for e in at.error]
    assert services.events.reports("FLOOD-P", "dispatcher") == []


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
    at = page("relief_requests", services, lang="en")
    at.run()  # the list reads as names with units, a blank as —, in the reader's language
    row = at.dataframe[0].value.iloc[0]
    names = services.registers.namer()
    assert row["Township"] == names.place("369921101") and "（369921101）" in row["Township"]
    assert row["Item"] == "Single relief tent (12 m²)" and row["Quantity"] == "30 顶"
    assert row["Delivered"] == "—" and row["Destination"].endswith(f"（{village}）")
    assert at.selectbox[0].options[0] == "演练洪涝 (FLOOD-P)"  # the code in the English reader's brackets


def _free_water(services) -> int:
    """The county's free stock of bottled water (on hand less reserved, transit excluded), read from the tables."""
    from sqlalchemy import func, select

    from stockpile.adapters.orm import ledger as orm

    b, s, i = orm.StockBalanceRow, orm.SiteRow, orm.ItemRow
    with services.registers.uow() as u:
        q = select(func.sum(b.on_hand - b.reserved)).join(s, s.id == b.site_id).join(i, i.id == b.item_id)
        return int(u.session.scalar(q.where(i.code == "1020101", s.site_type != "transit")) or 0)


def test_requests_page_asks_the_city_for_the_shortfall(services):
    """Approved water beyond the county's stock: the page shows the gap, records the 请调函 with the short
    quantity filled in, lists it and offers it as PDF and xlsx."""
    from stockpile.domain.events import RequestLine

    village = _event(services)
    need = _free_water(services) + 250
    line = RequestLine(0, "FLOOD-P", "", "1020101", need, 1, None, village, "", None, "", "", "")
    rid = services.events.add_request(line, "dispatcher").id
    services.events.decide_request(rid, "approved", "dispatcher")
    at = page("relief_requests", services, role="dispatcher", user="dispatcher")
    at.run()
    assert not at.exception
    assert any("向市里请调" in str(h.value) for h in at.subheader)
    short = [df.value for df in at.dataframe if "仍缺" in df.value.columns]
    assert short and "250瓶" in short[0]["仍缺"].tolist()
    submit = next(b for b in at.button if b.label == "登记请调")
    submit.click().run()
    assert not at.exception and any("请调〔" in str(s.value) for s in at.success), [e.value for e in at.error]
    (sent,) = services.registers.city_requests("FLOOD-P", "dispatcher")
    assert [(ln.item_code, ln.qty) for ln in sent.lines] == [("1020101", 250)]
    at = page("relief_requests", services, role="dispatcher", user="dispatcher")
    at.run()
    labels = [str(getattr(e, "label", "")) for e in at.get("download_button")]
    assert "下载请调函（PDF）" in labels and "下载请调函（xlsx）" in labels
    assert services.registers.shortfall("FLOOD-P", "dispatcher")[0].short == 0
