"""Tables and map layers of a coverage report (pure: report dataclasses in, DataFrames and dicts out).

Column names are stable English; the page and CLI translate them with `coverage.col_*` keys. Map layers:
demand points coloured covered/uncovered, sources coloured by kind, and reach areas: road isochrones when the
router gave them, otherwise the convex hull of the points each site reaches within T (an approximation of
the isochrone, labelled as such).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from shapely import MultiPoint, Polygon

from stockpile.reports.labels import LabelSpec, PlacedLabel, area_labels, markers, place_labels, site_labels

GREEN, RED, GREY = [46, 160, 67, 200], [214, 39, 40, 220], [140, 140, 140, 200]
BLUE, ORANGE = [31, 119, 180, 230], [255, 127, 14, 230]
GOVERNMENT_TYPES = {"depot", "point", "equipment_store", "team_base"}


def targets_table(report: Any) -> pd.DataFrame:
    """County coverage (all selected items) at T and at each relief-time target."""
    return pd.DataFrame(
        [
            {
                "threshold_min": x.threshold_s // 60,
                "points": x.points,
                "points_uncovered": x.points_uncovered,
                "population": x.population,
                "population_uncovered": x.population_uncovered,
                "ratio": round(100 * x.ratio, 1),
            }
            for x in report.targets
        ],
        columns=[
            "threshold_min",
            "points",
            "points_uncovered",
            "population",
            "population_uncovered",
            "ratio",
        ],
    )


def registered_population(areas: pd.DataFrame) -> dict[str, int]:
    """Area code → the population the county workbook registers for it (areas without a figure left out)."""
    return {
        str(c): int(p)
        for c, p in zip(areas["code"], areas["population"], strict=True)
        if p == p and p is not None
    }


def township_table(
    report: Any, item_code: str = "*", registered: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """Per township: points needing the item(s), uncovered, the people the circle counts in two parts (村社区合计:
    its villages and communities; 安置点: people its shelters take in), the county workbook's registered figure
    (乡镇登记人口, when given: it counts residents, not points, so it differs), uncovered people, covered share (%
    of villages + shelters)."""
    people = report.township_people(item_code)
    rows = [
        {
            "township_code": r.township_code,
            "township": r.township_name,
            "item_code": r.item_code,
            "points": r.points,
            "points_uncovered": r.points_uncovered,
            "population_villages": people.get(r.township_code, (r.population, 0))[0],
            "population_shelters": people.get(r.township_code, (r.population, 0))[1],
            "population_registered": (registered or {}).get(r.township_code),
            "population_uncovered": r.population_uncovered,
            "ratio": round(100 * r.ratio, 1),
        }
        for r in report.townships
        if r.item_code == item_code and r.points > 0
    ]
    cols = ["township_code", "township", "item_code", "points", "points_uncovered", "population_villages"]
    df = pd.DataFrame(
        rows, columns=[*cols, "population_shelters", "population_registered", "population_uncovered", "ratio"]
    )
    same = (df["population_registered"] == df["population_villages"]).all()
    if registered is None or same:  # one figure where they agree, both (labelled) where they differ
        df = df.drop(columns=["population_registered"])
    else:
        df["population_registered"] = df["population_registered"].astype("Int64")
    return df


def uncovered_table(report: Any) -> pd.DataFrame:
    """Every uncovered point × item at T with its requirement, earliest arrival (min) and reason code."""
    names = {c: n for c, n, _ in report.items}
    rows = [
        {
            "township": p.township_name,
            "point_code": p.code,
            "point": p.name,
            "kind": p.kind,
            "population": p.population,
            "item_code": item,
            "item": names[item],
            "required": p.required[item],
            "earliest_min": None if p.earliest_s[item] is None else -(-p.earliest_s[item] // 60),
            "reason": reason,
        }
        for p, item, reason in report.uncovered()
    ]
    cols = ["township", "point_code", "point", "kind", "population", "item_code", "item", "required"]
    df = pd.DataFrame(rows, columns=[*cols, "earliest_min", "reason"])
    df["earliest_min"] = df["earliest_min"].astype("Int64")
    return df


def point_layer(report: Any) -> pd.DataFrame:
    """Demand points for a pydeck ScatterplotLayer: lon, lat, colour (green covered / red uncovered), label."""
    return pd.DataFrame(
        [
            {
                "code": p.code,
                "lon": p.lon,
                "lat": p.lat,
                "name": p.name,
                "population": p.population,
                "covered": p.covered,
                "color": GREEN if p.covered else RED,
                "radius": 250 if p.kind == "village" else 350,
            }
            for p in report.points
        ],
        columns=["code", "lon", "lat", "name", "population", "covered", "color", "radius"],
    )


def source_layer(report: Any) -> pd.DataFrame:
    """Sources: blue government depots and points, orange agreement/custodial/capacity holders, grey if damaged;
    named (the hover and the label), the code kept for the label's key."""
    return pd.DataFrame(
        [
            {
                "code": s.code,
                "site_type": s.site_type,
                "lon": s.lon,
                "lat": s.lat,
                "name": s.name,
                "label": s.name,
                "color": GREY if s.damaged else (BLUE if s.site_type in GOVERNMENT_TYPES else ORANGE),
                "damaged": s.damaged,
            }
            for s in report.sources
        ],
        columns=["code", "site_type", "lon", "lat", "name", "label", "color", "damaged"],
    )


def reach_polygons(report: Any, isochrones: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Reach areas within T: the router's isochrones if given, else the hull of the points each site reaches."""
    if isochrones:
        return [
            {"site_code": x["site_code"], "polygon": x["polygon"], "source": x["source"]} for x in isochrones
        ]
    where = {p.code: (p.lon, p.lat) for p in report.points}
    out = []
    for s in report.sources:
        if s.damaged or not s.reach:
            continue
        hull = MultiPoint([(s.lon, s.lat), *[where[c] for c in s.reach]]).convex_hull
        if isinstance(hull, Polygon):  # fewer than three distinct points, or all on a line, draw no area
            ring = list(hull.exterior.coords)[:-1]  # shapely closes the ring; the map layer does not
            out.append({"site_code": s.code, "polygon": [list(p) for p in ring], "source": "hull"})
    return out


SOURCE_RADIUS_M = 600  # the coverage map draws every source this size (metres)


def map_labels(
    towns: pd.DataFrame, points: pd.DataFrame, sources: pd.DataFrame, zoom: float
) -> tuple[list[LabelSpec], list[PlacedLabel]]:
    """The coverage map's labels, placed as on the home map: the county's depots (rank 3) and other sources (1)
    beside their markers, township names (2) at their centres, uncovered points (0) where room is left; no label
    over another or over a depot's marker (village dots block only the villages' names). Returns (every label wanted, the ones placed); the rest are named on hover."""
    src_dots = markers(sources, zoom, SOURCE_RADIUS_M, 3)
    point_dots = markers(points, zoom, "radius", 2)
    uncovered = [
        LabelSpec(f"point:{c}", str(n), lo, la, 0, 11, r)
        for c, n, covered, (lo, la, r) in zip(
            points["code"], points["name"], points["covered"], point_dots, strict=True
        )
        if not covered
    ]
    specs = [
        *area_labels(towns),
        *site_labels(sources, marker_px=[r for _, _, r in src_dots]),
        *uncovered,
    ]
    return specs, place_labels(specs, zoom, src_dots, small=point_dots)
