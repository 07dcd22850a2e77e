"""A page forced by a role it is not for shows the guard and calls no service (app.py builds each
role's navigation from the same `# nav: roles=` header the guard reads)."""

from __future__ import annotations

import pytest

from stockpile.app.pages.common import page_roles
from tests.app.conftest import ROOT, page
from tests.support.app_pages import CountingServices

ROLES = ("guest", "keeper", "dispatcher", "planner", "admin")
PAGES = sorted(p.stem for p in (ROOT / "stockpile" / "app" / "pages").glob("*.py") if page_roles(str(p)))
FORBIDDEN = [
    (name, role)
    for name in PAGES
    for role in ROLES
    if role not in page_roles(str(ROOT / "stockpile" / "app" / "pages" / f"{name}.py"))
]


def test_every_page_but_login_is_closed_to_guests() -> None:
    """Only the login page is open before signing in; every other page names the roles it is for."""
    assert {
        n for n in PAGES if "guest" in page_roles(str(ROOT / "stockpile" / "app" / "pages" / f"{n}.py"))
    } == {"login"}
    assert len(PAGES) >= 18


@pytest.mark.parametrize(("name", "role"), FORBIDDEN, ids=[f"{n}-{r}" for n, r in FORBIDDEN])
def test_forced_page_shows_the_guard_and_calls_no_service(demo_services, name: str, role: str) -> None:
    """A role the page is not for (forced URL or crafted session) gets the guard's error and no service call."""
    counting = CountingServices(demo_services)
    at = page(name, counting, role=role, user="intruder")
    at.run()
    assert not at.exception
    assert any("无权" in e.value for e in at.error), name
    assert counting.calls == [], (name, role, counting.calls)
