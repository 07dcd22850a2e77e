"""调拨: ship from one depot to another (the goods sit on 在途 until received), and receive what is in transit."""
# nav: roles=keeper,admin order=24 title=nav.transfer icon=:material/local_shipping: section=keeper

from __future__ import annotations

import uuid

import streamlit as st

from stockpile.app.pages.common import (
    OnceForm,
    current_user,
    fmt_dt,
    fmt_num,
    guard,
    item_name,
    item_picker,
    item_unit,
    lang,
    services,
    show_error,
    show_table,
    site_picker,
    unit_picker,
    when_inputs,
)
from stockpile.domain.errors import DomainError
from stockpile.i18n import t
from stockpile.schemas import ReceiveTransferCmd, TransferCmd

guard(__file__)

svc = services()
st.title(t("transfer.title"))
st.caption(t("transfer.caption"))
form, rform = OnceForm("transfer"), OnceForm("transfer_recv")
last = form.flash()  # outcomes above the tabs: after a post the first tab is shown again
rform.flash()
if last is not None and not getattr(last, "replayed", False):
    st.download_button(
        t("transfer.print"),
        svc.reads.voucher_pdf(last.posting_id, lang(), actor=current_user()),
        file_name=form.voucher_file("transfer", last),
        mime="application/pdf",
        key="transfer.print",
    )
tab_ship, tab_recv = st.tabs([t("transfer.ship_tab"), t("transfer.receive_tab")])

with tab_ship:
    c1, c2 = st.columns(2)
    with c1:
        src = site_picker(t("form.from_site"), "transfer.from")
    with c2:
        dst = site_picker(t("form.to_site"), "transfer.to", exclude=src, mine=False)
    lots = svc.reads.stock(current_user(), src)
    item = item_picker(
        t("form.item"), "transfer.item", sorted(set(lots["item_code"])) if not lots.empty else []
    )
    if item:
        unit = item_unit(item)
        mine = lots[lots["item_code"] == item]
        st.metric(t("issue.available", unit=unit), fmt_num(int(mine["available"].sum())))
        c1, c0, c2 = st.columns([2, 1, 3])
        with c0:
            entry_unit, factor = unit_picker(item, form.key("unit"))
        qty = c1.number_input(
            t("form.qty_out", unit=entry_unit), min_value=1, step=1, value=None, key=form.key("qty")
        )
        usable = [lo for lo, s in zip(mine["lot_no"], mine["status"], strict=True) if s != "expired"]
        lot = c2.selectbox(
            t("form.lot_choice"),
            ["", *usable],
            format_func=lambda x: x or t("issue.fefo_auto"),
            key=form.key("lot"),
        )
        occurred_at = when_inputs(form.key("when"))
        if qty and not lot:
            try:
                picks = svc.ledger.suggest_fefo(
                    src, item, int(qty) * factor, occurred_at.date(), current_user()
                )
                st.info(t("issue.fefo", picks="；".join(f"{lo} × {fmt_num(q)}{unit}" for lo, q in picks)))
            except DomainError as e:
                show_error(e)
        c1, c2 = st.columns(2)
        doc_no = c1.text_input(t("form.doc_no"), key=form.key("doc_no"), max_chars=64)
        remark = c2.text_input(t("form.remark"), key=form.key("remark"), max_chars=1000)
        if form.submit(t("transfer.submit")):
            form.post(
                lambda cid: TransferCmd(
                    client_id=cid,
                    actor=current_user(),
                    occurred_at=occurred_at,
                    from_site_code=src,
                    to_site_code=dst,
                    item_code=item,
                    qty=qty,
                    unit=entry_unit if factor != 1 else "",
                    lot_no=lot or None,
                    doc_no=doc_no,
                    remark=remark,
                ),
                svc.ledger.ship_transfer,
                lambda res: t(
                    "transfer.shipped", qty=fmt_num((qty or 0) * factor), unit=unit, item=item_name(item)
                ),
            )
    else:
        st.info(t("issue.nothing"))

with tab_recv:
    transit = svc.reads.in_transit(current_user())  # from or to the user's depots
    incoming = svc.reads.in_transit(current_user(), incoming=True)  # those the user may receive
    if transit.empty:
        st.info(t("transfer.none_in_transit"))
    else:
        show_table(
            transit,
            [
                "shipped_at",
                "doc_no",
                "from_site_name",
                "to_site_name",
                "item_name",
                "item_code",
                "lot_no",
                "qty",
            ],
        )
        ids = list(dict.fromkeys(str(x) for x in incoming["transfer_id"]))
        first = {str(r.transfer_id): r for r in incoming.itertuples()}
        pick = st.selectbox(
            t("transfer.pick"),
            ids,
            format_func=lambda x: t(
                "transfer.option",
                when=fmt_dt(first[x].shipped_at),
                src=first[x].from_site_name,
                dst=first[x].to_site_name,
                no=first[x].doc_no or t("transfer.no_doc_no"),
            ),
            index=None,  # no default: a fresh form must not be postable by a second click
            placeholder=t("transfer.pick_placeholder"),
            key=rform.key("pick"),
        )
        when = when_inputs(rform.key("when"))
        if rform.submit(t("transfer.receive_submit")) and pick is None:
            st.error(t("transfer.pick_first"))
        elif pick is not None and rform.submitted:
            chosen = first[pick]
            rform.post(
                lambda cid: ReceiveTransferCmd(
                    client_id=cid, actor=current_user(), occurred_at=when, transfer_id=uuid.UUID(str(pick))
                ),
                svc.ledger.receive_transfer,
                lambda res: t(
                    "transfer.received",
                    no=chosen.doc_no or t("transfer.no_doc_no"),
                    dst=chosen.to_site_name,
                ),
            )
