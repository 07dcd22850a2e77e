"""批量导入: upload an xlsx or CSV of receipts and issues → preview → every row error (row, column, value) or one
all-or-nothing commit. GB18030 files and identical rows need a tick before they are posted."""
# nav: roles=keeper,admin order=30 title=nav.imports icon=:material/upload_file: section=keeper

from __future__ import annotations

import streamlit as st

from stockpile.app.pages.common import guard, lang, services
from stockpile.app.pages.import_flow import import_flow
from stockpile.i18n import t

guard(__file__)

svc = services()
st.title(t("imports.title"))
st.caption(t("imports.caption"))
st.download_button(
    t("imports.template"),
    svc.imports.import_template(lang()),
    file_name=f"{t('file_name.import_template')}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="imports.template",
)
up = st.file_uploader(t("imports.upload"), type=["xlsx", "csv"], key="imports.file")
if up is None:
    st.info(t("imports.hint"))
    st.stop()
import_flow(up.getvalue(), up.name)
