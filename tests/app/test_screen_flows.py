"""Flows a person walks through: where a login lands, what the admin's edit form shows, a write-off
request that waits for approval."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from stockpile import clock
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.domain.errors import InvalidCommand
from stockpile.i18n import error_text
from stockpile.schemas import WriteOffCmd
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


def _write_off(site: str, item: str, lot: str, qty: int = 1) -> WriteOffCmd:
    return WriteOffCmd(
        client_id=uuid.uuid4(),
        actor="keeper_xz01",
        occurred_at=clock.now(),
        site_code=site,
        item_code=item,
        lot_no=lot,
        qty=qty,
        reason="damaged",
    )


def test_a_lot_waiting_for_write_off_approval_cannot_be_proposed_again(services):
    """报废 four-eyes: while a lot's proposal waits for an admin, a second proposal for the same lot is refused
    (a new client id is a new request, not a replay)."""
    lot = services.views.stock(site_code="XZ01").iloc[0]
    services.ledger.propose_write_off(_write_off("XZ01", lot["item_code"], lot["lot_no"]))
    with pytest.raises(InvalidCommand) as refused:
        services.ledger.propose_write_off(_write_off("XZ01", lot["item_code"], lot["lot_no"]))
    assert refused.value.params["reason"] == "write_off_pending"
    assert "待审批" in error_text(refused.value.code, refused.value.params)
    assert len(services.ledger.pending_write_offs("admin")) == 1


def test_the_write_off_page_marks_a_pending_lot_and_says_it_submits_a_request(services):
    """The lot shows 待审批报废 in the table and its option, picking it warns, and the button reads 提交报废申请
    (it proposes; an admin approves)."""
    lot = services.views.stock(site_code="XZ01").iloc[0]
    services.ledger.propose_write_off(_write_off("XZ01", lot["item_code"], lot["lot_no"]))
    at = page("write_off", services, role="keeper", user="keeper_xz01")
    at.run()
    at.selectbox(key="write_off.item").set_value(lot["item_code"]).run()
    at.selectbox(key="write_off.lot.0").set_value(lot["lot_no"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table.loc[table["批次号"] == lot["lot_no"], "报废申请"]) == ["待审批报废"]
    assert "待审批报废" in at.selectbox(key="write_off.lot.0").format_func(lot["lot_no"])
    assert any(lot["lot_no"] in w.value for w in at.warning)
    assert at.button(key="write_off.submit.0").label == "提交报废申请"


def test_a_planner_pressing_approve_is_told_who_may_approve_and_why_not_them(services):
    """批准 by a planner: the message names the role that may approve and the planner's own role, not a bare
    无权执行此操作; the review stays reviewed."""
    year = clock.today().year + 1
    services.planning.prepare_review(year, "planner", "")
    services.planning.mark_reviewed(year, "admin2")
    at = page("review", services, role="planner", user="planner")
    at.run()
    at.number_input(key="review.year").set_value(year)
    at.button(key="review.approve").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["只有管理员可以批准年度储备计划；您当前的角色是规划审查。"]
    assert services.planning.review(year)[0].state.value == "reviewed"


def test_a_refusal_names_the_roles_in_english_too():
    """The same refusal in English lists the roles that may act."""
    params = {"action": "approve_review", "reason": "policy", "role": "planner", "allowed_roles": "admin"}
    assert (
        error_text("permission_denied", params, "en")
        == "Only Admin may approve the annual reserve plan; your role is Planner."
    )


def test_the_admin_reads_a_write_off_request_in_names_and_words(services):
    """用户与审批 → 报废审批: depot and item by name, quantity with its unit, the reason in words."""
    lot = services.views.stock(site_code="XZ01").iloc[0]
    services.ledger.propose_write_off(_write_off("XZ01", lot["item_code"], lot["lot_no"], qty=2))
    at = page("admin_users", services, role="admin", user="admin")
    at.run()
    assert not at.exception
    [line] = [x.value for x in at.text if lot["lot_no"] in x.value]
    assert lot["site_name"] in line and lot["item_name"] in line and f"2{lot['unit']}" in line
    assert "损坏" in line and "damaged" not in line
