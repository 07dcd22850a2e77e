"""AppTest: a province on one server, in the app. Two counties, each its own database (SQLite files here; one
PostgreSQL server in a province install) named by the registry (RELIEF_COUNTIES_FILE). A login granted several
counties (the province reader) picks the county in the sidebar and the whole app reads that county's database; a
login granted one county (a keeper) never sees the other in the picker nor its stock."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from stockpile.adapters.db.engine import create_schema, make_engine
from stockpile.adapters.orm.auth import UserRow
from stockpile.adapters.repos.passwords import Argon2Hasher
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.schemas import ReceiptCmd
from tests.conftest import TEST_NOW
from tests.support.factory import seed_minimal, seed_users

ROOT = Path(__file__).resolve().parents[2]
COUNTIES = {"360401": ("甲县", "LOT-A", 10), "360402": ("乙县", "LOT-B", 7)}
KEEPER_PASSWORD = {"360401": "Gan-county-one-2026", "360402": "Gan-county-two-2026"}
PROVINCE_PASSWORD = "Province-reader-2026"  # the same reader, granted by each county in its own database


def _county(path: Path, code: str) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    create_schema(engine)
    seed_minimal(engine)  # with the test users (keeper1 keeps D-COUNTY)
    seed_users(engine, {"prov": ("province", ())})
    with engine.begin() as c:
        c.execute(update(UserRow).values(password_hash=Argon2Hasher().hash(KEEPER_PASSWORD[code])))
        hashed = Argon2Hasher().hash(PROVINCE_PASSWORD)
        c.execute(update(UserRow).where(UserRow.username == "prov").values(password_hash=hashed))
    engine.dispose()
    _, lot, qty = COUNTIES[code]
    build_services(Settings(database_url=url)).ledger.record_receipt(
        ReceiptCmd(
            client_id=uuid.uuid4(), actor="keeper1", occurred_at=TEST_NOW - timedelta(hours=1),
            site_code="D-COUNTY", item_code="1020101", lot_no=lot, qty=qty, expiry=date(2099, 1, 1),
        )
    )  # fmt: skip
    return url


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("province_app")
    lines = []
    for code, (name, _, _) in COUNTIES.items():
        url = _county(base / f"relief_{code}.db", code)
        lines += [f"[counties.{code}]", f'name = "{name}"', f'database_url = "{url}"']
    path = base / "counties.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


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
