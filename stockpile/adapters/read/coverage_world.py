"""Reads for the coverage service: the demand points, sources and their records in one read-only transaction,
the requirement norms file, uploaded blocked areas (GeoJSON), and a thin gateway over the travel provider."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from stockpile.adapters.db.engine import readonly
from stockpile.adapters.orm import ledger as orm
from stockpile.adapters.repos.ledger import TRANSIT_CODE, lot_from_row, site_from_row
from stockpile.adapters.repos.masterdata import SqlMasterRepository
from stockpile.domain.coverage_world import (
    BadAvoidAreas,
    CoverageWorld,
    DemandSite,
    RequirementNorm,
)
from stockpile.domain.model import Balance
from stockpile.ports.travel import (
    AvoidAreas,
    IsochroneSet,
    LonLat,
    Profile,
    TravelMatrix,
    TravelTimeProvider,
)

MAX_AVOID_BYTES = 2 * 1024 * 1024


class SqlCoverageReader:
    """`load()` → CoverageWorld: villages and shelters, active sites, balances > 0, lots, agreements, capacity."""

    def __init__(self, engine: Engine) -> None:
        self.engine = readonly(engine)

    def load(self) -> CoverageWorld:
        from sqlalchemy.orm import Session

        a, sh, s, b = orm.AdminAreaRow, orm.ShelterRow, orm.SiteRow, orm.StockBalanceRow
        with Session(self.engine) as session:
            items = {
                r.code: (r.id, r.name_zh, r.base_unit)
                for r in session.execute(
                    select(orm.ItemRow.code, orm.ItemRow.id, orm.ItemRow.name_zh, orm.ItemRow.base_unit)
                )
            }
            areas = list(
                session.scalars(select(a).where(a.level.in_(("township", "village"))).order_by(a.code))
            )
            towns = {r.code: (r.name, r.lon, r.lat) for r in areas if r.level == "township"}
            demand = [
                DemandSite(
                    r.code,
                    r.name,
                    "village",
                    r.parent_code or "",
                    r.population,
                    r.lon,
                    r.lat,
                    max(1, r.hazard_weight or 1),
                )
                for r in areas
                if r.level == "village" and r.lon is not None and r.lat is not None
            ]
            hazard = {r.code: max(1, r.hazard_weight or 1) for r in areas if r.level == "township"}
            demand += [
                DemandSite(
                    r.code,
                    r.name,
                    "shelter",
                    r.township_code,
                    r.capacity_persons,
                    r.lon,
                    r.lat,
                    hazard.get(r.township_code, 1),
                )
                for r in session.scalars(select(sh).order_by(sh.code))
            ]
            sites = {
                r.id: site_from_row(r)
                for r in session.scalars(select(s).where(s.code != TRANSIT_CODE))
                if r.lon is not None and r.lat is not None
            }
            balances = tuple(
                Balance(r.site_id, r.item_id, r.lot_id, r.on_hand, r.reserved)
                for r in session.scalars(select(b).where(b.on_hand > 0))
            )
            lot_ids = {x.lot_id for x in balances}
            lots = {r.id: lot_from_row(r) for r in session.scalars(select(orm.LotRow)) if r.id in lot_ids}
            master = SqlMasterRepository(session)
            agreements, capacity = tuple(master.agreement_lines()), tuple(master.capacity_reserves())
        return CoverageWorld(items, towns, tuple(demand), sites, balances, lots, agreements, capacity)


def load_norms(path: Path) -> tuple[RequirementNorm, ...]:
    """Requirement norms from a TOML file: `[norm."1010101"] per_point = 200` (missing file: no norms)."""
    if not path.exists():
        return ()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return tuple(
        RequirementNorm(
            item_code=str(code),
            per_point=int(v.get("per_point", 0)),
            per_1000=int(v.get("per_1000", 0)),
            kinds=tuple(v.get("kinds", ("village", "shelter"))),
        )
        for code, v in data.get("norm", {}).items()
    )


def _polygons(geom: Any) -> list[Any]:
    kind = geom.get("type") if isinstance(geom, dict) else None
    if kind == "Polygon":
        return [geom["coordinates"]]
    if kind == "MultiPolygon":
        return list(geom["coordinates"])
    if kind == "Feature":
        return _polygons(geom.get("geometry"))
    if kind == "FeatureCollection":
        return [p for f in geom.get("features", []) for p in _polygons(f)]
    if kind == "GeometryCollection":
        return [p for g in geom.get("geometries", []) for p in _polygons(g)]
    return []


def read_avoid_areas(data: bytes, version: str) -> AvoidAreas:
    """Blocked areas from an uploaded GeoJSON (Polygon, MultiPolygon, Feature(Collection)); WGS-84 [lon, lat].

    Raises BadAvoidAreas (code `bad_avoid_areas`) for a file that is too big, not JSON, holds no polygon, or has
    coordinates outside ±180/±90 (e.g. swapped or projected metres).
    """
    if len(data) > MAX_AVOID_BYTES:
        raise BadAvoidAreas(reason="too_large")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BadAvoidAreas(reason="not_json") from e
    polys = _polygons(doc)
    if not polys:
        raise BadAvoidAreas(reason="no_polygon")
    try:
        for poly in polys:
            for ring in poly:
                for p in ring:
                    if not (-180 <= float(p[0]) <= 180 and -90 <= float(p[1]) <= 90):
                        raise BadAvoidAreas(reason="out_of_range")
        return AvoidAreas.from_rings(version, polys)
    except (TypeError, ValueError, IndexError, KeyError) as e:
        raise BadAvoidAreas(reason="bad_ring") from e


class TravelGateway:
    """The travel provider seen from the services: plain (lon, lat) tuples in, the port's values out."""

    def __init__(
        self, provider: TravelTimeProvider, isochrones_from_router: bool | Callable[[], bool]
    ) -> None:
        self.provider = provider
        self._router = isochrones_from_router

    @property
    def isochrones_from_router(self) -> bool:
        """A router (road graph or openrouteservice) draws isochrones: asked each time when given as a callable,
        so a road graph imported while the app runs is used without a restart."""
        return self._router() if callable(self._router) else self._router

    def matrix(
        self,
        origins: Sequence[tuple[float, float]],
        destinations: Sequence[tuple[float, float]],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> TravelMatrix:
        return self.provider.matrix(
            [LonLat(*p) for p in origins], [LonLat(*p) for p in destinations], profile, avoid
        )

    def isochrones(
        self,
        points: Sequence[tuple[float, float]],
        ranges_s: Sequence[int],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> IsochroneSet | None:
        """Road isochrones when a router is configured; None offline (the map then draws reach hulls)."""
        if not self.isochrones_from_router or not points:
            return None
        return self.provider.isochrones([LonLat(*p) for p in points], ranges_s, profile, avoid)
