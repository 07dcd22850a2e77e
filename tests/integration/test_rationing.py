"""Fair-share rationing (E2) from the dispatch service and `relief plan --rationing`: with water short, "priority"
serves the shelter first and "fair" gives every point the same share, the shortfall per point listed either way."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import Settings
from stockpile.domain.errors import InvalidCommand
from tests.conftest import NOW
from tests.support.cli import login_as
from tests.support.dispatch import SCENARIO, seed_dispatch

WATER = "1020101"
SHORT = {("S1", WATER): 1000, ("V1", WATER): 1000, ("V2", WATER): 700}  # 2 700 asked, 1 350 in stock


@pytest.fixture
def svc(engine, world, db_url):
    seed_dispatch(engine, world)
    return build_services(Settings(database_url=db_url))


def _short(plan) -> dict[str, int]:
    out: dict[str, int] = {}
    for u in plan.unserved:
        out[u.point] = out.get(u.point, 0) + u.qty
    return out


def test_priority_serves_the_shelter_first_and_fair_shares_alike(svc):
    priority = svc.dispatch.plan(SCENARIO, svc.dispatch.plan_settings(time_limit_s=1.0), SHORT, now=NOW)
    fair = svc.dispatch.plan(
        SCENARIO, svc.dispatch.plan_settings(time_limit_s=1.0, rationing="fair"), SHORT, now=NOW
    )
    assert priority.violations == () and fair.violations == ()
    by_priority, by_fair = _short(priority), _short(fair)
    assert (
        sum(by_priority.values()) >= 1350 and sum(by_fair.values()) >= 1350
    )  # the stock is short either way
    assert by_priority.get("S1", 0) < by_fair.get("S1", 0)  # the shelter is served first only by priority
    assert {u.reason for u in fair.unserved if u.point == "S1"} == {"rationed"}
    served = {p: 1 - by_fair.get(p, 0) / q for (p, _), q in SHORT.items()}
    assert max(served.values()) - min(served.values()) < 0.05  # every point got about the same share


def test_an_unknown_rationing_is_refused(svc):
    with pytest.raises(InvalidCommand) as e:
        svc.dispatch.plan_settings(rationing="lottery")
    assert e.value.params["reason"] == "bad_rationing"


def test_plan_cli_takes_the_rationing(cli_db):
    login_as("dispatcher")
    res = CliRunner().invoke(app, ["plan", "FLOOD-DEMO", "--rationing", "lottery"])
    assert res.exit_code == 1 and "lottery" in res.output and "分配方式" in res.output


def test_plan_cli_plans_with_fair_share(cli_db):
    login_as("dispatcher")
    res = CliRunner().invoke(app, ["plan", "FLOOD-DEMO", "--rationing", "fair", "--time-limit", "1"])
    assert res.exit_code == 0, res.output
    assert "按比例公平分配" in res.output and "校验器：通过" in res.output


def test_an_unknown_objective_is_refused_before_anything_is_solved(cli_db):
    """`plan --objective fastest` (a typo) ran as "total" without a word; it is refused, naming what is allowed."""
    login_as("dispatcher")
    res = CliRunner().invoke(app, ["plan", "FLOOD-DEMO", "--objective", "fastest"])
    assert res.exit_code == 1 and "fastest" in res.output and "makespan" in res.output, res.output
    assert "优化目标" in res.output and "Traceback" not in res.output
