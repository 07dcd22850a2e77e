"""事件情景: make a dispatch scenario from an event, copy it for a what-if, edit its demand in a data editor, mark
damaged depots and upload blocked roads (GeoJSON polygons the travel matrix avoids, as in the circle). Nothing
here touches stock; the 调度方案 page plans the scenario."""
# nav: roles=dispatcher,planner,admin order=30 title=nav.event_scenario icon=:material/edit_road: section=dispatch

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from stockpile.app.pages.common import current_user, guard, item_words, services
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, domain_error_text, t
from stockpile.i18n import format as fmt

guard(__file__)

svc = services()
user = current_user()
st.title(t("nav.event_scenario"))
st.caption(t("scenario_edit.page_caption"))


def _run(fn: Any, *args: Any, **kw: Any) -> Any:
    try:
        return fn(*args, **kw)
    except DomainError as e:
        st.error(domain_error_text(e))
        return None


def _from_event() -> None:
    events = svc.events.events(user)
    if not events:
        return
    with st.form("scenario.from_event"):
        c1, c2 = st.columns([3, 1])
        names = {e.code: e.name for e in events}
        ev = c1.selectbox(t("events.col_event"), list(names), format_func=lambda c: aside(names[c], c))
        days = c2.number_input(t("scenario_edit.days"), min_value=1, max_value=30, value=3, step=1)
        go = st.form_submit_button(t("scenario_edit.from_event"))
    if go and (code := _run(svc.events.scenario_from_event, ev, user, None, int(days))) is not None:
        st.success(t("events.scenario_created", event=ev, scenario=code))


def _demand_editor(code: str, sc: Any, demand: dict[tuple[str, str], int]) -> None:
    names = {p.code: p.name for p in sc.points}
    words = item_words()
    rows = [
        {"point": p, "name": names.get(p, p), "item": i, "item_name": words.get(i, (i, ""))[0], "qty": q}
        for (p, i), q in sorted(demand.items())
    ]
    st.subheader(t("scenario_edit.demand"))
    edited = st.data_editor(
        pd.DataFrame(rows, columns=["point", "name", "item", "item_name", "qty"]),
        key=f"scenario_edit.demand.{code}",
        disabled=["point", "name", "item", "item_name"],
        hide_index=True,
        column_config={
            "point": t("scenario_edit.col_point"),
            "name": t("scenario_edit.col_name"),
            "item": None,
            "item_name": t("scenario_edit.col_item"),
            "qty": st.column_config.NumberColumn(t("scenario_edit.col_qty"), min_value=0, step=1),
        },
    )
    if st.button(t("scenario_edit.save_demand"), key="scenario_edit.save_demand"):
        new = {(str(r["point"]), str(r["item"])): int(r["qty"] or 0) for r in edited.to_dict("records")}
        if _run(svc.dispatch.save_demand, code, new, user) is None:
            st.success(t("scenario_edit.demand_saved", n=len(new)))


def _conditions(code: str, sc: Any) -> None:
    sites = svc.views.sites()
    names = dict(zip(sites["code"], sites["name"], strict=True))
    with st.form("scenario_edit.conditions"):
        damaged = st.multiselect(
            t("scenario_edit.damaged_label"),
            list(names),
            default=[c for c in sc.damaged_sites if c in names],
            format_func=lambda c: aside(names[c], c),
            placeholder=t("app.choose_options"),
        )
        upload = st.file_uploader(t("scenario_edit.blocked_upload"), type=["geojson", "json"])
        clear = st.checkbox(t("scenario_edit.clear_blocked"))
        go = st.form_submit_button(t("scenario_edit.save_conditions"))
    if not go:
        return
    blocked = (upload.getvalue(), upload.name) if upload is not None else ((b"", "") if clear else None)
    done = _run(svc.events.set_scenario_conditions, code, user, damaged, blocked)
    if done is not None:
        state = t("scenario_edit.blocked_yes") if done.blocked_geojson else t("scenario_edit.blocked_no")
        shown = "、".join(names.get(c, c) for c in done.damaged_sites) or t("scenario_edit.none")
        st.success(t("scenario_edit.conditions_saved", sites=shown, blocked=state))


def _clone(code: str) -> None:
    with st.form("scenario_edit.clone"):
        new = st.text_input(t("scenario_edit.clone_code"), value=f"{code}-B")
        go = st.form_submit_button(t("scenario_edit.clone"))
    if go and _run(svc.events.clone_scenario, code, new.strip(), user) is not None:
        st.success(t("scenario_edit.cloned", code=code, new=new.strip()))


_from_event()
codes = svc.dispatch.scenarios()
if not codes:
    st.info(t("scenario_edit.no_scenarios"))
    st.stop()
code = st.selectbox(t("scenario_edit.pick"), codes, key="scenario_edit.pick")
shown = _run(svc.events.show_scenario, code, user)
if shown is None:
    st.stop()
sc, _entered = shown
_, demand = svc.dispatch.scenario_demand(code)  # entered, else derived from the norms
st.markdown(t("scenario_edit.header", code=sc.code, name=sc.name, at=fmt.when(sc.reported_at)))
st.caption(t("scenario_edit.blocked_yes") if sc.blocked_geojson else t("scenario_edit.blocked_no"))
_demand_editor(code, sc, demand)
_conditions(code, sc)
_clone(code)
