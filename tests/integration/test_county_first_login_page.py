"""AppTest: an account made by the county workbook logs in the first time with its setup code, is led to choose a
password (typed twice) and is then signed in; a mismatch or a weak password signs nobody in."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from tests.support import county_book
from tests.support.factory import seed_users

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def code_and_services(engine, db_url):
    seed_users(engine, {"admin": ("admin", ())})
    svc = build_services(Settings(database_url=db_url))
    book = county_book.sheets(clock.today())
    book["用户"] = (
        ["用户名", "姓名", "角色", "负责库点编码", "负责乡镇代码"],
        [["dispatch_sy", "", "调度员", "", ""]],
    )
    report = svc.onboarding.import_workbook(county_book.xlsx(book), "admin")
    assert report.committed, report.errors
    return report.setup_codes["dispatch_sy"], svc


def _login_page(svc) -> AppTest:
    at = AppTest.from_file(str(ROOT / "stockpile" / "app" / "pages" / "login.py"), default_timeout=30)
    at.session_state["services"] = svc
    at.run()
    return at


def test_setup_code_leads_to_choosing_a_password(code_and_services):
    code, svc = code_and_services
    at = _login_page(svc)
    at.text_input[0].input("dispatch_sy")
    at.text_input[1].input(code)
    at.button[0].click().run()
    assert not at.exception and "auth.token" not in at.session_state
    assert at.title[0].value == "首次登录：请设置您的密码"
    at.text_input[0].input("Ganjiang-river-2031")
    at.text_input[1].input("Ganjiang-river-2032")
    at.button[0].click().run()
    assert at.error and "auth.token" not in at.session_state  # the two differ
    at.text_input[0].input("short")
    at.text_input[1].input("short")
    at.button[0].click().run()
    assert at.error and "auth.token" not in at.session_state  # the password rules apply
    at.text_input[0].input("Ganjiang-river-2031")
    at.text_input[1].input("Ganjiang-river-2031")
    at.button[0].click().run()
    assert not at.exception
    assert svc.trust.session_user(at.session_state["auth.token"]).username == "dispatch_sy"
    assert svc.trust.login("dispatch_sy", "Ganjiang-river-2031").role == "dispatcher"


def test_no_password_logs_in_before_the_first_one_is_set(code_and_services):
    _, svc = code_and_services
    at = _login_page(svc)
    at.text_input[0].input("dispatch_sy")
    at.text_input[1].input("Ganjiang-river-2031")
    at.button[0].click().run()
    assert at.error and "auth.token" not in at.session_state and "auth.setup" not in at.session_state
