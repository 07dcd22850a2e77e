"""One clock (issue 13): business code asks `stockpile.clock` for "now" and "today", in the county's time zone."""

from __future__ import annotations

import ast
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from stockpile import clock

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

ROOT = Path(__file__).resolve().parents[1]
BUSINESS = ["stockpile", "optimizer", "app.py", "bench", "scripts"]
# Wall-clock reads that give a business "now" or "today". Timing code (time.monotonic, perf_counter) may stay.
FORBIDDEN = re.compile(
    r"\bdate\.today\(|\bdatetime\.now\(|\bdatetime\.utcnow\(|\bdatetime\.today\(|\btime\.time\(\)"
    r"|ZoneInfo\(\s*[\"']Asia/Shanghai[\"']"
)


def _sources() -> list[Path]:
    out: list[Path] = []
    for entry in BUSINESS:
        p = ROOT / entry
        out.extend([p] if p.is_file() else sorted(p.rglob("*.py")))
    return [p for p in out if p != ROOT / "stockpile" / "clock.py"]


def test_no_module_but_the_clock_reads_the_wall_clock() -> None:
    """A new `date.today()`, `datetime.now()`, `utcnow()`, `time.time()` or hard-coded Asia/Shanghai fails here."""
    offenders = []
    for path in _sources():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if FORBIDDEN.search(code):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "read the time from stockpile.clock:\n" + "\n".join(offenders)


def test_the_grep_sees_every_business_module() -> None:
    """The scan is not vacuous: it reads the packages that hold dates, and would catch a planted call."""
    names = {p.relative_to(ROOT).as_posix() for p in _sources()}
    assert "stockpile/views.py" in names and "stockpile/services/stock.py" in names
    assert FORBIDDEN.search("on = on or date.today()")
    assert FORBIDDEN.search("at = datetime.now(UTC)")
    assert not FORBIDDEN.search("started = time.monotonic()")


def test_no_module_imports_zoneinfo_for_the_county_zone() -> None:
    """Only the clock and the settings validator know time-zone names."""
    allowed = {"stockpile/clock.py", "stockpile/config.py"}
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "zoneinfo":
                rel = path.relative_to(ROOT).as_posix()
                if rel not in allowed:
                    offenders.append(rel)
    assert not offenders, offenders


def test_now_is_aware_and_in_the_county_zone() -> None:
    with clock.pinned(datetime(2026, 12, 4, 20, 0, tzinfo=UTC)):
        now = clock.now()
        assert now.tzinfo is not None and now.utcoffset() == timedelta(hours=8)
        assert clock.today() == date(2026, 12, 5)  # 20:00 UTC is 04:00 the next day in Beijing


def test_today_is_the_county_day_whatever_the_server_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        with clock.pinned(datetime(2026, 12, 31, 16, 30, tzinfo=UTC)):
            assert clock.today() == date(2027, 1, 1)
            assert clock.format_dt(datetime(2026, 12, 4, 18, 26, tzinfo=UTC)) == "2026-12-05 02:26"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_configure_takes_the_settings_zone_and_keeps_a_pinned_instant() -> None:
    at = datetime(2027, 6, 30, 23, 0, tzinfo=UTC)
    with clock.pinned(at):
        clock.configure("Asia/Urumqi")
        try:
            assert clock.now() == at
            assert clock.now().utcoffset() == timedelta(hours=6)
            assert clock.today() == date(2027, 7, 1)
        finally:
            clock.configure("Asia/Shanghai")


def test_a_naive_time_is_read_as_county_time() -> None:
    assert clock.local(datetime(2026, 12, 5, 2, 26)) == datetime(
        2026, 12, 5, 2, 26, tzinfo=ZoneInfo("Asia/Shanghai")
    )
    assert clock.format_dt(None) == ""


def test_a_date_pins_nine_in_the_morning_county_time() -> None:
    with clock.pinned(date(2028, 1, 1)) as c:
        assert clock.now().hour == 9 and clock.today() == date(2028, 1, 1)
        c.advance(timedelta(hours=16))
        assert clock.today() == date(2028, 1, 2)


def test_an_unknown_time_zone_setting_is_refused() -> None:
    from pydantic import ValidationError

    from stockpile.config import Settings

    with pytest.raises(ValidationError, match="time zone"):
        Settings(timezone="Mars/Olympus_Mons")
    assert Settings(timezone="Asia/Urumqi").timezone == "Asia/Urumqi"


def test_tests_stand_on_a_pinned_clock() -> None:
    """The autouse fixture pins the clock: two reads in a test are the same instant."""
    assert isinstance(clock.current(), clock.FixedClock)
    assert clock.now() == clock.now()
