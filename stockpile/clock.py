"""One clock: the county's "now" and "today".

Business code asks this module, never `date.today()`, `datetime.now()`, `datetime.utcnow()` or `time.time()`
(`tests/test_clock.py` greps the tree). "Now" is always an aware datetime in the county's time zone
(`RELIEF_TIMEZONE`, default Asia/Shanghai); "today" is the county's calendar day, whatever the server's own time
zone is. The database server's clock is never asked.

The process has one current clock. `configure(tz)` sets the zone from the settings (bootstrap does it);
tests pin the clock with `pinned(at)` (a `FixedClock`) so that nothing depends on the wall clock while a test runs.
Pure standard library: every layer may import it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TZ = "Asia/Shanghai"
# a time a person gives (a report, a receipt) a little ahead of the server's clock is still "now": the two clocks
# differ by seconds to minutes
FUTURE_SLACK = timedelta(minutes=5)


class Clock(Protocol):
    """The port: the current instant and the county's calendar day."""

    @property
    def tz(self) -> tzinfo: ...

    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    """The wall clock, read in the county's time zone."""

    def __init__(self, tz: str | tzinfo = DEFAULT_TZ) -> None:
        self._tz = ZoneInfo(tz) if isinstance(tz, str) else tz

    @property
    def tz(self) -> tzinfo:
        return self._tz

    def now(self) -> datetime:
        return datetime.now(self._tz)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that stands still until moved (tests, replays, `relief demo --as-of`)."""

    def __init__(self, at: datetime, tz: str | tzinfo = DEFAULT_TZ) -> None:
        self._tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._at = _aware(at, self._tz).astimezone(self._tz)

    @property
    def tz(self) -> tzinfo:
        return self._tz

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.date()

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta

    def set(self, at: datetime) -> None:
        self._at = _aware(at, self._tz).astimezone(self._tz)


_current: Clock = SystemClock()


def current() -> Clock:
    return _current


def use(clock: Clock) -> Clock:
    """Make `clock` the process clock; returns the previous one."""
    global _current
    previous, _current = _current, clock
    return previous


def known_zone(name: str) -> bool:
    """True if `name` is an IANA time zone the clock can run on (a county workbook's 时区 is checked with it)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def configure(tz: str | None) -> None:
    """Set the county's time zone on the wall clock (from `Settings.timezone`). A pinned clock keeps its instant
    and takes the new zone."""
    zone = ZoneInfo(tz or DEFAULT_TZ)
    if isinstance(_current, FixedClock):
        use(FixedClock(_current.now(), zone))
    elif isinstance(_current, SystemClock):
        use(SystemClock(zone))


@contextmanager
def pinned(at: datetime | date | None = None, tz: str | tzinfo | None = None) -> Iterator[FixedClock]:
    """Stand the process clock still at `at` (a date means 09:00 that day in the county) for the block."""
    zone = tz or _current.tz
    clock = FixedClock(_at(at, zone) if at is not None else datetime.now(UTC), zone)
    previous = use(clock)
    try:
        yield clock
    finally:
        use(previous)


def county_tz() -> tzinfo:
    return _current.tz


def now() -> datetime:
    """The current instant, aware, in the county's time zone."""
    return _current.now()


def today() -> date:
    """The county's calendar day."""
    return _current.today()


def local(at: datetime) -> datetime:
    """`at` in the county's time zone (a naive value is taken as county time)."""
    return _aware(at, _current.tz).astimezone(_current.tz)


def local_day(at: datetime) -> date:
    return local(at).date()


def format_dt(at: datetime | None, seconds: bool = False) -> str:
    """The Chinese way, in the county's zone, never with an offset: `2026-12-05 02:26`."""
    if at is None:
        return ""
    return local(at).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _aware(at: datetime, tz: tzinfo) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=tz)


def _at(at: datetime | date, tz: str | tzinfo) -> datetime:
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    if isinstance(at, datetime):
        return _aware(at, zone)
    return datetime.combine(at, time(9, 0), tzinfo=zone)
