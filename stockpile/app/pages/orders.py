"""调拨单: confirmed dispatch orders after the plan: list and filter them, reprint one or all (one zip), and move each
through its steps: 备货 and 发运 per depot by that depot's keeper, 签收 and 结单 by the dispatcher, 作废 of a plan not yet
shipped. Everything is read from the database, so an order survives a closed browser. UI only."""
# nav: roles=dispatcher,keeper,admin order=31 title=nav.orders icon=:material/receipt_long: section=dispatch

from __future__ import annotations

import io
import zipfile
from typing import Any

import pandas as pd
import streamlit as st

from stockpile.app.pages.common import current_user, guard, item_words, services, show_error
from stockpile.domain.dispatch import SHORT_REASONS
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, listed, t
from stockpile.i18n import format as fmt
from stockpile.reports.orders import vehicle_label

guard(__file__)
svc, user = services(), current_user()
STATES = ("pending", "picked", "shipped", "delivered", "closed", "void")

st.title(t("nav.orders"))
if flash := st.session_state.pop("orders.flash", None):  # the step just done, shown after the rerun
    st.success(flash)
c1, c2 = st.columns(2)
scenario = c1.selectbox(
    t("order.cli.col_scenario"),
    ["", *svc.dispatch.scenarios()],
    key="orders.scenario",
    format_func=lambda s: s or "—",
)
state = c2.selectbox(
    t("order.cli.col_state"),
    ["", *STATES],
    key="orders.state",
    format_func=lambda s: t(f"order.state.{s}") if s else "—",
)
try:
    rows = svc.dispatch.list_orders(user, scenario=scenario, state=state)
except DomainError as e:
    show_error(e)
    st.stop()
if not rows:
    st.info(t("order.cli.none"))
    st.stop()


def _state(r: dict[str, Any]) -> str:
    """已被替代 names the re-plan that replaced the order (its orders' number prefix)."""
    new = r.get("superseded_by")
    state = t(f"order.state.{r['state']}")
    return aside(state, t("order.cli.superseded_by", plan=f"DD{new.hex[:8].upper()}")) if new else state


def _depots(r: dict[str, Any]) -> str:
    return listed(aside(d["site_name"], t("order.state." + d["state"]) + _short(d)) for d in r["depots"])


def _short(d: dict[str, Any]) -> str:
    """A part that loaded less than it held: its shipped/planned quantity."""
    if d.get("shipped_qty") is None or d["shipped_qty"] >= d["planned_qty"]:
        return ""
    return t("order.doc.part_short", shipped=d["shipped_qty"], planned=d["planned_qty"])


st.dataframe(
    pd.DataFrame(
        {
            t("order.cli.col_doc"): [r["doc_no"] for r in rows],
            t("order.cli.col_scenario"): [r["scenario"] for r in rows],
            t("order.cli.col_vehicle"): [vehicle_label(r) for r in rows],
            t("order.cli.col_state"): [_state(r) for r in rows],
            t("order.cli.col_depots"): [_depots(r) for r in rows],
            t("order.cli.col_confirmed"): [fmt.when(r["confirmed_at"]) for r in rows],
        }
    ),
    hide_index=True,
    width="stretch",
)


def _zip(docs: list[str]) -> bytes:
    """Every listed order as PDF and xlsx in one zip, rebuilt from the database."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for doc in docs:
            xlsx, pdf = svc.dispatch.order_documents(doc, user)
            z.writestr(f"{doc}.pdf", pdf)
            z.writestr(f"{doc}.xlsx", xlsx)
    return buf.getvalue()


if st.button(t("orders.prepare_all", n=len(rows)), key="orders.prepare_all"):
    st.session_state["orders.zip"] = _zip([r["doc_no"] for r in rows])
if "orders.zip" in st.session_state:
    st.download_button(
        t("orders.download_all"),
        st.session_state["orders.zip"],
        "orders.zip",
        "application/zip",
        key="orders.zip_dl",
    )

st.subheader(t("orders.one"))
doc = st.selectbox(t("order.cli.col_doc"), [r["doc_no"] for r in rows], key="orders.doc")
order = next(r for r in rows if r["doc_no"] == doc)
xlsx, pdf = svc.dispatch.order_documents(doc, user)
d1, d2 = st.columns(2)
d1.download_button(t("orders.pdf"), pdf, f"{doc}.pdf", "application/pdf", key="orders.pdf")
d2.download_button(t("orders.xlsx"), xlsx, f"{doc}.xlsx", key="orders.xlsx")


def _step(label: str, key: str, run: Any, done: str, **params: Any) -> None:
    """A button that runs one step of the order; the step's own refusal is shown in words."""
    if st.button(label, key=key):
        try:
            run()
        except DomainError as e:
            show_error(e)
        else:  # rerun so the list, states and next steps show the order as it is now
            st.session_state["orders.flash"] = t(done, doc=doc, **params)
            st.rerun()


def _held(site: str) -> dict[str, tuple[str, int, str]]:
    """item code → (name, quantity, unit) the depot's part picks (its pick list, summed over lots)."""
    out: dict[str, tuple[str, int, str]] = {}
    words = item_words()
    for ln in svc.dispatch.show_order(doc, user).lines:
        if ln["kind"] == "pickup" and ln["place_code"] == site and ln["lot_no"]:
            code = ln["item_code"]
            name, qty, unit = out.get(code, (words.get(code, (code, ""))[0], 0, ln["unit"]))
            out[ln["item_code"]] = (name, qty + ln["qty"], unit)
    return out


def _ship_form(d: dict[str, Any]) -> None:
    """装车发运 with the quantity actually loaded per item (default: all picked); loading less needs a reason."""
    held = _held(d["site"])
    with st.form(f"orders.ship.{d['site']}"):
        st.markdown(t("orders.ship_form.title", depot=d["site_name"]))
        loaded = {
            code: st.number_input(t("orders.ship_form.loaded", item=name, planned=qty, unit=unit),
                                  min_value=0, max_value=qty, value=qty, step=1, key=f"orders.qty.{d['site']}.{code}")
            for code, (name, qty, unit) in sorted(held.items())
        }  # fmt: skip
        reason = st.selectbox(t("orders.ship_form.reason"), ["", *SHORT_REASONS], key=f"orders.reason.{d['site']}",
                              format_func=lambda r: t(f"order.short_reason.{r}") if r else "—")  # fmt: skip
        note = st.text_input(t("orders.ship_form.note"), key=f"orders.note.{d['site']}", max_chars=200)
        if not st.form_submit_button(t("orders.ship_form.submit")):
            return
    try:
        done = svc.dispatch.ship_loaded(
            doc, d["site"], user, {k: int(v) for k, v in loaded.items()}, reason, note
        )
    except DomainError as e:
        show_error(e)
        return
    shipped, planned = sum(x for _, x in done.lines.values()), sum(p for p, _ in done.lines.values())
    key = "orders.ship_form.shipped_part" if done.short else "orders.shipped"
    st.session_state["orders.flash"] = t(key, doc=doc, depot=d["site_name"], shipped=shipped, planned=planned)
    st.rerun()


mine = set(svc.reads.my_sites(user)["code"])
for d in order["depots"]:
    if d["site"] not in mine or d["state"] not in ("pending", "picked"):
        continue
    _step(t("orders.pick", depot=d["site_name"]), f"orders.pick.{d['site']}",
          lambda s=d["site"]: svc.dispatch.pick(doc, s, user), "order.cli.picked", depot=d["site_name"])  # fmt: skip
    _ship_form(d)

if st.session_state.get("role") in ("dispatcher", "admin"):
    if order["state"] == "shipped":
        receiver = st.text_input(t("order.doc.received_by"), key="orders.receiver", max_chars=64)
        _step(t("orders.receive"), "orders.receive",
              lambda: svc.dispatch.receive(doc, receiver.strip(), user), "orders.received")  # fmt: skip
    if order["state"] == "delivered":
        _step(t("orders.close"), "orders.close", lambda: svc.dispatch.close(doc, user), "order.cli.closed")
    if order["state"] in ("pending", "picked"):
        _step(t("orders.void"), "orders.void", lambda: svc.dispatch.void(doc, user), "orders.voided")
