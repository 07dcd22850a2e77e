"""登录 / 退出: own login (Argon2id, lockout after 5 failures), and optionally the county's identity provider
(OIDC via `st.login`) when `.streamlit/secrets.toml` configures one. The browser session keeps only the login token;
the server-side login can be revoked (logout, password change, deactivation, role change, unlinking)."""
# nav: roles=guest,keeper,dispatcher,planner,admin,province order=1 title=nav.login icon=:material/login: section=admin

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAuthError, StreamlitSecretNotFoundError

from stockpile.app.pages.common import services, show_error
from stockpile.app.pages.oidc_config import OidcConfig, oidc_config
from stockpile.domain.errors import DomainError
from stockpile.i18n import t

svc = services()
token = st.session_state.get("auth.token")
who = svc.trust.session_user(token) if token else None


def _secrets() -> Any:
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return {}


def _idp_user() -> dict[str, Any]:
    """The identity provider's claims after the st.login round trip ({} when not signed in there)."""
    info = st.user.to_dict()
    return info if info.get("is_logged_in") else {}


def _forget() -> None:
    for key in ("auth.token", "auth.counties", "county", "user", "role"):
        st.session_state.pop(key, None)


def _login(name: str, password: str) -> Any:
    """Sign in. In a province (app.py's county registry) every registered county is asked with the same name and
    password, and the counties that accept it are the ones the sidebar offers (`auth.counties`); the login of the
    first such county is returned. Elsewhere (and when no county accepts) the session's own database answers, so a
    refusal is the usual sentence."""
    services_of = st.session_state.get("county.services_of")
    if services_of is None:
        return svc.trust.login(name, password)
    tokens: dict[str, str] = {}
    first, refusal = None, None
    for code in st.session_state.get("county.names", {}):
        try:
            login = services_of(code).trust.login(name, password)
        except DomainError as e:  # not granted there: the county audits the refusal
            refusal = refusal or e
            continue
        except Exception:  # that county's database is down: the others still sign in
            continue
        tokens[code], first = login.token, first or (code, login)
    if first is None:
        if refusal is not None:
            raise refusal
        return svc.trust.login(name, password)
    st.session_state["auth.counties"], st.session_state["county"] = tokens, first[0]
    return first[1]


def _logout(token: str) -> None:
    """Sign out here and, in a province, of every county this session signed in to."""
    services_of = st.session_state.get("county.services_of")
    for code, tok in st.session_state.get("auth.counties", {}).items():
        if services_of and tok != token:
            services_of(code).trust.logout(tok)
    svc.trust.logout(token)


def _signed_in(login: Any) -> None:
    st.session_state["auth.token"] = login.token
    st.session_state["user"] = login.username
    st.session_state["role"] = login.role
    st.session_state["auth.land"] = True  # app.py opens the role's home page on the next run
    st.rerun()


def _oidc_sign_in(cfg: OidcConfig, claims: dict[str, Any]) -> None:
    """Map the IdP account (iss, sub) to the linked LOCAL user; a refused identity is tried once per session."""
    ident = (str(claims.get("iss") or cfg.provider or "default"), str(claims.get("sub") or ""))
    if st.session_state.get("auth.oidc_refused") != ident:
        try:
            login = svc.trust.login_oidc(*ident, str(claims.get("email") or ""))
        except DomainError as e:
            st.session_state["auth.oidc_refused"] = ident
            show_error(e)
        else:
            st.session_state.pop("auth.oidc_refused", None)
            _signed_in(login)
    st.warning(t("auth.oidc_not_linked", email=str(claims.get("email") or ident[1])))
    if st.button(t("auth.oidc_logout"), key="auth.oidc_logout"):
        st.session_state.pop("auth.oidc_refused", None)
        st.logout()


def _oidc_button(cfg: OidcConfig) -> None:
    if st.button(t("auth.oidc_login", provider=cfg.label), key="auth.oidc_login", icon=":material/badge:"):
        try:
            st.login(cfg.provider) if cfg.provider else st.login()
        except StreamlitAuthError:
            st.error(t("auth.oidc_unavailable"))


def _first_password(name: str, setup_code: str) -> None:
    """First login: the setup code was right; the user chooses a password (twice) and is then logged in."""
    st.title(t("auth.first_title"))
    st.info(t("auth.first_intro", user=name))
    with st.form("auth.first_password"):
        new = st.text_input(t("auth.first_new"), type="password", max_chars=256)
        again = st.text_input(t("auth.first_repeat"), type="password", max_chars=256)
        if st.form_submit_button(t("auth.first_save")):
            if new != again:
                st.error(t("auth.first_mismatch"))
            else:
                try:
                    login = svc.trust.set_first_password(name, setup_code, new)
                except DomainError as e:
                    show_error(e)
                else:
                    st.session_state.pop("auth.setup", None)
                    _signed_in(login)
    if st.button(t("auth.first_cancel"), key="auth.first_cancel"):
        st.session_state.pop("auth.setup", None)
        st.rerun()


oidc = oidc_config(_secrets())
setup = st.session_state.get("auth.setup") if who is None else None
if setup is not None:
    _forget()
    _first_password(*setup)
elif who is None:
    _forget()
    st.title(t("auth.login_title"))
    claims = _idp_user() if oidc is not None else {}
    if oidc is not None and claims:
        _oidc_sign_in(oidc, claims)
    if (
        svc.trust.is_demo_database()
    ):  # marked by `relief demo` in the database itself; never on a real installation
        st.info(t("auth.demo_accounts"))
    with st.form("auth.login"):
        name = st.text_input(t("auth.username"), max_chars=64)
        password = st.text_input(t("auth.password"), type="password", max_chars=256)
        if st.form_submit_button(t("auth.login")):
            try:
                login = _login(name.strip(), password)
            except DomainError as e:
                if e.code != "password_not_set":
                    show_error(e)
                else:  # the setup code of an account made by the county workbook: choose a password first
                    st.session_state["auth.setup"] = (name.strip(), password)
                    st.rerun()
            else:
                _signed_in(login)
    st.caption(t("auth.setup_hint"))
    if oidc is not None and not claims:
        _oidc_button(oidc)
else:
    st.title(t("auth.signed_in_title"))
    st.text(t("auth.signed_in_as", user=who.username, role=t(f"role.{who.role}")))
    if st.button(t("auth.logout")):
        _logout(str(token))
        _forget()
        if oidc is not None and _idp_user():
            st.logout()  # also end the identity provider's cookie, else the next run would sign in again
        st.rerun()
    with st.expander(t("auth.change_password")), st.form("auth.change_password"):
        old = st.text_input(t("auth.old_password"), type="password", max_chars=256)
        new = st.text_input(t("auth.new_password"), type="password", max_chars=256)
        if st.form_submit_button(t("auth.save")):
            try:
                svc.trust.change_password(who.username, old, new)
            except DomainError as e:
                show_error(e)
            else:
                _forget()
                st.success(t("auth.password_changed"))
