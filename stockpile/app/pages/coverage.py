"""保障圈与选址: the 1-hour guarantee circle on stock, blocked roads and damaged depots, siting and pre-positioning."""
# nav: roles=dispatcher,planner,admin order=40 title=nav.coverage icon=:material/radar: section=dispatch

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st

from stockpile.app.pages import job_panel
from stockpile.app.pages.common import CJK_FONT, guard, item_names, services, show_error
from stockpile.coverage.commands import Candidate, CircleQuery, PrepositionQuery, Scenario, SitingQuery
from stockpile.domain.errors import DomainError
from stockpile.i18n import aside, fmt_int, row_error_text, t
from stockpile.i18n import format as fmt
from stockpile.jobs.commands import PREPOSITION, SITING, coverage_params
from stockpile.reports.coverage_tables import (
    SOURCE_RADIUS_M,
    map_labels,
    point_layer,
    reach_polygons,
    registered_population,
    source_layer,
    targets_table,
    township_table,
    uncovered_table,
)
from stockpile.reports.labels import fit_zoom, label_frame
from stockpile.reports.situation import extent

guard(__file__)

svc = services()
st.title(t("coverage.title"))
st.caption(t("coverage.caption"))
if svc.coverage.norms_are_reference():  # a real county must not read the demo county's figures as its own
    st.warning(t("coverage.reference_norms_page"))

norms = svc.coverage.norms()
items = svc.views.items()
names = item_names()
units = dict(zip(items["code"], items["base_unit"], strict=True))
cfg = svc.coverage.settings()
sites = svc.views.sites()

c1, c2 = st.columns([2, 1])
chosen_items = c1.multiselect(
    t("coverage.items"),
    sorted(c for c in norms if c in names),
    default=sorted(c for c in norms if c in names)[:1],
    format_func=lambda c: aside(names.get(c, ""), c),
    placeholder=t("app.choose_options"),
    key="coverage.items",
)
minutes = c2.slider(t("coverage.minutes"), 10, 240, cfg["guarantee_s"] // 60, step=5, key="coverage.minutes")
c3, c4, c5 = st.columns([2, 2, 1])
damaged = c3.multiselect(
    t("coverage.damaged"),
    list(sites["code"]),
    format_func=lambda c: aside(dict(zip(sites["code"], sites["name"], strict=True)).get(c, ""), c),
    placeholder=t("app.choose_options"),
    key="coverage.damaged",
)
upload = c4.file_uploader(t("coverage.blocked"), type=["geojson", "json"], key="coverage.blocked")
competitive = c5.checkbox(t("coverage.competitive"), key="coverage.competitive")
for c in chosen_items:
    n = norms[c]
    unit = units.get(c, "")
    st.caption(
        f"{c} {names.get(c, '')} · "
        + t("coverage.norm", per_point=fmt.qty(n.per_point, unit), per_1000=fmt.qty(n.per_1000, unit))
    )

if not chosen_items:
    st.info(t("coverage.items"))
    st.stop()

try:
    avoid = svc.coverage.read_avoid_areas(upload.getvalue(), upload.name) if upload is not None else None
    scenario = Scenario(frozenset(damaged), avoid)
    report = svc.coverage.circle(
        CircleQuery(tuple(chosen_items), minutes * 60, scenario, competitive=competitive)
    )
except DomainError as e:
    show_error(e)
    st.stop()

if avoid is not None:
    st.caption(t("coverage.blocked_loaded", version=avoid.version))
if report.travel.notice:
    st.warning(t(report.travel.notice, detail=report.travel.detail))
elif report.travel.is_estimate:
    st.caption(t("coverage.estimate_used"))
else:
    st.caption(t("coverage.cli_travel", source=t(f"travel.source_{report.travel.source}")))

county = report.targets[0]
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("coverage.points_total"), fmt_int(county.points))
m2.metric(t("coverage.points_uncovered"), fmt_int(county.points_uncovered))
m3.metric(t("coverage.population_uncovered"), fmt_int(county.population_uncovered))
m4.metric(t("coverage.ratio"), f"{100 * county.ratio:.1f}%")

st.subheader(t("coverage.map"))
pts, srcs = point_layer(report), source_layer(report)
# router isochrones are fetched once per (limit, live sites, blocked areas), not on every rerun (quota)
iso_key = (
    report.threshold_s,
    tuple(s.code for s in report.sources if not s.damaged),
    getattr(avoid, "version", None),
)
if st.session_state.get("coverage.iso_key") != iso_key:
    st.session_state["coverage.iso"] = svc.coverage.reach_areas(report, avoid)
    st.session_state["coverage.iso_key"] = iso_key
polys = reach_polygons(report, st.session_state["coverage.iso"])
roads = svc.map_view.road_paths()  # the imported road network, drawn offline under the rest (issue 19)
towns = svc.map_view.townships()  # the county's own township boundaries where imported, else the sketch
layers = [
    pdk.Layer(
        "PolygonLayer",
        towns,
        get_polygon="polygon",
        filled=False,
        stroked=True,
        get_line_color=[70, 90, 120, 160],
        line_width_min_pixels=1,
        pickable=False,
    ),
    *(
        [
            pdk.Layer(
                "PathLayer",
                roads,
                get_path="path",
                get_color="color",
                get_width="width",
                width_min_pixels=1,
                pickable=False,
            )
        ]
        if not roads.empty
        else []
    ),
    pdk.Layer(
        "PolygonLayer",
        polys,
        get_polygon="polygon",
        get_fill_color=[31, 119, 180, 10],
        get_line_color=[31, 119, 180, 120],
        line_width_min_pixels=1,
        pickable=False,
    ),
    pdk.Layer(
        "ScatterplotLayer",
        pts,
        get_position=["lon", "lat"],
        get_fill_color="color",
        get_radius="radius",
        radius_min_pixels=2,
        pickable=True,
    ),
    pdk.Layer(
        "ScatterplotLayer",
        srcs,
        get_position=["lon", "lat"],
        get_fill_color="color",
        get_radius=SOURCE_RADIUS_M,
        radius_min_pixels=3,
        pickable=True,
        stroked=True,
        get_line_color=[0, 0, 0, 255],
        line_width_min_pixels=1,
    ),
]
west, south, east, north = extent([pts, srcs])
zoom = fit_zoom((west, south, east, north), 1000, 560)
# names placed without collisions at the opening zoom, as on the home map (the rest on hover)
label_specs, placed = map_labels(towns, pts, srcs, zoom)
chars = "".join(sorted({ch for x in label_specs for ch in x.text} | set("0123456789（）")))
layers.append(
    pdk.Layer(
        "TextLayer",
        label_frame(placed),
        id="labels",
        get_position=["lon", "lat"],
        get_text="text",
        get_size="size",
        get_color=[30, 40, 60, 230],
        get_pixel_offset="offset",
        character_set=f"'{chars}'",
        font_family=CJK_FONT,
    )
)
st.pydeck_chart(
    pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(
            longitude=(west + east) / 2, latitude=(south + north) / 2, zoom=zoom
        ),
        map_provider=None,
        map_style=None,
        tooltip={"text": "{name}"},
    ),
    width="stretch",
    height=560,
    key="coverage.map",
)
st.caption(t("coverage.legend"))


def _show(df: pd.DataFrame, translate: dict[str, str] | None = None) -> None:
    """A coverage table with its words translated and its figures in the locale's format: 205,411 people,
    96.5% covered, a blank as —; coordinates as they are."""
    view = df.copy()
    for col, prefix in (translate or {}).items():
        view[col] = [t(f"{prefix}{v}") for v in view[col]]
    for col in view.columns:
        if col == "ratio":  # already in percent
            view[col] = [fmt.pct_points(v) for v in view[col]]
        elif col not in ("lon", "lat") and pd.api.types.is_numeric_dtype(view[col]):
            view[col] = [fmt.num(v, decimals=1) for v in view[col]]
    view.columns = [t(f"coverage.col_{c}") for c in view.columns]
    st.dataframe(view, hide_index=True, use_container_width=True)


st.subheader(t("coverage.targets"))
_show(targets_table(report).rename(columns={"threshold_min": "threshold"}))
st.subheader(t("coverage.per_township"))
st.caption(t("coverage.population_note"))
registered = registered_population(svc.views.areas("township"))
_show(township_table(report, registered=registered).drop(columns=["township_code", "item_code"]))
st.subheader(t("coverage.uncovered_list"))
unc = uncovered_table(report)
if unc.empty:
    st.success(t("coverage.all_covered"))
else:
    _show(
        unc.assign(item=[names.get(c, n) for c, n in zip(unc["item_code"], unc["item"], strict=True)])
        .drop(columns=["point_code", "item_code"])
        .rename(columns={"earliest_min": "earliest"}),
        {"reason": "reason.", "kind": "coverage.kind_"},
    )


def _candidates(upload: Any) -> tuple[Candidate, ...] | None:
    """The uploaded candidate sites (编码, 名称, 经度, 纬度); none uploaded: villages and township seats. A file with
    errors shows each (row, column, value) and gives None: no siting on half a list."""
    if upload is None:
        return ()
    data = upload.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    cached = st.session_state.get("coverage.cand_read")
    if cached is not None and cached[0] == digest:  # read once per file, not on every rerun of the page
        found = cached[1]
    else:
        try:
            found = svc.coverage.read_candidates(data, upload.name)
        except DomainError as e:  # the file itself cannot be read: empty, binary, too large
            show_error(e)
            return None
        st.session_state["coverage.cand_read"] = (digest, found)
    if found.ok:
        return tuple(found.candidates)
    st.error(t("coverage.bad_candidates", n=len(found.errors)))
    for err in found.errors[:50]:
        st.write(row_error_text(err))
    return None


# siting and pre-positioning are jobs run by a worker: the page follows them and shows the newest answer to the
# question on screen, also after the user left the page
with st.expander(t("coverage.siting")):
    k = st.number_input(t("coverage.k"), min_value=1, max_value=20, value=2, step=1, key="coverage.k")
    cand_file = st.file_uploader(t("coverage.candidates"), type=["csv", "xlsx"], key="coverage.cand")
    chosen = _candidates(cand_file)
    siting: dict[str, Any] | None = None
    if chosen is not None:
        siting = coverage_params(SitingQuery(int(k), minutes * 60, chosen, scenario))
    if st.button(t("coverage.site_run"), key="coverage.site_run", disabled=siting is None) and siting:
        job_panel.submit(SITING, siting, "coverage.siting")
    st.session_state["coverage.siting"] = siting and job_panel.newest(
        SITING, "coverage.siting", lambda p: p == siting
    )
    rep = st.session_state.get("coverage.siting")
    if rep is not None:
        # siting measures reach (a reserve point within T), the headline above measures stock: say which is which
        st.caption(t("coverage.siting_measure", minutes=minutes))
        if not rep.uncovered_before:
            st.info(t("coverage.siting_all_reached", n=county.points_uncovered))
        b1, b2, b3 = st.columns(3)
        b1.metric(t("coverage.before"), fmt_int(rep.population_before))
        b2.metric(
            t("coverage.after"),
            fmt_int(rep.population_after),
            delta=fmt_int(rep.population_after - rep.population_before),
        )
        b3.metric(
            t("coverage.points_unreached"),
            len(rep.uncovered_after),
            delta=len(rep.uncovered_after) - len(rep.uncovered_before),
            delta_color="inverse",
        )
        st.caption(
            t(
                "coverage.status",
                status=fmt.enum_text("solver_status", rep.status),
                gap=fmt.pct(rep.gap, decimals=2),
            )
        )
        _show(  # a township seat is named by its township, with its division code; an uploaded candidate by its code
            pd.DataFrame(
                [
                    {
                        "site": c.name,
                        "site_kind": t(
                            "coverage.seat" if c.code.startswith("seat:") else "coverage.candidate"
                        ),
                        "site_code": c.code.removeprefix("seat:"),
                    }
                    for c in rep.chosen
                ],
                columns=["site", "site_kind", "site_code"],
            )
        )

with st.expander(t("coverage.preposition")):
    prepositioning = coverage_params(PrepositionQuery(tuple(chosen_items), minutes * 60, scenario))
    if st.button(t("coverage.preposition_run"), key="coverage.prep_run"):
        job_panel.submit(PREPOSITION, prepositioning, "coverage.prep")
    st.session_state["coverage.prep"] = job_panel.newest(
        PREPOSITION, "coverage.prep", lambda p: p == prepositioning
    )
    prep = st.session_state.get("coverage.prep")
    if prep is not None:
        p1, p2 = st.columns(2)
        p1.metric(t("coverage.covered_before"), fmt_int(sum(prep.covered_before.values())))
        p2.metric(t("coverage.covered_after"), fmt_int(sum(prep.covered_after.values())))
        if prep.moves:
            _show(pd.DataFrame(prep.moves, columns=["item", "from", "to", "qty"]))
        else:
            st.info(t("coverage.no_moves"))
