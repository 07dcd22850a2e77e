"""Long work on a page as a job run by a worker, never in the Streamlit script thread: `submit` hands the question
to the queue; `newest` follows the running job with a progress bar and a cancel button (a fragment that reruns
every second, so the rest of the page stays usable) and returns the newest finished answer to the same question,
also after the user left the page or closed the tab. UI only; the dispatch page has its own richer follower."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from stockpile import clock
from stockpile.app.pages.common import current_user, services, show_error
from stockpile.dispatch.commands import solve_bar
from stockpile.domain.errors import DomainError
from stockpile.i18n import error_text, t
from stockpile.jobs.commands import DONE, FAILED, FINISHED, JobView

Same = Callable[[Mapping[str, Any]], bool]  # a job's parameters → is it the question on the page?


def submit(kind: str, params: Mapping[str, Any], key: str) -> None:
    """Submit the job and follow it on this page (a refused submission is said in words)."""
    try:
        st.session_state[f"{key}.job"] = services().jobs.submit(kind, params, current_user())
    except DomainError as e:
        show_error(e)


def _elapsed_s(rec: JobView) -> float:
    return max(0.0, (clock.now() - rec.started_at).total_seconds()) if rec.started_at else 0.0


@st.fragment(run_every=1.0)
def _follow(key: str, limit_s: float | None) -> None:
    """The running job: a progress bar (by its time limit when it has one) and a cancel button; the whole page
    reruns once the job finished, so the answer (or the error) shows in its place."""
    job_id = st.session_state.get(f"{key}.job")
    if job_id is None:
        return
    svc = services()
    rec = svc.jobs.get(job_id, current_user())
    if rec.status in FINISHED:
        del st.session_state[f"{key}.job"]
        st.rerun()
    seconds = _elapsed_s(rec)
    share = solve_bar(seconds, limit_s)[0] if limit_s else 0.0  # the dispatch page's bar, by the job's limit
    text = t("jobs.running_for", seconds=seconds) if rec.started_at else t("jobs.status.queued")
    st.progress(share, text=text)
    if st.button(t("jobs.cancel"), key=f"{key}.cancel"):
        svc.jobs.cancel(job_id, current_user())
        del st.session_state[f"{key}.job"]
        st.rerun()


def newest(kind: str, key: str, same: Same, limit_s: float | None = None) -> Any | None:
    """Follow this user's running job of `kind` for the question on the page (`same`) and return the answer of
    the newest finished one (None when there is none yet). A failed newest job is said in words."""
    found = newest_done(kind, key, same, limit_s)
    return None if found is None else found[1]


def newest_done(kind: str, key: str, same: Same, limit_s: float | None = None) -> tuple[JobView, Any] | None:
    """`newest`, with the done job the answer came from (its id and times: a page adopting it once)."""
    svc, user = services(), current_user()
    try:
        recs = [r for r in svc.jobs.list_jobs(user, (kind,), 20) if same(r.params)]
    except DomainError as e:  # a login revoked since the page opened: said in words, the page goes on
        show_error(e)
        return None
    followed = next((r for r in recs if r.id == st.session_state.get(f"{key}.job")), None)
    if followed is not None and followed.status in FINISHED:
        del st.session_state[f"{key}.job"]  # finished since the last run: this run shows it, no extra rerun
    running = next((r for r in recs if r.status not in FINISHED), None)
    if running is not None and f"{key}.job" not in st.session_state:
        st.session_state[f"{key}.job"] = running.id  # back on the page: follow the solve still running
    _follow(key, limit_s)
    finished = next((r for r in recs if r.status in FINISHED), None)
    if finished is not None and finished.status == FAILED and finished.error:
        st.error(error_text(str(finished.error.get("code")), dict(finished.error.get("params") or {})))
    done = next((r for r in recs if r.status == DONE), None)
    if done is None:
        return None
    cached = st.session_state.get(f"{key}.result")
    if cached is None or cached[0] != done.id:  # decoded once per job, not on every rerun
        cached = st.session_state[f"{key}.result"] = (done.id, svc.jobs.result(done.id, user))
    return done, cached[1]
