"""Optional OIDC sign-in (st.login) mapped to LOCAL users: only identities an admin linked to an active user get a
server-side session; everything else is refused and audited (no auto-provisioning) — SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from stockpile.adapters.orm.auth import AuditEventRow, LoginSessionRow
from stockpile.adapters.orm.oidc import SqlIdentityRepository
from stockpile.domain.errors import InvalidCommand, PermissionDenied
from stockpile.trust import oidc, users
from stockpile.trust.users import LoginFailed
from tests.conftest import NOW

ISS = "https://idp.county.example/realms/yjj"


def repo_of(uow):
    return SqlIdentityRepository(uow.session)


def audits(engine, action):
    q = select(AuditEventRow).where(AuditEventRow.action == action).order_by(AuditEventRow.id)
    with engine.connect() as c:
        return list(c.execute(q).all())


def sessions(engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(LoginSessionRow)).scalar_one())


@pytest.fixture
def linked(uow, world):
    """The county IdP account `sub-plan` is linked to the local planner `plan`."""
    oidc.link_identity(uow, repo_of, "admin", "plan", ISS, "sub-plan", "plan@county.example", NOW)
    return uow


def test_linked_user_gets_a_server_side_session(linked, engine):
    """A linked, active user signed in at the IdP gets the same revocable session as a password login."""
    login = oidc.login_oidc(linked, repo_of, ISS, "sub-plan", "plan@county.example")
    assert (login.username.lower(), login.role) == ("plan", "planner")
    assert users.session_user(linked, login.token).username.lower() == "plan"
    [row] = audits(engine, "login_oidc")
    assert row.outcome == "ok" and login.token not in row.detail


def test_unknown_subject_is_denied_and_audited(linked, engine):
    """An IdP account nobody linked is refused (no auto-provisioning); the attempt is audited, no session."""
    with pytest.raises(LoginFailed):
        oidc.login_oidc(linked, repo_of, ISS, "sub-stranger", "x@county.example")
    with pytest.raises(LoginFailed):  # same subject, other issuer: not the same identity
        oidc.login_oidc(linked, repo_of, "https://other.example", "sub-plan")
    rows = audits(engine, "login_oidc")
    assert [r.outcome for r in rows] == ["login_failed", "login_failed"]
    assert json.loads(rows[0].detail)["result"] == "unknown_identity"
    assert sessions(engine) == 0


def test_deactivated_user_is_denied(linked, engine):
    """A linked user an admin disabled cannot sign in through the IdP either."""
    users.set_active(linked, "admin", "plan", False, NOW)
    with pytest.raises(LoginFailed):
        oidc.login_oidc(linked, repo_of, ISS, "sub-plan")
    assert json.loads(audits(engine, "login_oidc")[-1].detail)["result"] == "inactive"
    assert sessions(engine) == 0


@pytest.mark.parametrize("how", ["deactivated", "unlinked"])
def test_revoked_oidc_session_is_denied_on_the_next_call(linked, how):
    """Deactivating the user or unlinking the identity ends the OIDC login at once (no stale privilege)."""
    login = oidc.login_oidc(linked, repo_of, ISS, "sub-plan")
    if how == "deactivated":
        users.set_active(linked, "admin", "plan", False, NOW)
    else:
        oidc.unlink_identity(linked, repo_of, "admin", ISS, "sub-plan", NOW)
    assert users.session_user(linked, login.token) is None
    if how == "unlinked":
        with pytest.raises(LoginFailed):
            oidc.login_oidc(linked, repo_of, ISS, "sub-plan")


def test_only_an_admin_links_identities(uow, world, engine):
    """Linking is user management: a keeper is refused (authz_denied); one IdP account maps to one user."""
    with pytest.raises(PermissionDenied):
        oidc.link_identity(uow, repo_of, "keeper1", "keeper1", ISS, "sub-k", "", NOW)
    [denied] = [r for r in audits(engine, "manage_users") if r.outcome == "authz_denied"]
    assert denied.actor.lower() == "keeper1"
    oidc.link_identity(uow, repo_of, "admin", "keeper1", ISS, "sub-k", "", NOW)
    with pytest.raises(InvalidCommand):
        oidc.link_identity(uow, repo_of, "admin", "keeper2", ISS, "sub-k", "", NOW)
    with pytest.raises(InvalidCommand):
        oidc.link_identity(uow, repo_of, "admin", "nobody", ISS, "sub-n", "", NOW)
    [link] = oidc.list_identities(uow, repo_of, "admin")
    assert (link.username.lower(), link.issuer, link.subject) == ("keeper1", ISS, "sub-k")
    assert [r.outcome for r in audits(engine, "link_oidc")] == ["ok"]
