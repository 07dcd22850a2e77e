"""`CurrentTravel`: the travel-time port answered by whichever source the settings' files name *now*.

The app builds its services once; a road graph imported while it runs (`relief roads import`, or a new file in the
data folder) must still be used from the next call on, without a restart. `CurrentTravel` asks `choose()` on every
call; the bootstrap's choice costs a few `stat` calls, because the road graph is loaded once per file version
(path, size, mtime) and kept. Its `identity` follows the chosen source, so caches keyed by it never mix graphs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from stockpile.ports.travel import (
    AvoidAreas,
    IsochroneSet,
    LonLat,
    Profile,
    Route,
    TravelMatrix,
    TravelTimeProvider,
)


class CurrentTravel:
    def __init__(self, choose: Callable[[], TravelTimeProvider]) -> None:
        self.choose = choose

    @property
    def identity(self) -> str:
        return self.choose().identity

    def matrix(
        self,
        origins: Sequence[LonLat],
        destinations: Sequence[LonLat],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> TravelMatrix:
        return self.choose().matrix(origins, destinations, profile, avoid)

    def isochrones(
        self,
        points: Sequence[LonLat],
        ranges_s: Sequence[int],
        profile: Profile,
        avoid: AvoidAreas | None = None,
    ) -> IsochroneSet:
        return self.choose().isochrones(points, ranges_s, profile, avoid)

    def directions(
        self, points: Sequence[LonLat], profile: Profile, avoid: AvoidAreas | None = None
    ) -> Route:
        return self.choose().directions(points, profile, avoid)
