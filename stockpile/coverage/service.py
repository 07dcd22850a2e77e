"""The coverage capability as the app and the CLI call it: the 1-hour guarantee circle measured on stock, reach
areas for the map, siting of new reserve points and pre-positioning of existing stock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stockpile.coverage import candidates as candidate_file
from stockpile.coverage import circle as circle_use
from stockpile.coverage import siting
from stockpile.coverage.circle import CircleReport, CoverageDeps
from stockpile.coverage.commands import CircleQuery, PrepositionQuery, SitingQuery


@dataclass(frozen=True)
class CoverageService:
    deps: CoverageDeps

    def norms_are_reference(self) -> bool:
        """The circle's norms are the shipped reference figures (the demo county's), not the county's own."""
        return self.deps.norms_are_reference

    def circle(self, query: CircleQuery) -> CircleReport:
        """Which villages and shelters cannot get the items within T (and the relief-time targets)."""
        return circle_use.circle(query, self.deps)

    def reach_areas(self, report: CircleReport, avoid: Any = None) -> list[dict[str, Any]]:
        """Isochrone polygons from openrouteservice when enabled; [] offline (the map draws hulls)."""
        return circle_use.reach_areas(report, self.deps, avoid)

    def site(self, query: SitingQuery, stop: Callable[[], bool] | None = None) -> siting.SitingReport:
        """Max-covering what-if: k new reserve points, coverage before and after (`stop`: end the search early)."""
        return siting.site(query, self.deps, stop)

    def preposition(
        self, query: PrepositionQuery, stop: Callable[[], bool] | None = None
    ) -> siting.PrepositionReport:
        """Moves of physical stock between existing points that widen the circle (`stop`: end it early)."""
        return siting.preposition(query, self.deps, stop)

    def read_candidates(self, data: bytes, filename: str) -> candidate_file.CandidateFile:
        """An uploaded candidate list (xlsx or csv: 编码, 名称, 经度, 纬度, optional 坐标系), every row checked against the
        county's area; FileRejected when the file itself cannot be read (empty, binary, too large)."""
        d = self.deps
        assert d.read_table is not None and d.read_point is not None, "bootstrap injects the file readers"
        area = candidate_file.county_area(d.read_world().townships)
        return candidate_file.read_candidates(d.read_table(data, filename), d.read_point, area)

    def read_avoid_areas(self, data: bytes, version: str) -> Any:
        """Parse an uploaded GeoJSON of blocked areas (道路中断, 桥梁损毁); BadAvoidAreas on a bad file."""
        return self.deps.read_avoid_areas(data, version)

    def norms(self) -> dict[str, Any]:
        """The configured requirement norms by item code."""
        return {n.item_code: n for n in self.deps.norms}

    def settings(self) -> dict[str, Any]:
        """Thresholds and profile the circle uses (seconds)."""
        d = self.deps
        return {"guarantee_s": d.guarantee_s, "relief_targets_s": d.relief_targets_s, "profile": d.profile}
