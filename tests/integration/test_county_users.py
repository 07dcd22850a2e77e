"""The county workbook's 用户 sheet: accounts made without a password get a one-time setup code, must choose a
password at first login and cannot log in with any password before; re-importing changes nothing, an existing
account keeps its password, export never writes a hash, and bad rows are refused with their place."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from stockpile import clock
from stockpile.adapters.orm.auth import AuditEventRow, UserRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.domain.errors import InvalidCommand
from stockpile.trust.users import LoginFailed, PasswordNotSet
from tests.support import county_book
from tests.support.factory import seed_users

HEADER = ["用户名", "姓名", "角色", "负责库点编码", "负责乡镇代码"]
NEW_PASSWORD = "Ganjiang-river-2031"


def _book(rows: list[list[Any]]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    book = county_book.sheets(clock.today())
    book["用户"] = (HEADER, rows)
    return book


ROWS = [
    ["keeper_sy", "刘保管", "保管员", "SY-XJK;SY-XZ04", ""],
    ["dispatch_sy", "陈调度", "调度员", "", ""],
    ["info_yq", "营前信息员", "灾情信息员", "", "360724104"],
]


@pytest.fixture
def svc(engine, db_url):
    seed_users(engine, {"admin": ("admin", ())})
    return build_services(Settings(database_url=db_url))


def _imported(svc: Any, rows: list[list[Any]] = ROWS) -> Any:
    report = svc.onboarding.import_workbook(county_book.xlsx(_book(rows)), "admin")
    assert report.ok and report.committed, report.errors
    return report


def test_new_accounts_have_no_password_until_first_login(svc, engine):
    report = _imported(svc)
    assert set(report.setup_codes) == {"keeper_sy", "dispatch_sy", "info_yq"}
    code = report.setup_codes["keeper_sy"]
    with pytest.raises(LoginFailed):
        svc.trust.login("keeper_sy", "")
    with pytest.raises(LoginFailed):
        svc.trust.login("keeper_sy", NEW_PASSWORD)
    with pytest.raises(PasswordNotSet):  # the right code only leads to choosing a password
        svc.trust.login("keeper_sy", code.lower())
    with pytest.raises(InvalidCommand):  # the password rules apply
        svc.trust.set_first_password("keeper_sy", code, "keeper_sy123")
    with pytest.raises(LoginFailed):
        svc.trust.set_first_password("keeper_sy", "AAAA-BBBB-CCCC", NEW_PASSWORD)
    login = svc.trust.set_first_password("keeper_sy", code, NEW_PASSWORD)
    assert svc.trust.session_user(login.token).role == "keeper"
    assert svc.trust.login("keeper_sy", NEW_PASSWORD).username == "keeper_sy"
    with pytest.raises(LoginFailed):  # the code is spent: it neither logs in nor sets a password again
        svc.trust.set_first_password("keeper_sy", code, NEW_PASSWORD + "x")
    with engine.connect() as c:
        actions = {(a, t) for a, t in c.execute(select(AuditEventRow.action, AuditEventRow.target))}
        must = dict(c.execute(select(UserRow.username, UserRow.must_set_password)).all())
    assert {
        ("add_user", "keeper_sy"),
        ("add_user", "info_yq"),
        ("set_first_password", "keeper_sy"),
    } <= actions
    assert must == {"admin": False, "keeper_sy": False, "dispatch_sy": True, "info_yq": True}


def test_scope_follows_the_sheet(svc):
    _imported(svc)
    keeper = {u.username: u for u in svc.trust.list_users("admin")}["keeper_sy"]
    assert keeper.site_codes == ("SY-XJK", "SY-XZ04") and keeper.role == "keeper"
    assert keeper.must_set_password  # the users page shows who has not chosen a password yet


def test_reimport_and_round_trip_change_nothing_and_keep_passwords(svc):
    code = _imported(svc).setup_codes["dispatch_sy"]
    svc.trust.set_first_password("dispatch_sy", code, NEW_PASSWORD)
    again = svc.onboarding.import_workbook(county_book.xlsx(_book(ROWS)), "admin")
    assert again.ok and again.changes == [] and again.setup_codes == {}
    exported = svc.onboarding.export_workbook("admin")
    sheet = load_workbook(io.BytesIO(exported))["用户"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == HEADER and not any("argon2" in str(v) for row in cells for v in row)
    assert ["keeper_sy", "刘保管", "保管员", "SY-XJK;SY-XZ04", None] in cells
    back = svc.onboarding.import_workbook(exported, "admin")
    assert back.ok and back.changes == [], back.changes
    assert svc.trust.login("dispatch_sy", NEW_PASSWORD).username == "dispatch_sy"


def test_changed_role_is_written_and_logins_revoked(svc):
    code = _imported(svc).setup_codes["dispatch_sy"]
    login = svc.trust.set_first_password("dispatch_sy", code, NEW_PASSWORD)
    rows = [*ROWS[:1], ["dispatch_sy", "陈调度", "规划审查", "", ""], *ROWS[2:]]
    report = _imported(svc, rows)
    assert [(c.key, c.kind, c.fields) for c in report.changes] == [("dispatch_sy", "changed", ("角色",))]
    assert svc.trust.session_user(login.token) is None
    assert svc.trust.login("dispatch_sy", NEW_PASSWORD).role == "planner"


def test_dry_run_makes_no_account_and_no_code(svc, engine):
    report = svc.onboarding.import_workbook(county_book.xlsx(_book(ROWS)), "admin", dry_run=True)
    assert report.ok and report.setup_codes == {}
    assert {c.key for c in report.changes if c.sheet == "用户"} == {"keeper_sy", "dispatch_sy", "info_yq"}
    with engine.connect() as c:
        assert c.execute(select(UserRow.username)).scalars().all() == ["admin"]


BAD = [
    ("unknown role", ["x_user", "", "仓库主任", "SY-XJK", ""], "角色", "invalid_choice"),
    ("unknown depot", ["x_user", "", "保管员", "SY-XJK;SY-NOPE", ""], "负责库点编码", "unknown_site"),
    ("keeper without depot", ["x_user", "", "保管员", "", ""], "负责库点编码", "role_needs_depots"),
    (
        "informant without township",
        ["x_user", "", "灾情信息员", "", ""],
        "负责乡镇代码",
        "role_needs_townships",
    ),
    ("unknown township", ["x_user", "", "灾情信息员", "", "360724999"], "负责乡镇代码", "unknown_township"),
    (
        "township for a dispatcher",
        ["x_user", "", "调度员", "", "360724101"],
        "负责乡镇代码",
        "townships_only_informant",
    ),
    ("name with a space", ["x user", "", "调度员", "", ""], "用户名", "username_invalid"),
    ("name twice in other case", ["KEEPER_SY", "", "调度员", "", ""], "用户名", "duplicate_username"),
    ("last admin demoted", ["admin", "", "调度员", "", ""], "角色", "last_admin"),
]


@pytest.mark.parametrize(("name", "row", "column", "code"), BAD, ids=[b[0] for b in BAD])
def test_bad_user_row_is_refused_with_its_place(svc, engine, name, row, column, code):
    if code == "last_admin":  # the county exists; the sheet then demotes its only admin
        _imported(svc, [])
    report = svc.onboarding.import_workbook(county_book.xlsx(_book([ROWS[0], row])), "admin")
    assert not report.ok and not report.committed
    assert any((p.sheet, p.row, p.column, p.code) == ("用户", 3, column, code) for p in report.errors), (
        report.errors
    )
    assert not any(p.value in ("dispatcher", "admin", "keeper") for p in report.errors)  # 调度员 as typed
    with engine.connect() as c:
        assert "x_user" not in c.execute(select(UserRow.username)).scalars().all()
