"""Shared fixtures: a real database per test on SQLite (file, WAL) and, when available, PostgreSQL.

`db_url` is parametrized over the backends: every test using it runs on both. PostgreSQL comes from TEST_PG_URL
(`make test` and `.ci/run` start a local server); with REQUIRE_PG=1 (CI) a missing server is an error, not a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from stockpile import clock
from stockpile.adapters.db.engine import create_schema, make_engine
from stockpile.adapters.orm.ledger import Base
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.i18n import current_lang
from tests.support.factory import seed_minimal

PG_URL = os.environ.get("TEST_PG_URL", "")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _pg_available() -> bool:
    if not PG_URL:
        return False
    try:
        e = make_engine(PG_URL)
        with e.connect() as c:
            c.execute(text("SELECT 1"))
        e.dispose()
        return True
    except Exception:
        return False


_PG_OK: bool | None = None


def pg_url_or_skip() -> str:
    global _PG_OK
    if _PG_OK is None:
        _PG_OK = _pg_available()
    if not _PG_OK:
        if os.environ.get("REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL required (REQUIRE_PG=1) but not reachable at TEST_PG_URL={PG_URL!r}")
        pytest.skip("PostgreSQL not available (set TEST_PG_URL or run `make pg`)")
    return PG_URL


def reset_pg(engine: Engine) -> None:
    """Drop and recreate the schema: every test starts from an empty database."""
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    create_schema(engine)


def _session_now() -> datetime:
    """The instant every test stands at: `RELIEF_TEST_NOW` (ISO 8601) if set, else the wall clock when the session
    starts. A process clock moved by libfaketime (`.ci/run`'s moved-clock runs) therefore moves every test too."""
    raw = os.environ.get("RELIEF_TEST_NOW", "").strip()
    at = datetime.fromisoformat(raw) if raw else datetime.now(UTC)
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).replace(microsecond=0)


TEST_NOW = _session_now()
# "yesterday, same time" in county time: an occurred-at that is never frozen or in the future, on any date
RECENT = clock.format_dt(TEST_NOW - timedelta(days=1))
FAR_EXPIRY = (TEST_NOW + timedelta(days=800)).date().isoformat()  # a lot expiry safely in the future


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[clock.FixedClock]:
    """Tests never read the wall clock: the one clock stands at TEST_NOW (county time zone) for every test."""
    with clock.pinned(TEST_NOW, clock.DEFAULT_TZ) as c:
        yield c


@pytest.fixture
def pinned_clock(_pinned_clock: clock.FixedClock) -> clock.FixedClock:
    """The test's clock, to move (`advance`, `set`)."""
    return _pinned_clock


@pytest.fixture(autouse=True)
def _language_back_to_chinese() -> Iterator[None]:
    """Every test starts in zh and leaves no language behind (the CLI's --lang en sets the context variable in
    the test thread, where AppTest later formats widget values)."""
    token = current_lang.set("zh")
    yield
    current_lang.reset(token)


@pytest.fixture(autouse=True)
def _no_cli_login_from_outside(tmp_path_factory, monkeypatch) -> None:
    """The CLI's login (`relief login`) lives in a per-test file; the developer's own login never leaks in."""
    private = tmp_path_factory.getbasetemp() / "cli-login" / uuid.uuid4().hex  # made only by a `relief login`
    monkeypatch.setenv("RELIEF_SESSION_FILE", str(private / "session.json"))
    monkeypatch.delenv("RELIEF_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("RELIEF_PASSWORD", raising=False)


@pytest.fixture(autouse=True)
def _no_road_graph_from_outside(tmp_path_factory, monkeypatch) -> None:
    """A road graph imported into the checkout's data/ never changes the tests' travel times (issue 19): tests
    that want one point RELIEF_ROAD_GRAPH_FILE at their own."""
    nowhere = tmp_path_factory.getbasetemp() / "no-roads" / uuid.uuid4().hex / "county-roads.npz"
    monkeypatch.setenv("RELIEF_ROAD_GRAPH_FILE", str(nowhere))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
        e = make_engine(url)
        create_schema(e)
        e.dispose()
        yield url
    else:
        url = pg_url_or_skip()
        e = make_engine(url)
        reset_pg(e)
        e.dispose()
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    e = make_engine(db_url)
    yield e
    e.dispose()


@pytest.fixture
def uow(engine: Engine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(engine)


@pytest.fixture
def world(engine: Engine):
    """A tiny county: 2 depots, 3 items (tent, water with shelf life, pump) — see tests/support/factory.py."""
    return seed_minimal(engine)


NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def now() -> datetime:
    return NOW


def cid() -> uuid.UUID:
    return uuid.uuid4()


def days(n: int) -> timedelta:
    return timedelta(days=n)


__all__ = ["NOW", "Base", "cid", "date", "days", "pg_url_or_skip"]


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> str:
    """The demo county, built once per test session on SQLite (read-only tests share it), in a database created as
    a demo like `relief demo` does."""
    from stockpile.demo.builder import build_demo, create_demo_database

    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    create_demo_database(url)
    build_demo(url, as_of=DEMO_NOW)
    return url


DEMO_NOW = TEST_NOW  # the demo is built as of the day the tests stand at
