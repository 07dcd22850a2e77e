"""Times shown to a person are the county's, the Chinese way, never ISO with an offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from stockpile.adapters.orm.auth import AuditEventRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.domain.errors import PostingInFuture
from stockpile.domain.ledger import check_posting_time
from stockpile.trust import users
from tests.integration.test_auth_login import PW, CountingHasher
from tests.integration.test_imports import GOOD, xlsx

pytestmark = pytest.mark.dates

LATE_UTC = datetime(2026, 6, 1, 18, 26, tzinfo=UTC)  # already 2026-06-02 02:26 in Beijing


def test_duplicate_import_notice_is_in_county_time(db_url, world):
    svc = build_services(Settings(database_url=db_url))
    data = xlsx(GOOD)
    svc.imports.import_file(data, "stock.xlsx", "keeper1", now=LATE_UTC)
    rep = svc.imports.import_file(data, "stock.xlsx", "keeper1", now=LATE_UTC + timedelta(minutes=5))
    assert rep.already_imported["when"] == "2026-06-02 02:26"


def test_lockout_time_in_the_audit_log_is_county_time(uow, world, engine):
    """The person trying sees only `login_failed` (the lockout does not reveal who exists); the
    admin's audit row names the lock's end in county time, never ISO with an offset."""
    hasher = CountingHasher()
    users.add_user(uow, hasher, "admin", "alice", "keeper", PW, (world.depot,), now=LATE_UTC)
    for _ in range(users.MAX_FAILURES):
        with pytest.raises(users.LoginFailed):
            users.login(uow, hasher, "alice", "wrong password", LATE_UTC)
    with pytest.raises(users.LoginFailed) as e:
        users.login(uow, hasher, "alice", PW, LATE_UTC + timedelta(minutes=1))
    assert "until" not in e.value.params
    with engine.connect() as c:
        rows = c.execute(select(AuditEventRow.detail).where(AuditEventRow.actor == "alice")).scalars().all()
    locked = [d for d in rows if "locked" in str(d)]
    assert locked and "2026-06-02 02:41" in str(locked[-1]) and "+00:00" not in str(locked[-1])


def test_future_posting_message_is_in_county_time(pinned_clock):
    from stockpile import clock

    pinned_clock.set(LATE_UTC)
    with pytest.raises(PostingInFuture) as e:
        check_posting_time(LATE_UTC + timedelta(hours=1), clock.now())
    assert e.value.params["occurred_at"] == "2026-06-02 03:26"


def test_freeze_date_is_a_county_day(pinned_clock):
    """02:26 on 2 June in Beijing is after a freeze date of 1 June, although it is still 1 June in UTC."""
    from datetime import date

    from stockpile import clock

    pinned_clock.set(LATE_UTC + timedelta(minutes=10))
    assert check_posting_time(LATE_UTC, clock.now(), freeze_date=date(2026, 6, 1)) is False
