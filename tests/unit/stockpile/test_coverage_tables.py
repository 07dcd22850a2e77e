"""The coverage report's reach areas drawn on the map: the router's isochrones when given, else the convex hull
(shapely) of the points a depot reaches inside the circle."""

from __future__ import annotations

from types import SimpleNamespace as NS

from stockpile.reports.coverage_tables import reach_polygons


def _report(reach: tuple[str, ...], damaged: bool = False) -> NS:
    points = [
        NS(code=c, lon=x, lat=y)
        for c, x, y in [("A", 1.0, 0.0), ("B", 1.0, 1.0), ("C", 0.0, 1.0), ("M", 0.5, 0.5)]
    ]
    return NS(points=points, sources=[NS(code="D1", lon=0.0, lat=0.0, damaged=damaged, reach=reach)])


def test_hull_keeps_the_corners_and_drops_interior_points() -> None:
    [area] = reach_polygons(_report(("A", "B", "C", "M")))
    assert area["site_code"] == "D1" and area["source"] == "hull"
    assert {tuple(p) for p in area["polygon"]} == {(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)}
    assert len(area["polygon"]) == 4  # the ring is not closed twice


def test_points_on_a_line_or_a_damaged_depot_draw_no_area() -> None:
    assert reach_polygons(_report(("M", "B"))) == []  # depot, centre and corner lie on the diagonal
    assert reach_polygons(_report(("A", "B", "C"), damaged=True)) == []
    assert reach_polygons(_report(())) == []


def test_router_isochrones_win_over_the_hull() -> None:
    iso = [{"site_code": "D1", "polygon": [[0, 0], [1, 0], [0, 1]], "source": "ors", "extra": 1}]
    assert reach_polygons(_report(("A", "B", "C")), iso) == [
        {"site_code": "D1", "polygon": [[0, 0], [1, 0], [0, 1]], "source": "ors"}
    ]
