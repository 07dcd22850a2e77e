"""县情数据 page: upload → preview (problems with sheet/row/column/value, or the changes) → 确认导入 → one commit;
the page renders for an admin on the demo county with its template and export downloads."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from stockpile import clock
from stockpile.adapters.db.engine import create_schema, make_engine
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from tests.app.conftest import page, texts
from tests.support import county_book
from tests.support.factory import seed_users


@pytest.fixture
def empty_county(tmp_path):
    url = f"sqlite:///{tmp_path / 'county.db'}"
    engine = make_engine(url)
    create_schema(engine)
    seed_users(engine, {"chief": ("admin", ())})
    engine.dispose()
    return build_services(Settings(database_url=url))


def flow(svc, data: bytes) -> AppTest:
    def script(data: bytes) -> None:
        from stockpile.app.pages.county_flow import county_flow

        county_flow(data)

    at = AppTest.from_function(script, args=(data,), default_timeout=60)
    at.session_state["services"] = svc
    at.session_state["user"] = "chief"
    at.session_state["role"] = "admin"
    at.run()
    return at


def test_preview_then_commit_then_nothing_to_do(empty_county):
    data = county_book.xlsx(county_book.sheets(clock.today()))
    at = flow(empty_county, data)
    assert not at.exception and not texts(at, "error")
    changes = at.dataframe[0].value
    assert list(changes.columns) == ["改动", "表", "编码", "名称", "改动的列"] and "新增" in set(
        changes["改动"]
    )
    assert empty_county.views.sites().empty  # the preview wrote nothing
    at.button(key="county.commit").click().run()
    assert any("已导入" in s for s in texts(at, "success"))
    assert "SY-XJK" in set(empty_county.views.sites()["code"])
    again = flow(empty_county, data)
    assert any("没有任何改动" in s for s in texts(again, "success"))


def test_problems_are_listed_with_their_place(empty_county):
    book = county_book.sheets(clock.today())
    headers, rows = book["村社区"]
    rows[0][headers.index("所属乡镇代码")] = "360724199"
    at = flow(empty_county, county_book.xlsx(book))
    assert any("未导入任何数据" in e for e in texts(at, "error"))
    problems = at.dataframe[0].value
    assert ("村社区", "2", "所属乡镇代码", "360724199") in {
        tuple(r) for r in problems[["表", "行", "列", "值"]].values
    }
    assert not at.button  # no commit button while there are problems


def test_page_renders_for_the_admin(demo_services):
    at = page("county", demo_services, role="admin")
    at.run()
    assert not at.exception and not texts(at, "error")
    assert at.title[0].value == "县情工作簿"


def test_demo_county_round_trips(services):
    """The demo county exported as its workbook and imported back changes nothing (a copy of the demo database)."""
    exported = services.onboarding.export_workbook("admin")
    report = services.onboarding.import_workbook(exported, "admin")
    assert report.ok, report.errors[:5]
    assert report.changes == [], report.changes[:10]
