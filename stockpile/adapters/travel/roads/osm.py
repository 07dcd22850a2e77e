"""Reading the drivable ways of an OpenStreetMap `.osm.pbf` extract with pyosmium (issue 19).

Rules (docs/travel-times.md):
- kept: `highway` in the speed table's classes (motorway … residential, unclassified, living_street, service;
  `track` only when asked), with a known node location for at least two consecutive nodes;
- left out: `area=yes`, ferries (`route=ferry`, `ferry=*`), `impassable=yes`, reversible/alternating one-ways, and
  ways closed to motor vehicles: the most specific of `motorcar`/`hgv`, `motor_vehicle`, `vehicle`, `access`
  that is set decides, and `no`/`private` closes the way for that profile (a way open to neither is dropped);
- one-way: `oneway=yes|true|1` forward only, `-1|reverse` backward only, `no` both ways; without the tag
  motorways, motorway links and roundabouts (`junction=roundabout|circular`) are one-way forward;
- `maxspeed`: a number (km/h) or `N mph`; anything else ("none", "CN:urban") is ignored;
- a way whose nodes lie partly outside the extract is cut into the runs of nodes inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import osmium

FORWARD, BACKWARD, CAR, HGV = 1, 2, 4, 8
_CLOSED = {"no", "private"}
_YES = {"yes", "true", "1"}
_REVERSE = {"-1", "reverse"}
_NOT_ONEWAY = {"no", "false", "0"}
_IMPLIED_ONEWAY = {"motorway", "motorway_link"}
_MAXSPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$", re.IGNORECASE)
_PBF_MAGIC = b"OSMHeader"


class ExtractError(Exception):
    """The file cannot be imported; `code` names why (not_found, not_pbf, osm_xml, truncated, unreadable, empty,
    not_covering), `detail` says it in English for a log, and `reason` (an i18n key under `roads.error_`, the
    code unless the code has several reasons) with `params` says it to a person."""

    def __init__(self, code: str, detail: str, reason: str = "", **params: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.reason = reason or code
        self.params = params


@dataclass(frozen=True, slots=True)
class RawWays:
    """Way pieces as flat arrays: piece k's nodes are positions offsets[k] … offsets[k+1]-1."""

    node_id: np.ndarray  # int64 per position
    lon: np.ndarray  # float64 per position
    lat: np.ndarray
    offsets: np.ndarray  # int64, pieces + 1
    way_id: np.ndarray  # int64 per piece
    class_idx: np.ndarray  # uint8 per piece, index into `classes`
    flags: np.ndarray  # uint8 per piece: FORWARD | BACKWARD | CAR | HGV
    maxspeed: np.ndarray  # uint8 per piece, km/h, 0 = none
    classes: tuple[str, ...]
    header_bbox: tuple[float, float, float, float] | None  # lon_min, lat_min, lon_max, lat_max
    ways_seen: int  # ways with a highway tag
    ways_kept: int


def parse_maxspeed(value: str | None) -> int:
    """km/h as an int (0 when absent or not a plain number)."""
    if not value:
        return 0
    m = _MAXSPEED.match(value)
    if not m:
        return 0
    kmh = float(m.group(1)) * (1.609344 if (m.group(2) or "").lower() == "mph" else 1.0)
    return int(min(255, round(kmh)))


def _open_for(tags: osmium.osm.TagList, specific: str) -> bool:
    for key in (specific, "motor_vehicle", "vehicle", "access"):
        value = tags.get(key)
        if value is not None:
            return value not in _CLOSED
    return True


def way_flags(tags: osmium.osm.TagList, highway: str) -> int:
    """Direction and profile bits of a drivable way, 0 when it is left out."""
    if tags.get("area") == "yes" or tags.get("route") == "ferry" or "ferry" in tags:
        return 0
    if tags.get("impassable") == "yes":
        return 0
    profiles = (CAR if _open_for(tags, "motorcar") else 0) | (HGV if _open_for(tags, "hgv") else 0)
    if not profiles:
        return 0
    oneway = tags.get("oneway")
    if oneway in ("reversible", "alternating"):
        return 0
    if oneway in _YES:
        direction = FORWARD
    elif oneway in _REVERSE:
        direction = BACKWARD
    elif oneway in _NOT_ONEWAY:
        direction = FORWARD | BACKWARD
    elif highway in _IMPLIED_ONEWAY or tags.get("junction") in ("roundabout", "circular"):
        direction = FORWARD
    else:
        direction = FORWARD | BACKWARD
    return direction | profiles


def check_pbf(path: Path) -> None:
    """Refuse what is not an OSM PBF before pyosmium reads it (its own messages are cryptic)."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except FileNotFoundError as e:
        raise ExtractError("not_found", f"{path} does not exist", file=str(path)) from e
    except OSError as e:
        raise ExtractError("unreadable", f"{path}: {e.strerror or e}", file=str(path)) from e
    if not head:
        raise ExtractError("not_pbf", f"{path.name} is empty", "pbf_empty", file=path.name)
    if head.lstrip().startswith(b"<?xml") or head.lstrip().startswith(b"<osm"):
        raise ExtractError(
            "osm_xml",
            f"{path.name} is OSM XML, not PBF (convert it: osmium cat in.osm -o out.osm.pbf)",
            file=path.name,
        )
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh":
        raise ExtractError(
            "not_pbf",
            f"{path.name} is a compressed archive, not an .osm.pbf extract",
            "compressed",
            file=path.name,
        )
    if len(head) < 4 + 2 + len(_PBF_MAGIC) or _PBF_MAGIC not in head[4:24]:
        raise ExtractError(
            "not_pbf", f"{path.name} is not an OpenStreetMap PBF file (no OSMHeader block)", file=path.name
        )


class _Pieces:
    """The drivable way pieces read so far: node positions laid end to end, one entry per piece."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.lons: list[float] = []
        self.lats: list[float] = []
        self.offsets = [0]
        self.way_ids: list[int] = []
        self.cls: list[int] = []
        self.flags: list[int] = []
        self.speeds: list[int] = []

    def add_way(self, way: Any, class_idx: int, flags: int) -> int:
        """Add a way's runs of nodes with known locations (a node missing from the extract splits the way);
        returns how many pieces it gave."""
        run: list[tuple[int, float, float]] = []
        pieces = 0
        for nd in [*way.nodes, None]:
            if nd is not None and nd.location.valid():
                run.append((nd.ref, nd.location.lon, nd.location.lat))
                continue
            if len(run) >= 2:
                for ref, lon, lat in run:
                    self.ids.append(ref)
                    self.lons.append(lon)
                    self.lats.append(lat)
                self.offsets.append(len(self.ids))
                self.way_ids.append(way.id)
                self.cls.append(class_idx)
                self.flags.append(flags)
                self.speeds.append(parse_maxspeed(way.tags.get("maxspeed")))
                pieces += 1
            run = []
        return pieces


def _header_bbox(path: Path) -> tuple[float, float, float, float] | None:
    box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def read_ways(path: Path, classes: tuple[str, ...]) -> RawWays:
    """All drivable way pieces of the extract with their node locations (one pass, pyosmium)."""
    check_pbf(path)
    index = {c: i for i, c in enumerate(classes)}
    got = _Pieces()
    seen = kept = 0
    try:
        header_bbox = _header_bbox(path)
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for obj in processor:
            if not isinstance(obj, osmium.osm.Way):
                continue
            seen += 1
            highway = obj.tags.get("highway") or ""
            f = way_flags(obj.tags, highway) if highway in index else 0
            if f:
                kept += got.add_way(obj, index[highway], f) > 0
    except RuntimeError as e:
        text = str(e)
        code = "truncated" if "EOF" in text or "unexpected" in text.lower() else "unreadable"
        raise ExtractError(code, f"{path.name}: {text}", file=path.name) from e
    return RawWays(
        node_id=np.asarray(got.ids, dtype=np.int64),
        lon=np.asarray(got.lons, dtype=float),
        lat=np.asarray(got.lats, dtype=float),
        offsets=np.asarray(got.offsets, dtype=np.int64),
        way_id=np.asarray(got.way_ids, dtype=np.int64),
        class_idx=np.asarray(got.cls, dtype=np.uint8),
        flags=np.asarray(got.flags, dtype=np.uint8),
        maxspeed=np.asarray(got.speeds, dtype=np.uint8),
        classes=classes,
        header_bbox=header_bbox,
        ways_seen=seen,
        ways_kept=kept,
    )
