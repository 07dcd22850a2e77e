"""AppTest fixtures: real Services on the demo county; writing tests get their own copy of the database."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from stockpile.app.pages.common import page_roles
from stockpile.bootstrap import build_services
from stockpile.config import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_services(demo_url: str) -> Any:
    """Read-only: shared by every rendering test (never post with it)."""
    return build_services(Settings(database_url=demo_url, role_picker=True))


@pytest.fixture
def services(demo_url: str, tmp_path: Path) -> Any:
    """A private copy of the demo county for tests that post."""
    db = tmp_path / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), db)
    return build_services(Settings(database_url=f"sqlite:///{db}", role_picker=True))


DEMO_USERS = {"keeper": "keeper_demo", "dispatcher": "dispatcher", "planner": "planner", "admin": "admin"}


def _first_role(path: Path) -> str:
    """The page's first role in keeper → dispatcher → planner → admin order (its nav header names them)."""
    roles = page_roles(str(path))
    return next((r for r in DEMO_USERS if r in roles), "admin")


def page(name: str, services: Any, **state: Any) -> AppTest:
    """An AppTest of stockpile/app/pages/<name>.py (or app.py) with the services (and any session state) preset."""
    path = ROOT / ("app.py" if name == "app" else f"stockpile/app/pages/{name}.py")
    at = AppTest.from_file(str(path), default_timeout=60)
    at.session_state["services"] = services
    if name != "app":  # a page on its own acts as the demo user app.py would have put in the session
        role = state.get("role") or _first_role(path)
        state.setdefault("role", role)
        state.setdefault("user", DEMO_USERS.get(role, ""))
        state.setdefault("demo_mode", True)
    for k, v in state.items():
        at.session_state[k] = v
    return at


def texts(at: AppTest, kind: str) -> list[str]:
    return [str(e.value) for e in getattr(at, kind)]
