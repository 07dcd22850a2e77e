"""The layers of 应急一张图 for a scenario (pure: read tables, the scenario and a plan's lines in; rows out).

Depots are coloured and sized by their stock against their own reserve standard (the gap report's lines whose
scope has that depot as its only site); demand points carry what the scenario asks of them; every row has a
`name` and a `detail` for the map's hover. Colours are Streamlit's named text colours, so the legend, written in
markdown, shows exactly the colours on the map.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from stockpile.i18n import format as fmt
from stockpile.i18n import t

NAMED_RGB: dict[str, tuple[int, int, int]] = {  # Streamlit's markdown colours (:green[...] and so on)
    "green": (33, 195, 84),
    "orange": (255, 164, 33),
    "red": (255, 75, 75),
    "gray": (128, 132, 149),
    "violet": (128, 61, 245),
    "blue": (28, 131, 225),
}
STANDARD_CLASSES = (  # (status, lowest share of the standard held, colour)
    ("met", 1.0, "green"),
    ("partly", 0.5, "orange"),
    ("short", 0.0, "red"),
)
NO_STANDARD = ("none", "gray")
DEMAND_COLOUR = "violet"
REACH_COLOUR = "blue"


def rgba(colour: str, alpha: int = 230) -> list[int]:
    return [*NAMED_RGB[colour], alpha]


def standard_share(gap_lines: Iterable[Mapping[str, Any]]) -> dict[str, tuple[float, int, int]]:
    """Depot code → (share of its standard held, items at standard, items with a standard), from the gap report's
    scope lines that name a depot (the scope's only site). The share averages min(held / standard, 1) over the
    items, so a surplus of one item never hides the lack of another."""
    per: dict[str, list[float]] = {}
    for g in gap_lines:
        code, std = g.get("site_code"), g.get("standard") or 0
        if code and std > 0:
            per.setdefault(str(code), []).append(min(float(g.get("counted") or 0) / std, 1.0))
    return {c: (sum(v) / len(v), sum(1 for x in v if x >= 1.0), len(v)) for c, v in per.items()}


def _status(share: float | None) -> tuple[str, str]:
    if share is None:
        return NO_STANDARD
    return next((s, c) for s, low, c in STANDARD_CLASSES if share >= low)


def depot_rows(depots: pd.DataFrame, gap_lines: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Depots (code, name, site_type, lon, lat) with status, colour, radius (metres: larger when fuller) and hover
    text saying how much of the standard they hold."""
    shares = standard_share(gap_lines)
    rows = []
    for d in depots.itertuples():
        share, met, total = shares.get(str(d.code), (None, 0, 0))
        status, colour = _status(share)
        detail = (
            t("situation.depot_none")
            if share is None
            else t("situation.depot_detail", share=fmt.pct(share, decimals=0), met=met, total=total)
        )
        radius = 500 + 700 * (share if share is not None else 0.3)
        row = {"code": d.code, "name": d.name, "label": getattr(d, "label", d.name), "site_type": d.site_type}
        rows.append(
            row
            | {"lon": d.lon, "lat": d.lat, "status": status, "colour": rgba(colour), "radius": radius}
            | {"detail": detail}
        )
    cols = ["code", "name", "label", "site_type", "lon", "lat", "status", "colour", "radius", "detail"]
    return pd.DataFrame(rows, columns=cols)


def demand_rows(
    points: Sequence[Any],
    demand: Mapping[tuple[str, str], int],
    item_names: Mapping[str, str],
    item_units: Mapping[str, str],
) -> pd.DataFrame:
    """The scenario's points that ask for something: name, kind, population and what they need, for the map."""
    needs: dict[str, list[str]] = {}
    for (point, item), q in sorted(demand.items()):
        if q > 0:
            needs.setdefault(point, []).append(
                f"{item_names.get(item, item)} {fmt.qty(q, item_units.get(item, ''))}"
            )
    rows = [
        {
            "code": p.code,
            "name": p.name,
            "lon": p.lon,
            "lat": p.lat,
            "colour": rgba(DEMAND_COLOUR, 220),
            "radius": 450 if p.priority == 1 else 300,
            "detail": "、".join(needs[p.code]),
        }
        for p in points
        if p.code in needs
    ]
    return pd.DataFrame(rows, columns=["code", "name", "lon", "lat", "colour", "radius", "detail"])


def reach_rows(
    polygons: Iterable[Mapping[str, Any]], site_names: Mapping[str, str], minutes: int
) -> pd.DataFrame:
    """Reach areas (site_code, polygon) named by their depot, with how they were drawn."""
    rows = [
        {
            "name": site_names.get(str(p["site_code"]), str(p["site_code"])),
            "polygon": p["polygon"],
            "detail": t(
                "situation.reach_detail", minutes=minutes, source=t(f"situation.reach_source.{p['source']}")
            ),
        }
        for p in polygons
    ]
    return pd.DataFrame(rows, columns=["name", "polygon", "detail"])


def extent(
    frames: Iterable[pd.DataFrame], paths: Iterable[Sequence[Sequence[float]]] = ()
) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) of every point row (lon, lat), polygon ring and path vertex."""
    xs: list[float] = []
    ys: list[float] = []
    for f in frames:
        if "lon" in f.columns:
            xs += [float(x) for x in f["lon"]]
            ys += [float(y) for y in f["lat"]]
        for ring in f["polygon"] if "polygon" in f.columns else ():
            xs += [float(p[0]) for p in ring]
            ys += [float(p[1]) for p in ring]
    for path in paths:
        xs += [float(p[0]) for p in path]
        ys += [float(p[1]) for p in path]
    return (min(xs), min(ys), max(xs), max(ys)) if xs else (115.5, 29.2, 116.3, 30.0)


def legend_entries() -> list[tuple[str, str, str]]:
    """(colour, symbol, text key) for the stock, demand and reach layers, in the order the legend shows them."""
    stock = [(c, "●", f"situation.legend.{s}") for s, _, c in STANDARD_CLASSES]
    return [
        *stock,
        (NO_STANDARD[1], "●", "situation.legend.none"),
        (DEMAND_COLOUR, "●", "situation.legend.demand"),
        (REACH_COLOUR, "▨", "situation.legend.reach"),
    ]
