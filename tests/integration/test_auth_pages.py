"""AppTest: the login page signs in and out; the admin page guards itself before any service call."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from stockpile.bootstrap import build_services
from stockpile.config import Settings
from tests.support.app_pages import CountingServices

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services(demo_url):
    return build_services(Settings(database_url=demo_url))


def page(name: str, services, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "stockpile" / "app" / "pages" / name), default_timeout=30)
    at.session_state["services"] = services
    for k, v in state.items():
        at.session_state[k] = v
    return at


def test_wrong_password_shows_an_error_and_no_login(services):
    """A wrong name or password gets one generic message; nothing is put into the session."""
    at = page("login.py", services)
    at.run()
    at.text_input[0].input("nobody")
    at.text_input[1].input("wrong password")
    at.button[0].click().run()
    assert not at.exception and at.error
    assert "auth.token" not in at.session_state


def test_login_then_logout_revokes_the_token(services):
    """Signing in stores only the token and the user's role; signing out revokes it server-side."""
    at = page("login.py", services)
    at.run()
    at.text_input[0].input("planner")
    at.text_input[1].input("planner-demo-2026")
    at.button[0].click().run()
    assert not at.exception
    token = at.session_state["auth.token"]
    assert at.session_state["role"] == "planner"
    assert services.trust.session_user(token).username == "planner"
    at.button[0].click().run()  # 退出登录
    assert services.trust.session_user(token) is None


@pytest.mark.parametrize("login", [None, ("keeper_xjk", "keeper-demo-2026")])
def test_admin_page_guard_stops_before_any_service_call(services, login):
    """A guest or a keeper forcing the admin page's URL sees the guard, and no service is called."""
    state = {}
    if login:
        state["auth.token"] = services.trust.login(*login).token
    counting = CountingServices(services)
    at = page("admin_users.py", counting, **state)
    at.run()
    assert not at.exception and at.error
    assert counting.calls == []


def test_admin_page_lists_users_for_an_admin(services):
    """An admin sees the user table with the demo users."""
    token = services.trust.login("admin", "admin-demo-2026").token
    at = page("admin_users.py", services, **{"auth.token": token})
    at.run()
    assert not at.exception
    names = set(at.dataframe[0].value["用户名"])
    assert {"admin", "dispatcher", "keeper_xjk"} <= names
