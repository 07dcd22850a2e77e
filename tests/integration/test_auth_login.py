"""Own login: Argon2id, rehash on login, lockout after 5 failures, dummy hash for unknown
users, server-side logout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from stockpile.adapters.orm.auth import AuditEventRow, UserRow
from stockpile.adapters.repos.passwords import Argon2Hasher
from stockpile.domain.errors import DomainError, InvalidCommand
from stockpile.i18n import error_text
from stockpile.trust import users
from tests.conftest import NOW

PW = "correct horse 1"


class CountingHasher(Argon2Hasher):
    """The real hasher, counting verifies (the unknown-user path must do the same work)."""

    def __init__(self, ph: PasswordHasher | None = None) -> None:
        super().__init__(ph)
        self.verifies = 0

    def verify(self, stored_hash: str, password: str) -> bool:
        self.verifies += 1
        return super().verify(stored_hash, password)


@pytest.fixture
def hasher():
    return CountingHasher()


@pytest.fixture
def alice(uow, world, hasher):
    users.add_user(uow, hasher, "admin", "alice", "keeper", PW, (world.depot,), now=NOW)
    return "alice"


def stored_hash(engine, name):
    with engine.connect() as c:
        return c.execute(select(UserRow.password_hash).where(UserRow.username == name)).scalar_one()


def test_passwords_are_stored_as_argon2id(uow, engine, alice):
    """Only an Argon2id hash is stored, never the password."""
    h = stored_hash(engine, alice)
    assert h.startswith("$argon2id$") and PW not in h


def test_login_rehashes_an_outdated_hash(uow, engine, world):
    """check_needs_rehash(): a hash made with weaker parameters is replaced at the next good login."""
    weak = Argon2Hasher(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
    users.add_user(uow, weak, "admin", "carol", "planner", PW, now=NOW)
    old = stored_hash(engine, "carol")
    users.login(uow, Argon2Hasher(), "carol", PW, NOW)
    new = stored_hash(engine, "carol")
    assert new != old and not Argon2Hasher().needs_rehash(new)


def test_five_failures_lock_the_account(uow, alice, hasher):
    """Lockout: after 5 wrong passwords even the right one is refused until the lock expires."""
    for _ in range(users.MAX_FAILURES):
        with pytest.raises(users.LoginFailed):
            users.login(uow, hasher, alice, "wrong password", NOW)
    with pytest.raises(users.LoginFailed):
        users.login(uow, hasher, alice, PW, NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=users.LOCK_MINUTES + 1)
    assert users.login(uow, hasher, alice, PW, later).username == "alice"


def test_unknown_user_costs_the_same_verify(uow, alice, hasher):
    """Unknown names run one Argon2 verify against a dummy hash, like a known name with a wrong password."""
    hasher.verifies = 0
    with pytest.raises(users.LoginFailed):
        users.login(uow, hasher, "nobody", PW, NOW)
    unknown = hasher.verifies
    with pytest.raises(users.LoginFailed):
        users.login(uow, hasher, alice, "wrong password", NOW)
    assert unknown == 1 and hasher.verifies - unknown == 1


def test_failed_logins_are_audited_without_the_password(uow, engine, alice, hasher):
    """Each failure is an audit row (login_failed); no password or token text in the audit log."""
    with pytest.raises(users.LoginFailed):
        users.login(uow, hasher, alice, "wrong password", NOW)
    tok = users.login(uow, hasher, alice, PW, NOW).token
    with engine.connect() as c:
        rows = c.execute(select(AuditEventRow)).all()
    assert any(r.outcome == "login_failed" for r in rows)
    blob = " ".join(f"{r.target} {r.detail} {r.client_id}" for r in rows)
    assert "wrong password" not in blob and PW not in blob and tok not in blob


def test_logout_revokes_the_server_side_login(uow, alice, hasher):
    """Logout ends the login on the server: the old token resolves to nobody."""
    s = users.login(uow, hasher, alice, PW, NOW)
    assert users.session_user(uow, s.token, NOW).username == "alice"
    users.logout(uow, s.token, NOW)
    assert users.session_user(uow, s.token, NOW) is None


def test_short_passwords_are_refused(uow, world, hasher):
    with pytest.raises(Exception, match="weak_password"):
        users.add_user(uow, hasher, "admin", "dave", "planner", "short", now=NOW)


def _answer(uow, hasher, name: str, password: str, at) -> tuple[str, dict, str]:
    with pytest.raises(DomainError) as exc:
        users.login(uow, hasher, name, password, at)
    return exc.value.code, dict(exc.value.params), error_text(exc.value.code, exc.value.params)


def test_lockout_gives_real_and_unknown_names_the_same_answer(uow, engine, alice, hasher):
    """A locked real account and a name that does not exist get one answer (same code, same
    parameters, same sentence), so trying 6 times does not reveal which names exist; only the audit row says
    `locked`."""
    for _ in range(users.MAX_FAILURES):
        _answer(uow, hasher, alice, "wrong password", NOW)
        _answer(uow, hasher, "nobody", "wrong password", NOW)
    at = NOW + timedelta(minutes=1)
    locked = _answer(uow, hasher, alice, PW, at)  # the right password, but locked
    unknown = _answer(uow, hasher, "nobody", PW, at)
    wrong = _answer(uow, hasher, "bob-not-here", "x" * 12, at)
    assert locked == unknown == wrong
    assert locked[0] == "login_failed" and "锁定" in locked[2]
    with engine.connect() as c:
        rows = c.execute(select(AuditEventRow)).all()
    assert any(r.actor == alice and "locked" in str(r.detail) for r in rows)  # the admin still sees why


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaaaa", "password_repetitive"),
        ("abcabcabcabc", "password_repetitive"),
        ("ab12ab12ab12", "password_repetitive"),
        ("1212121212121", "password_repetitive"),
        ("dave-the-planner", "password_has_username"),
        ("DAVE2026dave", "password_has_username"),
        ("1234567890", "password_common"),
        ("qwertyuiop", "password_common"),
        ("iloveyou2026!", "password_common"),
        ("Password2026", "password_common"),
    ],
)
def test_password_policy_refuses_username_repeats_and_common_passwords(uow, world, hasher, password, reason):
    """The user name (or a password containing it), repeats of one character or chunk, and
    passwords on the bundled common-password list (zxcvbn's) are refused on every path that sets a password."""
    with pytest.raises(InvalidCommand) as exc:
        users.add_user(uow, hasher, "admin", "dave", "planner", password, now=NOW)
    assert exc.value.params["reason"] == reason
    assert error_text(exc.value.code, exc.value.params) != f"指令无效：{reason}"  # a real sentence


def test_password_policy_applies_to_reset_change_and_first_admin(uow, world, hasher, alice):
    """The same rules for an admin's reset, the user's own change and the first admin of `relief init`."""
    with pytest.raises(InvalidCommand, match="password_has_username"):
        users.reset_password(uow, hasher, "admin", alice, "alice-alice-1", NOW)
    with pytest.raises(InvalidCommand, match="password_repetitive"):
        users.change_password(uow, hasher, alice, PW, "zzzzzzzzzzzzzz", NOW)
    with pytest.raises(InvalidCommand, match="password_common"):
        users.bootstrap_admin(uow, hasher, "root2", "password1234", NOW)


def test_password_policy_accepts_a_long_unusual_password(uow, world, hasher):
    """The rules do not refuse a decent passphrase."""
    users.add_user(uow, hasher, "admin", "erin", "planner", "blue kettle 47 river", now=NOW)
    assert users.login(uow, hasher, "erin", "blue kettle 47 river", NOW).username == "erin"
