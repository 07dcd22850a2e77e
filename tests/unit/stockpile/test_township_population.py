"""A township's population, labelled by what it counts: the circle's village sum (村社区合计), people in shelters
apart, and the county workbook's registered figure (乡镇登记人口) beside them where it differs."""

from __future__ import annotations

import pandas as pd

from stockpile.coverage.report import CircleReport, PointRow, TownshipRow, TravelInfo
from stockpile.planning.review import coverage_within_circle
from stockpile.reports.coverage_tables import registered_population, township_table


def _point(code: str, town: str, kind: str, population: int, need: int) -> PointRow:
    return PointRow(code, code, kind, town, f"镇{town}", population, 0.0, 0.0, {"q": need}, {"q": 60}, {})


def _report() -> CircleReport:
    points = (
        _point("v1", "T1", "village", 1000, 5),
        _point("v2", "T1", "village", 500, 3),
        _point("s1", "T1", "shelter", 300, 2),
        _point("v3", "T1", "village", 99, 0),  # needs nothing of the selected items: not counted
        _point("v4", "T2", "village", 800, 4),
    )
    towns = (TownshipRow("T1", "镇T1", "*", 3, 0, 1800, 0), TownshipRow("T2", "镇T2", "*", 1, 0, 800, 0))
    return CircleReport(
        3600, (("q", "棉被", "床"),), points, towns, (), (), TravelInfo("offline", None, "", None), False
    )


def test_village_sum_and_shelters_are_the_two_parts_of_the_circles_population() -> None:
    """Villages and shelters are counted apart, only points that need the items, and add up to the row's figure."""
    report = _report()
    people = report.township_people()
    assert people == {"T1": (1500, 300), "T2": (800, 0)}
    for row in report.townships:
        assert sum(people[row.township_code]) == row.population


def test_registered_population_is_shown_beside_the_village_sum_where_they_differ() -> None:
    """The gap uses the registered figure, the circle the village sum: both columns, each named, when they differ;
    one figure when every township agrees."""
    df = township_table(_report(), registered={"T1": 2000, "T2": 800})
    row = df.set_index("township_code").loc["T1"]
    assert (row["population_villages"], row["population_shelters"], row["population_registered"]) == (
        1500,
        300,
        2000,
    )
    assert "population" not in df.columns
    same = township_table(_report(), registered={"T1": 1500, "T2": 800})
    assert "population_registered" not in same.columns
    assert "population_registered" not in township_table(_report()).columns


def test_registered_figures_skip_areas_without_one() -> None:
    """An area the workbook gives no population is left out, not shown as 0."""

    areas = pd.DataFrame({"code": ["T1", "T2"], "population": [2000, float("nan")]})
    assert registered_population(areas) == {"T1": 2000}


def test_the_reviews_rows_carry_the_registered_figure_by_area_code() -> None:
    """The review's coverage rows keep the circle's village sum and get the township's registered population."""
    rows = [{"area_code": "T1", "area_name": "镇T1", "population_villages": 1500, "covered_pct": 90.0}]
    doc = coverage_within_circle(lambda: rows, {"T1": 2000})
    assert doc["rows"][0]["population_registered"] == 2000
    assert doc["rows"][0]["population_villages"] == 1500
