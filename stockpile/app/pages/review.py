"""年度储备计划审查: prepare → review → approve (approver ≠ preparer); export xlsx and PDF."""
# nav: roles=planner,admin order=64 title=nav.review icon=:material/fact_check: section=plan

from __future__ import annotations

import pandas as pd
import streamlit as st

from stockpile import clock
from stockpile.app.pages import job_panel
from stockpile.app.pages.common import (
    current_user,
    guard,
    item_words,
    services,
    show_error,
    show_table,
)
from stockpile.domain.errors import DomainError
from stockpile.i18n import t
from stockpile.jobs.commands import REVIEW_PREPARE
from stockpile.reports.review_text import absent_channel_texts, recommendation_text

guard(__file__)

svc = services()
st.title(t("review.title"))
st.caption(t("review.caption"))

c1, c2 = st.columns(2)
year = int(
    c1.number_input(
        t("review.year"), min_value=2000, max_value=2100, value=clock.today().year + 1, key="review.year"
    )
)
actor = current_user()  # the signed-in user: preparer, reviewer and approver are whoever is logged in
c2.text_input(t("col.actor"), value=actor, disabled=True, key="review.actor")
notes = st.text_input(t("review.notes"), key="review.notes")

b1, b2, b3 = st.columns(3)
# preparing solves the year's rotation: a job run by a worker, followed here; the review is read back when done
if b1.button(t("review.prepare"), key="review.prepare"):
    job_panel.submit(REVIEW_PREPARE, {"year": year, "notes": notes}, "review.prep")
prepared = job_panel.newest(REVIEW_PREPARE, "review.prep", lambda p: p.get("year") == year)
if (
    prepared is not None
    and st.session_state.get("review.prep.seen") != st.session_state["review.prep.result"][0]
):
    st.session_state["review.prep.seen"] = st.session_state["review.prep.result"][0]
    st.success(t("review.prepared"))  # once, when the preparation just finished
try:
    if b2.button(t("review.mark_reviewed"), key="review.mark_reviewed"):
        svc.planning.mark_reviewed(year, actor)
        st.success(t("review.reviewed"))
    if b3.button(t("review.approve"), key="review.approve"):
        snap = svc.planning.approve_review(year, actor)
        st.success(t("review.approved", sha=snap.sha256))
except DomainError as e:
    show_error(e)

rv, snaps = svc.planning.review(year)
if rv is None:
    st.info(t("review.none"))
    st.stop()
st.markdown(
    t("review.state", state=t(f"review_state.{rv.state.value}"))
    + f" · {t('review_doc.preparer')}: {rv.preparer}"
    + (f" · {t('review_doc.reviewer')}: {rv.reviewer}" if rv.reviewer else "")
    + (f" · {t('review_doc.approver')}: {rv.approver}" if rv.approver else "")
)
if snaps:
    st.code(f"sha256 {snaps[-1].sha256}")
doc = rv.content
d1, d2 = st.columns(2)
d1.download_button(
    t("review.export_xlsx"),
    svc.planning.export_review(year, "xlsx"),
    file_name=f"{t('file_name.review')}-{year}.xlsx",
    key="review.xlsx",
)
d2.download_button(
    t("review.export_pdf"),
    svc.planning.export_review(year, "pdf"),
    file_name=f"{t('file_name.review')}-{year}.pdf",
    key="review.pdf",
)

st.subheader(t("review_doc.standard_vs_actual"))
show_table(
    pd.DataFrame(doc.get("standard_vs_actual", [])),
    ["level", "item_code", "item_name", "unit", "areas", "standard", "counted", "gap", "areas_short"],
    {"level": "scope"},
)
st.subheader(t("review.coverage_hook"))
cov = doc.get("coverage", {})
if cov.get("available"):
    if cov.get("reference_norms"):  # signed with the demo county's norms: not this county's coverage
        st.warning(t("review_doc.coverage_reference_norms"))
    st.caption(t("review.population_note"))
    show_table(  # a snapshot signed before the split has one population column; present columns only
        pd.DataFrame(cov.get("rows", [])),
        [
            "area_name",
            "population_villages",
            "population_shelters",
            "population_registered",
            "population",
            "covered_pct",
        ],
    )
else:
    st.info(t("review_doc.coverage_not_available"))
st.subheader(t("review_doc.rotation"))
show_table(
    pd.DataFrame(doc.get("rotation", [])),
    ["date", "area_name", "item_name", "lot_no", "qty", "channel", "cost_fen"],
    {"channel": "channel"},
)
for sentence in absent_channel_texts(doc):  # e.g. no 协议超市 to buy the items back
    st.caption(sentence)
if "before_start" in doc:  # a review signed before the section existed has none
    st.subheader(t("review_doc.before_start"))
    if doc["before_start"]:  # planning a later year: lots gone by 1 January are this year's to rotate
        st.warning(t("rotation.before_start", n=len(doc["before_start"]), start=doc.get("plan_start", "")))
    show_table(
        pd.DataFrame(doc["before_start"]),
        ["area_name", "item_code", "item_name", "lot_no", "qty", "unit", "expiry"],
        key="review.before_start",
    )
st.subheader(t("review_doc.procurement"))
show_table(
    pd.DataFrame(doc.get("procurement", [])), ["date", "area_name", "item_name", "qty", "arrival", "cost_fen"]
)
st.subheader(t("review_doc.renewals"))
show_table(
    pd.DataFrame(doc.get("renewals", [])),
    ["contract_code", "holder_name", "valid_to", "lines", "agreed_value_fen"],
)
st.subheader(t("review_doc.recommendations"))
_item_words = item_words()
for r in doc.get("recommendations", []):
    st.write("• " + recommendation_text(r, _item_words))
