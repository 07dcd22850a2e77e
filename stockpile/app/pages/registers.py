"""征用与捐赠: the requisition register (goods and vehicles, receipt into stock by the depot's keeper, return),
compensation per owner, the donation register (acceptance at the depot, refusal of expired lots, use per village)
and the public list of donations without personal data; each table downloads as xlsx."""
# nav: roles=keeper,dispatcher,planner,admin order=28 title=nav.registers icon=:material/volunteer_activism: section=dispatch

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import streamlit as st

from stockpile import clock
from stockpile.app.pages.common import current_user, guard, item_picker, services, site_picker, when_inputs
from stockpile.domain.errors import DomainError
from stockpile.events.commands import Donation, Requisition
from stockpile.i18n import domain_error_text, t
from stockpile.i18n import format as fmt
from stockpile.reports import registers as tables

guard(__file__)

svc = services()
user = current_user()
role = st.session_state.get("role", "")
STAFF = ("dispatcher", "planner", "admin")  # view_registers
st.title(t("nav.registers"))
st.caption(t("registers.page_caption"))


def _run(fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except DomainError as e:
        st.error(domain_error_text(e))
        return None


def _download(sheets: dict[str, pd.DataFrame], name: str, key: str) -> None:
    data = svc.to_xlsx(sheets, {})
    st.download_button(t("registers.download_xlsx"), data, f"{name}.xlsx", key=key)


def _event_codes() -> list[str]:
    if role == "keeper":  # keepers read no events; a donation may name one by code
        return []
    return [e.code for e in svc.events.events(user)]


def _requisition_form(event: str, items: dict[str, tuple[str, str, str]]) -> None:
    st.subheader(t("registers.new_requisition"))
    kind = st.radio(
        t("registers.kind"),
        ["goods", "vehicle"],
        format_func=lambda k: t(f"requisition_kind.{k}"),
        horizontal=True,
    )
    with st.form("requisition"):
        c1, c2 = st.columns(2)
        owner = c1.text_input(t("registers.owner"))
        contact = c2.text_input(t("registers.contact"))
        what = c1.text_input(t("registers.what"))
        condition = c2.text_input(t("registers.condition"))
        item, qty, price, plate, kg, dm3, site, rate = "", 0, 0.0, "", 0, 0, "", 0.0
        if kind == "goods":
            item = item_picker(t("registers.item"), "req.item")
            qty = int(c1.number_input(t("registers.qty"), min_value=0, step=1))
            price = float(c2.number_input(t("registers.price"), min_value=0.0, step=0.5, format="%.2f"))
            site = site_picker(t("registers.dest_site"), "req.dest", mine=False)
        else:
            plate = c1.text_input(t("registers.plate"))
            kg = int(c2.number_input(t("registers.capacity_kg"), min_value=0, step=500))
            dm3 = int(c1.number_input(t("registers.capacity_dm3"), min_value=0, step=1000))
            rate = float(c2.number_input(t("registers.daily_rate"), min_value=0.0, step=50.0, format="%.2f"))
            site = site_picker(t("registers.site"), "req.site", mine=False)
        sent = st.form_submit_button(t("registers.submit"))
    if sent:
        rec = Requisition(
            0, event, kind, owner, contact, item, 1 if kind == "vehicle" else qty, what, condition, clock.now(),
            round(price * 100), round(rate * 100), plate, kg, dm3, site,
        )  # fmt: skip
        r = _run(svc.registers.record_requisition, rec, user)
        if r is not None:
            kind_text = t(f"requisition_kind.{r.kind}")
            what_text = tables.what_text(r, items)
            st.success(
                t("registers.requisition_recorded", id=r.id, owner=r.owner, what=what_text, kind=kind_text)
            )


def _receive_form(rows: list[Requisition]) -> None:
    waiting = [r.id for r in rows if r.kind == "goods" and r.received_at is None]
    if not waiting:
        return
    st.subheader(t("registers.receive"))
    with st.form("req.receive"):
        rid = st.selectbox(t("registers.col_id"), waiting)
        site = site_picker(t("registers.site"), "req.receive.site")
        lot = st.text_input(t("registers.lot"))
        go = st.form_submit_button(t("registers.receive"))
    if go and _run(svc.registers.receive_requisition, rid, site, lot.strip(), user) is not None:
        st.success(t("registers.requisition_received", id=rid, site=site, lot=lot or f"ZY-{rid}"))


def _close_form(rows: list[Requisition]) -> None:
    open_ids = [r.id for r in rows if r.returned_at is None and r.consumed_at is None]
    if not open_ids:
        return
    st.subheader(t("registers.close"))
    with st.form("req.close"):
        rid = st.selectbox(t("registers.col_id"), open_ids)
        consumed = st.checkbox(t("registers.consumed"))
        go = st.form_submit_button(t("registers.close"))
    if go and (r := _run(svc.registers.close_requisition, rid, consumed, user)) is not None:
        step = t("registers.step_consumed" if consumed else "registers.step_returned")
        at = fmt.when(r.consumed_at or r.returned_at)
        st.success(t("registers.requisition_closed", id=rid, step=step, at=at))


def requisitions_tab(event: str, items: dict[str, tuple[str, str, str]]) -> None:
    rows: list[Requisition] = []
    if role in STAFF:
        rows = _run(svc.registers.requisitions, event, user) or []
        st.dataframe(tables.requisition_table(rows, items, svc.registers.site_names()), hide_index=True)
    if role in ("dispatcher", "admin"):
        _requisition_form(event, items)
        _close_form(rows)
    if role == "admin":
        _receive_form(rows)
    if role == "keeper":
        _keeper_part(items)


def _keeper_part(items: dict[str, tuple[str, str, str]]) -> None:
    """A keeper sees the goods lines bound for their own depots (the 征用单 number), receives one, and issues
    what was not used back to its owner."""
    mine: list[Requisition] = _run(svc.registers.keeper_requisitions, user) or []
    st.markdown(f"**{t('registers.keeper_list')}**")
    if not mine:
        st.info(t("registers.keeper_none"))
        return
    sites = svc.registers.site_names()
    st.dataframe(tables.keeper_requisition_table(mine, items, sites), hide_index=True)
    waiting = {r.id: r for r in mine if r.received_at is None and r.returned_at is None}
    if waiting:
        with st.form("req.keeper.receive"):
            rid = st.selectbox(t("registers.col_id"), list(waiting), key="req.keeper.id")
            lot = st.text_input(t("registers.lot"), key="req.keeper.lot").strip()
            go = st.form_submit_button(t("registers.receive"))
        if go and _run(svc.registers.receive_requisition, rid, waiting[rid].home_site, lot, user) is not None:
            site = sites.get(waiting[rid].home_site, waiting[rid].home_site)
            st.success(t("registers.requisition_received", id=rid, site=site, lot=lot or f"ZY-{rid}"))
    open_lines = [
        r for r in mine if r.received_at is not None and r.returned_at is None and r.consumed_at is None
    ]
    _return_form(open_lines, items)


def _return_form(in_stock: list[Requisition], items: dict[str, tuple[str, str, str]]) -> None:
    """Unused goods back to their owner: issued out of the line's lot, at most what was requisitioned."""
    if not in_stock:
        return
    st.subheader(t("registers.return_goods"))
    with st.form("req.keeper.return"):
        rid = st.selectbox(t("registers.col_id"), [r.id for r in in_stock], key="req.keeper.ret.id")
        qty = int(st.number_input(t("registers.return_qty"), min_value=0, step=1, key="req.keeper.ret.qty"))
        go = st.form_submit_button(t("registers.return_goods"))
    if go and (r := _run(svc.registers.return_goods, rid, qty, user)) is not None:
        unit = items.get(r.item_code, ("", "", ""))[2]
        st.success(
            t(
                "registers.goods_returned",
                id=rid,
                owner=r.owner,
                qty=fmt.qty(r.returned_qty, unit),
                consumed=fmt.qty(r.consumed_qty, unit),
            )
        )


def compensation_tab(event: str, items: dict[str, tuple[str, str, str]]) -> None:
    owed = _run(svc.registers.compensation, event, user) or []
    sheets = tables.compensation_tables(owed, items)
    for name, df in sheets.items():
        st.markdown(f"**{name}**")
        st.dataframe(df, hide_index=True)
    total = sum(o.owed_fen for o in owed)
    st.metric(t("registers.col_owed_yuan"), fmt.yuan_amount(total))
    _download(sheets, f"{t('registers.tab_compensation')}-{event}", "dl.comp")


def _donation_form(event: str) -> None:
    st.subheader(t("registers.new_donation"))
    with st.form("donation"):
        c1, c2 = st.columns(2)
        site = site_picker(t("registers.site"), "don.site")
        donor = c1.text_input(t("registers.donor"))
        kind = c2.selectbox(t("registers.donor_kind"), ["organisation", "person"],
                            format_func=lambda k: t(f"donor_kind.{k}"))  # fmt: skip
        contact = c1.text_input(t("registers.contact"))
        item = item_picker(t("registers.item"), "don.item")
        qty = int(c2.number_input(t("registers.qty"), min_value=0, step=1))
        lot = c1.text_input(t("registers.lot"))
        no_expiry = c2.checkbox(t("registers.no_expiry"))
        expiry = c2.date_input(
            t("registers.expiry"), value=clock.today() + timedelta(days=365), format="YYYY-MM-DD"
        )
        passed = st.checkbox(t("registers.inspection_passed"), value=True)
        at = when_inputs("don.at")
        sent = st.form_submit_button(t("registers.submit"))
    if sent:
        d = Donation(0, event, donor, kind, contact, item, qty, lot.strip(), None if no_expiry else expiry, site,
                     "", "", at)  # fmt: skip
        done = _run(svc.registers.receive_donation, d, passed, user)
        if done is not None and done.status == "refused":
            st.warning(t("registers.donation_refused", id=done.id, reason=t(f"refusal.{done.reason}")))
        elif done is not None:
            st.success(t("registers.donation_accepted", id=done.id, item=item, qty=qty, lot=lot))


def _use_form(event: str) -> None:
    st.subheader(t("registers.use"))
    with st.form("don.use"):
        c1, c2, c3 = st.columns(3)
        did = int(c1.number_input(t("registers.col_id"), min_value=1, step=1))
        village = c2.text_input(t("registers.village"))
        qty = int(c3.number_input(t("registers.qty"), min_value=0, step=1))
        go = st.form_submit_button(t("registers.use"))
    if go and _run(svc.registers.use_donation, did, event, village.strip(), qty, user) is not None:
        st.success(t("registers.donation_used", id=did, qty=qty, village=village, event=event))


def donations_tab(event: str, items: dict[str, tuple[str, str, str]]) -> None:
    if role in STAFF:
        got = _run(svc.registers.donations, event, user)
        rows, uses = got if got is not None else ([], [])
        table = tables.donation_table(rows, uses, items, svc.registers.site_names())
        st.dataframe(table, hide_index=True)
        _download(
            {t("registers.sheet_donations"): table}, f"{t('registers.tab_donations')}-{event}", "dl.don"
        )
    if role in ("keeper", "admin"):
        _donation_form(event)
        _use_form(event)


def public_tab(event: str, items: dict[str, tuple[str, str, str]]) -> None:
    rows = _run(svc.registers.public_donations, event, user, t("registers.anonymous")) or []
    table = tables.public_donation_table(rows, items)
    st.dataframe(table, hide_index=True)
    _download({t("registers.sheet_public"): table}, f"{t('registers.sheet_public')}-{event}", "dl.pub")


codes = _event_codes()
if role != "keeper" and not codes:
    st.info(t("events.none"))
    st.stop()
event = st.selectbox(t("registers.event"), codes) if codes else st.text_input(t("registers.event"))
items = svc.registers.names()[1]
if role == "keeper":
    requisitions_tab(event, items)
    donations_tab(event, items)
    st.stop()
tab1, tab2, tab3, tab4 = st.tabs(
    [t(f"registers.{k}") for k in ("tab_requisitions", "tab_compensation", "tab_donations", "tab_public")]
)
with tab1:
    requisitions_tab(event, items)
with tab2:
    compensation_tab(event, items)
with tab3:
    donations_tab(event, items)
with tab4:
    public_tab(event, items)
