"""Persistent cache of openrouteservice matrices (`MatrixCache`, SQLite) and the `CachedProvider` wrapper.

Rules:
- Key = sha256 of (provider identity, profile, origins and destinations rounded to 1e-5° ≈ 1 m, in order,
  avoid-areas version and geometry digest). Any change in these is a different matrix.
- Only road-network answers (`source="ors"`) are stored. Offline estimates are never cached: they cost
  microseconds, and caching them would hide the 估算 label and keep ORS answers out once it is back.
- A hit returns `source="cache"`. Entries older than `max_age_s` (if set) are misses and get replaced.
- The cache is an optimisation: an unreadable, locked or corrupt file is logged and treated as a miss.
- One SQLite file under `cache_dir` (default data/cache/, gitignored); a connection per call, so threads
  (Streamlit sessions) can share one `MatrixCache`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from stockpile.ports.travel import (
    AvoidAreas,
    IsochroneSet,
    LonLat,
    Profile,
    Route,
    TravelMatrix,
    TravelTimeProvider,
)

log = logging.getLogger(__name__)

FILE_NAME = "travel_matrices.sqlite3"
KEY_DECIMALS = 5
_SCHEMA = """
CREATE TABLE IF NOT EXISTS matrix_cache (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    profile TEXT NOT NULL,
    avoid_version TEXT,
    created_at REAL NOT NULL,
    duration_s TEXT NOT NULL,
    distance_m TEXT NOT NULL
)
"""


def matrix_key(
    provider: str,
    origins: Sequence[LonLat],
    destinations: Sequence[LonLat],
    profile: str,
    avoid: AvoidAreas | None,
) -> str:
    """sha256 hex of the canonical JSON of everything that determines a matrix."""

    def pts(seq: Sequence[LonLat]) -> list[list[float]]:
        return [[round(p.lon, KEY_DECIMALS), round(p.lat, KEY_DECIMALS)] for p in seq]

    payload = {
        "v": 1,
        "provider": provider,
        "profile": profile,
        "origins": pts(origins),
        "destinations": pts(destinations),
        "avoid": None if avoid is None else [avoid.version, avoid.digest()],
    }
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class MatrixCache:
    """Stored travel matrices in one SQLite file under `cache_dir`."""

    def __init__(
        self,
        cache_dir: Path | str = Path("data/cache"),
        max_age_s: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(cache_dir) / FILE_NAME
        self.max_age_s = max_age_s
        self._clock = clock
        self.hits = 0
        self.misses = 0

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=5.0)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)
            with conn:  # commits or rolls back
                yield conn
        finally:
            conn.close()

    def get(self, key: str) -> TravelMatrix | None:
        """The stored matrix as `source="cache"`, or None (absent, expired or unreadable)."""
        try:
            with self._connect() as conn:
                row = conn.execute(
                    "SELECT created_at, duration_s, distance_m FROM matrix_cache WHERE key = ?", (key,)
                ).fetchone()
            if row is None or (self.max_age_s is not None and self._clock() - row[0] > self.max_age_s):
                self.misses += 1
                return None
            found = TravelMatrix(
                duration_s=tuple(tuple(r) for r in json.loads(row[1])),
                distance_m=tuple(tuple(r) for r in json.loads(row[2])),
                source="cache",
            )
        except (sqlite3.Error, OSError, ValueError, TypeError) as exc:
            log.warning("travel-matrix cache unreadable (%s): treated as a miss", exc)
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(
        self, key: str, matrix: TravelMatrix, provider: str, profile: str, avoid_version: str | None
    ) -> None:
        """Store (or replace) a matrix; failures are logged, never raised."""
        try:
            with self._connect() as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO matrix_cache VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        key,
                        provider,
                        profile,
                        avoid_version,
                        self._clock(),
                        json.dumps(matrix.duration_s, separators=(",", ":")),
                        json.dumps(matrix.distance_m, separators=(",", ":")),
                    ),
                )
        except (sqlite3.Error, OSError) as exc:
            log.warning("travel-matrix cache not written (%s)", exc)

    def clear(self) -> int:
        """Delete every stored matrix; returns how many were removed."""
        with self._connect() as conn:
            return conn.execute("DELETE FROM matrix_cache").rowcount


class CachedProvider:
    """Serve matrices from `cache` when stored; otherwise ask `inner` and store its road-network answers."""

    def __init__(self, inner: TravelTimeProvider, cache: MatrixCache) -> None:
        self.inner = inner
        self.cache = cache

    @property
    def identity(self) -> str:
        return self.inner.identity

    def matrix(
        self,
        origins: Sequence[LonLat],
        destinations: Sequence[LonLat],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> TravelMatrix:
        key = matrix_key(self.inner.identity, origins, destinations, profile, avoid)
        hit = self.cache.get(key)
        if hit is not None and hit.shape == (len(origins), len(destinations) if origins else 0):
            return hit
        result = self.inner.matrix(origins, destinations, profile, avoid)
        if result.source == "ors":
            self.cache.put(key, result, self.inner.identity, profile, avoid.version if avoid else None)
        return result

    def isochrones(
        self,
        points: Sequence[LonLat],
        ranges_s: Sequence[int],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> IsochroneSet:
        return self.inner.isochrones(points, ranges_s, profile, avoid)

    def directions(
        self, points: Sequence[LonLat], profile: Profile, avoid: AvoidAreas | None = None
    ) -> Route:
        return self.inner.directions(points, profile, avoid)
