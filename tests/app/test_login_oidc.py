"""AppTest: optional OIDC on the login page (st.login is monkeypatched, no network). With `[auth]` configured the
page offers the identity provider next to the password form; after the round trip (`st.user` simulated through
AppTest.user) the IdP account signs in only as the LOCAL user an admin linked it to."""

from __future__ import annotations

import secrets

import pytest
import streamlit

from stockpile.app.pages.oidc_config import OidcConfig, cookie_secret_ok, oidc_config
from tests.app.conftest import page

ISS = "https://idp.county.example/realms/yjj"


def auth_section(cookie: str | None = None) -> dict:
    return {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": cookie if cookie is not None else secrets.token_hex(32),
        "county": {
            "client_id": "relief-app",
            "client_secret": secrets.token_hex(16),
            "server_metadata_url": "https://idp.county.example/.well-known/openid-configuration",
            "label": "县统一身份认证",
        },
    }


@pytest.fixture
def idp(monkeypatch):
    """Records st.login / st.logout calls instead of redirecting to the identity provider."""
    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(streamlit, "login", lambda provider=None: calls.append(("login", provider)))
    monkeypatch.setattr(streamlit, "logout", lambda: calls.append(("logout", None)))
    return calls


def login_page(services, auth=None, user=None):
    at = page("login", services)
    if auth is not None:
        at.secrets["auth"] = auth
    if user is not None:
        at.user = user
    return at


def test_configured_provider_offers_the_sign_in_button_and_calls_st_login(services, idp):
    """[auth] with a provider: the button sits next to the password form and starts st.login(provider)."""
    at = login_page(services, auth_section())
    at.run()
    assert not at.exception
    assert at.button(key="auth.oidc_login").label == "使用统一身份认证登录（县统一身份认证）"
    at.button(key="auth.oidc_login").click().run()
    assert idp == [("login", "county")]
    assert "auth.token" not in at.session_state


def test_without_auth_section_only_the_password_form_is_shown(services, idp):
    """No [auth] (offline depots): no identity-provider button, the own login works as before."""
    at = login_page(services)
    at.run()
    assert not at.exception
    assert "auth.oidc_login" not in [b.key for b in at.button]


def test_linked_idp_account_signs_in_as_the_local_user(services, idp):
    """st.user logged in with (iss, sub) linked by an admin → the local planner's server-side session."""
    services.trust.link_identity("admin", "planner", ISS, "sub-planner", "planner@county.example")
    claims = {"is_logged_in": True, "iss": ISS, "sub": "sub-planner", "email": "planner@county.example"}
    at = login_page(services, auth_section(), claims)
    at.run()
    assert not at.exception
    token = at.session_state["auth.token"]
    assert at.session_state["role"] == "planner"
    assert services.trust.session_user(token).username == "planner"
    at.button[0].click().run()  # 退出登录: ends the local session and the IdP cookie
    assert services.trust.session_user(token) is None
    assert ("logout", None) in idp


def test_unlinked_idp_account_is_refused_with_a_way_out(services, idp):
    """An IdP account nobody linked gets no session (no auto-provisioning) and can sign out of the IdP."""
    claims = {"is_logged_in": True, "iss": ISS, "sub": "sub-stranger", "email": "x@county.example"}
    at = login_page(services, auth_section(), claims)
    at.run()
    assert not at.exception and at.error and at.warning
    assert "auth.token" not in at.session_state
    at.button(key="auth.oidc_logout").click().run()
    assert idp == [("logout", None)]


@pytest.mark.parametrize("cookie", ["", "xxx", "change-me-" * 4, "a" * 40])
def test_placeholder_cookie_secret_disables_the_provider(cookie):
    """Config guard: a missing, short, placeholder or one-character cookie_secret offers no OIDC."""
    assert not cookie_secret_ok(cookie)
    assert oidc_config({"auth": auth_section(cookie)}) is None


def test_unnamed_provider_in_auth_is_offered():
    """The provider may sit directly in [auth] (client_id + server_metadata_url): st.login() without a name."""
    auth = {k: v for k, v in auth_section().items() if k != "county"}
    auth |= {
        "client_id": "relief-app",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    assert oidc_config({"auth": auth}) == OidcConfig(None, "OIDC")
    assert oidc_config({}) is None
