"""Times shown to a person are the county's, the Chinese way, never ISO with an offset (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from i18n import error_text
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.domain.errors import PostingInFuture
from stockpile.domain.ledger import check_posting_time
from stockpile.services import users
from tests.integration.test_auth_login import PW, CountingHasher
from tests.integration.test_imports import GOOD, xlsx

pytestmark = pytest.mark.dates

LATE_UTC = datetime(2026, 6, 1, 18, 26, tzinfo=UTC)  # already 2026-06-02 02:26 in Beijing


def test_duplicate_import_notice_is_in_county_time(db_url, world):
    svc = build_services(Settings(database_url=db_url))
    data = xlsx(GOOD)
    svc.import_file(data, "stock.xlsx", "keeper1", now=LATE_UTC)
    rep = svc.import_file(data, "stock.xlsx", "keeper1", now=LATE_UTC + timedelta(minutes=5))
    assert rep.already_imported["when"] == "2026-06-02 02:26"


def test_lockout_message_names_the_county_time(uow, world):
    hasher = CountingHasher()
    users.add_user(uow, hasher, "admin", "alice", "keeper", PW, (world.depot,), now=LATE_UTC)
    for _ in range(users.MAX_FAILURES):
        with pytest.raises(users.LoginFailed):
            users.login(uow, hasher, "alice", "wrong password", LATE_UTC)
    with pytest.raises(users.AccountLocked) as e:
        users.login(uow, hasher, "alice", PW, LATE_UTC + timedelta(minutes=1))
    assert e.value.params["until"] == "2026-06-02 02:41"
    assert "+00:00" not in error_text(e.value.code, dict(e.value.params))


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
