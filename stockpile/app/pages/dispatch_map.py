"""The dispatch plan on a map: each vehicle's route as a coloured path (depot → stops → depot) and the depots and
demand points as dots. UI only (pydeck)."""

from __future__ import annotations

import pydeck as pdk
import streamlit as st

from stockpile.dispatch.commands import PlanView

COLORS = [(230, 57, 70), (29, 53, 87), (42, 157, 143), (244, 162, 97), (131, 56, 236), (255, 190, 11)]


def plan_map(plan: PlanView) -> None:
    paths = []
    for n, r in enumerate(plan.result.routes):
        home = next(v.start for v in plan.problem.vehicles if v.id == r.vehicle)
        locs = [home, *[s.location for s in r.stops], home]
        path = [[plan.places[i].lon, plan.places[i].lat] for i in locs]
        paths.append({"vehicle": r.vehicle, "path": path, "color": COLORS[n % len(COLORS)]})
    pts = [
        {
            "name": p.name,
            "lon": p.lon,
            "lat": p.lat,
            "color": (29, 53, 87) if p.kind == "site" else (230, 57, 70),
        }
        for p in plan.places
    ]
    lon = sum(p.lon for p in plan.places) / len(plan.places)
    lat = sum(p.lat for p in plan.places) / len(plan.places)
    deck = pdk.Deck(
        map_provider=None,
        initial_view_state=pdk.ViewState(longitude=lon, latitude=lat, zoom=10),
        layers=[
            pdk.Layer("PathLayer", paths, get_path="path", get_color="color", width_min_pixels=3),
            pdk.Layer(
                "ScatterplotLayer",
                pts,
                get_position=["lon", "lat"],
                get_fill_color="color",
                get_radius=250,
                pickable=True,
            ),
        ],
        tooltip={"text": "{name}{vehicle}"},
    )
    st.pydeck_chart(deck)
