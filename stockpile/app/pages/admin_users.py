"""用户与权限: users, roles, depot assignments, four-eyes write-off approvals and the audit log (admin only).

The page guard is for the user's sake; the services re-check the admin role on every call."""
# nav: roles=admin order=90 title=nav.admin_users icon=:material/manage_accounts: section=admin

from __future__ import annotations

import pandas as pd
import streamlit as st

from stockpile.app.pages.common import item_words, services, show_error, show_table
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, catalogue, t
from stockpile.i18n import format as fmt

ROLES = ["keeper", "dispatcher", "planner", "admin", "informant", "province"]  # informant: 灾情信息员
svc = services()
token = st.session_state.get("auth.token")
who = svc.trust.session_user(token) if token else None
# demo/training mode (app.py sets the flag from settings.role_picker): the picked admin role's demo user
demo_admin = bool(st.session_state.get("demo_mode")) and st.session_state.get("role") == "admin"
if (who is None or who.role != "admin") and not demo_admin:
    st.error(t("auth.forbidden"))
    st.stop()
admin = who.username if who is not None else str(st.session_state.get("user", ""))
st.title(t("auth.users_title"))
sites = svc.views.sites()
depot_codes = list(sites["code"])
depot_names = dict(zip(sites["code"], sites["name"], strict=True))


def depot_label(code: str) -> str:
    return aside(depot_names.get(code, code), code)


def attempt(fn, *args) -> bool:  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except DomainError as e:
        show_error(e)
        return False
    st.success(t("auth.saved"))
    return True


def informant_form(target: str) -> None:
    towns = svc.views.areas("township")
    town_names = dict(zip(towns["code"], towns["name"], strict=True))
    mine = sorted(svc.events.informant_townships(target, admin))
    with st.form(f"admin.informant.{target}"):
        chosen = st.multiselect(
            t("informant.townships"),
            list(town_names),
            default=[c for c in mine if c in town_names],
            format_func=lambda c: aside(town_names[c], c),
            placeholder=t("app.choose_options"),
            key=f"admin.informant_towns.{target}",
        )
        if st.form_submit_button(t("informant.set_townships")):
            attempt(svc.events.set_informant_townships, target, tuple(chosen), admin)


users_tab, writeoffs_tab, periods_tab, ids_tab, audit_tab = st.tabs(
    [
        t("auth.users_tab"),
        t("auth.writeoffs_tab"),
        t("auth.periods_tab"),
        t("auth.identities"),
        t("auth.audit_tab"),
    ]
)
with users_tab:
    people = svc.trust.list_users(admin)
    table = pd.DataFrame(
        [
            {
                t("auth.username"): u.username,
                t("auth.display_name"): u.display_name,
                t("auth.role"): t(f"role.{u.role}"),
                t("auth.depots"): "、".join(depot_names.get(c, c) for c in u.site_codes),
                t("auth.active"): u.active,
                t("auth.locked"): u.locked,
                t("auth.awaiting_first_login"): u.must_set_password,
            }
            for u in people
        ]
    )
    st.dataframe(table, hide_index=True, use_container_width=True)
    names = [u.username for u in people]
    with st.form("admin.add_user", clear_on_submit=True):
        st.subheader(t("auth.add_user"))
        c1, c2 = st.columns(2)
        name = c1.text_input(t("auth.username"), max_chars=64)
        role = c2.selectbox(t("auth.role"), ROLES, format_func=lambda r: t(f"role.{r}"))
        password = c1.text_input(t("auth.new_password"), type="password", max_chars=256)
        depots = c2.multiselect(
            t("auth.depots"), depot_codes, format_func=depot_label, placeholder=t("app.choose_options")
        )
        if st.form_submit_button(t("auth.add_user")):
            attempt(svc.trust.add_user, admin, name.strip(), role, password, tuple(depots))
    if names:
        st.subheader(t("auth.edit_user"))
        # outside the form, so that picking a user reloads the form with that user's role, depots and state
        target = st.selectbox(t("auth.user"), names, key="admin.edit_target")
        current = next(u for u in people if u.username == target)
        with st.form(f"admin.edit_user.{target}"):
            c1, c2 = st.columns(2)
            new_role = c2.selectbox(
                t("auth.role"),
                ROLES,
                index=ROLES.index(current.role),
                format_func=lambda r: t(f"role.{r}"),
                key=f"admin.edit_role.{target}",
            )
            new_depots = c1.multiselect(
                t("auth.depots"),
                depot_codes,
                default=[c for c in current.site_codes if c in depot_names],
                format_func=depot_label,
                placeholder=t("app.choose_options"),
                key=f"admin.edit_depots.{target}",
            )
            active = c2.checkbox(t("auth.active"), value=current.active, key=f"admin.edit_active.{target}")
            new_password = c1.text_input(t("auth.reset_password"), type="password", max_chars=256)
            b1, b2, b3, b4 = st.columns(4)
            if b1.form_submit_button(t("auth.set_role")):
                attempt(svc.trust.set_role, admin, target, new_role)
            if b2.form_submit_button(t("auth.set_depots")):
                attempt(svc.trust.set_sites, admin, target, tuple(new_depots))
            if b3.form_submit_button(t("auth.set_active")):
                attempt(svc.trust.set_active, admin, target, active)
            if b4.form_submit_button(t("auth.reset_password")) and new_password:
                attempt(svc.trust.reset_password, admin, target, new_password)
        if current.role == "informant":  # 灾情信息员: the townships they report and request for
            informant_form(target)

with writeoffs_tab:
    pending = svc.ledger.pending_write_offs(admin)
    if not pending:
        st.info(t("auth.no_pending"))
    words = item_words()
    for p in pending:
        name, unit = words.get(p.item_code, (p.item_code, ""))
        c1, c2, c3 = st.columns([6, 1, 1])
        c1.text(  # names, words and units, as the keeper entered them
            f"{depot_names.get(p.site_code, p.site_code)} · {name}（{p.item_code}）"
            f" · {p.lot_no} · {fmt.qty(p.qty, unit)} · {t(f'write_off_reason.{p.reason}')}"
            f" · {t('auth.proposer')}: {p.proposer}"
        )
        if c2.button(t("auth.approve"), key=f"approve.{p.id}"):
            attempt(svc.ledger.approve_write_off, p.id, admin)
        if c3.button(t("auth.reject"), key=f"reject.{p.id}"):
            attempt(svc.ledger.reject_write_off, p.id, admin)

with periods_tab:  # freeze date and backdate window; only an admin with a depot grant posts before them
    frozen_to, back_days = svc.ledger.posting_window()
    st.caption(t("auth.periods_caption"))
    with st.form("admin.periods"):
        c1, c2 = st.columns(2)
        day = c1.date_input(t("auth.freeze_date"), value=frozen_to, key="admin.freeze_date")
        days = c2.number_input(
            t("auth.backdate_days"),
            min_value=0,
            max_value=3660,
            value=back_days,
            step=1,
            key="admin.backdate_days",
        )
        b1, b2 = st.columns(2)
        if b1.form_submit_button(t("auth.set_freeze_date"), key="admin.set_freeze_date") and day is not None:
            attempt(svc.trust.set_freeze_date, admin, day)
        if b2.form_submit_button(t("auth.set_backdate_days"), key="admin.set_backdate_days"):
            attempt(svc.trust.set_backdate_days, admin, int(days))

with ids_tab:  # OIDC (st.login): an IdP account signs in only as the local user an admin linked it to
    links = svc.trust.list_identities(admin)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("auth.username"): x.username,
                    t("auth.identity_issuer"): x.issuer,
                    t("auth.identity_subject"): x.subject,
                    t("auth.identity_email"): x.email,
                }
                for x in links
            ]
        ),
        hide_index=True,
        use_container_width=True,
    )
    with st.form("admin.identity"):
        c1, c2 = st.columns(2)
        id_user = c1.selectbox(t("auth.user"), names, key="admin.id_user")
        issuer = c2.text_input(t("auth.identity_issuer"), max_chars=255, key="admin.id_issuer")
        subject = c1.text_input(t("auth.identity_subject"), max_chars=255, key="admin.id_subject")
        email = c2.text_input(t("auth.identity_email"), max_chars=254, key="admin.id_email")
        b1, b2 = st.columns(2)
        if b1.form_submit_button(t("auth.link_identity"), key="admin.link_identity"):
            attempt(svc.trust.link_identity, admin, id_user, issuer, subject, email)
        if b2.form_submit_button(t("auth.unlink_identity"), key="admin.unlink_identity"):
            attempt(svc.trust.unlink_identity, admin, issuer, subject)


def _audit_target(v: str) -> str:
    """What an audit row touched, in words where it is a kind of thing (a job's kind, the county workbook, a
    movement kind); a document number, a user or a depot code stays as recorded."""
    known = catalogue("zh")
    for section in ("jobs.kind", "audit_target", "kind"):
        if f"{section}.{v}" in known:
            return t(f"{section}.{v}")
    return v


with audit_tab:
    audit = pd.DataFrame(svc.trust.audit_log(admin, 500))
    if not audit.empty:
        audit["target"] = [_audit_target(str(v)) for v in audit["target"]]
    show_table(  # words and county times; the client ids stay in the database for the record
        audit,
        ["at", "actor", "action", "outcome", "target", "before_qty", "after_qty"],
        {"action": "action_name", "outcome": "audit_outcome"},
    )
