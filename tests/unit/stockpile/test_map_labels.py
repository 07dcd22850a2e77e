"""Map labels: placed without overlaps, the more important label wins a contested spot, the view fits the data."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import Point, box

from stockpile.reports.labels import (
    LabelSpec,
    degrees_per_px,
    fit_zoom,
    label_boxes,
    place_labels,
    text_px,
)

ZOOM = 10.0


def _spec(key: str, text: str, lon: float, lat: float, rank: int, marker: int = 8) -> LabelSpec:
    return LabelSpec(key, text, lon, lat, rank, size_px=12, marker_px=marker)


specs_strategy = st.lists(
    st.builds(
        _spec,
        key=st.uuids().map(str),
        text=st.sampled_from(["城关镇", "明湖乡储备点", "县救灾物资储备库", "Depot 3", "新港街道"]),
        lon=st.floats(115.80, 115.95),
        lat=st.floats(29.50, 29.60),
        rank=st.integers(0, 3),
        marker=st.sampled_from([0, 8]),
    ),
    max_size=40,
    unique_by=lambda s: s.key,
)


@settings(max_examples=60, deadline=None)
@given(specs_strategy)
def test_no_two_placed_labels_overlap(specs: list[LabelSpec]) -> None:
    """Whatever the crowd, the labels kept on the map never overlap each other."""
    placed = place_labels(specs, ZOOM)
    boxes = label_boxes(placed, specs, ZOOM)
    assert len(boxes) == len(placed)
    for a, b in itertools.combinations(boxes, 2):
        assert not a.intersects(b)


@settings(max_examples=60, deadline=None)
@given(specs_strategy)
def test_a_dropped_label_lost_to_one_of_equal_or_higher_rank(specs: list[LabelSpec]) -> None:
    """A label is dropped only where a label at least as important was placed near it; the top-ranked label is
    always placed."""
    placed = place_labels(specs, ZOOM)
    kept = {p.key for p in placed}
    if specs:
        top = min(specs, key=lambda s: (-s.rank, s.key))
        assert top.key in kept
    boxes = dict(zip([p.key for p in placed], label_boxes(placed, specs, ZOOM), strict=True))
    dx, dy = degrees_per_px(ZOOM, sum(s.lat for s in specs) / max(len(specs), 1))
    for s in specs:
        if s.key in kept:
            continue
        w, h = text_px(s.text, s.size_px)
        reach = (w + h + 2 * s.marker_px + 40) * max(dx, dy)  # any candidate spot lies within this distance
        near = [k for k, b in boxes.items() if b.distance(_point(s)) <= reach]
        ranks = {x.key: x.rank for x in specs}
        assert near and max(ranks[k] for k in near) >= s.rank


def _point(s: LabelSpec) -> Point:
    return Point(s.lon, s.lat)


def test_depot_label_moves_off_a_township_name_and_a_lesser_label_is_dropped() -> None:
    """A depot at its township's name point: the depot (higher rank) keeps its spot below the marker, the township
    name takes another spot; a third low-rank label squeezed on the same point loses when no spot is left."""
    town = LabelSpec("t", "城关镇", 115.9, 29.55, rank=1, size_px=16)
    depot = _spec("d", "县救灾物资储备库", 115.9, 29.55, rank=3)
    placed = {p.key: p for p in place_labels([town, depot], ZOOM)}
    assert placed["d"].offset[1] > 0  # below its marker
    assert "t" in placed
    boxes = label_boxes(list(placed.values()), [town, depot], ZOOM)
    assert not boxes[0].intersects(boxes[1])
    crowd = [_spec(f"x{i}", "明湖乡储备点", 115.9, 29.55, rank=0) for i in range(6)]
    again = {p.key for p in place_labels([town, depot, *crowd], ZOOM)}
    assert {"t", "d"} <= again and len(again) < 8
    with_marker = {p.key: p for p in place_labels([town, depot], ZOOM, markers=[(115.9, 29.55, 8)])}
    assert "d" in with_marker  # the name may not sit on the depot's marker: moved off it or dropped
    assert "t" not in with_marker or with_marker["t"].offset != (0, 0)


def test_a_marker_is_never_covered_by_a_label() -> None:
    """A label for a point beside another depot's marker does not sit on that marker."""
    a = _spec("a", "东岗乡储备点", 115.9, 29.55, rank=1)
    marker = (115.9, 29.55 - 16 * degrees_per_px(ZOOM, 29.55)[1], 10)  # right where the label's first spot is
    (p,) = place_labels([a], ZOOM, markers=[marker])
    assert p.offset[1] <= 0 or p.offset[0] != 0


def test_the_view_fits_the_bounds() -> None:
    """At the chosen zoom the data's extent fits inside the map; one zoom deeper it does not."""
    bounds = (115.5, 29.2, 116.3, 30.0)
    z = fit_zoom(bounds, 900, 560)
    dx, dy = degrees_per_px(z, 29.6)
    assert (bounds[2] - bounds[0]) / dx <= 900 and (bounds[3] - bounds[1]) / dy <= 560
    dx2, dy2 = degrees_per_px(z + 1, 29.6)
    assert (bounds[2] - bounds[0]) / dx2 > 900 * 0.84 or (bounds[3] - bounds[1]) / dy2 > 560 * 0.84
    assert fit_zoom((115.9, 29.6, 115.9, 29.6)) == 15.0


def test_a_depot_inside_a_neighbours_bigger_marker_still_gets_its_label() -> None:
    """Two depots 200 m apart, the smaller marker inside the bigger one: the more important depot's label moves
    past the neighbour's marker instead of being dropped."""
    county = _spec("xjk", "示范县救灾物资储备库", 115.905, 29.595, rank=3, marker=7)
    point = _spec("xz01", "城关镇储备点", 115.904, 29.597, rank=1, marker=12)
    dots = [(115.905, 29.595, 7), (115.904, 29.597, 12)]
    placed = {p.key for p in place_labels([county, point], 9.9, markers=dots)}
    assert "xjk" in placed
    boxes = label_boxes(place_labels([county, point], 9.9, markers=dots), [county, point], 9.9)
    dx, dy = degrees_per_px(9.9, 29.596)
    for lon, lat, r in dots:
        assert not any(
            b.intersects(box(lon - r * dx, lat - r * dy, lon + r * dx, lat + r * dy)) for b in boxes
        )


def test_small_dots_block_only_the_lowest_rank() -> None:
    """Village dots all round a depot (`small`): the depot's name still goes beside its marker (over a dot), a
    village's name never covers another village's dot, and no label covers the depot's own marker."""
    dx, dy = degrees_per_px(ZOOM, 29.6)
    depot = (116.0, 29.6, 8)
    ring = [
        (116.0 + i * 6 * dx, 29.6 + j * 6 * dy, 2) for i in range(-30, 31) for j in range(-8, 9) if i or j
    ]
    middle = ring.index((116.0 - 20 * 6 * dx, 29.6, 2))  # deep inside the grid of dots
    village = LabelSpec("point:v", "某某村", ring[middle][0], ring[middle][1], 0, 11, 2)
    placed = place_labels(
        [_spec("site:d", "示范县救灾物资储备库", 116.0, 29.6, 3), village], ZOOM, [depot], ring
    )
    assert [p.key for p in placed] == ["site:d"]  # every spot of the village's name touches a dot
    shape = label_boxes(placed, [_spec("site:d", "示范县救灾物资储备库", 116.0, 29.6, 3), village], ZOOM)[0]
    assert not shape.intersects(box(116.0 - 8 * dx, 29.6 - 8 * dy, 116.0 + 8 * dx, 29.6 + 8 * dy))
    alone = place_labels([village], ZOOM, [], [ring[middle]])  # only its own dot: it goes beside it
    assert len(alone) == 1 and alone[0].offset != (0, 0)
