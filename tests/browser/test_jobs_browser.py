"""Chromium: the rotation plan is a job. Pressed in a real browser, it runs with a progress bar and a cancel button;
the planner goes to another page and comes back (a new page load: a new Streamlit session), and the plan is there.

Uses the session's app (tests/browser/conftest.py: a temporary demo database, demo mode, the admin by default)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_rotation_plan_is_on_the_page_after_leaving_and_coming_back(page, app_url):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(app_url + "/rotation")
    expect(page.get_by_role("heading", name="轮换计划").first).to_be_visible()
    page.get_by_role("button", name="编制轮换计划").click()
    expect(page.get_by_role("button", name="取消求解")).to_be_visible()  # followed as a job, not solved here
    page.goto(app_url + "/stock")  # away while it runs
    page.wait_for_selector('[data-testid="stSidebar"]')
    page.goto(app_url + "/rotation")
    expect(page.get_by_role("heading", name="轮换计划表")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("求解状态").first).to_be_visible()


def test_dispatch_plan_is_on_the_page_after_leaving_and_coming_back(page, app_url):  # type: ignore[no-untyped-def]
    """The dispatcher's solve is a job too: submitted, left for another page while it runs, and there on return."""
    from playwright.sync_api import expect

    page.goto(app_url + "/dispatch")
    expect(page.get_by_role("heading", name="调度方案").first).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="生成方案").click()
    expect(page.get_by_role("button", name="取消求解")).to_be_visible(timeout=30_000)  # followed as a job
    page.goto(app_url + "/stock")  # away while it runs (a new page load: a new Streamlit session)
    page.wait_for_selector('[data-testid="stSidebar"]')
    page.goto(app_url + "/dispatch")
    expect(page.get_by_text("校验器：通过")).to_be_visible(timeout=120_000)
