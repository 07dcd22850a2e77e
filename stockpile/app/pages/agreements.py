"""协议储备: contracts, check schedule and alerts, verification (核查) and call-off (调用) forms, contracted transport."""
# nav: roles=planner,admin order=60 title=nav.agreements icon=:material/handshake: section=plan

from __future__ import annotations

import uuid

import pandas as pd
import streamlit as st

from stockpile import clock
from stockpile.app.pages.common import (
    current_user,
    fmt_date,
    fmt_num,
    guard,
    item_words,
    lang,
    services,
    show_error,
    show_table,
)
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, t
from stockpile.i18n import format as fmt
from stockpile.planning.commands import CallOffCmd, VerifyCmd

guard(__file__)

svc = services()
rv = svc.reserve_views
actor = current_user()  # the signed-in user; the services re-check the role
st.title(t("agreements.title"))
st.caption(t("agreements.caption"))

st.subheader(t("agreements.alerts"))
alerts = svc.planning.agreement_alerts()
if not alerts:
    st.success(t("agreements.no_alerts"))
words = item_words()  # item code → (name, unit), read once for the loops below
for a in alerts:  # the item by name with its code, the shortfall in its unit, the date in the locale's format
    name, unit = words.get(a.item_code, (a.item_code, ""))
    detail = fmt.qty(a.detail, unit) if a.kind == "verified_short" else fmt.num(a.detail)
    item = aside(name, a.item_code) if a.item_code else ""
    st.warning(
        f"{a.contract_code} {a.holder_name}{': ' if lang() == 'en' else '：'}"
        + t(f"alert.{a.kind}", detail=detail, due_on=fmt_date(a.due_on) if a.due_on else "", item=item)
    )

tabs = st.tabs(
    [
        t("agreements.schedule"),
        t("agreements.lines"),
        t("agreements.checks"),
        t("agreements.calloffs"),
        t("agreements.transport"),
        t("agreements.capacity"),
    ]
)
with tabs[0]:
    show_table(
        pd.DataFrame(svc.planning.check_schedule()),
        [
            "contract_code",
            "holder_name",
            "valid_to",
            "interval_days",
            "last_checked_on",
            "next_due",
            "days_to_due",
        ],
    )
with tabs[1]:
    show_table(
        rv.agreement_lines(),
        [
            "contract_code",
            "holder_name",
            "item_code",
            "item_name",
            "unit",
            "agreed_qty",
            "last_verified_on",
            "last_verified_qty",
            "valid_from",
            "valid_to",
            "lead_time_minutes",
            "contact",
        ],
    )
with tabs[2]:
    show_table(
        rv.checks(),
    )
with tabs[3]:
    show_table(
        rv.calloffs(),
        [
            "called_at",
            "contract_code",
            "item_code",
            "item_name",
            "qty",
            "unit_price_fen",
            "compensation_fen",
            "event_tag",
        ],
    )
with tabs[4]:
    show_table(
        rv.transports(),
    )

with tabs[5]:
    show_table(
        rv.capacity(),
    )

contracts = {c.code: c for c in svc.planning.contracts()}
if contracts:
    left, right = st.columns(2)
    with left:
        st.subheader(t("agreements.verify"))
        code = st.selectbox(
            t("agreements.verify_contract"), list(contracts), key="agreements.verify_contract"
        )
        cid = st.session_state.setdefault("agreements.verify_id", uuid.uuid4())
        with st.form("agreements.verify_form"):
            checked_on = st.date_input(
                t("agreements.verify_date"), value=clock.today(), key="agreements.verify_date"
            )
            inspector = st.text_input(t("agreements.inspector"), key="agreements.inspector")
            qtys = {  # empty until counted: a prefilled agreed amount would record "verified = agreed" in one click
                ln.item_code: st.number_input(
                    t(
                        "agreements.verify_qty_line",
                        item=words.get(ln.item_code, (ln.item_code, ""))[0],
                        code=ln.item_code,
                        agreed=fmt.qty(int(ln.agreed_qty), words.get(ln.item_code, ("", ""))[1]),
                    ),
                    min_value=0,
                    value=None,
                    step=1,
                    key=f"agreements.verify_qty.{code}.{ln.item_code}",
                )
                for ln in contracts[code].lines
            }
            remark = st.text_input(t("agreements.remark"), key="agreements.verify_remark")
            submitted = st.form_submit_button(t("agreements.submit_verify"))
            if submitted and any(v is None for v in qtys.values()):
                st.error(t("agreements.verify_missing"))
            elif submitted:
                cmd = VerifyCmd(
                    cid,
                    actor,
                    code,
                    checked_on,
                    inspector,
                    tuple((k, int(v or 0)) for k, v in qtys.items()),  # None was refused above
                    remark,
                )
                try:
                    svc.planning.record_verification(cmd)
                    del st.session_state["agreements.verify_id"]
                    st.success(t("agreements.verified", contract=code, n=len(qtys)))
                except DomainError as e:
                    show_error(e)
    with right:
        st.subheader(t("agreements.calloff"))
        ccode = st.selectbox(
            t("agreements.verify_contract"), list(contracts), key="agreements.calloff_contract"
        )
        kid = st.session_state.setdefault("agreements.calloff_id", uuid.uuid4())
        names = {
            ln.item_code: words.get(ln.item_code, (ln.item_code, ""))[0] for ln in contracts[ccode].lines
        }
        with st.form("agreements.calloff_form"):
            item = st.selectbox(
                t("agreements.verify_item"),
                [ln.item_code for ln in contracts[ccode].lines],
                format_func=lambda c: aside(str(names.get(c, c)), c),
                key="agreements.calloff_item",
            )
            qty = st.number_input(
                t("agreements.calloff_qty"), min_value=1, step=1, key="agreements.calloff_qty"
            )
            event = st.text_input(t("agreements.event"), key="agreements.calloff_event")
            if st.form_submit_button(t("agreements.submit_calloff")):
                try:
                    rec = svc.planning.call_off(
                        CallOffCmd(
                            kid,
                            actor,
                            ccode,
                            item,
                            int(qty),
                            pd.Timestamp.now(tz="UTC").to_pydatetime(),
                            event,
                        )
                    )
                    del st.session_state["agreements.calloff_id"]
                    st.success(
                        t(
                            "agreements.called_off",
                            qty=fmt_num(rec.qty),
                            yuan=fmt.yuan_amount(rec.compensation_fen),
                        )
                    )
                except DomainError as e:
                    show_error(e)
