"""县情数据: the county workbook — download the template or the county's data, upload the filled workbook, preview
what is added, changed and deactivated, confirm (admin only; the service re-checks the role)."""
# nav: roles=admin order=85 title=nav.county icon=:material/map: section=admin

from __future__ import annotations

import streamlit as st

from stockpile.app.pages.common import current_user, guard, services, show_error
from stockpile.app.pages.county_flow import county_flow
from stockpile.domain.errors import DomainError
from stockpile.i18n import t

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

guard(__file__)
svc = services()
st.title(t("county.title"))
st.caption(t("county.intro"))
left, right = st.columns(2)
left.download_button(
    t("county.download_template"),
    svc.onboarding.template(),
    "县情工作簿模板.xlsx",
    XLSX,
    key="county.template",
)
try:
    right.download_button(
        t("county.download_export"),
        svc.onboarding.export_workbook(current_user()),
        "县情工作簿.xlsx",
        XLSX,
        key="county.export",
    )
except DomainError as e:
    show_error(e)
try:
    shapes = svc.onboarding.export_boundaries(current_user())
except DomainError as e:
    shapes = None
    show_error(e)
if shapes is not None:
    right.download_button(
        t("county.download_boundaries"),
        shapes,
        "乡镇边界.geojson",
        "application/geo+json",
        key="county.bexport",
    )
replace = st.checkbox(t("county.replace"), key="county.replace")
up = st.file_uploader(t("county.upload"), type=["xlsx"], key="county.file")
bounds = st.file_uploader(t("county.upload_boundaries"), type=["geojson", "json"], key="county.boundaries")
if up is None:
    st.stop()
county_flow(up.getvalue(), replace, bounds.getvalue() if bounds is not None else None)
