"""Deployment safety: demo data and demo accounts only ever go into a database created as a demo
(marked in the database itself); a real installation starts empty with `relief init`; `make run` builds the demo
only for the default demo file; the login page lists demo accounts only in a demo database."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from stockpile.adapters.db.database_kind import DatabaseState, database_state
from stockpile.adapters.db.engine import make_engine
from stockpile.adapters.orm.auth import UserRow
from stockpile.adapters.orm.ledger import ItemRow
from stockpile.bootstrap import build_services
from stockpile.cli.exitcodes import ExitCode
from stockpile.cli.main import app
from stockpile.config import Settings
from stockpile.demo.builder import NotADemoDatabase, build_demo
from tests.support.cli import login_as

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
PASSWORD = "river lantern 2031 quiet"


def counts(url: str) -> tuple[int, list[str]]:
    engine = make_engine(url)
    with engine.connect() as c:
        items = c.execute(select(func.count()).select_from(ItemRow)).scalar_one()
        names = list(c.execute(select(UserRow.username)).scalars())
    engine.dispose()
    return items, names


def test_demo_refuses_a_database_not_created_as_demo(db_url, monkeypatch):
    """A database that `relief demo` did not create (here: schema made by migrations/`create_schema`, no marker)
    gets no demo data and no demo account, with or without --force: exit code 4 and a sentence saying why. The
    builder itself refuses too."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    for args in (["demo"], ["demo", "--force"]):
        res = runner.invoke(app, args)
        assert res.exit_code == ExitCode.NOT_A_DEMO_DATABASE, res.output
        assert "relief demo" in res.output and "relief init" in res.output
    with pytest.raises(NotADemoDatabase):
        build_demo(db_url)
    assert counts(db_url) == (0, [])


def test_demo_refuses_a_real_installation(tmp_path, monkeypatch):
    """After `relief init` the database is marked `county`: `relief demo` (even --force) leaves it alone."""
    url = f"sqlite:///{tmp_path / 'county.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    res = runner.invoke(app, ["init", "chief"], env={"RELIEF_NEW_PASSWORD": PASSWORD})
    assert res.exit_code == 0, res.output
    assert runner.invoke(app, ["demo", "--force"]).exit_code == ExitCode.NOT_A_DEMO_DATABASE
    assert counts(url) == (0, ["chief"])
    assert (tmp_path / "county.db").exists()  # --force did not delete the file


def test_demo_goes_only_into_a_database_it_creates(tmp_path, monkeypatch):
    """`relief demo` on a file that does not exist creates it, marks it `demo` and builds the county."""
    url = f"sqlite:///{tmp_path / 'new-demo.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    res = runner.invoke(app, ["demo"])
    assert res.exit_code == 0, res.output
    assert database_state(url) == DatabaseState.DEMO
    items, names = counts(url)
    assert items > 0 and "admin" in names


def test_init_starts_an_empty_installation_with_the_first_admin(tmp_path, monkeypatch):
    """`relief init NAME`: schema, marker `county`, one admin with the password typed at the prompt (never a
    default); no demo data, no demo account; that admin can log in."""
    url = f"sqlite:///{tmp_path / 'county.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    res = runner.invoke(app, ["init", "chief"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert res.exit_code == 0, res.output
    assert database_state(url) == DatabaseState.COUNTY
    assert counts(url) == (0, ["chief"])
    assert "chief" in login_as("chief", PASSWORD)
    again = runner.invoke(app, ["init", "other"], env={"RELIEF_NEW_PASSWORD": PASSWORD})
    assert again.exit_code == ExitCode.REFUSED  # users exist


def test_init_refuses_a_weak_first_password(tmp_path, monkeypatch):
    """The first admin's password passes the same policy as every other."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'county.db'}")
    res = runner.invoke(app, ["init", "chief"], env={"RELIEF_NEW_PASSWORD": "password1234"})
    assert res.exit_code == ExitCode.REFUSED and "常用密码" in res.output


def test_init_refuses_a_demo_database(demo_url, tmp_path, monkeypatch):
    """A demo database never becomes a real installation."""
    import shutil

    path = tmp_path / "demo.db"
    shutil.copy(demo_url.removeprefix("sqlite:///"), path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    res = runner.invoke(app, ["init", "chief"], env={"RELIEF_NEW_PASSWORD": PASSWORD})
    assert res.exit_code == ExitCode.REFUSED and "示范库" in res.output


def _login_page(services) -> AppTest:
    at = AppTest.from_file(str(ROOT / "stockpile" / "app" / "pages" / "login.py"), default_timeout=30)
    at.session_state["services"] = services
    at.run()
    assert not at.exception
    return at


def test_login_page_lists_demo_accounts_only_in_a_demo_database(demo_url, tmp_path, monkeypatch):
    """The demo accounts are shown on the demo database's login page and on no other, whatever the settings."""
    demo = _login_page(build_services(Settings(database_url=demo_url)))
    assert any("keeper_demo" in str(i.value) for i in demo.info)
    url = f"sqlite:///{tmp_path / 'county.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert runner.invoke(app, ["init", "chief"], env={"RELIEF_NEW_PASSWORD": PASSWORD}).exit_code == 0
    real = _login_page(build_services(Settings(database_url=url, role_picker=True)))
    assert not any("keeper_demo" in str(i.value) or "demo-2026" in str(i.value) for i in real.info)


def test_role_picker_works_only_in_a_demo_database(tmp_path, monkeypatch):
    """RELIEF_ROLE_PICKER=1 on a real installation does not act as anyone: the visitor is a guest (login page)."""
    url = f"sqlite:///{tmp_path / 'county.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert runner.invoke(app, ["init", "chief"], env={"RELIEF_NEW_PASSWORD": PASSWORD}).exit_code == 0
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["services"] = build_services(Settings(database_url=url, role_picker=True))
    at.run()
    assert not at.exception
    assert not [s for s in at.sidebar.selectbox if s.key and s.key.startswith("role_picker")]
    assert "user" not in at.session_state  # nobody: only the login page (it forgets any role)
    assert [t.value for t in at.title] == ["登录"]


def _make_n(*args: str, env: dict[str, str] | None = None) -> str:
    full = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | (env or {})
    res = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "run", *args], capture_output=True, text=True, env=full, check=True
    )
    return res.stdout


def test_make_run_builds_the_demo_only_for_the_default_demo_file(tmp_path):
    """`make run` (dry run) builds the demo when the default demo file is absent, and never when DATABASE_URL
    names another database (PostgreSQL or another SQLite file)."""
    db = f"DB={tmp_path / 'demo.db'}"
    assert "relief demo" in _make_n(db)
    for url in ("postgresql+psycopg://relief@127.0.0.1/county", f"sqlite:///{tmp_path / 'county.db'}"):
        assert "relief demo" not in _make_n(db, env={"DATABASE_URL": url})
        assert "relief demo" not in _make_n(db, f"DATABASE_URL={url}")


@pytest.mark.postgres
def test_an_empty_postgresql_database_can_become_a_demo_and_only_once_marked():
    """PostgreSQL: a database without tables is `empty`; `create_demo_database` migrates and marks it `demo`; after
    `relief init` marks another database `county`, it is refused."""
    from sqlalchemy import text

    from stockpile.adapters.db.database_kind import mark
    from stockpile.demo.builder import create_demo_database
    from tests.conftest import pg_url_or_skip

    url = pg_url_or_skip()
    engine = make_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    assert database_state(url) == DatabaseState.EMPTY
    create_demo_database(url)
    assert database_state(url) == DatabaseState.DEMO
    mark(url, DatabaseState.COUNTY)
    with pytest.raises(NotADemoDatabase):
        create_demo_database(url)
