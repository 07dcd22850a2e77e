"""AppTest: a province on one server, in the app. Two counties, each its own database (SQLite files here; one
PostgreSQL server in a province install) named by the registry (RELIEF_COUNTIES_FILE). A login granted several
counties (the province reader) picks the county in the sidebar and the whole app reads that county's database; a
login granted one county (a keeper) never sees the other in the picker nor its stock."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.province_app import COUNTIES, KEEPER_PASSWORD, PROVINCE_PASSWORD, province_registry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    return province_registry(tmp_path_factory.mktemp("province_app"))


@pytest.fixture
def app(registry, monkeypatch) -> AppTest:
    monkeypatch.setenv("RELIEF_COUNTIES_FILE", str(registry))
    monkeypatch.delenv("RELIEF_COUNTY", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    return at.run()


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at.run()  # lands on the role's home


def _stock(at: AppTest) -> str:
    """The stock page (库存查询) as this session sees it: its tables as text."""
    at.switch_page("stockpile/app/pages/stock.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return " ".join(str(df.value.to_dict()) for df in at.dataframe)


def test_the_province_reader_picks_a_county_and_the_app_reads_its_database(app):
    """Granted both counties: the picker lists both by name; 甲县's stock, then 乙县's after picking it."""
    at = _sign_in(app, "prov", PROVINCE_PASSWORD)
    assert not at.exception, [e.value for e in at.exception]
    assert sorted(at.session_state["auth.counties"]) == sorted(COUNTIES)
    picker = at.sidebar.selectbox(key="county.pick")
    assert picker.options == ["甲县", "乙县"]
    shown = _stock(at)
    assert "LOT-A" in shown and "LOT-B" not in shown
    at.sidebar.selectbox(key="county.pick").set_value("360402").run()
    assert not at.exception
    assert at.session_state["county"] == "360402" and at.session_state["user"] == "prov"
    shown = _stock(at)
    assert "LOT-B" in shown and "LOT-A" not in shown
    assert any("乙县" in c.value for c in at.sidebar.caption)


def test_a_keeper_granted_one_county_never_sees_the_other(app):
    """keeper1 with 甲县's password: 乙县 refuses it (its keeper1 has another password), so there is no picker,
    乙县 is named nowhere and its stock is not on any page."""
    at = _sign_in(app, "keeper1", KEEPER_PASSWORD["360401"])
    assert not at.exception, [e.value for e in at.exception]
    assert list(at.session_state["auth.counties"]) == ["360401"]
    assert not [s for s in at.sidebar.selectbox if s.key == "county.pick"]
    assert not any("乙县" in c.value for c in at.sidebar.caption)
    at.session_state["county"] = "360402"  # a crafted session choosing the other county gets 甲县 anyway
    at.run()
    shown = _stock(at)
    assert at.session_state["county"] == "360401" and "LOT-A" in shown and "LOT-B" not in shown


def test_a_login_no_county_accepts_is_refused_in_words(app):
    app.text_input[0].input("prov")
    app.text_input[1].input("not-the-password-2026")
    at = app.button[0].click().run()
    assert not at.exception and at.error and "auth.counties" not in at.session_state
