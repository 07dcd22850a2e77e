"""调度方案: scenario demand → plan (allocation + routes, checked) → map, tables, KPIs → compare → confirm."""
# nav: roles=dispatcher,admin order=30 title=nav.dispatch icon=:material/local_shipping: section=dispatch

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pandas as pd
import streamlit as st

from stockpile import clock
from stockpile.app.pages.common import current_user, guard, item_names, item_table, services, show_error
from stockpile.app.pages.dispatch_map import plan_map, vehicle_table
from stockpile.app.pages.dispatch_replan import edit_panel, replan_info, replan_panel
from stockpile.dispatch.commands import REBASABLE, PlanView, improvement_over_first, solve_bar
from stockpile.domain.errors import DomainError
from stockpile.i18n import error_text, fmt_hm, t
from stockpile.i18n import format as fmt
from stockpile.jobs.commands import DISPATCH_PLAN, DONE, FINISHED, JobView

guard(__file__)


svc = services()
st.title(t("dispatch.title"))
st.caption(t("dispatch.caption"))
plans: list[PlanView] = st.session_state.setdefault("dispatch.plans", [])
confirmed: dict[str, Any] = st.session_state.setdefault("dispatch.confirmed", {})

codes = svc.dispatch.scenarios()
if not codes:
    st.info(t("dispatch.no_scenario"))
    st.stop()
code = st.selectbox(t("dispatch.scenario"), codes, key="dispatch.scenario")
scenario, demand = svc.dispatch.scenario_demand(code)
st.caption(
    f"{scenario.name} · {fmt.enum_text('event', scenario.event)} · {fmt.enum_text('scenario_kind', scenario.kind)}"
)
reported = st.empty()  # filled after the re-base button, so it shows the report time in force
if scenario.kind in REBASABLE and st.button(
    t("drill.rebase"), key="dispatch.rebase", help=t("drill.rebase_help")
):
    # a drill kept for training starts again now: deadlines and KPIs read as on the day it was made
    try:
        r = svc.dispatch.rebase_scenario(code, current_user())
        before, after = fmt.when(r.reported_before), fmt.when(r.reported_at)
        st.success(t("drill.rebased", scenario=code, before=before, after=after))
        scenario, demand = svc.dispatch.scenario_demand(code)
    except DomainError as e:
        show_error(e)
reported.caption(t("drill.reported_at", at=fmt.when(scenario.reported_at)))
_items = item_table()
ITEM_NAMES = item_names()
ITEM_UNITS = dict(zip(_items["code"], _items["base_unit"], strict=True))


def _goods(lines: Any) -> str:
    """What a stop takes, in names with units: 棉被 258床、矿泉水 1,746箱."""
    return "、".join(f"{ITEM_NAMES.get(i, i)} {fmt.qty(q, ITEM_UNITS.get(i, ''))}" for i, q in lines)


def _demand_editor() -> dict[tuple[str, str], int]:
    names = {p.code: p.name for p in scenario.points}
    df = pd.DataFrame(
        [
            {"name": names.get(p, p), "point": p, "item_name": ITEM_NAMES.get(i, i), "item": i, "qty": q}
            for (p, i), q in sorted(demand.items())
        ]
    )
    st.subheader(t("dispatch.demand"))
    edited = st.data_editor(
        df,
        key=f"dispatch.demand.{code}",
        disabled=["point", "name", "item", "item_name"],
        hide_index=True,
        column_config={
            "point": t("dispatch.col.point"),
            "name": t("dispatch.col.place"),
            "item_name": t("dispatch.col.item"),
            "item": t("dispatch.col.item_code"),
            "qty": st.column_config.NumberColumn(t("dispatch.col.qty"), min_value=0, step=1),
        },
        width="stretch",
    )
    out = {
        (str(r["point"]), str(r["item"])): int(r["qty"])
        for r in edited.to_dict("records")
        if pd.notna(r["qty"])
    }
    if st.button(t("dispatch.save_demand"), key="dispatch.save"):
        svc.dispatch.save_demand(code, out, current_user())
        st.success(t("dispatch.demand_saved"))
    return out


edited = _demand_editor()
fleet = svc.dispatch.fleet()
VEHICLE_NAMES = {v.code: v.name for v in fleet}  # tables, the map and the picker name vehicles
c1, c2, c3 = st.columns([3, 1, 2])
chosen = c1.multiselect(
    t("dispatch.fleet"),
    [v.code for v in fleet],
    default=[v.code for v in fleet],
    format_func=lambda c: VEHICLE_NAMES.get(c, c),
    placeholder=t("app.choose_options"),
    key="dispatch.fleet",
)
limit = c2.number_input(
    t("dispatch.time_limit"),
    1,
    300,
    int(svc.settings.solve_time_limit_s),
    key="dispatch.time_limit",
    help=t("dispatch.time_limit_help"),
)
objective = c3.radio(
    t("dispatch.objective"),
    ["total", "makespan"],
    format_func=lambda o: t(f"dispatch.objective_{o}"),
    key="dispatch.objective",
    horizontal=True,
)
rationing = c3.radio(
    t("rationing.label"),
    ["priority", "fair"],
    format_func=lambda r: t(f"rationing.{r}"),
    key="dispatch.rationing",
    horizontal=True,
)


# ---- solving: a job run by a worker; the page follows it and finds its plan again later ----------------------
def _adopt(job_id: Any) -> None:
    """Put a done job's plan on the page (once)."""
    plan = svc.jobs.plan(job_id, current_user())
    if plan is not None and all(p.id != plan.id for p in plans):
        plans.append(plan)


def _job_label(rec: JobView) -> str:
    """When a solve finished, its objective and time limit: 11-20 09:12 · 总里程最短 · 10 秒."""
    how, when = rec.params["settings"], fmt.when(rec.finished_at or rec.created_at)
    limit = t("fmt.seconds", n=fmt.num(how["time_limit_s"], decimals=0))
    return f"{when} · {t('dispatch.objective_' + how['objective'])} · {limit}"


def _scenario_jobs() -> list[JobView]:
    """This user's dispatch solves of the scenario on screen, newest first."""
    recs = svc.jobs.list_jobs(current_user(), (DISPATCH_PLAN,), 20)
    return [r for r in recs if r.params.get("scenario") == code]


if st.button(t("dispatch.run"), type="primary", key="dispatch.run"):
    try:
        ps = svc.dispatch.plan_settings(
            time_limit_s=float(limit), objective=objective, vehicles=(*chosen,), rationing=rationing
        )
        st.session_state["dispatch.job"] = svc.jobs.submit_plan(code, ps, current_user(), demand=edited)
    except DomainError as e:
        show_error(e)
elif not plans and "dispatch.job" not in st.session_state:
    # back on the page (or a new tab): the newest solve of this scenario, finished or still running
    for rec in _scenario_jobs()[:1]:
        if rec.status == DONE:
            _adopt(rec.id)
        elif rec.status not in FINISHED:
            st.session_state["dispatch.job"] = rec.id


def _progress_text(rec: JobView) -> str:
    """How the search is doing in words a dispatcher reads: the first plan found, then how much better the best
    plan is than the first (the objective itself is a weighted sum nobody can read)."""
    seen = [float(e["objective"]) for e in rec.progress if "objective" in e]
    if not seen:
        return t(f"jobs.status.{rec.status}")
    better = improvement_over_first(seen)
    return t("dispatch.running", better=fmt.pct(better)) if better else t("dispatch.running_first")


@st.fragment(run_every=1.0)
def _follow() -> None:
    """The running solve: progress with the engine's objective, a cancel button; the plan once done."""
    job_id = st.session_state.get("dispatch.job")
    if job_id is None:
        return
    rec = svc.jobs.get(job_id, current_user())
    if rec.status in FINISHED:
        del st.session_state["dispatch.job"]
        if rec.status == DONE:
            _adopt(job_id)
            st.rerun()  # the whole page: KPIs, map and tables of the new plan
        elif rec.error:
            st.error(error_text(str(rec.error.get("code")), dict(rec.error.get("params") or {})))
        return
    elapsed = (clock.now() - rec.started_at).total_seconds() if rec.started_at else 0.0
    share, overtime = solve_bar(elapsed, float(rec.params["settings"]["time_limit_s"]))
    st.progress(share, text=t("dispatch.finishing") if overtime else _progress_text(rec))
    if st.button(t("jobs.cancel"), key="dispatch.cancel"):
        svc.jobs.cancel(job_id, current_user())
        del st.session_state["dispatch.job"]
        st.rerun()


_follow()
done_jobs = {r.id: r for r in _scenario_jobs() if r.status == DONE}  # earlier solves, also from other visits
if done_jobs:
    picked = st.selectbox(t("jobs.plan_jobs"), [None, *done_jobs], key="dispatch.pick_job", placeholder=t("app.choose_option"), format_func=lambda i: (
        "—" if i is None else _job_label(done_jobs[i])
    ))  # fmt: skip
    if picked is not None:
        _adopt(picked)


def _eta(plan: PlanView, s: int) -> str:
    return clock.local(plan.start + timedelta(seconds=s)).strftime("%m-%d %H:%M")


def _kpis(plan: PlanView) -> None:
    k = plan.kpis
    m = st.columns(5)
    m[0].metric(t("dispatch.kpi.priority_share"), fmt.pct(k.priority_share, decimals=0))
    m[1].metric(t("dispatch.kpi.completion"), fmt.num(k.completion_s / 3600, decimals=1))
    m[2].metric(
        t("dispatch.kpi.relief"),
        fmt_hm(k.relief_time_s) if k.delivered else "—",
        t(f"dispatch.kpi.relief_{k.relief_verdict}"),
        delta_color="normal" if k.relief_on_time else "inverse",
    )
    m[3].metric(t("dispatch.kpi.km"), fmt.km(k.distance_m))
    m[4].metric(t("dispatch.kpi.unserved"), len(plan.unserved))
    if plan.violations:
        st.error(t("dispatch.checker_bad"))
        st.write(list(plan.violations))
    else:
        st.success(t("dispatch.checker_ok"))
    if plan.matrix_source == "offline":
        st.caption(t("dispatch.estimate"))
    # the time limit ended a solver step early: a re-run may give another plan (dispatchers compare plans)
    if plan.result.cut_by_clock:
        st.caption(t("dispatch.cut_by_clock"))


def _route_lines(plan: PlanView) -> list[dict[str, Any]]:
    """Each vehicle's line along the roads (when the travel source has them), fetched once per plan."""
    cache = st.session_state.setdefault("dispatch.route_lines", {})
    if plan.id not in cache:
        cache[plan.id] = svc.dispatch.route_lines(plan)
    return list(cache[plan.id])


def _tables(plan: PlanView) -> None:
    vehicle_table(plan, _eta, VEHICLE_NAMES)
    rows = []
    for r in plan.result.routes:
        for s in r.stops:
            rows.append(
                {
                    t("dispatch.col.vehicle"): VEHICLE_NAMES.get(r.vehicle, r.vehicle),
                    t("dispatch.col.kind"): t(f"dispatch.stop.{s.kind}"),
                    t("dispatch.col.place"): plan.places[s.location].name,
                    t("dispatch.col.item"): _goods(plan.contents[s.job]),
                    t("dispatch.col.eta"): _eta(plan, s.start_s),
                }
            )
    st.subheader(t("dispatch.routes"))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="dispatch.routes_table")
    _late(plan)
    st.subheader(t("dispatch.unserved"))
    if not plan.unserved:
        st.info(t("dispatch.all_served"))
        return
    names = {p.code: p.name for p in plan.places}
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("dispatch.col.place"): names.get(u.point, u.point),
                    t("dispatch.col.point"): u.point,
                    t("dispatch.col.item"): ITEM_NAMES.get(u.item, u.item),
                    t("dispatch.col.qty"): fmt.qty(u.qty, ITEM_UNITS.get(u.item, "")),
                    t("dispatch.col.reason"): t(f"dispatch.reason.{u.reason}"),
                }
                for u in plan.unserved
            ]
        ),
        hide_index=True,
        width="stretch",
    )


def _late(plan: PlanView) -> None:
    """Priority deliveries outside the circle, with why: too far even for a free truck, or the fleet was busy."""
    late = plan.late_priority()
    if not late:
        return
    names = {p.code: p.name for p in plan.places}
    st.subheader(t("dispatch.late.title", minutes=plan.settings.guarantee_s // 60))
    st.caption(t("dispatch.late.hint"))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    t("dispatch.col.place"): names.get(ln.point, ln.point),
                    t("dispatch.col.item"): ITEM_NAMES.get(ln.item, ln.item),
                    t("dispatch.col.qty"): fmt.qty(ln.qty, ITEM_UNITS.get(ln.item, "")),
                    t("dispatch.col.eta"): _eta(plan, ln.eta_s),
                    t("dispatch.late.earliest"): "–" if ln.earliest_s is None else _eta(plan, ln.earliest_s),
                    t("dispatch.col.reason"): t(f"dispatch.late.{ln.reason}"),
                }
                for ln in late
            ]
        ),
        hide_index=True,
        width="stretch",
        key="dispatch.late_table",
    )


def _compare() -> None:
    st.subheader(t("dispatch.compare"))
    if len(plans) < 2:
        st.caption(t("dispatch.compare_hint"))
        return
    labels = [
        t(
            "dispatch.plan_label",
            n=n + 1,
            objective=t(f"dispatch.objective_short_{p.settings.objective}"),
            limit=fmt.num(p.settings.time_limit_s, decimals=0),
        )
        for n, p in enumerate(plans)
    ]
    pick = st.multiselect(
        t("dispatch.compare_pick"),
        list(range(len(plans))),
        default=[len(plans) - 2, len(plans) - 1],
        format_func=lambda n: labels[n],
        max_selections=2,
        placeholder=t("app.choose_options"),
        key="dispatch.cmp",
    )
    metrics = ["priority_share", "completion", "relief", "km", "unserved"]
    data = {t("dispatch.col.metric"): [t(f"dispatch.kpi.{m}") for m in metrics]}
    for n in pick:
        k = plans[n].kpis
        data[labels[n]] = [
            fmt.pct(k.priority_share, decimals=0),
            fmt.num(k.completion_s / 3600, decimals=1),
            fmt_hm(k.relief_time_s),
            fmt.km(k.distance_m),
            str(len(plans[n].unserved)),
        ]
    st.dataframe(pd.DataFrame(data), hide_index=True, width="stretch")


def _confirm(plan: PlanView) -> None:
    key = str(plan.id)
    done = confirmed.get(key)
    clicked = st.button(
        t("dispatch.confirm"), key="dispatch.confirm", disabled=bool(plan.violations) or bool(done)
    )
    if clicked and not done:
        try:
            conf = svc.dispatch.confirm(plan, current_user())
            confirmed[key] = conf
            done = conf
            if conf.replayed:
                st.success(t("dispatch.already_confirmed"))
            elif getattr(conf, "superseded", ()):  # a re-plan: the open orders it replaced
                n = len(conf.superseded)
                st.success(
                    t(
                        "dispatch.replan2.confirmed",
                        orders=len(conf.orders),
                        superseded=n,
                        holds=conf.reservations,
                    )
                )
            else:
                st.success(t("dispatch.confirmed_page", orders=len(conf.orders), holds=conf.reservations))
        except DomainError as e:
            show_error(e)
    if done:
        st.subheader(t("dispatch.orders"))
        for doc in done.orders:
            xlsx, pdf = svc.dispatch.order_documents(doc)
            a, b = st.columns(2)
            a.download_button(t("dispatch.download_xlsx", doc=doc), xlsx, f"{doc}.xlsx", key=f"x.{doc}")
            b.download_button(t("dispatch.download_pdf", doc=doc), pdf, f"{doc}.pdf", key=f"p.{doc}")


if "dispatch.replan_made" in st.session_state:
    st.success(st.session_state.pop("dispatch.replan_made"))
if plans:
    current = plans[-1]
    if current.extra.get("fixed") is not None:
        replan_info(current, _goods)
    _kpis(current)
    st.subheader(t("dispatch.map"))
    plan_map(current, _route_lines(current), svc.map_view.road_paths(), VEHICLE_NAMES)
    _tables(current)
    if current.extra.get("fixed") is None or current.extra.get("base_plan"):  # a what-if by minutes is not
        _confirm(current)
        edit_panel(svc, current, plans, _goods, _eta, lambda i: ITEM_NAMES.get(i, i))
    _compare()
newest_solve = next(iter(_scenario_jobs()), None)
replan_panel(svc, code, plans, float(limit), None if newest_solve is None else newest_solve.created_at)
