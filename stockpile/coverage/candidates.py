"""The candidate reserve points of a siting what-if, read from a file (xlsx or csv) the planner uploads or names.

One column each for the code, the name, the longitude and the latitude (编码/名称/经度/纬度 or code/name/lon/lat),
and optionally the coordinate system (坐标系: WGS-84 by default, GCJ-02 for 高德/腾讯, BD-09 for 百度). Every row is
checked as the county workbook's points are: a decimal number in each coordinate cell, not (0, 0), not swapped,
inside the county's area (the box around its townships' seats; anywhere in China before the county has townships),
and no code twice. Every bad cell is one error with its row, column and value; a file with any error gives no
candidate, so a what-if never runs on half a list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stockpile.coverage.commands import Candidate
from stockpile.domain.county_area import Bbox, county_bbox
from stockpile.imports.rows import ImportReport, RowError, header_ok, map_header, parse_cells, show_value
from stockpile.schemas import cell_code, cell_text

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("编码", "code", "候选点编码"),
    "name": ("名称", "name", "候选点名称"),
    "lon": ("经度", "lon", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "crs": ("坐标系", "crs"),
}
REQUIRED = ("code", "lon", "lat")
PARSERS: dict[str, Callable[[object], Any]] = {
    "code": cell_code,
    "name": lambda v: cell_text(v, 100),
    "lon": lambda v: v,  # the point reader checks both coordinates together
    "lat": lambda v: v,
    "crs": lambda v: cell_text(v, 20),
}
# the max-covering model grows with candidates × points; a county has a few hundred villages
MAX_CANDIDATES = 5000

# (lon cell, lat cell, declared system, area or None for "anywhere in China") → `.point` (WGS-84) and `.issues`
ReadPoint = Callable[[Any, Any, str, Bbox | None], Any]


@dataclass(frozen=True)
class CandidateFile:
    """The candidates of a file with no error; none and the errors (row, column, value, code) otherwise."""

    candidates: tuple[Candidate, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def county_area(townships: dict[str, tuple[str, float | None, float | None]]) -> Bbox | None:
    """The county's box from its township seats (code → (name, lon, lat)); None before any seat is known."""
    return county_bbox(
        [(lon, lat) for _, lon, lat in townships.values() if lon is not None and lat is not None]
    )


def read_candidates(table: Any, read_point: ReadPoint, area: Bbox | None) -> CandidateFile:
    """Check every row of `table` (the file reader's header and rows); all candidates, or none and every error."""
    report = ImportReport()
    fields = map_header(table.header, COLUMNS)
    if not header_ok(table, fields, COLUMNS, REQUIRED, report):
        return CandidateFile((), tuple(report.errors))
    header_of = {f: h for h, f in fields.items()}
    if not table.rows:
        report.errors.append(RowError(2, header_of["code"], "", "no_rows"))
    if len(table.rows) > MAX_CANDIDATES:
        report.errors.append(RowError(MAX_CANDIDATES + 2, "", "", "too_many_rows", {"cap": MAX_CANDIDATES}))
        return CandidateFile((), tuple(report.errors))
    seen: dict[str, int] = {}
    out: list[Candidate] = []
    for row_no, cells in table.rows:
        v = parse_cells(row_no, cells, fields, PARSERS, report)
        code = v.get("code")
        if code is not None:
            if code in seen:
                report.errors.append(RowError(row_no, header_of["code"], code, "duplicate_code"))
            seen.setdefault(code, row_no)
        raw_lon, raw_lat = cells.get(header_of["lon"]), cells.get(header_of["lat"])
        check = read_point(raw_lon, raw_lat, v.get("crs") or "WGS84", area)
        shown = f"{show_value(raw_lon)}, {show_value(raw_lat)}"
        for issue in check.issues:
            reason = issue.code.replace("geo.", "geo_")
            if area is None and reason == "geo_out_of_area":
                reason = "geo_out_of_china"
            column = header_of["lat"] if getattr(issue, "axis", "") == "lat" else header_of["lon"]
            report.errors.append(RowError(row_no, column, shown, reason))
        if code is not None and check.point is not None:
            lon, lat = round(check.point.lon, 6), round(check.point.lat, 6)
            out.append(Candidate(code, v.get("name") or code, lon, lat))
    if report.errors:
        return CandidateFile((), tuple(report.errors))
    return CandidateFile(tuple(out), ())
