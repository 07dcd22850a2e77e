"""Speeds per OpenStreetMap highway class × profile, and the flood slowdown (a TOML table in the county settings).

The table is `stockpile/resources/road_speeds.toml` unless `RELIEF_ROAD_SPEEDS_FILE` names the county's own copy.
Travel time of a road piece = length ÷ speed, where speed = the class speed of the profile, or the way's
`maxspeed` when lower; with the flood slowdown on, the time is multiplied by the class's `[flood]` factor.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PROFILE_KEYS = ("driving-car", "driving-hgv")
TRACK = "track"


class SpeedTableError(ValueError):
    """The speed table is not usable (missing profile, non-positive speed, flood factor below 1)."""


@dataclass(frozen=True, slots=True)
class SpeedTable:
    """km/h per class for each profile, and a flood time multiplier per class (`default` for unlisted ones)."""

    speeds_kmh: Mapping[str, Mapping[str, float]]  # profile → class → km/h
    flood: Mapping[str, float]  # class → multiplier ≥ 1, plus "default"

    def __post_init__(self) -> None:
        for profile in PROFILE_KEYS:
            table = self.speeds_kmh.get(profile)
            if not table:
                raise SpeedTableError(f"the speed table has no [{profile}] section")
            for cls, v in table.items():
                if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                    raise SpeedTableError(f"[{profile}] {cls} = {v!r}: a speed must be a positive km/h")
        for cls, v in self.flood.items():
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 1):
                raise SpeedTableError(f"[flood] {cls} = {v!r}: a flood slowdown must be a number ≥ 1")

    @classmethod
    def from_toml(cls, path: Path) -> SpeedTable:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise SpeedTableError(f"cannot read the speed table {path}: {e}") from e
        return cls.from_mapping(data)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> SpeedTable:
        speeds = {p: dict(data.get(p) or {}) for p in PROFILE_KEYS}  # type: ignore[call-overload]
        flood = dict(data.get("flood") or {})  # type: ignore[call-overload]
        return cls(speeds_kmh=speeds, flood=flood)

    def to_mapping(self) -> dict[str, dict[str, float]]:
        out = {p: {k: float(v) for k, v in self.speeds_kmh[p].items()} for p in PROFILE_KEYS}
        out["flood"] = {k: float(v) for k, v in self.flood.items()}
        return out

    def digest(self) -> str:
        payload = json.dumps(self.to_mapping(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()[:12]

    def classes(self, include_tracks: bool) -> tuple[str, ...]:
        """The routable classes: those with a speed in either profile (track only when asked for)."""
        names = sorted(set(self.speeds_kmh["driving-car"]) | set(self.speeds_kmh["driving-hgv"]))
        return tuple(c for c in names if include_tracks or c != TRACK)

    def seconds(
        self,
        classes: tuple[str, ...],
        length_m: np.ndarray,
        class_idx: np.ndarray,
        maxspeed_kmh: np.ndarray,
        profile: str,
        flood: bool = False,
    ) -> np.ndarray:
        """Travel time (s) of each piece; +inf where the profile has no speed for the class."""
        speed = np.array([self.speeds_kmh[profile].get(c, 0.0) for c in classes], dtype=float)[class_idx]
        cap = maxspeed_kmh.astype(float)
        speed = np.where((cap > 0) & (cap < speed), cap, speed)
        with np.errstate(divide="ignore"):
            out = np.where(speed > 0, length_m / (speed / 3.6), np.inf)
        if flood:
            default = float(self.flood.get("default", 1.0))
            factor = np.array([float(self.flood.get(c, default)) for c in classes], dtype=float)
            out = out * factor[class_idx]
        return np.asarray(out, dtype=float)

    def top_speed_m_s(self, profile: str) -> float:
        return max(self.speeds_kmh[profile].values()) / 3.6
