"""Flows a person walks through (issue 22): where a login lands, what the admin's edit form shows."""

from __future__ import annotations

from typing import Any

import pytest

from stockpile.bootstrap import build_services
from stockpile.config import Settings
from tests.app.conftest import page


@pytest.fixture
def login_services(services: Any) -> Any:
    """The demo county without the role picker: a guest sees only the login page."""
    return build_services(Settings(database_url=services.settings.database_url, role_picker=False))


def test_after_login_the_user_lands_on_the_roles_home_page(login_services, monkeypatch):
    """A keeper who signs in on the login page is taken to 应急一张图, not left on a near-empty page."""
    monkeypatch.setenv("DATABASE_URL", login_services.settings.database_url)
    at = page("app", login_services)
    at.run()
    assert at.title[0].value == "登录"
    at.text_input[0].input("keeper_xz01")
    at.text_input[1].input("keeper-demo-2026")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["role"] == "keeper"
    assert at.title[0].value == "应急一张图"


def test_the_admin_edit_form_shows_the_picked_users_own_role(services):
    """Picking the admin in 修改用户 shows 管理员 (one click on 设置角色 must not demote them); a keeper shows 保管员
    with their depots."""
    at = page("admin_users", services, role="admin", user="admin")
    at.run()
    at.selectbox(key="admin.edit_target").set_value("admin").run()
    assert not at.exception
    assert at.selectbox(key="admin.edit_role.admin").value == "admin"
    at.selectbox(key="admin.edit_target").set_value("keeper_xz01").run()
    assert at.selectbox(key="admin.edit_role.keeper_xz01").value == "keeper"
    assert at.multiselect(key="admin.edit_depots.keeper_xz01").value == ["XZ01"]
