"""The CLI's identity: it acts only as the user of `relief login`, never a default or an asserted
name; approvals need the approver's own login; the token is kept for the OS user alone (docs/trust.md)."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from stockpile.adapters.orm.auth import AuditEventRow
from stockpile.cli.exitcodes import ExitCode
from stockpile.cli.main import app
from tests.conftest import FAR_EXPIRY
from tests.support.cli import demo_password, login_as

pytestmark = pytest.mark.dates  # CLI smoke: also run under moved clocks (.ci/run)

runner = CliRunner()


def session_path() -> str:
    return os.environ["RELIEF_SESSION_FILE"]


def _write_off_proposal(lot_site: str = "XZ01", item: str = "1010201") -> str:
    login_as("admin")
    out = runner.invoke(app, ["stock", "--site", lot_site, "--item", item]).output
    lot = re.search(r"(0201-\S+)", out).group(1)
    login_as("keeper_xz01")
    res = runner.invoke(app, ["writeoff", lot_site, item, lot, "1", "--reason", "damaged"])
    assert res.exit_code == 0, res.output
    return re.search(r"([0-9a-f]{8}-[0-9a-f-]{27})", res.output).group(1)


@pytest.mark.parametrize(
    "args",
    [
        ["receive", "XZ01", "1020101", "L-1", "5", "--expiry", FAR_EXPIRY],
        ["issue", "XZ01", "1020101", "1"],
        ["stock", "--site", "XZ01"],
        ["bincard", "XZ01", "1020101"],
        ["export", "--out", "x.xlsx"],
        ["user", "add", "mallory", "--role", "admin"],
        ["user", "list"],
        ["period", "show"],
        ["review", "approve", "--year", "2027"],
        ["gap"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_cli_without_login_is_refused_with_a_clear_message(cli_db, args):
    """No login → exit code 3 and a sentence naming `relief login`; nothing is written, nothing is shown."""
    res = runner.invoke(app, args, env={"RELIEF_NEW_PASSWORD": "a long unusual phrase 9"})
    assert res.exit_code == ExitCode.NOT_LOGGED_IN, res.output
    assert "relief login" in res.output and "Traceback" not in res.output


def test_cli_has_no_actor_option_anymore(cli_db):
    """`--actor` / `--as` were unauthenticated assertions: they are gone, so `--actor admin2` cannot approve."""
    proposal = _write_off_proposal()
    res = runner.invoke(app, ["writeoff-approve", proposal, "--as", "admin2"])
    assert res.exit_code != 0 and "没有选项 --as" in res.output
    res = runner.invoke(app, ["issue", "XZ01", "1020101", "1", "--actor", "admin2"])
    assert res.exit_code != 0 and "没有选项 --actor" in res.output


def test_keeper_login_cannot_approve_a_write_off(cli_db):
    """Four-eyes needs an admin's own login: the keeper's token is refused (permission), and so is the proposer."""
    proposal = _write_off_proposal()
    res = runner.invoke(app, ["writeoff-approve", proposal])  # still logged in as keeper_xz01
    assert res.exit_code == ExitCode.REFUSED and "Traceback" not in res.output
    login_as("admin")  # the proposal is still pending: an admin's own login approves it
    res = runner.invoke(app, ["writeoff-approve", proposal])
    assert res.exit_code == 0 and "报废已批准并过账" in res.output


def test_admin_login_approves_a_write_off_as_that_admin(cli_db, demo_url):
    """An admin who logged in approves; the audit row names that admin, not a default."""
    proposal = _write_off_proposal()
    login_as("admin2")
    res = runner.invoke(app, ["writeoff-approve", proposal])
    assert res.exit_code == 0, res.output
    from stockpile.adapters.db.engine import make_engine

    engine = make_engine(f"sqlite:///{cli_db}")
    with engine.connect() as c:
        rows = c.execute(select(AuditEventRow).where(AuditEventRow.action == "approve_write_off")).all()
    engine.dispose()
    assert [r.actor for r in rows] == ["admin2"]


def test_keeper_login_cannot_create_users(cli_db):
    """A shell user logged in as a keeper cannot make a web admin (POLICY manage_users)."""
    login_as("keeper_xz01")
    res = runner.invoke(
        app,
        ["user", "add", "mallory", "--role", "admin"],
        env={"RELIEF_NEW_PASSWORD": "a long unusual phrase 9"},
    )
    assert res.exit_code == ExitCode.REFUSED and "只有管理员" in res.output


def test_writes_act_as_the_logged_in_user(cli_db):
    """The posting's actor is the login's user."""
    login_as("keeper_xz01")
    res = runner.invoke(app, ["receive", "XZ01", "1020101", "WHO-1", "24", "--expiry", FAR_EXPIRY])
    assert res.exit_code == 0, res.output
    out = runner.invoke(app, ["bincard", "XZ01", "1020101", "--lot", "WHO-1"]).output
    assert "KEEPER_XZ01" in out.upper()  # (the posting schema upper-cases the actor like a code)


def test_expired_cli_login_is_refused(cli_db):
    """A CLI login lasts `cli_session_hours` (8); one past its end is refused with exit code 3."""
    from datetime import datetime

    from stockpile.bootstrap import build_services
    from stockpile.clock import now as utcnow
    from stockpile.config import get_settings
    from stockpile.trust import users

    login_as("admin")
    until = datetime.fromisoformat(json.loads(Path(session_path()).read_text(encoding="utf-8"))["expires_at"])
    assert until <= utcnow() + timedelta(hours=8, minutes=1)
    svc = build_services(get_settings())
    old = users.login(
        svc.trust.uow(), svc.trust.hasher, "admin", demo_password("admin"), utcnow() - timedelta(hours=9), 8
    )
    res = runner.invoke(app, ["stock", "--site", "XZ01"], env={"RELIEF_SESSION_TOKEN": old.token})
    assert res.exit_code == ExitCode.NOT_LOGGED_IN and "relief login" in res.output


def test_logged_out_or_revoked_cli_login_is_refused(cli_db):
    """`relief logout` revokes the token on the server (a copy of it is worthless); so does deactivation."""
    login_as("keeper_xz01")
    token = json.loads(Path(session_path()).read_text(encoding="utf-8"))["token"]
    assert runner.invoke(app, ["logout"]).exit_code == 0
    assert not os.path.exists(session_path())
    res = runner.invoke(app, ["stock"], env={"RELIEF_SESSION_TOKEN": token})
    assert res.exit_code == ExitCode.NOT_LOGGED_IN and "失效" in res.output
    login_as("keeper_xz02")
    token = json.loads(Path(session_path()).read_text(encoding="utf-8"))["token"]
    login_as("admin")
    assert runner.invoke(app, ["user", "revoke", "keeper_xz02"]).exit_code == 0
    res = runner.invoke(app, ["stock"], env={"RELIEF_SESSION_TOKEN": token})
    assert res.exit_code == ExitCode.NOT_LOGGED_IN


def test_wrong_password_gives_no_login(cli_db):
    """A wrong password: the same one answer as the app, exit code 3, no session file."""
    res = runner.invoke(app, ["login", "admin"], env={"RELIEF_PASSWORD": "not the password"})
    assert res.exit_code == ExitCode.NOT_LOGGED_IN and "用户名或密码错误" in res.output
    assert not os.path.exists(session_path())


def test_session_file_is_private_to_the_os_user(cli_db):
    """The token file is 0600 in a 0700 folder, holds no password; a file others can read is refused."""
    login_as("admin")
    path = session_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode) & 0o077 == 0
    assert demo_password("admin") not in Path(path).read_text(encoding="utf-8")
    os.chmod(path, 0o644)
    res = runner.invoke(app, ["stock"])
    assert res.exit_code == ExitCode.NOT_LOGGED_IN and "其他用户" in res.output


def test_print_token_serves_scripts_through_the_environment(cli_db):
    """`relief login --print-token` writes no file; RELIEF_SESSION_TOKEN carries the login for a script."""
    res = runner.invoke(
        app, ["login", "dispatcher", "--print-token"], env={"RELIEF_PASSWORD": "dispatch-demo-2026"}
    )
    assert res.exit_code == 0 and not os.path.exists(session_path())
    token = res.output.strip().splitlines()[-1]
    who = runner.invoke(app, ["whoami"], env={"RELIEF_SESSION_TOKEN": token})
    assert who.exit_code == 0 and "dispatcher" in who.output


def test_a_new_login_revokes_the_one_it_replaces(cli_db):
    """Logging in as someone else does not leave the earlier login usable elsewhere."""
    login_as("keeper_xz01")
    first = json.loads(Path(session_path()).read_text(encoding="utf-8"))["token"]
    login_as("admin")
    res = runner.invoke(app, ["whoami"], env={"RELIEF_SESSION_TOKEN": first})
    assert res.exit_code == ExitCode.NOT_LOGGED_IN
    assert "admin" in runner.invoke(app, ["whoami"]).output


def test_user_commands_print_words_not_codes(cli_db):
    """`user add` names the role in words (was "（informant）") and `user list` says 是 / 否 (was True / False)."""
    login_as("admin")
    added = runner.invoke(
        app,
        ["user", "add", "inf9", "--role", "informant"],
        env={"RELIEF_NEW_PASSWORD": "a long unusual phrase 9"},
    )
    assert added.exit_code == 0 and "灾情信息员" in added.output and "informant" not in added.output, (
        added.output
    )
    listed = runner.invoke(app, ["user", "list"])
    assert listed.exit_code == 0 and "是" in listed.output, listed.output
    assert "True" not in listed.output and "False" not in listed.output


def test_user_grant_names_the_role_in_words_and_only_what_changed(cli_db):
    """`user grant --role planner` said 角色 planner, and `--depot` alone said 角色 -: the role reads in the reader's
    language, and a grant that leaves the role as it was does not print one."""
    login_as("admin")
    role = runner.invoke(app, ["user", "grant", "keeper_xz02", "--role", "planner"])
    assert role.exit_code == 0 and "规划审查" in role.output and "planner" not in role.output, role.output
    en = runner.invoke(app, ["--lang", "en", "user", "grant", "keeper_xz02", "--role", "keeper"])
    assert en.exit_code == 0 and "role Keeper" in en.output, en.output
    depots = runner.invoke(app, ["user", "grant", "keeper_xz02", "--depot", "XZ01", "--depot", "XZ02"])
    assert depots.exit_code == 0 and "XZ01、XZ02" in depots.output, depots.output
    assert "角色 -" not in depots.output and "-" not in depots.output.replace("keeper_xz02", ""), (
        depots.output
    )
