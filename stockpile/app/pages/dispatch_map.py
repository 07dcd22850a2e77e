"""The dispatch plan on a map and per vehicle: the road network underneath (when imported), each vehicle's route along the roads
in its own colour with a legend, and the depots and demand points as dots. UI only (pydeck)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st

from stockpile.dispatch.commands import PlanView
from stockpile.i18n import format as fmt
from stockpile.i18n import t
from stockpile.reports.labels import fit_zoom
from stockpile.reports.situation import extent

# one colour per vehicle, from Streamlit's named text colours so that the legend (markdown, no raw HTML) matches
PALETTE = [
    ("red", (255, 75, 75)),
    ("blue", (28, 131, 225)),
    ("green", (33, 195, 84)),
    ("violet", (128, 61, 245)),
    ("orange", (255, 164, 33)),
    ("gray", (128, 132, 149)),
]
COLORS = [rgb for _, rgb in PALETTE]


def _layers(paths: list[dict[str, Any]], roads: pd.DataFrame, pts: list[dict[str, Any]]) -> list[pdk.Layer]:
    base = (
        [
            pdk.Layer(
                "PathLayer", roads, get_path="path", get_color="color", get_width="width", width_min_pixels=1
            )
        ]
        if not roads.empty
        else []
    )
    return [
        *base,
        pdk.Layer("PathLayer", paths, get_path="path", get_color="color", width_min_pixels=3, pickable=True),
        pdk.Layer(
            "ScatterplotLayer",
            pts,
            get_position=["lon", "lat"],
            get_fill_color="color",
            get_radius=250,
            pickable=True,
        ),
    ]


def route_paths(route_lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each vehicle's line with its own colour (the n-th vehicle takes the palette's n-th colour)."""
    return [{**line, "color": COLORS[n % len(COLORS)]} for n, line in enumerate(route_lines)]


def route_legend(paths: list[dict[str, Any]], names: dict[str, str] | None = None) -> str:
    """The legend of `route_paths`' lines in markdown, in the lines' own colours: :red[━━] 车辆 1 · ..."""
    return " · ".join(
        f":{PALETTE[n % len(PALETTE)][0]}[━━] {(names or {}).get(p['vehicle'], p['vehicle'])}"
        for n, p in enumerate(paths)
    )


def plan_map(
    plan: PlanView, route_lines: list[dict[str, Any]], roads: pd.DataFrame, names: dict[str, str]
) -> None:
    """`route_lines`: each vehicle's line with its source (roads, ors, offline); `roads`: the base network;
    `names`: vehicle code → name (the tooltip and the legend name vehicles, as the situation page does)."""
    paths = [{**p, "name": names.get(p["vehicle"], p["vehicle"])} for p in route_paths(route_lines)]
    pts = [
        {
            "name": p.name,
            "lon": p.lon,
            "lat": p.lat,
            "color": (29, 53, 87) if p.kind == "site" else (230, 57, 70),
        }
        for p in plan.places
    ]
    # the opening view holds every place and every route vertex (no route clipped off the edge)
    west, south, east, north = extent([pd.DataFrame(pts, columns=["lon", "lat"])], [p["path"] for p in paths])
    deck = pdk.Deck(
        map_provider=None,
        initial_view_state=pdk.ViewState(
            longitude=(west + east) / 2,
            latitude=(south + north) / 2,
            zoom=fit_zoom((west, south, east, north), 700, 500),
        ),
        layers=_layers(paths, roads, pts),
        tooltip={"text": "{name}"},
    )
    st.pydeck_chart(deck)
    st.markdown(f"{t('dispatch.legend')} {route_legend(paths, names)}")
    if paths and all(p["source"] == "offline" for p in paths):
        st.caption(t("dispatch.routes_straight"))


def vehicle_table(plan: PlanView, eta: Callable[[PlanView, int], str], names: dict[str, str]) -> None:
    """One line per vehicle that moves, by name: stops, trips, how full it gets, distance and when it is back."""
    st.subheader(t("dispatch.vehicles"))
    rows = [
        {
            t("dispatch.col.vehicle"): names.get(v.vehicle, v.vehicle),
            t("dispatch.col.stops"): fmt.num(v.stops),
            t("dispatch.col.trips"): fmt.num(v.trips),
            t("dispatch.col.load"): fmt.pct(v.load_share, decimals=0),
            t("dispatch.col.km"): fmt.km(v.distance_m),
            t("dispatch.col.back"): eta(plan, v.return_s),
        }
        for v in plan.vehicle_lines()
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="dispatch.vehicles_table")
