"""Township boundary polygons (optional), from the GeoJSON file a bureau has of its township outlines, given with the
workbook (`relief county import FILE --boundaries FILE.geojson`, or the second upload on the county page).

Each feature is matched to a township by a property holding the township's code or, failing that, its name. A
feature that is not a polygon, an invalid polygon (self-crossing ring…), one matching no township, a second one for
the same township, or one reaching well outside the county's area (the townships' seats with their margin and
BOUNDARY_SLACK_DEG more) is an error naming the feature; nothing is written then. A boundaries file replaces all of
the county's boundaries (a township it leaves out loses its polygon); importing without one leaves them as they
are. The maps draw a township's polygon instead of the Voronoi sketch when it has one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from stockpile.domain.county_area import Bbox, county_bbox
from stockpile.onboarding.parse import Parsed, Problem
from stockpile.onboarding.sheets import TOWNSHIPS
from stockpile.ports.uow import AbstractUnitOfWork

BOUNDARIES = (
    "乡镇边界(GeoJSON)"  # how problems and changes name the boundaries file (row: the feature's number)
)
KEY = "boundaries"  # its records in `Parsed.records`: (township code,) → WGS-84 GeoJSON geometry
BOUNDARY_SLACK_DEG = 0.1  # a township may reach this far beyond the county's area (seats + 15 km)
TOLERANCE = 1e-5  # degrees: a polygon converted out and back is the same polygon
# (file, declared coordinate system) → features with .number .keys .geometry .bounds .problem .detail
ReadBoundaries = Callable[[bytes, str], Sequence[Any]]


def _problem(number: int, value: str, code: str, **params: Any) -> Problem:
    return Problem(BOUNDARIES, number, "边界要素", value[:60], code, params)


def _township(keys: Sequence[str], by_code: Mapping[str, str], by_name: Mapping[str, str]) -> str | None:
    code = next((by_code[k] for k in keys if k in by_code), None)
    return code or next((by_name[k] for k in keys if k in by_name), None)


def _inside(bounds: tuple[float, float, float, float], box: Bbox) -> bool:
    s = BOUNDARY_SLACK_DEG
    return (
        bounds[0] >= box[0] - s
        and bounds[1] >= box[1] - s
        and bounds[2] <= box[2] + s
        and bounds[3] <= box[3] + s
    )


def check_boundaries(out: Parsed, features: Sequence[Any]) -> None:
    """Match every feature to its township; problems into `out.errors`, the polygons into `out.records[KEY]`."""
    towns = out.records.get(TOWNSHIPS.id, {})
    by_code = {str(k[0]): str(k[0]) for k in towns}
    names = [str(r.get("name")) for r in towns.values()]
    by_name = {
        str(r.get("name")): str(k[0]) for k, r in towns.items() if names.count(str(r.get("name"))) == 1
    }
    seats = [(r["lon"], r["lat"]) for r in towns.values() if isinstance(r.get("lon"), float)]
    box = county_bbox(seats)
    shapes: dict[tuple[Any, ...], dict[str, Any]] = {}
    for f in features:
        label = "、".join(f.keys)
        if f.problem:
            out.errors.append(_problem(f.number, f.detail or label, f.problem))
            continue
        code = _township(f.keys, by_code, by_name)
        if code is None:
            out.errors.append(_problem(f.number, label, "boundary_unknown_township"))
        elif (code,) in shapes:
            out.errors.append(_problem(f.number, label, "boundary_duplicate", township=code))
        elif box is not None and not _inside(f.bounds, box):
            out.errors.append(_problem(f.number, label, "boundary_outside_county"))
        else:
            shapes[(code,)] = dict(f.geometry)
    out.records[KEY] = shapes


def same_geometry(a: Any, b: Any) -> bool:
    """Two GeoJSON geometries with the same type and coordinates within TOLERANCE."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.get("type") == b.get("type") and same_geometry(a.get("coordinates"), b.get("coordinates"))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= TOLERANCE
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same_geometry(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def apply_boundaries(uow: AbstractUnitOfWork, shapes: Mapping[tuple[Any, ...], Any]) -> list[tuple[str, str]]:
    """Write the file's polygons and clear the ones it leaves out: (township code, added | changed | deleted)."""
    current = uow.county.boundaries()
    changes: list[tuple[str, str]] = []
    for (code,), geom in shapes.items():
        before = current.get(code)
        if before is not None and same_geometry(before, geom):
            continue
        uow.county.set_boundary(code, geom)
        changes.append((code, "added" if before is None else "changed"))
    for code in sorted(set(current) - {k[0] for k in shapes}):
        uow.county.set_boundary(code, None)
        changes.append((code, "deleted"))
    return changes
