"""The county's area: the box around its townships' seats, widened by a margin (about 15 km), in WGS-84 degrees.

Imported points (villages, shelters, depots) must fall inside it; a county without townships yet has no area.
"""

from __future__ import annotations

COUNTY_MARGIN_DEG = 0.15
Bbox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


def county_bbox(seats: list[tuple[float, float]], margin: float = COUNTY_MARGIN_DEG) -> Bbox | None:
    """The box around the townships' seats (lon, lat), widened by `margin` degrees; None without any seat."""
    if not seats:
        return None
    lons, lats = [p[0] for p in seats], [p[1] for p in seats]
    return (min(lons) - margin, min(lats) - margin, max(lons) + margin, max(lats) + margin)
