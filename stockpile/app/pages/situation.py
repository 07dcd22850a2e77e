"""应急一张图（态势）: one scenario on one map: depots by stock against their standard, the guarantee circle's reach
areas, the scenario's demand points and the newest plan's routes, as layers the user switches on and off, with one
legend in the map's own colours. UI only (pydeck); the layer rows come from stockpile/reports."""
# nav: roles=dispatcher,planner,admin order=2 title=nav.situation icon=:material/layers: section=map

from __future__ import annotations

from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st

from stockpile.app.pages.common import (
    CJK_FONT,
    current_user,
    guard,
    item_names,
    item_table,
    services,
    show_error,
)
from stockpile.app.pages.dispatch_map import route_legend, route_paths
from stockpile.coverage.commands import CircleQuery, Scenario
from stockpile.domain.errors import DomainError
from stockpile.i18n import format as fmt
from stockpile.i18n import t
from stockpile.jobs.commands import DISPATCH_PLAN, DONE
from stockpile.reports.coverage_tables import reach_polygons
from stockpile.reports.labels import LabelSpec, fit_zoom, label_frame, markers, place_labels, site_labels
from stockpile.reports.situation import (
    NAMED_RGB,
    REACH_COLOUR,
    demand_rows,
    depot_rows,
    extent,
    legend_entries,
    reach_rows,
)

guard(__file__)

LAYERS = ("stock", "reach", "demand", "routes", "roads")

svc = services()
st.title(t("situation.title"))
st.caption(t("situation.caption"))

codes = svc.dispatch.scenarios()
if not codes:
    st.info(t("dispatch.no_scenario"))
    st.stop()
active = st.session_state.get("dispatch.scenario")  # the scenario the dispatch page has open, if any
code = st.selectbox(
    t("dispatch.scenario"),
    codes,
    index=codes.index(active) if active in codes else 0,
    key="situation.scenario",
)
scenario, demand = svc.dispatch.scenario_demand(code)
show = st.multiselect(
    t("home.layers"),
    list(LAYERS),
    default=list(LAYERS),
    format_func=lambda x: t(f"situation.layer.{x}"),
    placeholder=t("app.choose_options"),
    key="situation.layers",
)
_items = item_table()
ITEM_NAMES = item_names()
ITEM_UNITS = dict(zip(_items["code"], _items["base_unit"], strict=True))


def _reach(site_names: dict[str, str]) -> tuple[pd.DataFrame, int]:
    """The guarantee circle of the scenario's items (damaged depots out, blocked roads avoided): reach areas,
    fetched once per scenario and items (the router's isochrones cost quota)."""
    norms = svc.coverage.norms()
    wanted = sorted({i for (_, i), q in demand.items() if q > 0 and i in norms}) or sorted(norms)[:1]
    minutes = svc.coverage.settings()["guarantee_s"] // 60
    key = (code, tuple(wanted), scenario.blocked_geojson, scenario.damaged_sites)
    if st.session_state.get("situation.reach_key") != key:
        avoid = (
            svc.coverage.read_avoid_areas(scenario.blocked_geojson.encode(), f"scenario:{code}")
            if scenario.blocked_geojson
            else None
        )
        report = svc.coverage.circle(
            CircleQuery(tuple(wanted), None, Scenario(frozenset(scenario.damaged_sites), avoid))
        )
        st.session_state["situation.reach"] = reach_polygons(report, svc.coverage.reach_areas(report, avoid))
        st.session_state["situation.reach_key"] = key
    return reach_rows(st.session_state["situation.reach"], site_names, minutes), minutes


def _plan() -> tuple[Any, str, dict[str, str]]:
    """The plan to draw and which it is: the scenario's open confirmed plan from the database (the same routes for
    every reading role), else the viewer's own newest solve, in this session or by a job."""
    confirmed = svc.dispatch.confirmed_plan(code, current_user())
    if confirmed is not None:
        by = svc.views.user_names().get(confirmed.actor.upper(), confirmed.actor)
        return confirmed.plan, "confirmed", {"at": fmt.when(confirmed.confirmed_at), "by": by}
    mine = [p for p in st.session_state.get("dispatch.plans", []) if p.scenario_code == code]
    if mine:
        return mine[-1], "session", {}
    for rec in svc.jobs.list_jobs(current_user(), (DISPATCH_PLAN,), 20):
        if rec.status == DONE and rec.params.get("scenario") == code:
            at = fmt.when(rec.finished_at or rec.created_at)
            return svc.jobs.plan(rec.id, current_user()), "when", {"at": at}
    return None, "", {}


def _routes(plan: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The plan's vehicle lines (cached per plan, shared with the dispatch page), named and described."""
    cache = st.session_state.setdefault("dispatch.route_lines", {})
    if plan.id not in cache:
        cache[plan.id] = svc.dispatch.route_lines(plan)
    names = {v.code: v.name for v in svc.dispatch.fleet()}
    per = {v.vehicle: v for v in plan.vehicle_lines()}
    paths = []
    for p in route_paths(list(cache[plan.id])):
        v = per.get(p["vehicle"])
        detail = t("situation.route_detail", stops=v.stops, km=fmt.km(v.distance_m)) if v else ""
        paths.append({**p, "name": names.get(p["vehicle"], p["vehicle"]), "detail": detail})
    return paths, names


def _dots(rows: pd.DataFrame, layer_id: str, min_px: int) -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer",
        rows,
        id=layer_id,
        get_position=["lon", "lat"],
        get_radius="radius",
        radius_min_pixels=min_px,
        get_fill_color="colour",
        get_line_color=[255, 255, 255],
        stroked=True,
        line_width_min_pixels=1,
        pickable=True,
    )


def _labels(depots: pd.DataFrame, points: pd.DataFrame, zoom: float) -> pdk.Layer:
    """Depot names first, then demand points' where room is left (all of them on hover)."""
    depot_dots = markers(depots, zoom, "radius", 6) if "stock" in show else []  # as _dots draws them
    point_dots = markers(points, zoom, "radius", 3) if "demand" in show else []
    specs = site_labels(depots, marker_px=[r for _, _, r in depot_dots]) if "stock" in show else []
    specs += [  # below every depot (rank 0)
        LabelSpec(f"point:{c}", str(x), lo, la, 0, 11, r)
        for c, x, (lo, la, r) in zip(points["code"], points["name"], point_dots, strict=False)
    ]
    placed = place_labels(specs, zoom, [*depot_dots, *point_dots])
    chars = "".join(sorted({ch for s in specs for ch in s.text} | set("0123456789（）")))
    return pdk.Layer(
        "TextLayer",
        id="labels",
        data=label_frame(placed),
        get_position=["lon", "lat"],
        get_text="text",
        get_size="size",
        get_color=[30, 40, 60, 230],
        get_pixel_offset="offset",
        character_set=f"'{chars}'",
        font_family=CJK_FONT,
    )


def _legend(paths: list[dict[str, Any]], names: dict[str, str]) -> None:
    shown = {"stock": 4, "demand": 1, "reach": 1}
    entries, at = [], 0
    for layer, n in shown.items():
        if layer in show:
            entries += legend_entries()[at : at + n]
        at += n
    text = " · ".join(f":{c}[{sym}] {t(key)}" for c, sym, key in entries)
    if "routes" in show and paths:
        text += (" · " if text else "") + route_legend(paths, names)
    st.markdown(f"{t('situation.legend_title')} {text}" if text else t("situation.legend_empty"))


try:
    all_depots = svc.reads.map_layers(current_user()).depots
    depots = depot_rows(all_depots, svc.planning.gap_report()["scopes"])
    reach, minutes = _reach(dict(zip(all_depots["code"], all_depots["name"], strict=True)))
    plan, which, plan_params = _plan()
except DomainError as e:
    show_error(e)
    st.stop()
points = demand_rows(scenario.points, demand, ITEM_NAMES, ITEM_UNITS)
paths, vehicle_names = _routes(plan) if plan is not None else ([], {})

drawn_frames = [f for f, layer in ((depots, "stock"), (points, "demand"), (reach, "reach")) if layer in show]
bounds = extent(drawn_frames or [depots, points], [p["path"] for p in paths] if "routes" in show else [])
zoom = fit_zoom(bounds, 1000, 600)
deck_layers: list[pdk.Layer] = []
roads = svc.map_view.road_paths()
if "roads" in show and not roads.empty:
    deck_layers.append(
        pdk.Layer(
            "PathLayer",
            roads,
            id="roads",
            get_path="path",
            get_color="color",
            get_width="width",
            width_min_pixels=1,
        )
    )
if "reach" in show:
    deck_layers.append(
        pdk.Layer(
            "PolygonLayer",
            reach,
            id="reach",
            get_polygon="polygon",
            get_fill_color=[*NAMED_RGB[REACH_COLOUR], 10],  # faint: the areas overlap
            get_line_color=[*NAMED_RGB[REACH_COLOUR], 160],
            line_width_min_pixels=1,
            pickable=True,
        )
    )
if "routes" in show and paths:
    deck_layers.append(
        pdk.Layer(
            "PathLayer",
            paths,
            id="routes",
            get_path="path",
            get_color="color",
            width_min_pixels=3,
            pickable=True,
        )
    )
if "demand" in show:
    deck_layers.append(_dots(points, "demand", 3))
if "stock" in show:
    deck_layers.append(_dots(depots, "depots", 6))
deck_layers.append(_labels(depots, points, zoom))
west, south, east, north = bounds
st.pydeck_chart(
    pdk.Deck(
        map_provider=None,
        initial_view_state=pdk.ViewState(
            longitude=(west + east) / 2, latitude=(south + north) / 2, zoom=zoom
        ),
        layers=deck_layers,
        tooltip={"text": "{name}\n{detail}"},
    ),
    width="stretch",
    height=600,
    key="situation.map",
)
_legend(paths, vehicle_names)
st.caption(t("situation.reach_note", minutes=minutes))
if plan is None:
    st.caption(t("situation.no_plan"))
else:
    st.caption(t(f"situation.plan_{which}", **plan_params))
