"""应急一张图: the county on one offline map (townships, depots by stock status, holders, shelters), KPIs, and the
stock of the depot you pick."""
# nav: roles=keeper,dispatcher,planner,admin order=1 title=nav.home icon=:material/map: default=1 section=map

from __future__ import annotations

import pydeck as pdk
import streamlit as st

from stockpile.app.pages.common import (
    CJK_FONT,
    current_user,
    fmt_num,
    guard,
    lang,
    services,
    show_table,
    status_legend,
)
from stockpile.i18n import aside, t
from stockpile.reports.labels import area_labels, fit_zoom, label_frame, markers, place_labels, site_labels

guard(__file__)


svc = services()
st.title(t("home.title"))
st.caption(t("home.caption"))

with st.spinner(t("home.loading")):
    k = svc.reads.kpis(current_user())
    layers = svc.reads.map_layers(current_user())  # a keeper's map: the assigned depots only
cols = st.columns(5)
for col, key in zip(
    cols, ["expiring_30", "expired_lots", "agreement_checks_overdue", "in_transit", "lots"], strict=True
):
    col.metric(t(f"kpi.{key}"), fmt_num(k[key]))

show = st.multiselect(
    t("home.layers"),
    ["townships", "roads", "depots", "holders", "shelters", "villages"],
    default=["townships", "roads", "depots", "holders", "shelters", "villages"],
    format_func=lambda x: t(f"home.layer.{x}"),
    placeholder=t("app.choose_options"),
    key="home.layers",
)
depots = layers.depots.assign(status_text=[t(f"home.status.{s}") for s in layers.depots["status"]])
base = []
if svc.settings.tile_url:
    for tile in svc.map_view.tiles(layers.bounds):
        base.append(
            pdk.Layer("BitmapLayer", data=None, image=tile["image"], bounds=tile["bounds"], opacity=0.9)
        )
labels = "".join([*layers.townships["name"], *depots["label"]])
chars = "".join(sorted(set(labels) | set("0123456789（）")))  # the CJK glyphs the labels need
text_common = {"character_set": f"'{chars}'", "font_family": CJK_FONT}  # bitmap glyphs: crisp small CJK
deck_layers = [*base]
if "townships" in show:
    deck_layers += [
        pdk.Layer(
            "PolygonLayer",
            layers.townships.assign(status_text=""),
            get_polygon="polygon",
            get_fill_color=[230, 236, 242, 140 if not base else 40],
            get_line_color=[70, 90, 120, 220],
            line_width_min_pixels=1.5,
            stroked=True,
            filled=True,
            pickable=True,  # the township's name on hover, also where its label gave way to a depot's
        ),
    ]
roads = svc.map_view.road_paths()  # the imported road network (issue 19), offline
if "roads" in show and not roads.empty:
    deck_layers.append(
        pdk.Layer(
            "PathLayer", roads, get_path="path", get_color="color", get_width="width", width_min_pixels=1
        )
    )
if "villages" in show:
    deck_layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            layers.villages,
            get_position=["lon", "lat"],
            get_radius=250,
            radius_min_pixels=2,
            get_fill_color=[110, 110, 110, 160],
            pickable=True,
        )
    )
if "shelters" in show:
    deck_layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            layers.shelters,
            get_position=["lon", "lat"],
            get_radius=450,
            radius_min_pixels=4,
            get_fill_color=[40, 110, 200, 220],
            pickable=True,
        )
    )
if "holders" in show:
    deck_layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            layers.holders,
            get_position=["lon", "lat"],
            get_radius=600,
            radius_min_pixels=6,
            get_fill_color=[150, 70, 190, 230],
            get_line_color=[255, 255, 255],
            stroked=True,
            line_width_min_pixels=1,
            pickable=True,
        )
    )
if "depots" in show:
    deck_layers += [
        pdk.Layer(
            "ScatterplotLayer",
            depots,
            id="depots",
            get_position=["lon", "lat"],
            get_radius=900,
            radius_min_pixels=8,
            get_fill_color="colour",
            get_line_color=[255, 255, 255],
            stroked=True,
            line_width_min_pixels=2,
            pickable=True,
        ),
    ]
w, s, e, n = layers.bounds
zoom = fit_zoom(layers.bounds, 1000, 560)
# labels placed without collisions at the opening zoom: depots first, township names where they still fit
depot_dots = markers(depots, zoom, 900, 8) if "depots" in show else []  # the layers' own sizes
other_dots = [
    *(markers(layers.holders, zoom, 600, 6) if "holders" in show else []),
    *(markers(layers.shelters, zoom, 450, 4) if "shelters" in show else []),
]
specs = [
    *(area_labels(layers.townships) if "townships" in show else []),
    *(site_labels(depots, marker_px=[r for _, _, r in depot_dots]) if "depots" in show else []),
]
deck_layers.append(
    pdk.Layer(
        "TextLayer",
        label_frame(place_labels(specs, zoom, [*depot_dots, *other_dots])),
        get_position=["lon", "lat"],
        get_text="text",
        get_size="size",
        get_color=[30, 40, 60, 230],
        get_pixel_offset="offset",
        **text_common,
    )
)
view = pdk.ViewState(longitude=(w + e) / 2, latitude=(s + n) / 2, zoom=zoom, pitch=0)
deck = pdk.Deck(
    map_provider=None,  # offline; map_style left at its sentinel so no online style is fetched
    initial_view_state=view,
    layers=deck_layers,
    tooltip={"text": "{name}\n{status_text}"},
)
st.pydeck_chart(
    deck, width="stretch", height=560, key="home.map", on_select="rerun", selection_mode="single-object"
)
st.caption(t("home.legend"))
status_legend()

# ---- the stock of one depot: pick it on the map or in the list ---------------------------------------------
picked = None
sel = st.session_state.get("home.map")
objs = ((sel or {}).get("selection") or {}).get("objects") or {}
for obj in objs.get("depots", []):
    picked = obj.get("code")
codes = list(depots["code"])
names = dict(zip(depots["code"], depots["name"], strict=True))
if picked in codes and picked != st.session_state.get("home.map_picked"):
    st.session_state["home.depot"] = picked  # a new click on the map moves the list; the list still works
st.session_state["home.map_picked"] = picked
if not codes:
    st.info(t("stock.empty"))
    st.stop()
site = st.selectbox(t("home.pick_depot"), codes, format_func=lambda c: aside(names[c], c), key="home.depot")
row = depots[depots["code"] == site].iloc[0]
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("home.status_label"), t(f"home.status.{row['status']}"))
c2.metric(t("kpi.lots"), fmt_num(row["lots"]))
c3.metric(t("home.expired"), fmt_num(row["expired"]))
c4.metric(t("home.near"), fmt_num(row["near"]))
stock = svc.reads.stock(current_user(), site)
if lang() == "en" and not stock.empty:
    stock["item_name"] = stock["item_name_en"]
show_table(
    stock,
    ["item_code", "item_name", "lot_no", "expiry", "days_left", "on_hand", "available", "unit", "status"],
    {"status": "status"},
    status_col="status",
)
