"""Backdating: on or before the freeze date (冻结日期), or more than `backdate_days` back, only an admin posts,
and only on a depot granted to them (audited `set_sites`); such postings are flagged in the audit row.
Single postings, reservation issues and batch imports follow the same rule — SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from stockpile.adapters.orm.auth import AuditEventRow
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.domain.errors import Frozen, InvalidCommand, PermissionDenied
from stockpile.ledger import stock
from stockpile.schemas import ReceiptCmd
from stockpile.trust import users
from tests.conftest import NOW
from tests.integration.test_imports import HEAD, csv_bytes

pytestmark = pytest.mark.dates  # date-sensitive: also run under moved clocks (.ci/run)

D = timedelta(days=1)


def receipt(w, at, actor="keeper1", qty=5):
    return ReceiptCmd(
        client_id=uuid.uuid4(),
        actor=actor,
        occurred_at=at,
        site_code=w.depot,
        item_code=w.water,
        lot_no="B1",
        qty=qty,
        expiry=date(2027, 1, 1),
    )


def on_hand(uow, w) -> int:
    with uow:
        item = uow.ledger.item_by_code(w.water)
        rows = uow.ledger.lock_item_balances(uow.ledger.site_by_code(w.depot).id, item.id)
        return sum(b.on_hand for b, _lot in rows)


def freeze(uow, day="2026-05-20"):
    users.set_freeze_date(uow, "admin", date.fromisoformat(day), NOW)


def grant_admin_the_depot(uow, w):
    """The audited keeper grant: another admin assigns the county depot to `admin`."""
    users.set_sites(uow, "admin2", "admin", (w.depot,), NOW)


def ok_audits(engine, action):
    q = select(AuditEventRow).where(AuditEventRow.action == action, AuditEventRow.outcome == "ok")
    with engine.connect() as c:
        return list(c.execute(q.order_by(AuditEventRow.id)).all())


def test_admin_may_backdate_before_the_freeze_date(uow, world):
    """An admin with a grant on the depot posts on a day the freeze date closed for keepers."""
    freeze(uow)
    grant_admin_the_depot(uow, world)
    stock.record_receipt(receipt(world, NOW - 15 * D, actor="admin"), uow, NOW)
    assert on_hand(uow, world) == 5


def test_admin_without_a_depot_grant_may_not_post(uow, world):
    """An admin posts stock only via an audited keeper grant of that depot; without it: denied."""
    with pytest.raises(PermissionDenied):
        stock.record_receipt(receipt(world, NOW - D, actor="admin"), uow, NOW)
    assert on_hand(uow, world) == 0


def test_keeper_beyond_backdate_days_is_frozen(uow, world):
    """More than `backdate_days` back a keeper gets Frozen; inside the window the posting goes through."""
    users.set_backdate_days(uow, "admin", 7, NOW)
    with pytest.raises(Frozen):
        stock.record_receipt(receipt(world, NOW - 8 * D), uow, NOW)
    stock.record_receipt(receipt(world, NOW - 6 * D), uow, NOW)
    assert on_hand(uow, world) == 5


def test_default_backdate_window_is_thirty_days(uow, world):
    """Without a setting, postings more than 30 days back need an admin."""
    with pytest.raises(Frozen):
        stock.record_receipt(receipt(world, NOW - 31 * D), uow, NOW)
    grant_admin_the_depot(uow, world)
    stock.record_receipt(receipt(world, NOW - 31 * D, actor="admin"), uow, NOW)
    assert on_hand(uow, world) == 5


def test_admin_backdated_posting_is_audited(uow, world, engine):
    """The audit row of an admin's backdated posting carries `backdated: true`; a current one does not."""
    freeze(uow)
    grant_admin_the_depot(uow, world)
    stock.record_receipt(receipt(world, NOW - 15 * D, actor="admin"), uow, NOW)
    stock.record_receipt(receipt(world, NOW - D, actor="admin"), uow, NOW)
    back, current = ok_audits(engine, "receive")
    assert back.actor.upper() == "ADMIN" and json.loads(back.detail)["backdated"] is True
    assert isinstance(json.loads(current.detail), list)  # per-key before/after, no flag


def test_only_admin_sets_the_backdate_window(uow, world, engine):
    """Setting `backdate_days` is an admin action (like the freeze date), audited with the old value."""
    with pytest.raises(PermissionDenied):
        users.set_backdate_days(uow, "keeper1", 365, NOW)
    with pytest.raises(InvalidCommand):
        users.set_backdate_days(uow, "admin", -1, NOW)
    users.set_backdate_days(uow, "admin", 10, NOW)
    [row] = ok_audits(engine, "set_backdate_days")
    assert (row.target, json.loads(row.detail)) == ("10", {"from": 30})


ROWS = [["入库", "D-COUNTY", "1020101", "W-9", 10, "", "2027-06-30", "2026-05-10 09:00", "RK9"]]


def test_import_before_the_freeze_date_is_frozen_for_a_keeper(db_url, world):
    """In batch imports: a keeper's row dated before the freeze date is refused by row, nothing posted."""
    svc = build_services(Settings(database_url=db_url))
    svc.trust.set_freeze_date("admin", date(2026, 5, 20))
    report = svc.imports.import_file(csv_bytes(ROWS, head=HEAD), "in.csv", "keeper1", now=NOW)
    assert [e.code for e in report.errors] == ["frozen"] and report.accepted == 0


def test_admin_import_may_backdate_and_is_flagged(db_url, world, engine):
    """In batch imports: an admin with a grant on the depot imports rows before the freeze date; flagged."""
    svc = build_services(Settings(database_url=db_url))
    svc.trust.set_freeze_date("admin", date(2026, 5, 20))
    svc.trust.set_sites("admin2", "admin", (world.depot,))
    report = svc.imports.import_file(csv_bytes(ROWS, head=HEAD), "in.csv", "admin", now=NOW)
    assert not report.errors and report.accepted == 1
    [row] = ok_audits(engine, "import")
    assert json.loads(row.detail)["backdated"] is True


def test_cli_sets_and_shows_the_posting_window(tmp_path, demo_url, monkeypatch):
    """`relief period backdate-days 14 --as admin` stores the window; a keeper is refused (exit 1)."""
    import shutil

    from typer.testing import CliRunner

    from stockpile.cli.main import app
    from tests.support.cli import login_as

    path = tmp_path / "cli.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    runner = CliRunner()
    login_as("admin")
    assert runner.invoke(app, ["period", "backdate-days", "14"]).exit_code == 0
    future = runner.invoke(app, ["period", "freeze-date", "9999-12-31"])  # would close every period to come
    assert future.exit_code == 1 and "冻结日期不能晚于今天" in future.output, future.output
    login_as("keeper_xjk")
    assert runner.invoke(app, ["period", "freeze-date", "2026-03-31"]).exit_code == 1
    out = runner.invoke(app, ["period", "show"]).output
    assert "14" in out and "2026-03-31" not in out
