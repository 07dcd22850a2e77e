"""Drills re-based: `rebase_scenario` moves a drill's report time and every deadline with it, audited
under run_scenario; a live event and a keeper are refused; `relief scenario rebase` end to end (demo copy)."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from stockpile import clock
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm.auth import AuditEventRow
from stockpile.adapters.orm.dispatch import ScenarioRow
from stockpile.adapters.repos.dispatch import SqlDispatchRepository
from stockpile.adapters.repos.uow import SqlAlchemyUnitOfWork
from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import Settings
from stockpile.dispatch import scenario as dispatch_scenario
from stockpile.dispatch.commands import PlanSettings
from stockpile.domain.dispatch import NotADrill, UnknownScenario
from stockpile.domain.errors import PermissionDenied
from tests.conftest import DEMO_NOW, NOW
from tests.support.cli import login_as
from tests.support.dispatch import SCENARIO, seed_dispatch

pytestmark = pytest.mark.dates
runner = CliRunner()
TO = datetime(2030, 1, 1, 8, 0, tzinfo=clock.county_tz())  # across a New Year from any demo date


@pytest.fixture
def db(tmp_path, demo_url):
    path = tmp_path / "rebase.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def svc(db):
    return build_services(Settings(database_url=db, solve_time_limit_s=1))


def _audit(db: str) -> list[AuditEventRow]:
    with make_engine(db).connect() as c:
        return list(c.execute(select(AuditEventRow).order_by(AuditEventRow.id)).all())


def test_rebase_moves_the_report_time_and_keeps_demand_and_needed_by(svc, db):
    """The report time becomes `to`; points, needed-by minutes and demand are unchanged (they count from the
    report, so every deadline moved by the same delta); one `ok` audit row under run_scenario with both times."""
    before, demand = svc.dispatch.scenario_demand("FLOOD-DEMO")
    with clock.pinned(TO - timedelta(hours=1)):  # a drill is re-based to about now
        r = svc.dispatch.rebase_scenario("FLOOD-DEMO", "dispatcher", to=TO)
    after, demand_after = svc.dispatch.scenario_demand("FLOOD-DEMO")
    assert after.reported_at == TO and r.reported_before == before.reported_at and r.reported_at == TO
    assert r.delta == TO - before.reported_at
    assert after.points == before.points and demand_after == demand
    row = _audit(db)[-1]
    assert (row.actor, row.action, row.outcome, row.target) == (
        "dispatcher",
        "run_scenario",
        "ok",
        "FLOOD-DEMO",
    )
    detail = json.loads(row.detail)
    assert detail == {
        "op": "rebase",
        "reported_before": clock.format_dt(before.reported_at),
        "reported_at": "2030-01-01 08:00",
    }


def test_rebase_defaults_to_the_clocks_now_and_the_drill_plans_as_new(svc):
    """Three days after the demo was built the drill has run out of relief time; re-based (no `to`: the clock's
    now) it plans with no time already run, every unit delivered."""
    at = DEMO_NOW + timedelta(days=3)
    with clock.pinned(at):
        stale = svc.dispatch.plan("FLOOD-DEMO", PlanSettings(time_limit_s=1), now=at)
        svc.dispatch.rebase_scenario("FLOOD-DEMO", "planner")
        sc, _ = svc.dispatch.scenario_demand("FLOOD-DEMO")
        plan = svc.dispatch.plan("FLOOD-DEMO", PlanSettings(time_limit_s=1), now=at)
    assert stale.kpis.since_report_s == (3 * 24 + 1) * 3600 and not stale.kpis.relief_on_time
    assert sc.reported_at == at
    assert plan.kpis.since_report_s == 0 and plan.kpis.delivered == plan.kpis.demand > 0


def test_a_keeper_may_not_rebase_and_nothing_moves(svc, db):
    before, _ = svc.dispatch.scenario_demand("FLOOD-DEMO")
    with pytest.raises(PermissionDenied):
        svc.dispatch.rebase_scenario("FLOOD-DEMO", "keeper_demo", to=TO)
    assert svc.dispatch.scenario_demand("FLOOD-DEMO")[0].reported_at == before.reported_at
    row = _audit(db)[-1]
    assert (row.actor, row.action, row.outcome) == ("keeper_demo", "run_scenario", "authz_denied")


def test_a_live_event_keeps_its_report_time(svc, db):
    """A live event's report time is a fact: refused, nothing written."""
    with make_engine(db).begin() as c:
        c.execute(update(ScenarioRow).where(ScenarioRow.code == "FLOOD-DEMO").values(kind="live"))
    before, _ = svc.dispatch.scenario_demand("FLOOD-DEMO")
    n = len(_audit(db))
    with pytest.raises(NotADrill):
        svc.dispatch.rebase_scenario("FLOOD-DEMO", "dispatcher", to=TO)
    assert svc.dispatch.scenario_demand("FLOOD-DEMO")[0].reported_at == before.reported_at
    assert len(_audit(db)) == n
    with pytest.raises(UnknownScenario):
        svc.dispatch.rebase_scenario("NOPE", "dispatcher", to=TO)


def test_a_drill_is_not_re_based_to_a_time_nobody_means(svc, db):
    """1999 or a year ahead was accepted: a drill's new report time lies between 90 days before the clock's now
    (a drill replayed as on a later day of its relief) and a day after it (set the day before an exercise);
    anything else is refused naming the range, nothing moved and nothing audited as done."""
    from stockpile.domain.dispatch import RebaseOutOfRange

    at = datetime(2030, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 county time
    before, _ = svc.dispatch.scenario_demand("FLOOD-DEMO")
    n = len(_audit(db))
    with clock.pinned(at):
        for to in (datetime(1999, 1, 1, tzinfo=UTC), at + timedelta(days=365), at - timedelta(days=91),
                   at + timedelta(days=1, minutes=1)):  # fmt: skip
            with pytest.raises(RebaseOutOfRange):
                svc.dispatch.rebase_scenario("FLOOD-DEMO", "dispatcher", to=to)
        assert svc.dispatch.scenario_demand("FLOOD-DEMO")[0].reported_at == before.reported_at
        assert [r.outcome for r in _audit(db)[n:]] == []
        for to in (at - timedelta(days=89), at + timedelta(hours=23)):
            assert svc.dispatch.rebase_scenario("FLOOD-DEMO", "dispatcher", to=to).reported_at == to


@pytest.fixture
def cli_db(db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db)
    return db


def test_cli_rebase_prints_both_times(cli_db, svc):
    """`relief scenario rebase FLOOD-DEMO --to …` (naive = county time) prints the old and new report times."""
    before, _ = svc.dispatch.scenario_demand("FLOOD-DEMO")
    with clock.pinned(TO - timedelta(hours=1)):
        login_as("dispatcher")
        res = runner.invoke(app, ["scenario", "rebase", "FLOOD-DEMO", "--to", "2030-01-01T08:00"])
    assert res.exit_code == 0, res.output
    assert f"报告时间 {clock.format_dt(before.reported_at)} → 2030-01-01 08:00" in res.output
    assert svc.dispatch.scenario_demand("FLOOD-DEMO")[0].reported_at == TO


def test_cli_rebase_without_to_uses_now(cli_db, svc):
    at = datetime(2031, 3, 5, 10, 30, tzinfo=UTC)
    with clock.pinned(at):
        login_as("admin")  # on the pinned clock: a login made before would have expired by 2031
        res = runner.invoke(app, ["--lang", "en", "scenario", "rebase", "FLOOD-DEMO"])
    assert res.exit_code == 0, res.output
    assert "→ 2031-03-05 18:30" in res.output  # county time
    assert svc.dispatch.scenario_demand("FLOOD-DEMO")[0].reported_at == at


@pytest.mark.parametrize(
    ("user", "args", "code", "text"),
    [
        ("dispatcher", ["--to", "tomorrow"], 2, "时间无法识别：tomorrow"),
        ("dispatcher", ["--to", "1999-01-01T08:00"], 1, "新的报告时间 1999-01-01 08:00 不可用：须在"),
        ("keeper_demo", [], 1, ""),
    ],
)
def test_cli_rebase_refusals_are_messages(cli_db, svc, user, args, code, text):
    before, _ = svc.dispatch.scenario_demand("FLOOD-DEMO")
    login_as(user)
    res = runner.invoke(app, ["scenario", "rebase", "FLOOD-DEMO", *args])
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output and text in res.output
    assert svc.dispatch.scenario_demand("FLOOD-DEMO")[0].reported_at == before.reported_at


def test_demo_as_of_builds_every_date_from_it(tmp_path, monkeypatch):
    """`relief demo --as-of 2027-12-31`: the drill is reported an hour before 17:00 that day (county time) and the
    agreements run past 1 January; a bad date is a message."""
    db = f"sqlite:///{tmp_path / 'asof.db'}"
    monkeypatch.setenv("DATABASE_URL", db)
    bad = runner.invoke(app, ["demo", "--as-of", "2027-02-30"])
    assert bad.exit_code == 2 and "--as-of 需为日期" in bad.output
    for far in ("0001-01-01", "9999-12-31"):  # these left a half-built database with the demo's users
        bad = runner.invoke(app, ["demo", "--as-of", far])
        assert bad.exit_code == 2 and "须在 2000 年至 2200 年之间" in bad.output, bad.output
        assert not (tmp_path / "asof.db").exists()
    res = runner.invoke(app, ["demo", "--as-of", "2027-12-31"])
    assert res.exit_code == 0, res.output
    svc = build_services(Settings(database_url=db))
    sc, _ = svc.dispatch.scenario_demand("FLOOD-DEMO")
    assert clock.format_dt(sc.reported_at) == "2027-12-31 16:00"
    agreements = svc.views.agreements()
    assert (agreements["valid_to"].astype(str) > "2028-01-01").all()
    assert sc.reported_at + timedelta(hours=1) == datetime(2027, 12, 31, 17, 0, tzinfo=clock.county_tz())


def _drepo(uow: SqlAlchemyUnitOfWork) -> SqlDispatchRepository:
    return SqlDispatchRepository(uow.session)


def test_rebase_on_both_backends(engine, world):
    """SQLite and PostgreSQL: the small county's drill moves across a New Year, to the second, audited once."""
    seed_dispatch(engine, world)
    uow = SqlAlchemyUnitOfWork(engine)
    to = datetime(2027, 12, 31, 23, 30, tzinfo=clock.county_tz())  # 15:30 UTC
    at = datetime(2027, 12, 31, 15, 0, tzinfo=UTC)  # re-based to half an hour from now
    r = dispatch_scenario.rebase_scenario(SCENARIO, to, "disp", uow, _drepo, at)
    assert r.reported_before == NOW and r.delta == to - NOW
    with engine.connect() as c:
        assert (
            c.execute(select(ScenarioRow.reported_at).where(ScenarioRow.code == SCENARIO)).scalar_one() == to
        )
        rows = list(c.execute(select(AuditEventRow.actor, AuditEventRow.outcome, AuditEventRow.at)).all())
    assert rows[-1] == ("disp", "ok", at)
