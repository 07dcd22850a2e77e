"""AppTest: the rotation, coverage (siting, pre-positioning) and review pages solve as jobs run by a worker, never
in the Streamlit script thread. Submit, leave the page (the tab closed: a new session), come back: the answer is
there; a running job can be cancelled from the page; no process pool is made in the server's process."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, timedelta
from typing import Any

import pytest

from optimizer.rotation import jobs as rotation_jobs
from stockpile.bootstrap import build_services
from stockpile.config import Settings
from stockpile.jobs.commands import CANCELLED, DONE, PREPOSITION, REVIEW_PREPARE, ROTATION_PLAN, SITING
from tests.app.conftest import page
from tests.support.app_pages import settle

YEAR = date.today().year + 1


@pytest.fixture(scope="module")
def services(demo_url, tmp_path_factory):
    db = tmp_path_factory.mktemp("job_pages") / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    svc = build_services(Settings(database_url=f"sqlite:///{db}"))
    svc.planning.config = dataclasses.replace(svc.planning.config, time_limit_s=3.0)
    return svc


@pytest.fixture(autouse=True)
def _later(pinned_clock):
    """Each test submits after the earlier tests' jobs (the clock is pinned; jobs are listed newest first)."""
    _later.minutes = getattr(_later, "minutes", 0) + 1  # type: ignore[attr-defined]
    pinned_clock.advance(timedelta(minutes=_later.minutes))  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _no_process_pool(monkeypatch):
    """Any process pool the rotation planner would make in this process fails the job (and the test)."""

    def refused(*args: Any, **kw: Any) -> None:
        raise AssertionError("a process pool was made in the server's process")

    monkeypatch.setattr(rotation_jobs, "ProcessPoolExecutor", refused)


def _newest(services, user: str, kind: str):
    return services.jobs.list_jobs(user, (kind,), 1)[0]


def test_rotation_left_while_running_is_on_the_page_on_return(services):
    """The plan is submitted, the planner leaves at once; back on the page after the worker finished, the plan of
    the year is shown (made in a worker thread: no process pool in the server)."""
    at = page("rotation", services)
    at.run()
    at.number_input(key="rotation.year").set_value(YEAR)
    at.button(key="rotation.run").click().run()
    assert not at.exception and "rotation.job" in at.session_state  # followed, not solved in the script
    services.jobs.queue().join()
    assert _newest(services, "planner", ROTATION_PLAN).status == DONE
    back = page("rotation", services)
    back.run()
    back.number_input(key="rotation.year").set_value(YEAR).run()
    assert not back.exception
    assert back.session_state["rotation.report"].schedule and len(back.dataframe) >= 1


def test_a_running_rotation_is_cancelled_from_the_page(services):
    """Cancel while the job runs: the job ends cancelled, no plan is stored and none is shown."""
    at = page("rotation", services)
    at.run()
    at.number_input(key="rotation.year").set_value(YEAR + 1)
    at.button(key="rotation.run").click().run()
    at.button(key="rotation.cancel").click().run()
    settle(at, services)
    rec = _newest(services, "planner", ROTATION_PLAN)
    assert (rec.params["year"], rec.status, rec.result) == (YEAR + 1, CANCELLED, None)
    assert not at.exception and at.session_state["rotation.report"] is None and at.info


def test_siting_and_prepositioning_are_found_again_after_leaving(services):
    """Both coverage what-ifs submitted, the page left; a new visit with the same question shows both answers."""
    at = page("coverage", services, role="dispatcher", user="dispatcher")
    at.run()
    at.button(key="coverage.site_run").click().run()
    at.button(key="coverage.prep_run").click().run()
    services.jobs.queue().join()
    assert {_newest(services, "dispatcher", k).status for k in (SITING, PREPOSITION)} == {DONE}
    back = page("coverage", services, role="dispatcher", user="dispatcher")
    back.run()
    assert not back.exception
    assert back.session_state["coverage.siting"].chosen
    assert back.session_state["coverage.prep"] is not None
    labels = [m.label for m in back.metric]
    assert "新增后覆盖人口" in labels and any("覆盖" in x for x in labels[-2:])


def test_siting_of_another_question_is_not_shown(services):
    """A siting answer belongs to its question: at another time limit the page offers to run it, shows none."""
    at = page("coverage", services, role="dispatcher", user="dispatcher")
    at.run()
    at.slider(key="coverage.minutes").set_value(25).run()
    assert not at.exception and at.session_state["coverage.siting"] is None


def test_review_preparation_runs_as_a_job(services):
    """Prepare the review (it solves the year's rotation) as a job; on return the prepared review is shown."""
    at = page("review", services, role="planner", user="planner")
    at.run()
    at.number_input(key="review.year").set_value(YEAR)
    at.button(key="review.prepare").click().run()
    services.jobs.queue().join()
    assert _newest(services, "planner", REVIEW_PREPARE).status == DONE
    back = page("review", services, role="planner", user="planner")
    back.run()
    back.number_input(key="review.year").set_value(YEAR).run()
    assert not back.exception and "已编制" in back.markdown[0].value
