"""The dispatch page's two panels after a plan exists: re-plan the confirmed plan from its orders' states (new
request, broken truck) and edit a plan by hand (move a stop to another truck, reorder a truck's stops) with the
independent checker's findings in words. UI only: the services decide and check; the re-plan is a job run by a
worker (job_panel), never a solve in the script thread."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from stockpile.app.pages import job_panel
from stockpile.app.pages.common import show_error
from stockpile.dispatch.commands import EditedStop, Finding, PlanView
from stockpile.domain.errors import DomainError
from stockpile.i18n import format as fmt
from stockpile.i18n import t
from stockpile.jobs.commands import REPLAN, JobView, replan_params

Goods = Callable[[Any], str]
REPLAN_KEY = "dispatch.replan"


def replan_info(plan: PlanView, goods: Goods) -> None:
    """What a re-plan of the confirmed plan keeps, replaces, strands and adds."""
    x = plan.extra
    if not x.get("base_plan"):
        st.warning(t("dispatch.replan2.what_if"))
        return
    st.info(
        t("dispatch.replan2.is_replan", kept=len(x.get("kept", [])), superseded=len(x.get("superseded", [])))
    )
    if x.get("new_jobs"):
        st.caption(t("dispatch.replan2.new_demand", n=len(x["new_jobs"])))
    stranded = [goods(plan.contents.get(j, ())) for j in x.get("stranded", [])]
    if stranded:
        st.warning(t("dispatch.replan2.stranded", goods="；".join(stranded)))
    late = [goods(plan.contents.get(j, ())) for j in x.get("late", [])]
    if late:
        st.warning(t("dispatch.replan2.late", goods="；".join(late)))
    if x.get("past_horizon_h") and plan.unserved:
        st.warning(t("dispatch.replan2.past_horizon", hours=x["past_horizon_h"]))


def replan_panel(svc: Any, code: str, plans: list[PlanView], limit_s: float, since: datetime | None) -> None:
    """Re-plan the scenario's confirmed plan as a job: shipped and delivered orders stay, broken trucks are left
    out, the open part is re-optimised with any new demand; the job's plan goes on the page to be checked and
    confirmed (also after leaving the page and coming back). `since`: when the newest dispatch solve of the
    scenario was submitted (an older re-plan does not replace its plan on the page)."""
    with st.expander(t("dispatch.replan2.title")):
        st.caption(t("dispatch.replan2.hint"))
        broken = st.multiselect(
            t("dispatch.replan2.broken"),
            [v.code for v in svc.dispatch.fleet()],
            placeholder=t("app.choose_options"),
            key="dispatch.broken",
        )
        if st.button(t("dispatch.replan2.run"), key="dispatch.replan_run"):
            job_panel.submit(REPLAN, replan_params(code, broken, limit_s), REPLAN_KEY)
    found = job_panel.newest_done(REPLAN, REPLAN_KEY, lambda p: p.get("scenario") == code, limit_s)
    if found is not None:
        _adopt(plans, *found, since)


def _adopt(plans: list[PlanView], rec: JobView, new: PlanView, since: datetime | None) -> None:
    """Put a done re-plan on the page once per visit, unless a newer dispatch solve is the page's plan."""
    seen: set[Any] = st.session_state.setdefault("dispatch.replan_seen", set())
    if rec.id in seen:
        return
    seen.add(rec.id)
    if any(p.id == new.id for p in plans) or (since is not None and rec.created_at < since):
        return
    plans.append(new)
    kept, gone = len(new.extra["kept"]), len(new.extra["superseded"])
    st.session_state["dispatch.replan_made"] = t("dispatch.replan2.made", kept=kept, superseded=gone)
    st.rerun()


def _stops(
    plan: PlanView, goods: Goods, eta: Callable[[PlanView, int], str]
) -> tuple[pd.DataFrame, list[Any]]:
    """One row per stop (vehicle, order, kind, place, goods, ETA) and, by row, the stop it stands for."""
    rows, keys = [], []
    for r in plan.result.routes:
        for n, s in enumerate(r.stops, start=1):
            keys.append((s.job, s.kind))
            rows.append(
                {
                    "vehicle": r.vehicle,
                    "seq": float(n),
                    "kind": t(f"dispatch.stop.{s.kind}"),
                    "place": plan.places[s.location].name,
                    "goods": goods(plan.contents[s.job]),
                    "eta": eta(plan, s.start_s),
                }
            )
    return pd.DataFrame(rows), keys


def finding_text(f: Finding, goods: Goods, item_name: Callable[[str], str]) -> str:
    p = dict(f.params)
    p["goods"] = goods(p.get("goods", ()))
    if "item" in p:
        p["item"] = item_name(str(p["item"]))
    for k in ("need", "have"):
        if k in p:
            p[k] = fmt.num(p[k], decimals=0)
    return t(f"dispatch.edit.finding.{f.code}", **p)


def edit_panel(
    svc: Any,
    plan: PlanView,
    plans: list[PlanView],
    goods: Goods,
    eta: Callable[[PlanView, int], str],
    item_name: Callable[[str], str],
) -> None:
    """Move stops between trucks or reorder them; the checker's findings in words; adopt a clean edit."""
    if not any(r.stops for r in plan.result.routes):
        return
    with st.expander(t("dispatch.edit.title")):
        st.caption(t("dispatch.edit.hint"))
        df, keys = _stops(plan, goods, eta)
        edited = st.data_editor(
            df,
            key=f"dispatch.edit.{plan.id}",
            hide_index=True,
            num_rows="fixed",
            disabled=["kind", "place", "goods", "eta"],
            column_config={
                "vehicle": st.column_config.SelectboxColumn(
                    t("dispatch.col.vehicle"), options=[v.id for v in plan.problem.vehicles], required=True
                ),
                "seq": st.column_config.NumberColumn(t("dispatch.edit.col_seq"), min_value=0.0, step=0.5),
                "kind": t("dispatch.col.kind"),
                "place": t("dispatch.col.place"),
                "goods": t("dispatch.col.item"),
                "eta": t("dispatch.col.eta"),
            },
            width="stretch",
        )
        st.caption(t("dispatch.edit.policy"))
        if st.button(t("dispatch.edit.check"), key="dispatch.edit_check"):
            stops = [
                EditedStop(str(row["vehicle"]), job, kind, float(row["seq"]))
                for row, (job, kind) in zip(edited.to_dict("records"), keys, strict=True)
            ]
            try:
                st.session_state["dispatch.edit_result"] = (plan.id, svc.dispatch.edit_plan(plan, stops))
            except DomainError as e:
                show_error(e)
        _verdict(plan, plans, goods, item_name)


def _verdict(plan: PlanView, plans: list[PlanView], goods: Goods, item_name: Callable[[str], str]) -> None:
    made = st.session_state.get("dispatch.edit_result")
    if made is None or made[0] != plan.id:  # checked for another plan on the page
        return
    out = made[1]
    if out.findings:
        st.error(t("dispatch.edit.bad", n=len(out.findings)))
        st.markdown("\n".join(f"- {finding_text(f, goods, item_name)}" for f in out.findings))
        return
    st.success(t("dispatch.edit.ok"))
    if st.button(t("dispatch.edit.adopt"), key="dispatch.edit_adopt"):
        plans.append(out.plan)
        del st.session_state["dispatch.edit_result"]
        st.session_state["dispatch.replan_made"] = t("dispatch.edit.adopted")
        st.rerun()
