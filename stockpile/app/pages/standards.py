"""储备定额与缺口: import the guiding catalogue, the standards, the gap report per county, township and site."""
# nav: roles=planner,admin order=61 title=nav.standards icon=:material/straighten: section=plan

from __future__ import annotations

import pandas as pd
import streamlit as st

from stockpile.app.pages.common import current_user, guard, services, show_error, show_table
from stockpile.domain.errors import DomainError
from stockpile.i18n import format as fmt
from stockpile.i18n import row_error_text, t

guard(__file__)

svc = services()
st.title(t("standards.title"))
st.caption(t("standards.caption"))

with st.expander(t("standards.import")):
    up = st.file_uploader(t("standards.import"), type=["xlsx", "csv"], key="standards.file")
    if up is not None and st.button(t("standards.import_button"), key="standards.import_button"):
        try:
            report = svc.planning.import_standards(up.getvalue(), up.name, current_user())
            if report.errors:
                st.error(t("standards.import_failed", n=len(report.errors)))
                for e in report.errors[:50]:
                    st.write(row_error_text(e))
            else:
                st.success(t("standards.imported", n=report.accepted))
        except DomainError as e:
            show_error(e)

gap = svc.planning.gap_report()
scopes = pd.DataFrame(gap["scopes"])
only_gap = st.checkbox(t("standards.gap_only"), key="standards.gap_only")
# the page's width holds nine columns: the holdings' breakdown (physical, custodial, agreement) on request, item
# and site codes in the workbook below
breakdown = st.checkbox(t("standards.breakdown"), key="standards.breakdown")
tab_scope, tab_site, tab_std = st.tabs(
    [t("standards.by_scope"), t("standards.by_site"), t("standards.table")]
)
with tab_scope:
    if only_gap and not scopes.empty:
        scopes = scopes[scopes["gap"] > 0]
    held = ["physical", "custodial", "agreement", "agreement_counted"] if breakdown else []
    show_table(
        scopes,
        [
            "scope",
            "area_name",
            "item_name",
            "unit",
            "standard",
            *held,
            "counted",
            "gap",
            "coverage_pct",
            "days_of_supply",
        ],
        {"scope": "scope"},
        key="standards.gap_table",
    )
with tab_site:
    sites = pd.DataFrame(gap["sites"])
    if only_gap and not sites.empty:
        sites = sites[sites["gap"].fillna(0) > 0]
    show_table(
        sites,
        ["area_name", "item_name", "unit", "standard", "physical", "gap", "days_of_supply"],
        key="standards.site_table",
    )
if not scopes.empty or gap["sites"]:
    sheets = {
        t("standards.by_scope"): fmt.export_frame(pd.DataFrame(gap["scopes"])),
        t("standards.by_site"): fmt.export_frame(pd.DataFrame(gap["sites"])),
    }
    headers = {str(c): t(f"col.{c}") for df in sheets.values() for c in df.columns}
    st.download_button(
        t("standards.download_gap"),
        svc.to_xlsx(sheets, headers),
        file_name=f"{t('file_name.reserve_gap')}.xlsx",
        key="standards.download_gap",
    )
with tab_std:
    show_table(
        svc.reserve_views.standards(),
        translate={"level": "scope", "basis": "basis"},
    )
