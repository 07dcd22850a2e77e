"""`relief order replan` on the demo county: a re-plan of the confirmed plan with a broken truck, printed in words,
then confirmed: the unshipped orders are superseded; without a confirmed plan, one sentence and exit 1."""

from __future__ import annotations

from typer.testing import CliRunner

from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import Settings
from tests.support.cli import login_as

runner = CliRunner()


def test_replan_in_the_cli(cli_db, tmp_path):
    login_as("dispatcher")
    none = runner.invoke(app, ["order", "replan", "FLOOD-DEMO", "--time-limit", "1"])
    assert (
        none.exit_code == 1 and "没有已确认且未作废的方案" in none.output and "Traceback" not in none.output
    )
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    first = svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")
    broken = first[0]["vehicle"]
    look = runner.invoke(app, ["order", "replan", "FLOOD-DEMO", "--broken", broken, "--time-limit", "1"])
    assert look.exit_code == 0, look.output
    assert "将被替代" in look.output and "未确认" in look.output and "p0-" not in look.output
    assert {o["state"] for o in svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")} == {"pending"}
    done = runner.invoke(
        app, ["order", "replan", "FLOOD-DEMO", "--broken", broken, "--time-limit", "1", "--confirm"]
    )
    assert done.exit_code == 0 and "已确认新方案" in done.output, done.output
    after = {o["doc_no"]: o for o in svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")}
    assert {after[o["doc_no"]]["state"] for o in first} == {"superseded"}
    assert all(broken != o["vehicle"] for d, o in after.items() if o["state"] == "pending")
    listed = runner.invoke(app, ["order", "list", "--scenario", "FLOOD-DEMO"])
    assert "已被替代" in listed.output and "superseded" not in listed.output
    new_no = next(o["doc_no"] for o in after.values() if o["state"] == "pending").split("-")[0]
    shown = runner.invoke(app, ["order", "show", first[0]["doc_no"]])
    assert shown.exit_code == 0 and "已被新方案" in shown.output and new_no in shown.output
    assert svc.ledger.verify_ledger() == []


def test_replan_no_wait_only_submits_the_job(cli_db, tmp_path):
    """`--no-wait` submits the re-plan as a job and says how to follow it; the job's plan (solved by a worker) is
    a re-plan of the confirmed plan that the page can confirm; nothing is superseded before that."""
    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    out = runner.invoke(app, ["order", "replan", "FLOOD-DEMO", "--time-limit", "1", "--no-wait"])
    assert out.exit_code == 0 and "relief job show" in out.output, out.output
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    rec = svc.jobs.list_jobs("dispatcher", ("replan",), 1)[0]
    assert str(rec.id) in out.output and rec.params["scenario"] == "FLOOD-DEMO"
    done = svc.jobs.wait(rec.id, "dispatcher", timeout_s=60)
    if done.status != "done":  # the CLI's embedded worker ended with the command: a worker takes it up
        svc.jobs.run(rec.id, "test-worker")
    new = svc.jobs.plan(rec.id, "dispatcher")
    assert new is not None and new.extra["base_plan"]
    assert {o["state"] for o in svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")} == {"pending"}
    assert svc.dispatch.confirm(new, "dispatcher").superseded


def _replan_after(tmp_path, hours: float) -> str:
    """The demo flood planned and confirmed now, then re-planned ``hours`` later: the command's output."""
    from datetime import timedelta

    from stockpile import clock

    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    later = (clock.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")
    out = runner.invoke(app, ["order", "replan", "FLOOD-DEMO", "--time-limit", "1", "--at", later])
    assert out.exit_code == 0, out.output
    return str(out.output)


def test_a_late_replan_lists_the_demand_it_cannot_bring(cli_db, tmp_path):
    """A re-plan days after the plan (past its horizon) brings none of the open demand: the output says a new plan
    is needed and lists the demand by the point's and the item's names with the reason, never only a smaller
    已安排送达 total."""
    out = _replan_after(tmp_path, 72)
    assert "未能送达" in out and "window_unreachable" not in out, out
    assert "已超出本方案的规划时段（方案开始后 24 小时）" in out, out
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    names = {name for name, _ in svc.dispatch.item_names().values()}
    assert any(name in out for name in names)


def test_a_replan_past_the_relief_target_brings_the_open_demand_late(cli_db, tmp_path):
    """Nine hours on, the 8 h relief target has passed: the open demand is still brought, as soon as the trucks
    can, and the output names its goods as late (it was listed 未能送达 though the trucks could bring it)."""
    out = _replan_after(tmp_path, 9)
    assert "已过或赶不上送达时限的货物，仍尽快送达" in out and "未能送达" not in out, out
    assert "规划时段" not in out, out


def test_a_broken_truck_not_in_the_plan_is_refused(cli_db, tmp_path):
    """`--broken NOPE-9` (a typo) re-planned as if no truck had broken; it is refused, naming the plan's fleet."""
    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    out = runner.invoke(app, ["order", "replan", "FLOOD-DEMO", "--broken", "NOPE-9", "--time-limit", "1"])
    assert out.exit_code == 1 and "NOPE-9" in out.output and "不在该方案的车队中" in out.output, out.output
    assert "Traceback" not in out.output


def test_a_replan_that_cannot_be_carried_out_is_a_preview_and_never_locks_the_scenario(cli_db, tmp_path):
    """A re-plan past the plan's horizon (72 h on) superseded every order by none and left the scenario with an open
    plan that had no order to void: it is refused at --confirm, as is a re-plan for a later moment (a what-if) and one
    before the plan began; the orders stay as they were and a new plan can still be made."""
    from datetime import timedelta

    from stockpile import clock

    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    svc = build_services(Settings(database_url=f"sqlite:///{cli_db}"))
    orders = {o["doc_no"]: o["state"] for o in svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")}
    replan = ["order", "replan", "FLOOD-DEMO", "--time-limit", "1", "--confirm", "--at"]
    for hours, says in ((72, "已超出本方案的规划时段"), (9, "只能预览，不能确认"), (-2, "早于方案开始")):
        at = (clock.now() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")
        out = runner.invoke(app, [*replan, at])
        assert out.exit_code == 1 and says in out.output and "Traceback" not in out.output, (
            hours,
            out.output,
        )
        now = {o["doc_no"]: o["state"] for o in svc.dispatch.list_orders("dispatcher", scenario="FLOOD-DEMO")}
        assert now == orders, hours


def test_a_plan_with_no_order_left_open_no_longer_blocks_a_new_plan(cli_db, tmp_path):
    """An open plan whose orders are all closed or void (or that wrote none: a re-plan with nothing left to carry)
    is closed when the next plan is confirmed, rather than refused with an empty list of orders to void."""
    from sqlalchemy import create_engine, update

    from stockpile.adapters.orm.dispatch import DispatchOrderRow

    login_as("dispatcher")
    plan = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "first")]
    assert runner.invoke(app, plan).exit_code == 0
    with create_engine(f"sqlite:///{cli_db}").begin() as c:  # the state such a re-plan left behind
        c.execute(update(DispatchOrderRow).values(state="closed"))
    again = ["plan", "FLOOD-DEMO", "--time-limit", "2", "--confirm", "--out", str(tmp_path / "second")]
    out = runner.invoke(app, again)
    assert out.exit_code == 0, out.output
