"""应急一张图's layer rows: stock against the standard, demand with what it needs, an extent that holds everything."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from stockpile.i18n import set_lang
from stockpile.reports.situation import (
    NAMED_RGB,
    demand_rows,
    depot_rows,
    extent,
    legend_entries,
    standard_share,
)


def _gap(site: str, item: str, standard: int, counted: int) -> dict[str, object]:
    return {"site_code": site, "item_code": item, "standard": standard, "counted": counted}


def test_a_surplus_of_one_item_does_not_hide_the_lack_of_another() -> None:
    """Share of the standard = mean of min(held/standard, 1) per item: 300 % tents and 0 quilts is 50 %."""
    share, met, total = standard_share([_gap("A", "tent", 10, 30), _gap("A", "quilt", 10, 0)])["A"]
    assert (share, met, total) == (0.5, 1, 2)


def test_lines_without_a_depot_or_a_standard_are_not_a_depots_share() -> None:
    """County-scope lines (several depots) and items without a standard say nothing about one depot."""
    shares = standard_share([_gap("", "tent", 500, 360), _gap("B", "tent", 0, 5), {"site_code": None}])
    assert shares == {}


def test_depots_are_coloured_by_their_share_and_named_on_hover() -> None:
    """At standard green, at least half orange, less red, no standard of its own grey; bigger when fuller; the
    hover says the share in words, never the code alone."""
    set_lang("zh")
    depots = pd.DataFrame(
        {
            "code": ["A", "B", "C", "D"],
            "name": ["甲库", "乙点", "丙点", "丁库"],
            "site_type": ["point"] * 4,
            "lon": [115.1, 115.2, 115.3, 115.4],
            "lat": [29.1, 29.2, 29.3, 29.4],
        }
    )
    gap = [_gap("A", "t", 10, 10), _gap("B", "t", 10, 6), _gap("C", "t", 10, 1)]
    rows = depot_rows(depots, gap).set_index("code")
    assert list(rows["status"]) == ["met", "partly", "short", "none"]
    assert [c[:3] for c in rows["colour"]] == [list(NAMED_RGB[x]) for x in ("green", "orange", "red", "gray")]
    assert rows.loc["A", "radius"] > rows.loc["B", "radius"] > rows.loc["C", "radius"]
    assert "100%" in rows.loc["A", "detail"] and "1/1" in rows.loc["A", "detail"]
    assert "定额" in rows.loc["D", "detail"] and all(rows["name"] != rows.index)


def test_every_map_colour_has_a_legend_entry() -> None:
    """The legend lists the stock classes, the demand points and the reach areas in the colours the rows use."""
    legend = {c for c, _, _ in legend_entries()}
    assert {"green", "orange", "red", "gray", "violet", "blue"} <= legend <= set(NAMED_RGB)


def test_demand_points_carry_what_they_need_with_units() -> None:
    """Only points that ask for something; the hover lists item names with quantities and units."""
    set_lang("zh")
    pts = [
        SimpleNamespace(code="V1", name="江村", lon=115.0, lat=29.0, priority=2),
        SimpleNamespace(code="S1", name="一中安置点", lon=115.1, lat=29.1, priority=1),
        SimpleNamespace(code="V2", name="无需求村", lon=115.2, lat=29.2, priority=2),
    ]
    rows = demand_rows(pts, {("V1", "q"): 1258, ("S1", "q"): 3, ("V2", "q"): 0}, {"q": "棉被"}, {"q": "床"})
    assert list(rows["name"]) == ["江村", "一中安置点"]
    assert rows.iloc[0]["detail"] == "棉被 1,258床"
    assert rows.iloc[1]["radius"] > rows.iloc[0]["radius"]  # shelters and medical points first


def test_the_extent_holds_points_polygons_and_route_vertices() -> None:
    """The map's bounds take every drawn thing, so no route is clipped off the edge."""
    pts = pd.DataFrame({"lon": [115.0, 115.5], "lat": [29.0, 29.5]})
    polys = pd.DataFrame({"polygon": [[[114.9, 29.2], [115.2, 29.6], [115.1, 29.1]]]})
    assert extent([pts, polys], [[[115.6, 28.9], [115.3, 29.3]]]) == (114.9, 28.9, 115.6, 29.6)
