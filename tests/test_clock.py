"""One clock: business code asks `stockpile.clock` for "now" and "today", in the county's time zone."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from stockpile import clock

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

ROOT = Path(__file__).resolve().parents[1]
BUSINESS = ["stockpile", "optimizer", "app.py", "bench", "scripts"]
# Wall-clock reads that give a business "now" or "today". Timing code (time.monotonic, perf_counter) may stay, and
# so may a `time.time()` deadline shared between processes when its line says `# timing`.
WALL_CALLS = {
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("time", "time"),
}


def _wall_reads(path: Path) -> list[str]:
    """Calls of the wall clock (by the syntax tree, so docstrings and comments don't count) and hard-coded
    Asia/Shanghai zones, as `file:line: code`."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        wall = (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and (f.value.id, f.attr) in WALL_CALLS
        )
        zone = (
            isinstance(f, ast.Name)
            and f.id == "ZoneInfo"
            and any(isinstance(a, ast.Constant) and a.value == "Asia/Shanghai" for a in node.args)
        )
        line = lines[node.lineno - 1]
        near = lines[node.lineno - 2 : (node.end_lineno or node.lineno) + 1]  # the marker may sit a line off
        if (wall or zone) and not any("# timing" in x for x in near):
            out.append(f"{path.relative_to(ROOT)}:{node.lineno}: {line.strip()}")
    return out


def _sources() -> list[Path]:
    out: list[Path] = []
    for entry in BUSINESS:
        p = ROOT / entry
        out.extend([p] if p.is_file() else sorted(p.rglob("*.py")))
    return [p for p in out if p != ROOT / "stockpile" / "clock.py"]


def test_no_module_but_the_clock_reads_the_wall_clock() -> None:
    """A new `date.today()`, `datetime.now()`, `utcnow()`, `time.time()` or hard-coded Asia/Shanghai fails here."""
    offenders = [hit for path in _sources() for hit in _wall_reads(path)]
    assert not offenders, "read the time from stockpile.clock:\n" + "\n".join(offenders)


def test_the_grep_sees_every_business_module() -> None:
    """The scan is not vacuous: it reads the packages that hold dates, and would catch a planted call."""
    names = {p.relative_to(ROOT).as_posix() for p in _sources()}
    assert "stockpile/adapters/read/views.py" in names and "stockpile/ledger/stock.py" in names
    planted = ROOT / "tests" / "_planted_clock_read.py"
    planted.write_text('"""date.today() in a docstring is fine."""\nx = date.today()\ny = time.monotonic()\n')
    try:
        hits = _wall_reads(planted)
    finally:
        planted.unlink()
    assert len(hits) == 1 and "x = date.today()" in hits[0]


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
