"""导出与打印: the stock ledger and balances as xlsx with Chinese headers; 入库单/出库单/调拨单 and 盘点表 as PDF."""
# nav: roles=keeper,dispatcher,planner,admin order=40 title=nav.exports icon=:material/print: section=query

from __future__ import annotations

import streamlit as st

from stockpile import clock
from stockpile.app.pages.common import (
    current_user,
    fmt_dt,
    fmt_num,
    guard,
    items_in_lang,
    lang,
    services,
    site_picker,
    user_names,
)
from stockpile.i18n import format as fmt
from stockpile.i18n import t

guard(__file__)

svc = services()
user = current_user()  # every read below is scoped to the user's depots by the services
st.title(t("exports.title"))
st.caption(t("exports.caption"))

st.subheader(t("exports.xlsx"))
if st.button(t("exports.make_xlsx"), key="exports.make"):
    with st.status(t("exports.working"), expanded=False) as status:
        sheets = {
            t("stock.by_lot"): svc.reads.stock(user),
            t("stock.by_item"): svc.reads.stock_by_item(user),
            t("exports.ledger_sheet"): user_names(svc.reads.ledger(user, limit=100_000, action="export")),
        }
        sheets = {
            name: fmt.export_frame(items_in_lang(df)) for name, df in sheets.items()
        }  # words, 元, no ids
        headers = {c: t(f"col.{c}") for df in sheets.values() for c in df.columns}
        st.session_state["exports.xlsx"] = svc.to_xlsx(sheets, headers)
        status.update(label=t("exports.ready"), state="complete")
if "exports.xlsx" in st.session_state:
    stamp = clock.now().strftime("%Y%m%d-%H%M")
    st.download_button(
        t("exports.download_xlsx"),
        st.session_state["exports.xlsx"],
        file_name=f"{t('file_name.ledger')}-{stamp}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="exports.xlsx_dl",
    )

st.subheader(t("exports.vouchers"))
kind = st.radio(
    t("exports.kind"),
    ["receipt", "issue", "transfer"],
    format_func=lambda k: t(f"exports.kind_{k}"),
    horizontal=True,
    key="exports.kind",
)
recent = svc.reads.recent_postings((kind,), 50, actor=user)
if recent.empty:
    st.info(t("exports.no_postings"))
else:
    rows = {str(r.posting_id): r for r in recent.itertuples()}
    pick = st.selectbox(
        t("exports.pick_posting"),
        list(rows),
        format_func=lambda p: t(
            "exports.posting_option",
            when=fmt_dt(rows[p].occurred_at),
            site=rows[p].site_name,
            no=rows[p].doc_no or t("transfer.no_doc_no"),
            lines=rows[p].lines,
            qty=fmt_num(rows[p].qty),
        ),
        key="exports.posting",
    )
    with st.spinner(t("app.working")):
        pdf = svc.reads.voucher_pdf(rows[pick].posting_id, lang(), actor=user)
    st.download_button(
        t("exports.download_pdf"),
        pdf,
        file_name=f"{t(f'exports.kind_{kind}')}-{pick[:8]}.pdf",
        mime="application/pdf",
        key="exports.voucher_dl",
    )

st.subheader(t("exports.count_sheet"))
site = site_picker(t("form.site"), "exports.site")
with st.spinner(t("app.working")):
    sheet = svc.reads.count_sheet_pdf(site, lang(), actor=user)
st.download_button(
    t("count.print_sheet"),
    sheet,
    file_name=f"{t('file_name.count_sheet')}-{site}.pdf",
    mime="application/pdf",
    key="exports.sheet_dl",
)
