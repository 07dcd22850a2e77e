"""登录 / 退出: own login (Argon2id, lockout after 5 failures). The browser session keeps only the login token;
the server-side login can be revoked (logout, password change, deactivation, role change)."""
# nav: roles=guest,keeper,dispatcher,planner,admin order=1 title=nav.login icon=:material/login: section=admin

from __future__ import annotations

import streamlit as st

from app_pages.common import services, show_error
from i18n import t
from stockpile.domain.errors import DomainError

svc = services()
token = st.session_state.get("auth.token")
who = svc.session_user(token) if token else None


def _forget() -> None:
    for key in ("auth.token", "user", "role"):
        st.session_state.pop(key, None)


if who is None:
    _forget()
    st.title(t("auth.login_title"))
    if svc.settings.show_demo_accounts:
        st.info(t("auth.demo_accounts"))
    with st.form("auth.login"):
        name = st.text_input(t("auth.username"), max_chars=64)
        password = st.text_input(t("auth.password"), type="password", max_chars=256)
        if st.form_submit_button(t("auth.login")):
            try:
                login = svc.login(name.strip(), password)
            except DomainError as e:
                show_error(e)
            else:
                st.session_state["auth.token"] = login.token
                st.session_state["user"] = login.username
                st.session_state["role"] = login.role
                st.rerun()
else:
    st.title(t("auth.signed_in_title"))
    st.text(t("auth.signed_in_as", user=who.username, role=t(f"role.{who.role}")))
    if st.button(t("auth.logout")):
        svc.logout(token)
        _forget()
        st.rerun()
    with st.expander(t("auth.change_password")), st.form("auth.change_password"):
        old = st.text_input(t("auth.old_password"), type="password", max_chars=256)
        new = st.text_input(t("auth.new_password"), type="password", max_chars=256)
        if st.form_submit_button(t("auth.save")):
            try:
                svc.change_password(who.username, old, new)
            except DomainError as e:
                show_error(e)
            else:
                _forget()
                st.success(t("auth.password_changed"))
