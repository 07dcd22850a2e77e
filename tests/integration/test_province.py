"""A province on one server: two counties, each its own database on one PostgreSQL server, chosen with
`relief --county CODE` from the registry (RELIEF_COUNTIES_FILE). A keeper of county A never sees county B: logins,
sessions and stock live in each county's own database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, make_url, text, update
from typer.testing import CliRunner

from stockpile.adapters.db.engine import create_schema, make_engine
from stockpile.adapters.orm.auth import UserRow
from stockpile.adapters.repos.passwords import Argon2Hasher
from stockpile.bootstrap import build_services
from stockpile.cli.main import app
from stockpile.config import Settings
from stockpile.schemas import ReceiptCmd
from tests.conftest import TEST_NOW, pg_url_or_skip
from tests.support.factory import seed_minimal, seed_users

pytestmark = pytest.mark.postgres
runner = CliRunner()
COUNTIES = {"360401": ("甲县", "LOT-A", 10), "360402": ("乙县", "LOT-B", 7)}
PASSWORD = {"360401": "Gan-county-one-2026", "360402": "Gan-county-two-2026"}


def _fresh_database(server_url: str, name: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _seed_county(url: str, code: str, extra_users: dict[str, tuple[str, tuple[str, ...]]]) -> None:
    engine = make_engine(url)
    create_schema(engine)
    seed_minimal(engine)  # with the test users (keeper1 keeps D-COUNTY)
    if extra_users:
        seed_users(engine, extra_users)
    with engine.begin() as c:  # each county's keeper1 has its own password
        c.execute(update(UserRow).values(password_hash=Argon2Hasher().hash(PASSWORD[code])))
    engine.dispose()
    _, lot, qty = COUNTIES[code]
    svc = build_services(Settings(database_url=url))
    svc.ledger.record_receipt(
        ReceiptCmd(
            client_id=uuid.uuid4(),
            actor="keeper1",
            occurred_at=TEST_NOW - timedelta(hours=1),
            site_code="D-COUNTY",
            item_code="1020101",
            lot_no=lot,
            qty=qty,
            expiry=date(2099, 1, 1),
        )
    )


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """Two county databases on the test server and the registry naming them (by the server URL)."""
    server = make_url(pg_url_or_skip()).set(database="postgres").render_as_string(hide_password=False)
    lines = [f'server = "{server.rsplit("/", 1)[0]}"']
    for code, (name, _, _) in COUNTIES.items():
        url = _fresh_database(server, f"relief_{code}")
        _seed_county(url, code, {})
        lines += [f"[counties.{code}]", f'name = "{name}"']
    path = tmp_path_factory.mktemp("province") / "counties.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def registry(province, monkeypatch):
    monkeypatch.setenv("RELIEF_COUNTIES_FILE", str(province))
    monkeypatch.delenv("RELIEF_COUNTY", raising=False)
    return province


def _relief(*args: str, **env: str):
    return runner.invoke(app, list(args), env=env or None)


def test_county_list_names_both_without_a_login(registry):
    res = _relief("county", "list")
    assert res.exit_code == 0, res.output
    assert "360401" in res.output and "乙县" in res.output and "relief_360402" in res.output


def test_an_unknown_county_is_a_sentence_not_a_traceback(registry):
    res = _relief("--county", "999999", "stock")
    assert res.exit_code == 2
    assert "999999" in res.output and "360401" in res.output
    assert "Traceback" not in res.output


def test_a_keeper_of_county_a_never_sees_county_b(registry):
    """keeper1 of 甲县 logs in there and reads 甲县's stock only; in 乙县 the login does not exist (own session file,
    own session table) and 甲县's password is not 乙县's keeper1's."""
    ok = _relief("--county", "360401", "login", "keeper1", RELIEF_PASSWORD=PASSWORD["360401"])
    assert ok.exit_code == 0, ok.output
    mine = _relief("--county", "360401", "stock")
    assert mine.exit_code == 0, mine.output
    assert "LOT-A" in mine.output and "LOT-B" not in mine.output
    other = _relief("--county", "360402", "stock")
    assert other.exit_code == 3 and "LOT-B" not in other.output
    token = _relief(
        "--county", "360401", "login", "keeper1", "--print-token", RELIEF_PASSWORD=PASSWORD["360401"]
    )
    smuggled = _relief("--county", "360402", "stock", RELIEF_SESSION_TOKEN=token.output.strip())
    assert smuggled.exit_code == 3 and "LOT-B" not in smuggled.output
    wrong = _relief("--county", "360402", "login", "keeper1", RELIEF_PASSWORD=PASSWORD["360401"])
    assert wrong.exit_code == 3
