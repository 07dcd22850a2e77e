"""Crash: SIGKILL during the order steps — confirm, `relief order ship` (a partial shipment: issue, split and
release of holds), `relief order receive` (签收 with a shortage), `relief order void` and the confirmation of a
re-plan (F6: one order shipped, the others superseded, their holds released and the re-plan's taken) — at random
points, on SQLite and PostgreSQL.

Each run starts from a fresh copy of a prepared demo county (a file copy on SQLite, `CREATE DATABASE … TEMPLATE`
on PostgreSQL), forks a child (modules already imported, so no interpreter start-up per run) that runs the step —
the `relief` command itself for ship, receive and void, with the county clock pinned so a complete run is
reproducible; the confirmation of a solved plan as in test_dispatch_crash, since `relief plan --confirm` would
solve again, and likewise the confirmation of a re-plan made once through the service — and kills it after a
random delay spread over the measured duration of a complete run. After every kill the canonical dump of the
tables the steps write equals the before- or the after-state; for each distinct state `relief check` passes
(integrity, balances = movements, reserved = Σ pending holds) and every order listed can be reprinted (PDF and
xlsx from the database). ORDER_CRASH_RUNS sets the count per step (50 by default).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import Settings
from stockpile.dispatch.commands import PlanSettings
from tests.conftest import DEMO_NOW, pg_url_or_skip
from tests.support.cli import login_as
from tests.support.crash import (
    admin_engine,
    crash_runs,
    drop_databases,
    end_sessions,
    recreate_database,
)

pytestmark = pytest.mark.slow
RUNS = int(os.environ.get("ORDER_CRASH_RUNS", "50"))
STEPS = ("confirm", "ship", "receive", "void", "replan")
AT = DEMO_NOW + timedelta(minutes=30)  # the step's clock, pinned in the child
SINCE = DEMO_NOW.astimezone(UTC).replace(tzinfo=None)  # audit rows from the steps on (stored as naive UTC)
DUMP = (  # by natural keys and the columns the steps write; ids made by sequences only where runs share them
    "SELECT CAST(id AS TEXT), site_id, lot_id, qty, plan_ref, state, resolved_at, "
    "CAST(resolve_posting_id AS TEXT) FROM reservation",
    "SELECT site_id, lot_id, on_hand, reserved FROM stock_balance",
    "SELECT count(*), max(seq) FROM movement",  # the demo's history is large: its count, then the orders' legs
    "SELECT CAST(m.posting_id AS TEXT), m.kind, m.site_id, m.lot_id, m.qty, m.occurred_at FROM movement m "
    "JOIN posting p ON p.id = m.posting_id WHERE p.doc_no LIKE 'DD%'",
    "SELECT CAST(id AS TEXT), scenario_open, voided_at, voided_by, CAST(supersedes AS TEXT), "
    "CAST(superseded_by AS TEXT), length(plan_json) FROM dispatch_plan",
    "SELECT doc_no, vehicle_code, state, picked_at, shipped_at, delivered_at, closed_at, voided_at, received_by, "
    "CAST(superseded_by AS TEXT) FROM dispatch_order",
    "SELECT doc_no, site_id, state, picked_at, shipped_at, shipped_by FROM dispatch_order_depot",
    "SELECT doc_no, line_no, job, stop_kind, place_code, item_id, qty FROM dispatch_line",
    "SELECT doc_no, site_id, item_id, planned_qty, shipped_qty, reason, note FROM dispatch_ship_line",
    "SELECT doc_no, place_code, item_id, planned_qty, received_qty, reason FROM dispatch_receipt_line",
    "SELECT CAST(plan_id AS TEXT), holder_site_id, item_id, qty FROM dispatch_call_off",
    "SELECT id, status, delivered_qty FROM relief_request",
    "SELECT at, actor, action, outcome, target, client_id, before_qty, after_qty FROM audit_event "
    "WHERE action NOT LIKE 'login%' AND action NOT LIKE 'session%' AND at >= :since",
)


def _state(url: str) -> str:
    """sha256 of the canonical dump (each query's rows sorted); SQLite's integrity_check must say ok."""
    e = make_engine(url, poolclass=NullPool)
    try:
        with e.connect() as c:
            if url.startswith("sqlite"):
                assert c.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
            h = hashlib.sha256()
            for q in DUMP:
                for row in sorted(repr(tuple(r)) for r in c.execute(text(q), {"since": SINCE})):
                    h.update(row.encode())
                h.update(b"|")
        return h.hexdigest()
    finally:
        e.dispose()


def _cli(args: list[str]) -> Callable[[str], None]:
    """The child's step: `relief ARGS` against the run's database, as the logged-in user, at the pinned clock."""

    def run(url: str) -> None:
        os.environ["DATABASE_URL"] = url
        clock.use(clock.FixedClock(AT))
        code = app(args, standalone_mode=False)
        if code:  # a refusal (exit 1) is a failed step, not a finished one
            raise SystemExit(code)

    return run


def _prepare(url: str, step: str) -> Callable[[str], None]:
    """Bring the prepared copy to the state before `step` and return the child's step."""
    svc = build_services(Settings(database_url=url, solve_time_limit_s=2))
    plan = svc.dispatch.plan("FLOOD-DEMO", PlanSettings(time_limit_s=2), now=DEMO_NOW)
    if step == "confirm":
        return lambda u: build_services(Settings(database_url=u)).dispatch.confirm(
            plan, "dispatcher", DEMO_NOW
        )
    conf = svc.dispatch.confirm(plan, "dispatcher", DEMO_NOW)
    doc = max(conf.orders, key=lambda d: len(svc.dispatch.show_order(d, "dispatcher").depots))
    sheet = svc.dispatch.show_order(doc, "dispatcher")
    if step == "replan":  # one order on the road, the rest re-planned: confirming supersedes and moves holds
        for d in sheet.depots:
            svc.dispatch.ship(doc, d["site"], "dispatcher", DEMO_NOW + timedelta(minutes=5))
        new = svc.dispatch.replan_open("FLOOD-DEMO", "dispatcher", now=AT, time_limit_s=2)
        assert new.violations == () and new.extra["kept"] == [doc] and new.extra["superseded"]
        return lambda u: build_services(Settings(database_url=u)).dispatch.confirm(new, "dispatcher", AT)
    if step == "void":
        return _cli(["order", "void", doc])
    if step == "ship":
        depot = sheet.depots[0]["site"]
        pick = [
            ln for ln in sheet.lines if ln["kind"] == "pickup" and ln["place_code"] == depot and ln["lot_no"]
        ]
        item = pick[0]["item_code"]
        qty = sum(ln["qty"] for ln in pick if ln["item_code"] == item)
        return _cli(["order", "ship", doc, "--depot", depot, "--line", item, "--qty", str(qty - 1),
                     "--reason", "damaged"])  # fmt: skip
    for d in sheet.depots:
        svc.dispatch.ship(doc, d["site"], "dispatcher", DEMO_NOW + timedelta(minutes=5))
    stop = next(ln for ln in sheet.lines if ln["kind"] == "delivery")
    key = f"{stop['place_code']}:{stop['item_code']}"
    return _cli(["order", "receive", doc, "--receiver", "李村长", "--qty", f"{key}={stop['qty'] - 1}",
                 "--reason", f"{key}=途中受潮"])  # fmt: skip


def _kills(fresh: Callable[[], str], step: Callable[[str], None], mp: pytest.MonkeyPatch) -> dict[str, int]:
    return crash_runs(fresh, step, _state, lambda url: _verify(url, mp), RUNS, seed=18)


def _verify(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`relief check` passes and every order the dispatcher can list is reprinted from the database."""
    monkeypatch.setenv("DATABASE_URL", url)
    res = CliRunner().invoke(app, ["check"])
    assert res.exit_code == 0, res.output
    svc = build_services(Settings(database_url=url))
    for order in svc.dispatch.list_orders("dispatcher"):
        xlsx, pdf = svc.dispatch.order_documents(order["doc_no"], "dispatcher")
        assert pdf.startswith(b"%PDF") and xlsx[:2] == b"PK"


@pytest.fixture(scope="module")
def sqlite_base(tmp_path_factory, demo_url) -> Path:
    base = tmp_path_factory.mktemp("orders_crash") / "base.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), base)
    return base


@pytest.mark.parametrize("step", STEPS)
def test_killed_order_step_leaves_before_or_after_state(step, sqlite_base, tmp_path, monkeypatch):
    """SQLite: a step killed at any point leaves the database as before or as after, never in between."""
    prepared = tmp_path / "prepared.db"
    shutil.copy(sqlite_base, prepared)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{prepared}")
    login_as("dispatcher")
    child = _prepare(f"sqlite:///{prepared}", step)
    frozen = tmp_path / "frozen.db"  # the prepared state with its write-ahead log folded in
    with sqlite3.connect(prepared) as src, sqlite3.connect(frozen) as dst:
        src.backup(dst)
    db = tmp_path / "run.db"

    def fresh() -> str:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        shutil.copy(frozen, db)
        return f"sqlite:///{db}"

    print(f"sqlite {step} kills: {_kills(fresh, child, monkeypatch)}")


@pytest.fixture(scope="module")
def pg_demo() -> Iterator[tuple[Engine, str, Callable[[str], str]]]:
    """A demo county built once on PostgreSQL (the template of every step's prepared copy)."""
    from stockpile.demo.builder import build_demo, create_demo_database

    url = make_url(pg_url_or_skip())
    base = f"{url.database}_orders_base"
    admin = admin_engine(url.render_as_string(hide_password=False))

    def url_of(name: str) -> str:
        return url.set(database=name).render_as_string(hide_password=False)

    recreate_database(admin, base)
    create_demo_database(url_of(base))
    build_demo(url_of(base), now=DEMO_NOW)
    end_sessions(admin, base)
    yield admin, base, url_of
    drop_databases(admin, base)
    admin.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("step", STEPS)
def test_killed_order_step_leaves_before_or_after_state_postgresql(step, pg_demo, monkeypatch):
    """PostgreSQL: the dead client's transaction is rolled back; the state is before or after."""
    admin, base, url_of = pg_demo
    prepared, run = f"{base}_{step}", f"{base}_{step}_run"
    recreate_database(admin, prepared, template=base)
    monkeypatch.setenv("DATABASE_URL", url_of(prepared))
    login_as("dispatcher")
    child = _prepare(url_of(prepared), step)
    end_sessions(admin, prepared)

    def fresh() -> str:
        recreate_database(admin, run, template=prepared)
        return url_of(run)

    try:
        print(f"postgresql {step} kills: {_kills(fresh, child, monkeypatch)}")
    finally:
        drop_databases(admin, run, prepared)
